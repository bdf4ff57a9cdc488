//! The reminder list: open orders that stopped moving, and tasks overdue or at risk — what the
//! back office works from to remind people before deadlines pass.

use super::FlowLookup;
use super::case::{CaseFigures, StepRun, bh, extended_due, timestamp};
use super::config::KpiConfig;
use super::facts::WaitKind;
use super::report::{FollowUpGroup, OpenTaskAlert, StalledOrder, StalledReport};
use crate::calendar::Calendar;
use std::collections::BTreeMap;

/// The aging bucket of an order received at `received`: whole working days to `now`.
fn aging_bucket(calendar: &Calendar, received: i64, now: i64) -> &'static str {
    let after = |days: u64| calendar.add_sla(timestamp(received), days * 86_400).as_second() <= now;
    if after(7) {
        ">7d"
    } else if after(3) {
        "3-7d"
    } else if after(1) {
        "1-3d"
    } else {
        "0-1d"
    }
}

/// Why an open order is stalled (kpi.md), or `None` when it is not: an open incident always
/// is; otherwise, past the threshold without an event, a person's step nobody finished
/// (`nobody acting`), an automatic step no worker ran (`automatic`), a wait for a partner's or
/// a system's signal (`overdue wait`). A wait for a time or a date only is planned: not
/// stalled, however long; the stopped clock (a hold, the customer) neither.
fn why_stalled(case: &CaseFigures, open: &[&StepRun], stopped_now: bool, idle: bool) -> Option<&'static str> {
    if !case.open_incidents.is_empty() {
        return Some("incident");
    }
    if stopped_now || !idle {
        return None;
    }
    if open.iter().any(|r| r.human) {
        Some("nobody acting")
    } else if open.iter().any(|r| r.wait.is_none()) {
        Some("automatic")
    } else if open.iter().any(|r| r.wait == Some(WaitKind::Partner)) {
        Some("overdue wait")
    } else {
        None
    }
}

/// The reminder list at `now`.
pub(crate) fn stalled(cases: &[CaseFigures], flows: &dyn FlowLookup, config: &KpiConfig, now: i64) -> StalledReport {
    let horizon = (config.at_risk_hours * 3600.0).round() as i64;
    let mut stalled = Vec::new();
    let mut tasks = Vec::new();
    // (vendor, flow, step) → (version for the label, [stalled, overdue, at risk])
    let mut groups: BTreeMap<(String, String, String), (u32, [u64; 3])> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.closed.is_none()) {
        let o = &case.order;
        let calendar = flows.calendar(&o.flow, o.version);
        let open: Vec<_> = case.steps.iter().filter(|r| r.open()).collect();
        // A stopped clock (on hold, waiting for the customer) is not stalled.
        let stopped_now = case.stopped.spans().last().is_some_and(|&(_, end)| end >= now);
        let idle = bh(calendar, case.last_event, now);
        let waiting_at = open.iter().map(|r| (r.flow.as_str(), r.version, r.step.as_str()));
        let mut waiting_at: Vec<(&str, u32, &str)> =
            waiting_at.chain(case.open_incidents.iter().map(|(f, v, s)| (f.as_str(), *v, s.as_str()))).collect();
        waiting_at.sort_unstable();
        waiting_at.dedup();
        let threshold = (config.stalled_hours(&o.flow, waiting_at.iter().map(|w| w.2)) * 3600.0).round() as i64;
        if let Some(reason) = why_stalled(case, &open, stopped_now, idle > threshold) {
            // A planned wait beside what holds the order up (a partner's wait in a parallel
            // branch) is not where anyone is to be reminded.
            let planned = |w: &(&str, u32, &str)| {
                open.iter().any(|r| r.wait == Some(WaitKind::Scheduled) && r.flow == w.0 && r.step == w.2)
            };
            let holding: Vec<(&str, u32, &str)> = waiting_at.iter().copied().filter(|w| !planned(w)).collect();
            let waiting_at = if holding.is_empty() { waiting_at } else { holding };
            let mut labels: Vec<String> = waiting_at.iter().map(|&(f, v, s)| flows.step_label(f, v, s)).collect();
            labels.dedup();
            for &(flow, version, step) in &waiting_at {
                let key = (o.vendor.clone(), flow.to_string(), step.to_string());
                groups.entry(key).or_insert((version, [0; 3])).1[0] += 1;
            }
            stalled.push(StalledOrder {
                reason: reason.to_string(),
                id: o.id.clone(),
                business_key: o.business_key.clone(),
                flow: o.flow.clone(),
                vendor: o.vendor.clone(),
                open_steps: labels.join(", "),
                last_event: timestamp(case.last_event),
                idle_business: idle,
                age_business: bh(calendar, case.received, now),
                aging_bucket: aging_bucket(calendar, case.received, now).to_string(),
            });
        }
        // Nobody can work an order whose clock is stopped: its tasks wait without alerts.
        for run in open.iter().filter(|r| r.human && !stopped_now) {
            let Some(due) = run.due else { continue };
            // Stopped time since the task became ready moves its due time.
            let due = extended_due(calendar, due, &case.stopped, run.ready, now);
            let (state, past) = if now > due {
                ("overdue", bh(calendar, due, now))
            } else {
                let left = bh(calendar, now, due);
                if left > horizon {
                    continue;
                }
                ("at risk", -left)
            };
            let group =
                groups.entry((o.vendor.clone(), run.flow.clone(), run.step.clone())).or_insert((run.version, [0; 3]));
            group.1[if state == "overdue" { 1 } else { 2 }] += 1;
            tasks.push(OpenTaskAlert {
                order: o.id.clone(),
                business_key: o.business_key.clone(),
                flow: run.flow.clone(),
                step: run.step.clone(),
                label: flows.step_label(&run.flow, run.version, &run.step),
                vendor: o.vendor.clone(),
                assignee: run.assignee.clone(),
                due: timestamp(due),
                state: state.to_string(),
                past_due_business: past,
            });
        }
    }
    stalled.sort_by(|a, b| b.idle_business.cmp(&a.idle_business).then(a.id.cmp(&b.id)));
    tasks.sort_by(|a, b| b.past_due_business.cmp(&a.past_due_business).then(a.order.cmp(&b.order)));
    let mut by_vendor_step: Vec<FollowUpGroup> = groups
        .into_iter()
        .map(|((vendor, flow, step), (version, [stalled, overdue, at_risk]))| FollowUpGroup {
            label: flows.step_label(&flow, version, &step),
            vendor,
            flow,
            step,
            stalled,
            overdue,
            at_risk,
        })
        .collect();
    by_vendor_step
        .sort_by(|a, b| (b.stalled + b.overdue, &a.vendor, &a.flow).cmp(&(a.stalled + a.overdue, &b.vendor, &b.flow)));
    StalledReport {
        by_vendor_step,
        now: timestamp(now),
        stalled_after_hours: config.stalled_after_hours,
        at_risk_hours: config.at_risk_hours,
        stalled,
        tasks,
    }
}
