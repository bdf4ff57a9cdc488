//! One order (a root flow instance with its subflows) turned into its KPI figures: the order's
//! own figures ([`OrderKpi`]) and its step instances ([`StepRun`]), as `../shared/kpi.md`
//! defines them. Times are whole seconds since the epoch.

use super::facts::Fact;
use super::intervals::Intervals;
use super::report::OrderKpi;
use super::{FlowLookup, IN_HOUSE, SELF_SERVICE};
use crate::calendar::Calendar;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// One flow instance (an order or one of its subflows) as stored.
#[derive(Debug, Clone)]
pub(crate) struct InstanceLog {
    /// Instance id.
    pub(crate) id: String,
    /// The instance that started it, for a subflow.
    pub(crate) parent: Option<String>,
    /// Flow id.
    pub(crate) flow: String,
    /// Flow version.
    pub(crate) version: u32,
    /// Business key.
    pub(crate) business_key: Option<String>,
    /// `open`, `on_hold` or `closed`.
    pub(crate) status: String,
    /// Time of its last event (any kind).
    pub(crate) updated_at: i64,
    /// Its facts, in history order, with their times.
    pub(crate) facts: Vec<(i64, Fact)>,
}

/// One execution of a task or an automatic step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StepRun {
    /// Flow id of the instance it ran in.
    pub(crate) flow: String,
    /// That flow's version.
    pub(crate) version: u32,
    /// Step id.
    pub(crate) step: String,
    /// Lane id (empty for automatic steps).
    pub(crate) lane: String,
    /// Whether the lane is back office.
    pub(crate) back: bool,
    /// A person's task (not an automatic step).
    pub(crate) human: bool,
    /// `ready_s`.
    pub(crate) ready: i64,
    /// `start_s`: the first claim (automatic steps: when queued).
    pub(crate) start: Option<i64>,
    /// `complete_s`.
    pub(crate) complete: Option<i64>,
    /// Unclaimed seconds so far (before the first claim and between release and claim).
    pub(crate) waiting: i64,
    /// Claimed intervals (to subtract holds from, and for touch time).
    pub(crate) claimed: Vec<(i64, i64)>,
    /// A rule completed it (`skip when`): nobody worked it.
    pub(crate) skipped: bool,
    /// Who holds it now (open tasks).
    pub(crate) assignee: Option<String>,
    /// Withdrawn without completion.
    pub(crate) cancelled: bool,
    /// Due time, if the step has an SLA.
    pub(crate) due: Option<i64>,
    /// Who completed it and their vendor.
    pub(crate) completer: Option<(String, Option<String>)>,
    /// Seconds of the order's stopped clock during the run (filled in by the case).
    pub(crate) held: i64,
    /// Whether the step met its due time (stopped time extends it); `None` without one.
    pub(crate) sla_met: Option<bool>,
}

impl StepRun {
    /// `W_s`.
    pub(crate) fn waiting(&self) -> i64 {
        self.waiting
    }

    /// `P_s`: claimed time minus on-hold time.
    pub(crate) fn processing(&self) -> i64 {
        (self.claimed.iter().map(|(a, b)| b - a).sum::<i64>() - self.held).max(0)
    }

    /// Still open (neither completed nor withdrawn).
    pub(crate) fn open(&self) -> bool {
        self.complete.is_none() && !self.cancelled
    }
}

/// A whole order's figures.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CaseFigures {
    /// The order's own figures.
    pub(crate) order: OrderKpi,
    /// Its step instances (subflows' included).
    pub(crate) steps: Vec<StepRun>,
    /// When it was received, in seconds.
    pub(crate) received: i64,
    /// When it closed, in seconds.
    pub(crate) closed: Option<i64>,
    /// Whether it completed (outcome `completed`).
    pub(crate) completed: bool,
    /// Its stopped intervals (holds, customer waits), up to close or now.
    pub(crate) stopped: Intervals,
    /// The waits it is in now (for a signal or a time): (flow, version, step).
    pub(crate) open_waits: Vec<(String, u32, String)>,
    /// The time of the last event that moved it (of it or a subflow).
    pub(crate) last_event: i64,
}

pub(crate) fn seconds(t: Timestamp) -> i64 {
    t.as_second()
}

