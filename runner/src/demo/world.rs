//! Everyone outside the company: customers who place orders (by phone, on the web, in a shop, on
//! paper), send documents days later or never, and sometimes cancel; partners who report that
//! construction is done, a parcel delivered, a number ported. Signals are planned when an order is
//! seen waiting for them and delivered at their time (or late, when the order has moved on).

use super::actions::{self, Shared};
use super::catalog::Catalog;
use super::rng::Rng;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use junro_engine::compile::{NodeKind, WaitArmSpec};
use junro_engine::machine::{Activity, Actor, Command, CommandError, Status};
use junro_engine::runtime::signals::SignalOutcome;
use junro_engine::{Engine, EngineError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// One order arriving.
pub(crate) struct Arrival {
    /// When it is entered (started).
    pub(crate) at: Timestamp,
    /// When the customer sent it (earlier for paper and mail).
    pub(crate) received: Timestamp,
    /// Flow id.
    pub(crate) flow: String,
    /// The vendor, when known at start (shops are run by the vendors).
    pub(crate) vendor: Option<&'static str>,
}

/// The demo's time zone.
pub(crate) fn tokyo() -> TimeZone {
    TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC)
}

/// `date` at `hour:minute` in Tokyo.
pub(crate) fn at(date: Date, hour: i8, minute: i8) -> Timestamp {
    let time = Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight());
    date.to_datetime(time).to_zoned(tokyo()).map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp())
}

fn plus(t: Timestamp, seconds: f64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(seconds as i64)).unwrap_or(t)
}

const DAY: f64 = 86_400.0;

/// The orders of one day: `per_day` on a working day, a fifth of it (web, app and shops only) on
/// weekends and holidays.
pub(crate) fn arrivals(date: Date, working: bool, per_day: f64, catalog: &Catalog, rng: &mut Rng) -> Vec<Arrival> {
    let open = |channel: Option<&str>| working || matches!(channel, Some("web" | "app" | "store"));
    let choices: Vec<(&String, Option<&str>, f64)> = catalog
        .arrivals
        .iter()
        .filter_map(|(id, w)| {
            let channel = catalog.flows.get(id)?.flow.channel.as_deref();
            open(channel).then_some((id, channel, *w))
        })
        .collect();
    if choices.is_empty() {
        return Vec::new();
    }
    let weights: Vec<f64> = choices.iter().map(|(_, _, w)| *w).collect();
    let count = (per_day * if working { 1.0 } else { 0.2 } * rng.between(0.85, 1.15)).round() as usize;
    let mut day = Vec::with_capacity(count);
    for _ in 0..count {
        let (flow, channel, _) = choices[rng.weighted(&weights)];
        let (from, to) = match channel {
            Some("web" | "app") => (8.0, 19.0),
            Some("store") => (10.0, 19.0),
            Some("paper" | "mail") => (9.0, 17.0),
            _ => (9.0, 18.0),
        };
        let entered = plus(at(date, 0, 0), rng.between(from, to) * 3_600.0);
        let received = match channel {
            Some("paper" | "mail") => plus(entered, -rng.between(1.0, 3.0) * DAY),
            _ => entered,
        };
        // Shops are run by the vendors; a quarter of web and app orders come through a vendor's
        // sales site. The others get their vendor from whoever works their first front task.
        let through_vendor = match channel {
            Some("store") => true,
            Some("web" | "app") => rng.chance(0.25),
            _ => false,
        };
        let vendor = through_vendor.then(|| *rng.pick(&["vendor_a", "vendor_b", "vendor_c"]));
        day.push(Arrival { at: entered, received, flow: flow.clone(), vendor });
    }
    day.sort_by_key(|a| a.at);
    day
}

/// Counters of what the outside world did.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    /// Signals delivered.
    pub(crate) signals: u64,
    /// Signals that came after the order stopped waiting (a timeout fired, or it was cancelled).
    pub(crate) late: u64,
    /// Orders the customer cancelled (by an administrator, or the flow's own cancel signal).
    pub(crate) cancelled: u64,
}

