//! The KPI entry points of the embedding API: [`Engine::kpi_report`] and [`Engine::stalled`].

use super::{Catalogs, Engine, EngineError};
use crate::calendar::{Calendar, Calendars};
use crate::kpi::case::{self, CaseFigures};
use crate::kpi::{FlowLookup, KpiConfig, KpiReport, StalledReport, Window, compute, stalled};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Which orders a KPI report covers.
#[derive(Debug, Clone, Default)]
pub struct KpiQuery {
    /// Count closed orders from this moment (inclusive); `None`: from the first order.
    pub from: Option<Timestamp>,
    /// … up to this moment (exclusive); `None`: up to now.
    pub to: Option<Timestamp>,
    /// "Now" for queues, WIP and the reminder list; `None`: the engine's clock, or the last
    /// recorded event when that is later (a simulated month runs ahead of the clock).
    pub now: Option<Timestamp>,
}

/// The deployed flows and calendars, as the KPIs look them up.
struct Flows<'a> {
    catalogs: &'a Catalogs,
    calendars: &'a Calendars,
}

impl Flows<'_> {
    fn flow(&self, flow: &str, version: u32) -> Option<&crate::compile::CompiledFlow> {
        self.catalogs.flows.get(&(flow.to_string(), version)).map(|f| &**f)
    }
}

impl FlowLookup for Flows<'_> {
    fn step_label(&self, flow: &str, version: u32, step: &str) -> String {
        self.flow(flow, version).and_then(|f| f.node(step)).map_or_else(|| step.to_string(), |n| n.label.clone())
    }

    fn onestop_eligible(&self, flow: &str, version: u32) -> bool {
        self.flow(flow, version).is_some_and(|f| f.onestop_eligible)
    }

    fn sla(&self, flow: &str, version: u32) -> Option<u64> {
        self.flow(flow, version).and_then(|f| f.sla)
    }

    fn calendar(&self, flow: &str, version: u32) -> &Calendar {
        self.flow(flow, version)
            .and_then(|f| f.calendar.as_deref())
            .and_then(|name| self.calendars.get(name))
            .unwrap_or(self.calendars.default_calendar())
    }
}

impl Engine {
    /// Reads every order's history and computes its figures as of `now`.
    async fn case_figures(&self, now: Option<Timestamp>) -> Result<(Vec<CaseFigures>, Timestamp), EngineError> {
        let cases = crate::kpi::read(self.store.as_ref()).await?;
        let now = now.unwrap_or_else(|| {
            let last = cases.iter().flatten().map(|i| i.updated_at).max().unwrap_or(0);
            self.now().max(case::timestamp(last))
        });
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let flows = Flows { catalogs: &catalogs, calendars: &self.calendars };
        let figures = cases.iter().map(|c| case::figures(c, &flows, now.as_second())).collect();
        Ok((figures, now))
    }

    /// The KPI report of `query`'s window: per order, step, vendor, flow, channel and period,
    /// bottlenecks, and flow over time, as `../shared/kpi.md` defines them.
    pub async fn kpi_report(&self, query: &KpiQuery, config: &KpiConfig) -> Result<KpiReport, EngineError> {
        let (figures, now) = self.case_figures(query.now).await?;
        let zone = self.calendars.default_calendar().zone().clone();
        let window = Window { from: query.from, to: query.to, now, time_zone: zone_name(&zone) };
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let flows = Flows { catalogs: &catalogs, calendars: &self.calendars };
        Ok(compute::report(&figures, &flows, config, window, &zone))
    }

    /// The reminder list at `now`: open orders with no event for longer than the configured
    /// business hours, and tasks overdue or due within the at-risk horizon.
    pub async fn stalled(&self, now: Option<Timestamp>, config: &KpiConfig) -> Result<StalledReport, EngineError> {
        let (figures, now) = self.case_figures(now).await?;
        let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let flows = Flows { catalogs: &catalogs, calendars: &self.calendars };
        Ok(stalled::stalled(&figures, &flows, config, now.as_second()))
    }

    /// The time zone reports bucket days in (the default calendar's).
    pub fn report_zone(&self) -> TimeZone {
        self.calendars.default_calendar().zone().clone()
    }
}

fn zone_name(zone: &TimeZone) -> String {
    zone.iana_name().unwrap_or("UTC").to_string()
}
