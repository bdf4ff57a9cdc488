//! Process analytics: the KPIs of `../shared/kpi.md`, computed from the event history only.
//!
//! - [`attribution`]: the vendor an order is attributed to, and whether a person started
//!   back-office work in it (which breaks one-stop).
//! - [`report`]: the figures themselves, as typed rows ([`KpiReport`], [`StalledReport`]).
//! - [`view`]: the same figures as generic tables ([`View`]) for renderers (terminal, CSV, JSON,
//!   XLSX, HTML).

pub mod attribution;
pub mod report;
pub mod view;

pub use attribution::{OrderFacts, SELF_SERVICE};
pub use report::{
    Bottleneck, DayFlow, Distribution, FlowOverTime, GroupKpi, KpiReport, OpenTaskAlert, OrderKpi, StalledOrder,
    StalledReport, StepKpi, VendorStepCount, Window,
};
pub use view::{Cell, Column, Unit, View};