/// Customers and partners.
#[derive(Default)]
pub(crate) struct World {
    deliveries: BTreeMap<(Timestamp, u64), (String, &'static str)>,
    cancels: BTreeMap<(Timestamp, u64), (String, u32)>,
    seq: u64,
    planned: BTreeSet<(String, u64)>,
    watched: BTreeMap<String, Timestamp>,
    dirty: BTreeSet<String>,
    /// What happened.
    pub(crate) counts: Counts,
}

impl World {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Watches an order that may wait for signals; looks at it at the end of this step.
    pub(crate) fn watch(&mut self, order: &str, now: Timestamp) {
        self.watched.insert(order.to_string(), now);
        self.dirty.insert(order.to_string());
    }

    /// Something happened to `order`: look at it again at the end of this step.
    pub(crate) fn touch(&mut self, order: &str, now: Timestamp) {
        self.watched.entry(order.to_string()).or_insert(now);
        self.dirty.insert(order.to_string());
    }

    /// Looks again at watched orders not seen for four days (a timer may have moved them).
    pub(crate) fn recheck(&mut self, now: Timestamp) {
        let stale = plus(now, -4.0 * DAY);
        let old: Vec<String> = self.watched.iter().filter(|(_, seen)| **seen < stale).map(|(o, _)| o.clone()).collect();
        self.dirty.extend(old);
    }

    /// The customer will cancel `order` at `at`.
    pub(crate) fn cancel_later(&mut self, order: &str, at: Timestamp) {
        let seq = self.next();
        self.cancels.insert((at, seq), (order.to_string(), 0));
    }

