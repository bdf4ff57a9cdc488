//! `junro-engine`: runs Junro flows.
//!
//! [`source::load`] reads flow files and folders (the only place flows meet the disk) and hands
//! them to `junro-dsl`; [`compile`] turns a checked program into flow graphs; [`machine`] is the
//! pure state machine; [`Engine`] runs orders durably on SQLite or PostgreSQL ([`store`]) with
//! timers and an action outbox; [`kpi`] turns the event history into the KPIs of
//! `shared/kpi.md`, and [`export`] into event logs for process-mining tools.

pub mod calendar;
pub mod clock;
pub mod compile;
pub mod examples;
pub mod explain;
pub mod export;
pub mod kpi;
pub mod machine;
pub mod replay;
pub mod runtime;
pub mod scenario;
pub mod script;
pub mod source;
pub mod store;
pub mod table;

pub use junro_dsl as dsl;
pub use runtime::{
    ActionRequest, ActionResult, BatchItem, DeputyError, Engine, EngineError, EngineOptions, StartOrder,
};
