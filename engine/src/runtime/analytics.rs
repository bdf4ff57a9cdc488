//! The KPI entry points of the embedding API: [`Engine::kpi_report`], [`Engine::stalled`], and
//! [`Engine::kpi_data`] for callers that want several reports from one read.

use super::{Engine, EngineError};
use crate::calendar::{Calendar, Calendars};
use crate::compile::CompiledFlow;
use crate::kpi::case::{self, CaseFigures};
use crate::kpi::summary::{self, CHUNK_ORDERS};
use crate::kpi::{FlowLookup, KpiConfig, KpiReport, OrderKpi, StalledReport, Window, compute, stalled};
use crate::store::{
    HistoryEntry, InstanceRow, KpiChunk, NewKpiChunk, RawEvent, StoreError, decode_event, from_micros, group_by_root,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which orders a KPI report covers.
#[derive(Debug, Clone, Default)]
pub struct KpiQuery {
    /// Count orders from this moment (inclusive); `None`: from the first order.
    pub from: Option<Timestamp>,
    /// … up to this moment (exclusive); `None`: up to now.
    pub to: Option<Timestamp>,
    /// "Now" for queues, WIP and the reminder list; `None`: the engine's clock, or the last
    /// recorded event when that is later (a simulated month runs ahead of the clock).
    pub now: Option<Timestamp>,
}

/// The deployed flows and calendars, as the KPIs look them up.
struct Flows {
    flows: BTreeMap<(String, u32), Arc<CompiledFlow>>,
    calendars: Calendars,
}

impl Flows {
    fn flow(&self, flow: &str, version: u32) -> Option<&CompiledFlow> {
        self.flows.get(&(flow.to_string(), version)).map(|f| &**f)
    }
}

impl FlowLookup for Flows {
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

/// Every order's KPI figures as of one moment, read once from the database; reports of any
/// window and the reminder list are computed from it.
pub struct KpiData {
    figures: Vec<CaseFigures>,
    flows: Flows,
    now: Timestamp,
    events: usize,
    summarised: usize,
}

impl KpiData {
    /// "Now" of these figures.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// How many orders (root flow instances) were read.
    pub fn orders(&self) -> usize {
        self.figures.len()
    }

    /// How many stored events the figures come from (those of the kinds the KPIs use),
    /// whether read now or summarised earlier.
    pub fn events(&self) -> usize {
        self.events
    }

    /// How many orders' figures were read from the KPI summary rather than computed from
    /// their events.
    pub fn summarised(&self) -> usize {
        self.summarised
    }

    /// The time zone days, weeks and months are taken in (the default calendar's).
    pub fn zone(&self) -> TimeZone {
        self.flows.calendars.default_calendar().zone().clone()
    }

    /// The KPI report of a window (`query.now` is ignored: the data has its own "now").
    pub fn report(&self, query: &KpiQuery, config: &KpiConfig) -> KpiReport {
        let zone = self.zone();
        let window = Window {
            from: query.from,
            to: query.to,
            now: self.now,
            time_zone: zone.iana_name().unwrap_or("UTC").to_string(),
        };
        compute::report(&self.figures, &self.flows, config, window, &zone)
    }

    /// The reminder list.
    pub fn stalled(&self, config: &KpiConfig) -> StalledReport {
        stalled::stalled(&self.figures, &self.flows, config, self.now.as_second())
    }

    /// Keeps only the orders `keep` accepts, judged by their own figures (flow, attributed
    /// vendor, channel, …), so that reports and the reminder list cover those orders alone: one
    /// vendor's for its managers. [`KpiData::orders`] and [`KpiData::summarised`] count the
    /// orders kept; [`KpiData::events`] still counts the events of every order read.
    pub fn retain(&mut self, mut keep: impl FnMut(&OrderKpi) -> bool) {
        // The summary's figures come first (see `kpi_data`).
        let (summarised, mut seen, mut kept_summarised) = (self.summarised, 0, 0);
        self.figures.retain(|figures| {
            let kept = keep(&figures.order);
            if kept && seen < summarised {
                kept_summarised += 1;
            }
            seen += 1;
            kept
        });
        self.summarised = kept_summarised;
    }
}

/// Each order's figures, the orders shared out over the machine's cores (orders are
/// independent of each other).
fn figures_on_every_core(cases: &[Vec<case::InstanceLog>], flows: &Flows, now: i64) -> Vec<CaseFigures> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let size = cases.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = cases
            .chunks(size)
            .map(|part| scope.spawn(move || part.iter().map(|c| case::figures(c, flows, now)).collect::<Vec<_>>()))
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

/// The figures of the summary's chunks, decoded on every core (chunks are independent).
fn decode_on_every_core(chunks: &[KpiChunk]) -> Result<Vec<CaseFigures>, StoreError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    let size = chunks.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = chunks
            .chunks(size)
            .map(|part| {
                scope.spawn(move || {
                    let mut figures = Vec::new();
                    for chunk in part {
                        let decoded = summary::decode(&chunk.figures).map_err(|error| StoreError::Corrupt {
                            order: format!("KPI summary chunk {}", chunk.id),
                            message: error.to_string(),
                        })?;
                        figures.extend(decoded);
                    }
                    Ok::<_, StoreError>(figures)
                })
            })
            .collect();
        let mut all = Vec::new();
        for part in parts {
            all.extend(part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
        }
        Ok(all)
    })
}