    /// Looks at the orders something happened to, and plans the signals they now wait for.
    pub(crate) async fn look(
        &mut self,
        engine: &Engine,
        catalog: &Catalog,
        shared: &Mutex<Shared>,
        rng: &mut Rng,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        for order in std::mem::take(&mut self.dirty) {
            let view = match engine.order(&order).await {
                Ok(view) => view,
                Err(EngineError::UnknownOrder(_)) => {
                    self.watched.remove(&order);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if matches!(view.state.status, Status::Closed { .. }) {
                self.watched.remove(&order);
                // A subflow that ended moved its caller on, maybe into a wait.
                if let Some((parent, _)) = view.state.parent {
                    self.touch(&parent, now);
                }
                continue;
            }
            self.watched.insert(order.clone(), now);
            let Some(info) = catalog.flows.get(&view.state.flow) else { continue };
            for token in view.state.tokens.values() {
                if !matches!(token.activity, Activity::Waiting { .. }) {
                    continue;
                }
                let Some(NodeKind::Wait(arms)) = info.flow.node(&token.step).map(|n| &n.kind) else { continue };
                let signals: Vec<&str> = arms
                    .iter()
                    .filter_map(|(arm, _)| match arm {
                        WaitArmSpec::Signal { signal, .. } => Some(signal.as_str()),
                        _ => None,
                    })
                    .collect();
                if !signals.is_empty() && self.planned.insert((order.clone(), token.instance)) {
                    let flawed = actions::flawed(engine, shared, &order).await?;
                    self.plan(&order, &signals, flawed, rng, now);
                }
            }
        }
        Ok(())
    }

    /// Plans which of `signals` arrives for `order`, and when (or that none does).
    /// A wrong address or phone number keyed at the front (`flawed`) keeps parcels and
    /// construction crews from arriving and customers from being reached.
    fn plan(&mut self, order: &str, signals: &[&str], flawed: bool, rng: &mut Rng, now: Timestamp) {
        let has = |s: &str| signals.contains(&s);
        let lost = flawed && rng.chance(0.7);
        let (signal, days): (&'static str, f64) = if has("customer_cancelled") && rng.chance(0.05) {
            ("customer_cancelled", rng.between(0.3, 3.0))
        } else {
            let Some(primary) = signals.iter().find(|s| !s.ends_with("_cancelled")) else { return };
            match *primary {
                "construction_done" | "survey_done" | "equipment_delivered" | "customer_confirmed" if lost => return,
                "construction_done" if has("construction_cancelled") && rng.chance(0.04) => {
                    ("construction_cancelled", rng.between(2.0, 6.0))
                }
                "construction_done" => ("construction_done", rng.between(3.0, 10.0)),
                "survey_done" => ("survey_done", rng.between(2.0, 6.0)),
                "equipment_delivered" => ("equipment_delivered", rng.between(1.0, 3.0)),
                "meter_switched" => ("meter_switched", rng.between(3.0, 8.0)),
                "number_ported" if rng.chance(0.95) => ("number_ported", rng.between(0.1, 0.4)),
                "payment_confirmed" if rng.chance(0.9) => ("payment_confirmed", rng.between(1.0, 7.0)),
                "equipment_returned" if rng.chance(0.8) => ("equipment_returned", rng.between(3.0, 20.0)),
                "documents_received" | "customer_confirmed" | "appointment_set" if rng.chance(0.85) => {
                    (known(primary), rng.between(1.0, 5.0))
                }
                // The customer never answers, or the partner never reports: the wait's timeout fires.
                _ => return,
            }
        };
        let seq = self.next();
        self.deliveries.insert((plus(now, days * DAY), seq), (order.to_string(), signal));
    }

    /// Delivers the signals that are due.
    pub(crate) async fn deliver(&mut self, engine: &Engine, now: Timestamp) -> Result<(), EngineError> {
        while let Some(entry) = self.deliveries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (order, signal) = entry.remove();
            let today = now.to_zoned(tokyo()).date().to_string();
            let data = match signal {
                "construction_done" => json!({ "construction_date": today }),
                _ => json!({}),
            };
            match engine.signal(&order, signal, data.as_object().cloned().unwrap_or_default()).await {
                Ok(outcome) => {
                    self.counts.signals += 1;
                    if signal == "customer_cancelled" && outcome == SignalOutcome::Delivered {
                        self.counts.cancelled += 1;
                    }
                    self.touch(&order, now);
                }
                Err(EngineError::Command(
                    CommandError::NoWaiter { .. } | CommandError::Closed(_) | CommandError::OnHold(_),
                )) => {
                    self.counts.late += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Carries out the customers' cancellations that are due: the flow's own `customer_cancelled`
    /// when the order waits for it, else a cancel by an administrator. An order that waits for a
    /// subflow is retried daily instead: cancelling it now would leave the subflow order open and
    /// stuck (the engine does not end a cancelled order's subflows).
    pub(crate) async fn cancel(
        &mut self,
        engine: &Engine,
        admin: &Actor,
        catalog: &Catalog,
        now: Timestamp,
    ) -> Result<(), EngineError> {
        while let Some(entry) = self.cancels.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (order, tries) = entry.remove();
            let view = engine.order(&order).await?;
            if !matches!(view.state.status, Status::Open) {
                continue;
            }
            let info = catalog.flows.get(&view.state.flow);
            let waits_for_cancel = view.state.tokens.values().any(|t| {
                matches!(t.activity, Activity::Waiting { .. })
                    && matches!(info.and_then(|i| i.flow.node(&t.step)).map(|n| &n.kind),
                        Some(NodeKind::Wait(arms)) if arms.iter().any(|(a, _)| matches!(a, WaitArmSpec::Signal { signal, .. } if signal == "customer_cancelled")))
            });
            let calling = view.state.tokens.values().any(|t| matches!(t.activity, Activity::Calling { .. }));
            let result = if waits_for_cancel {
                engine.signal(&order, "customer_cancelled", Default::default()).await.map(|_| ())
            } else if calling {
                if tries < 10 {
                    let seq = self.next();
                    self.cancels.insert((plus(now, DAY), seq), (order, tries + 1));
                }
                continue;
            } else {
                engine.apply(&order, admin, Command::Cancel { reason: "お客様都合による取消".into() }).await
            };
            match result {
                Ok(()) => self.counts.cancelled += 1,
                Err(EngineError::Command(
                    CommandError::NoWaiter { .. } | CommandError::Closed(_) | CommandError::OnHold(_),
                )) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// The static name of a customer signal.
fn known(signal: &str) -> &'static str {
    match signal {
        "documents_received" => "documents_received",
        "customer_confirmed" => "customer_confirmed",
        _ => "appointment_set",
    }
}