pub(crate) fn timestamp(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Business seconds of `[a, b)` in `calendar`.
pub(crate) fn bh(calendar: &Calendar, a: i64, b: i64) -> i64 {
    i64::try_from(calendar.business_seconds(timestamp(a), timestamp(b))).unwrap_or(i64::MAX)
}

/// Business seconds the `stopped` intervals cover.
pub(crate) fn bh_of(calendar: &Calendar, stopped: &Intervals) -> i64 {
    stopped.spans().iter().map(|&(a, b)| bh(calendar, a, b)).sum()
}

/// A due time moved by the business time the clock was stopped between `from` and `to`.
pub(crate) fn extended_due(calendar: &Calendar, due: i64, stopped: &Intervals, from: i64, to: i64) -> i64 {
    match bh_of(calendar, &stopped.clip(from, to)) {
        0 => due,
        extra => seconds(calendar.add(timestamp(due), u64::try_from(extra).unwrap_or(0))),
    }
}

/// What one instance's facts say, before the case puts its instances together.
#[derive(Default)]
struct InstanceScan {
    received: Option<i64>,
    start_vendor: Option<String>,
    channel: Option<String>,
    closed: Option<(i64, String)>,
    stopped: Vec<(i64, i64)>,
    rework: u32,
    /// The waits still open: (flow, version, step).
    open_waits: Vec<(String, u32, String)>,
}

/// Reads one instance's facts into its step runs and what else the case needs.
fn scan(instance: &InstanceLog, now: i64, runs: &mut Vec<StepRun>) -> InstanceScan {
    let mut out = InstanceScan::default();
    // step instance → (index in runs, unclaimed since, claimed since)
    let mut open: BTreeMap<u64, (usize, Option<i64>, Option<i64>)> = BTreeMap::new();
    let mut held_since: Option<i64> = None;
    let mut waits: BTreeMap<u64, i64> = BTreeMap::new();
    // Every wait (for the customer or anyone else) still waiting: wait instance → step.
    let mut open_waits: BTreeMap<u64, String> = BTreeMap::new();
    let new_run = |step: &str, lane: &str, back: bool, human: bool, at: i64| StepRun {
        flow: instance.flow.clone(),
        version: instance.version,
        step: step.to_string(),
        lane: lane.to_string(),
        back,
        human,
        ready: at,
        start: None,
        complete: None,
        waiting: 0,
        claimed: Vec::new(),
        skipped: false,
        assignee: None,
        cancelled: false,
        due: None,
        completer: None,
        held: 0,
        sla_met: None,
    };
    for (at, fact) in &instance.facts {
        let at = *at;
        match fact {
            Fact::Started { received_at, vendor, channel } => {
                out.received = Some(seconds(*received_at));
                out.start_vendor.clone_from(vendor);
                out.channel.clone_from(channel);
            }
            Fact::TaskReady { instance: i, step, lane, back, due_at } => {
                let mut run = new_run(step, lane, *back, true, at);
                run.due = due_at.map(seconds);
                runs.push(run);
                open.insert(*i, (runs.len() - 1, Some(at), None));
            }
            Fact::TaskClaimed { instance: i, actor } => {
                if let Some((k, unclaimed, claimed)) = open.get_mut(i) {
                    let run = &mut runs[*k];
                    run.assignee = Some(actor.clone());
                    if let Some(since) = unclaimed.take() {
                        run.waiting += at - since;
                    }
                    run.start.get_or_insert(at);
                    *claimed = Some(at);
                }
            }
            Fact::TaskTransferred { instance: i, to } => {
                if let Some((k, _, _)) = open.get(i) {
                    runs[*k].assignee = Some(to.clone());
                }
            }
            Fact::TaskReleased { instance: i } => {
                if let Some((k, unclaimed, claimed)) = open.get_mut(i) {
                    runs[*k].assignee = None;
                    if let Some(since) = claimed.take() {
                        runs[*k].claimed.push((since, at));
                    }
                    *unclaimed = Some(at);
                }
            }
            Fact::TaskCompleted { instance: i, actor, vendor } => {
                if let Some((k, unclaimed, claimed)) = open.remove(i) {
                    let run = &mut runs[k];
                    if let Some(since) = unclaimed {
                        // Completed without a claim (an admin or a direct completion): the
                        // whole wait counts as waiting, and it starts when completed.
                        run.waiting += at - since;
                        run.start.get_or_insert(at);
                    }
                    if let Some(since) = claimed {
                        run.claimed.push((since, at));
                    }
                    run.complete = Some(at);
                    run.completer = Some((actor.clone(), vendor.clone()));
                }
            }
            Fact::TaskSkipped { step, .. } => {
                // A rule completed it: nobody worked it. Recorded as a step of no duration
                // that no person did, so it breaks no one-stop and adds no touch time.
                let mut run = new_run(step, "", false, false, at);
                run.start = Some(at);
                run.complete = Some(at);
                run.skipped = true;
                runs.push(run);
            }
            Fact::TaskCancelled { instance: i } => {
                if let Some((k, _, claimed)) = open.remove(i) {
                    if let Some(since) = claimed {
                        runs[k].claimed.push((since, at));
                    }
                    runs[k].cancelled = true;
                }
            }
            Fact::ActionQueued { instance: i, step, attempt } => {
                if *attempt == 1 {
                    let mut run = new_run(step, "", false, false, at);
                    run.start = Some(at);
                    runs.push(run);
                    open.insert(*i, (runs.len() - 1, None, Some(at)));
                }
            }
            Fact::ActionSucceeded { instance: i } => {
                if let Some((k, _, claimed)) = open.remove(i) {
                    if let Some(since) = claimed {
                        runs[k].claimed.push((since, at));
                    }
                    runs[k].complete = Some(at);
                }
            }
            Fact::WaitStarted { instance: i, step, stops_clock } => {
                if *stops_clock {
                    waits.insert(*i, at);
                }
                open_waits.insert(*i, step.clone());
            }
            Fact::WaitEnded { instance: i } => {
                open_waits.remove(i);
                if let Some(since) = waits.remove(i) {
                    out.stopped.push((since, at));
                }
            }
            Fact::Held => {
                held_since.get_or_insert(at);
            }
            Fact::Resumed => {
                if let Some(since) = held_since.take() {
                    out.stopped.push((since, at));
                }
            }
            Fact::Rework => out.rework += 1,
            Fact::Closed { outcome } => out.closed = Some((at, outcome.clone())),
        }
    }
    // What is still open runs on to the close (or to now).
    let end = out.closed.as_ref().map_or(now, |(at, _)| *at);
    for (_, (k, unclaimed, claimed)) in open {
        let run = &mut runs[k];
        if let Some(since) = unclaimed {
            run.waiting += (end - since).max(0);
        }
        if let Some(since) = claimed {
            run.claimed.push((since, end.max(since)));
        }
        if out.closed.is_some() {
            run.cancelled = true;
        }
    }
    for since in held_since.into_iter().chain(waits.into_values()) {
        out.stopped.push((since, end));
    }
    if out.closed.is_none() {
        out.open_waits = open_waits.into_values().map(|step| (instance.flow.clone(), instance.version, step)).collect();
    }
    out
}

/// The step runs of an order's instances (`instances[0]` the root) and the vendor given when
/// the root started.
pub(crate) fn step_runs(instances: &[InstanceLog], now: i64) -> (Vec<StepRun>, Option<String>) {
    let mut runs = Vec::new();
    let mut vendor = None;
    for (n, instance) in instances.iter().enumerate() {
        let scan = scan(instance, now, &mut runs);
        if n == 0 {
            vendor = scan.start_vendor;
        }
    }
    (runs, vendor)
}

/// The vendor an order is attributed to: the vendor given at start, else that of the person who
/// completed its first front-lane step, `in-house` when that person is the company's own
/// (`None`: no person did front-lane work, self-service).
pub(crate) fn attributed_vendor(start_vendor: Option<String>, runs: &[StepRun]) -> Option<String> {
    start_vendor.or_else(|| {
        runs.iter()
            .filter(|r| r.human && !r.back && r.complete.is_some() && r.completer.is_some())
            .min_by_key(|r| r.complete)
            .and_then(|r| r.completer.as_ref())
            .map(|(_, vendor)| vendor.clone().unwrap_or_else(|| IN_HOUSE.to_string()))
    })
}

/// Whether a person started this back-lane step (which breaks one-stop).
pub(crate) fn back_work(run: &StepRun) -> bool {
    run.human && run.back && run.start.is_some()
}

/// The figures of one order from its instances: `instances[0]` is the root, the rest its
/// subflows (any depth).
pub(crate) fn figures(instances: &[InstanceLog], flows: &dyn FlowLookup, now: i64) -> CaseFigures {
    let root = &instances[0];
    let mut steps = Vec::new();
    let mut stopped = Vec::new();
    let mut rework = 0;
    let mut open_waits = Vec::new();
    let mut root_scan = InstanceScan::default();
    for (n, instance) in instances.iter().enumerate() {
        let mut scan = scan(instance, now, &mut steps);
        stopped.extend(scan.stopped.iter().copied());
        rework += scan.rework;
        open_waits.append(&mut scan.open_waits);
        if n == 0 {
            root_scan = scan;
        }
    }
    let received = root_scan.received.unwrap_or(root.facts.first().map_or(now, |(at, _)| *at));
    let closed = root_scan.closed.as_ref().map(|(at, _)| *at);
    let end = closed.unwrap_or(now).max(received);
    let stopped = Intervals::of(stopped).clip(received, end);
    let calendar = flows.calendar(&root.flow, root.version);

    // Step SLAs: the stopped time during a run extends its due time.
    for run in &mut steps {
        let run_end = run.complete.unwrap_or(end);
        run.held = run.claimed.iter().map(|&(a, b)| stopped.overlap(a, b)).sum();
        if let (Some(due), Some(done)) = (run.due, run.complete) {
            run.sla_met = Some(done <= extended_due(calendar, due, &stopped, run.ready, run_end));
        }
    }

    // Human steps people did, in completion order.
    let mut done: Vec<&StepRun> = steps.iter().filter(|r| r.human && r.complete.is_some()).collect();
    done.sort_by_key(|r| (r.complete, r.ready));
    let (mut handoffs, mut handoffs_lane, mut handoffs_vendor) = (0, 0, 0);
    for pair in done.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (Some((who_a, vendor_a)), Some((who_b, vendor_b))) = (&a.completer, &b.completer) else { continue };
        handoffs += u32::from(who_a != who_b);
        handoffs_lane += u32::from(a.lane != b.lane);
        handoffs_vendor += u32::from(vendor_a != vendor_b);
    }
    let touch_spans = steps.iter().filter(|r| r.human).flat_map(|r| r.claimed.iter().copied()).collect();
    let touch = Intervals::of(touch_spans).clip(received, end).minus(&stopped).len();
    let stopped_total = stopped.len();
    // Waiting is what remains: nobody worked on the order and its clock ran.
    let waiting = (end - received) - touch - stopped_total;

    let vendor = attributed_vendor(root_scan.start_vendor.clone(), &steps).unwrap_or_else(|| SELF_SERVICE.to_string());
    let back_started = steps.iter().any(back_work);

    let outcome = match &root_scan.closed {
        Some((_, outcome)) => outcome.clone(),
        None => root.status.clone(),
    };
    let completed = outcome == "completed";
    let eligible = flows.onestop_eligible(&root.flow, root.version);
    let lead_time = closed.map(|c| c - received);
    let business_lead_time = closed.map(|c| (bh(calendar, received, c) - bh_of(calendar, &stopped)).max(0));
    let sla_met = match (business_lead_time.filter(|_| completed), flows.sla(&root.flow, root.version)) {
        (Some(blt), Some(sla)) => {
            let due = calendar.add_sla(timestamp(received), sla);
            Some(blt <= bh(calendar, received, seconds(due)))
        }
        _ => None,
    };
    // The last event that moved the order: reminders, escalations and failed attempts are
    // events too, but an order that only has those has not moved.
    let last_event = instances.iter().filter_map(|i| i.facts.last().map(|(at, _)| *at)).max().unwrap_or(received);
    CaseFigures {
        order: OrderKpi {
            id: root.id.clone(),
            business_key: root.business_key.clone(),
            flow: root.flow.clone(),
            version: root.version,
            vendor,
            channel: root_scan.channel.clone(),
            outcome,
            received: timestamp(received),
            closed: closed.map(timestamp),
            lead_time,
            business_lead_time,
            stopped: stopped_total,
            touch,
            waiting,
            flow_efficiency: lead_time.filter(|lt| *lt > 0).map(|lt| touch as f64 / lt as f64),
            handoffs,
            handoffs_lane,
            handoffs_vendor,
            rework,
            one_stop: (eligible && completed).then_some(!back_started),
            predicted_one_stop: (eligible && completed).then_some(!steps.iter().any(|r| r.human && r.back)),
            sla_met,
        },
        steps,
        received,
        closed,
        completed,
        stopped,
        open_waits,
        last_event,
    }
}