impl Engine {
    /// Reads the KPI summary and the history of every other order (the kinds of events the
    /// KPIs use, streamed) and computes each order's figures as of `now` (see
    /// [`KpiQuery::now`] for the default).
    ///
    /// Finished orders (closed, with their subflows, and no step open) have figures that no
    /// longer change: once at least `EngineOptions::kpi_summary_min` of them are not yet in the
    /// summary, they are stored there in chunks, and later reports read those chunks instead of
    /// the orders' events. The summary is recomputed when the engine's version or the calendars
    /// change.
    pub async fn kpi_data(&self, now: Option<Timestamp>) -> Result<KpiData, EngineError> {
        let key = summary::key(&self.calendars);
        let snapshot = crate::kpi::read(self.store.as_ref(), &key).await?;
        let summarised_events: u64 = snapshot.chunks.iter().map(|c| c.events).sum();
        let events = usize::try_from(summarised_events).unwrap_or(usize::MAX)
            + snapshot.cases.iter().flatten().map(|i| i.facts.len()).sum::<usize>();
        let now = now.unwrap_or_else(|| {
            let live = snapshot.cases.iter().flatten().map(|i| i.updated_at).max().unwrap_or(0);
            let stored = snapshot.chunks.iter().map(|c| c.last_update_us.div_euclid(1_000_000)).max().unwrap_or(0);
            self.now().max(case::timestamp(live.max(stored)))
        });
        let flows = {
            let catalogs = self.catalogs.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            Flows { flows: catalogs.flows.clone(), calendars: self.calendars.clone() }
        };
        let live = figures_on_every_core(&snapshot.cases, &flows, now.as_second());
        self.summarise(&key, &snapshot.cases, &live).await?;
        let mut figures = decode_on_every_core(&snapshot.chunks)?;
        let summarised = figures.len();
        figures.extend(live);
        Ok(KpiData { figures, flows, now, events, summarised })
    }

    /// Stores the figures of finished orders not yet in the summary, in chunks of at most
    /// [`CHUNK_ORDERS`], when there are at least `kpi_summary_min` of them.
    async fn summarise(
        &self,
        key: &str,
        cases: &[Vec<case::InstanceLog>],
        figures: &[CaseFigures],
    ) -> Result<(), EngineError> {
        let finished: Vec<usize> = (0..cases.len()).filter(|&n| summary::finished(&cases[n], &figures[n])).collect();
        for part in finished.chunks(CHUNK_ORDERS) {
            if part.len() < self.kpi_summary_min {
                break;
            }
            let chosen: Vec<&CaseFigures> = part.iter().map(|&n| &figures[n]).collect();
            let instances: Vec<String> = part.iter().flat_map(|&n| cases[n].iter().map(|i| i.id.clone())).collect();
            let events = part.iter().flat_map(|&n| &cases[n]).map(|i| i.facts.len() as u64).sum();
            let last_update = part.iter().flat_map(|&n| &cases[n]).map(|i| i.updated_at).max().unwrap_or(0);
            let bytes =
                summary::encode(&chosen).map_err(|e| EngineError::Invalid(format!("encoding KPI figures: {e}")))?;
            // `false`: another process summarised some of these orders first; they are counted
            // here from their events this time and read from its chunk next time.
            self.store
                .save_kpi_chunk(NewKpiChunk {
                    key,
                    orders: part.len() as u64,
                    events,
                    last_update_us: last_update.saturating_mul(1_000_000),
                    figures: bytes,
                    instances: &instances,
                })
                .await?;
        }
        Ok(())
    }

    /// Every order's history with its subflows' (each group: the order first, then its
    /// subflows, parents before children), read in one pass over the database: what the
    /// event-log export reads.
    pub async fn histories_by_order(&self) -> Result<Vec<Vec<(InstanceRow, Vec<HistoryEntry>)>>, EngineError> {
        let mut all = Vec::new();
        {
            let mut sink = |row: InstanceRow, events: &mut dyn Iterator<Item = Result<RawEvent<'_>, StoreError>>| {
                let mut history = Vec::with_capacity(events.size_hint().0);
                for event in events {
                    let e = event?;
                    let decoded = decode_event(e.kind, e.body).map_err(|error| StoreError::Corrupt {
                        order: row.id.clone(),
                        message: format!("event {}: {error}", e.seq),
                    })?;
                    history.push(HistoryEntry {
                        seq: u64::try_from(e.seq).unwrap_or(0),
                        at: from_micros(e.at_us),
                        event: decoded,
                    });
                }
                all.push((row, history));
                Ok(())
            };
            self.store.scan_instances(&[], &mut sink).await?;
        }
        Ok(group_by_root(all, |(row, _)| row.id.as_str(), |(row, _)| row.parent.as_deref()))
    }

    /// The KPI report of `query`'s window: per order, step, vendor, flow, channel and period,
    /// bottlenecks, and flow over time, as `../shared/kpi.md` defines them.
    pub async fn kpi_report(&self, query: &KpiQuery, config: &KpiConfig) -> Result<KpiReport, EngineError> {
        Ok(self.kpi_data(query.now).await?.report(query, config))
    }

    /// The reminder list at `now`: open orders with no event for longer than the configured
    /// business hours, and tasks overdue or due within the at-risk horizon.
    pub async fn stalled(&self, now: Option<Timestamp>, config: &KpiConfig) -> Result<StalledReport, EngineError> {
        Ok(self.kpi_data(now).await?.stalled(config))
    }
}
