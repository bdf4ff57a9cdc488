//! "Where the time goes" (`../shared/kpi.md`): the spans an order and its subflows spent in
//! each state, gathered by the case's scan, and their partition of the lead time in calendar
//! and business time.

use super::case::bh_of;
use super::facts::WaitKind;
use super::intervals::Intervals;
use super::report::TimeSplit;
use crate::calendar::Calendar;

/// The spans an order (with its subflows) spent in each state of "where the time goes",
/// overlapping: the case takes each moment's first state.
#[derive(Default)]
pub(crate) struct StateSpans {
    pub(crate) worked: Vec<(i64, i64)>,
    pub(crate) queued: Vec<(i64, i64)>,
    pub(crate) automatic: Vec<(i64, i64)>,
    pub(crate) incident: Vec<(i64, i64)>,
    pub(crate) customer: Vec<(i64, i64)>,
    pub(crate) on_hold: Vec<(i64, i64)>,
    pub(crate) partner: Vec<(i64, i64)>,
    pub(crate) scheduled: Vec<(i64, i64)>,
}

impl StateSpans {
    pub(crate) fn append(&mut self, other: &mut StateSpans) {
        self.worked.append(&mut other.worked);
        self.queued.append(&mut other.queued);
        self.automatic.append(&mut other.automatic);
        self.incident.append(&mut other.incident);
        self.customer.append(&mut other.customer);
        self.on_hold.append(&mut other.on_hold);
        self.partner.append(&mut other.partner);
        self.scheduled.append(&mut other.scheduled);
    }

    /// The spans of a wait of `kind`.
    pub(crate) fn wait(&mut self, kind: WaitKind) -> &mut Vec<(i64, i64)> {
        match kind {
            WaitKind::Customer => &mut self.customer,
            WaitKind::Partner => &mut self.partner,
            WaitKind::Scheduled => &mut self.scheduled,
        }
    }
}

/// Where the time of `[received, end)` went, in calendar and in business seconds: each moment
/// in the first state of `TimeSplit::STATES` whose spans cover it, else `other`; the parts are
/// disjoint and add up to the whole. A person's step and an automatic step do not count while
/// the order is on hold (they are suspended), nor an automatic step during its incident.
pub(crate) fn partition(states: StateSpans, received: i64, end: i64, calendar: &Calendar) -> (TimeSplit, TimeSplit) {
    let mut remaining = Intervals::of(vec![(received, end)]);
    let ordered = [
        states.worked,
        states.queued,
        states.automatic,
        // The automatic spans run through an incident; the incident is not automatic work.
        states.incident,
        states.customer,
        states.on_hold,
        states.partner,
        states.scheduled,
    ];
    let incident = Intervals::of(ordered[3].clone());
    // A held order's tasks leave the queues and its jobs wait for the resume: nobody works or
    // takes them, no worker runs them, so the hold's time is on hold.
    let held = Intervals::of(ordered[5].clone());
    let mut parts = Vec::with_capacity(TimeSplit::STATES.len());
    for (n, spans) in ordered.into_iter().enumerate() {
        let mut covered = Intervals::of(spans);
        if n <= 2 {
            covered = covered.minus(&held);
        }
        if n == 2 {
            covered = covered.minus(&incident);
        }
        let part = remaining.intersect(&covered);
        remaining = remaining.minus(&part);
        parts.push(part);
    }
    parts.push(remaining);
    let calendar_parts: Vec<i64> = parts.iter().map(Intervals::len).collect();
    let business_parts: Vec<i64> = parts.iter().map(|p| bh_of(calendar, p)).collect();
    (TimeSplit::of(&calendar_parts), TimeSplit::of(&business_parts))
}
