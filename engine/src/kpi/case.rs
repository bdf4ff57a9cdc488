//! One order (a root flow instance with its subflows) turned into its KPI figures: the order's
//! own figures ([`OrderKpi`]) and its step instances ([`StepRun`]), as `../shared/kpi.md`
//! defines them. Times are whole seconds since the epoch.

use super::facts::{Fact, WaitKind};
use super::intervals::Intervals;
use super::report::OrderKpi;
use super::time_split::StateSpans;
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
    /// A wait (for a signal, a time or a date), and what it waits for: its waiting is the whole
    /// wait.
    #[serde(default)]
    pub(crate) wait: Option<WaitKind>,
    /// `W_s` in business seconds of the order's calendar.
    #[serde(default)]
    pub(crate) waiting_business: i64,
    /// `P_s` in business seconds (claimed time outside the stopped clock).
    #[serde(default)]
    pub(crate) processing_business: i64,
    /// The spans it waited (to measure them in business time; not stored).
    #[serde(skip)]
    pub(crate) waited: Vec<(i64, i64)>,
    /// For a back-office task: the decision that made it ready (`route: plan == "premium"`),
    /// or the step the flow always leads here from (`after intake`).
    // No `skip_serializing_if`: the KPI summary stores runs in a format without field names.
    #[serde(default)]
    pub(crate) reason: Option<String>,
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
    /// The incidents open now: (flow, version, step).
    #[serde(default)]
    pub(crate) open_incidents: Vec<(String, u32, String)>,
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
    /// The incidents still open: (flow, version, step).
    open_incidents: Vec<(String, u32, String)>,
    /// Spans of the states of "where the time goes" this instance was in (`TimeState`).
    states: StateSpans,
}

/// A step instance open in the scan: its run, since when it has waited (unclaimed, queued or
/// backing off), since when it has been worked (claimed, or a worker's attempt running).
struct OpenRun {
    run: usize,
    waiting_since: Option<i64>,
    working_since: Option<i64>,
}

/// Reads one instance's facts into its step runs and what else the case needs.
fn scan(instance: &InstanceLog, now: i64, runs: &mut Vec<StepRun>) -> InstanceScan {
    let mut out = InstanceScan::default();
    let mut open: BTreeMap<u64, OpenRun> = BTreeMap::new();
    let mut held_since: Option<i64> = None;
    // Every wait still waiting: wait instance → (since, kind, step, its run).
    let mut waits: BTreeMap<u64, (i64, WaitKind, String, usize)> = BTreeMap::new();
    // Open incidents: step instance → (since, step).
    let mut incidents: BTreeMap<u64, (i64, String)> = BTreeMap::new();
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
        reason: None,
        wait: None,
        waiting_business: 0,
        processing_business: 0,
        waited: Vec::new(),
    };
    // The decision that sent the order to each step (by the step it chose), and the last step
    // done (for a step no decision chose): why a back-office task became ready.
    let mut routes: BTreeMap<String, String> = BTreeMap::new();
    let mut after: Option<String> = None;
    // Ends a step's waiting segment at `at` (a human step's counts as queued for a person).
    let stop_waiting = |runs: &mut Vec<StepRun>, states: &mut StateSpans, o: &mut OpenRun, at: i64| {
        if let Some(since) = o.waiting_since.take() {
            let run = &mut runs[o.run];
            run.waiting += (at - since).max(0);
            run.waited.push((since, at));
            if run.human {
                states.queued.push((since, at));
            }
        }
    };
    let close_incident = |incidents: &mut BTreeMap<u64, (i64, String)>, states: &mut StateSpans, i: u64, at: i64| {
        if let Some((since, _)) = incidents.remove(&i) {
            states.incident.push((since, at));
        }
    };
    for (at, fact) in &instance.facts {
        let at = *at;
        let states = &mut out.states;
        match fact {
            Fact::Started { received_at, vendor, channel } => {
                after = Some("start".to_string());
                out.received = Some(seconds(*received_at));
                out.start_vendor.clone_from(vendor);
                out.channel.clone_from(channel);
            }
            Fact::TaskReady { instance: i, step, lane, back, due_at, unskipped } => {
                let mut run = new_run(step, lane, *back, true, at);
                run.due = due_at.map(seconds);
                let routed = routes.remove(step);
                if *back {
                    // A rule that would have completed it without a person, and did not, is
                    // the decision; else what routed the order here.
                    run.reason = match unskipped {
                        Some(rule) => Some(format!("{step}: not ({rule})")),
                        None => routed.or_else(|| after.clone()),
                    };
                }
                runs.push(run);
                open.insert(*i, OpenRun { run: runs.len() - 1, waiting_since: Some(at), working_since: None });
            }
            Fact::TaskClaimed { instance: i, actor } => {
                if let Some(o) = open.get_mut(i) {
                    stop_waiting(runs, states, o, at);
                    let run = &mut runs[o.run];
                    run.assignee = Some(actor.clone());
                    run.start.get_or_insert(at);
                    o.working_since.get_or_insert(at);
                }
            }
            Fact::TaskTransferred { instance: i, to } => {
                if let Some(o) = open.get(i) {
                    runs[o.run].assignee = Some(to.clone());
                }
            }
            Fact::TaskReleased { instance: i } => {
                if let Some(o) = open.get_mut(i) {
                    runs[o.run].assignee = None;
                    if let Some(since) = o.working_since.take() {
                        runs[o.run].claimed.push((since, at));
                    }
                    o.waiting_since = Some(at);
                }
            }
            Fact::TaskCompleted { instance: i, actor, vendor, outcome } => {
                if let Some(mut o) = open.remove(i) {
                    let step = &runs[o.run].step;
                    after = Some(match outcome {
                        Some(outcome) => format!("{step}: {outcome}"),
                        None => format!("after {step}"),
                    });
                    if o.waiting_since.is_some() {
                        // Completed without a claim (an admin or a direct completion): the
                        // whole wait counts as waiting, and it starts when completed.
                        stop_waiting(runs, states, &mut o, at);
                        runs[o.run].start.get_or_insert(at);
                    }
                    let run = &mut runs[o.run];
                    if let Some(since) = o.working_since {
                        run.claimed.push((since, at));
                    }
                    run.complete = Some(at);
                    run.completer = Some((actor.clone(), vendor.clone()));
                }
            }
            Fact::Decided { step, branch, next, table } => {
                let decision = match table {
                    Some((table, rows)) => {
                        let rows: Vec<String> = rows.iter().map(usize::to_string).collect();
                        format!("{step}: table {table} row {}, {branch}", rows.join("+"))
                    }
                    None => format!("{step}: {branch}"),
                };
                routes.insert(next.clone(), decision);
            }
            Fact::BranchesTaken { step, branches, next } => {
                for (n, target) in next.iter().enumerate() {
                    let branch = branches.get(n).or(branches.last()).map_or("", String::as_str);
                    routes.insert(target.clone(), format!("{step}: {branch}"));
                }
            }
            Fact::TaskSkipped { step, .. } => {
                after = Some(format!("{step}: skipped"));
                // A rule completed it: nobody worked it. Recorded as a step of no duration
                // that no person did, so it breaks no one-stop and adds no touch time.
                let mut run = new_run(step, "", false, false, at);
                run.start = Some(at);
                run.complete = Some(at);
                run.skipped = true;
                runs.push(run);
            }
            Fact::TaskCancelled { instance: i } => {
                if let Some(mut o) = open.remove(i) {
                    stop_waiting(runs, states, &mut o, at);
                    if let Some(since) = o.working_since {
                        runs[o.run].claimed.push((since, at));
                    }
                    runs[o.run].cancelled = true;
                }
            }
            Fact::ActionQueued { instance: i, step, attempt } => {
                // Queued (again, after a back-off or an incident's retry): waiting for a worker.
                close_incident(&mut incidents, states, *i, at);
                match open.get_mut(i) {
                    Some(o) => {
                        o.waiting_since.get_or_insert(at);
                    }
                    None if *attempt == 1 => {
                        let mut run = new_run(step, "", false, false, at);
                        // Why the order came here, carried on past the automatic step.
                        run.reason = routes.remove(step).or_else(|| after.clone());
                        runs.push(run);
                        open.insert(*i, OpenRun { run: runs.len() - 1, waiting_since: Some(at), working_since: None });
                    }
                    None => {}
                }
            }
            Fact::ActionSucceeded { instance: i, started } | Fact::ActionFailed { instance: i, started, .. } => {
                close_incident(&mut incidents, states, *i, at);
                let Some(o) = open.get_mut(i) else { continue };
                // The attempt ran from its pick-up (from its queueing when that is not known).
                let began = started.or(o.waiting_since).unwrap_or(at).clamp(runs[o.run].ready, at);
                stop_waiting(runs, states, o, began);
                runs[o.run].start.get_or_insert(began);
                runs[o.run].claimed.push((began, at));
                match fact {
                    Fact::ActionSucceeded { .. } => {
                        let run = &mut runs[o.run];
                        after = Some(run.reason.clone().unwrap_or_else(|| format!("after {}", run.step)));
                        run.complete = Some(at);
                        states.automatic.push((run.ready, at));
                        open.remove(i);
                    }
                    // A back-off is waiting; without a retry an incident follows.
                    _ => o.waiting_since = matches!(fact, Fact::ActionFailed { retry: true, .. }).then_some(at),
                }
            }
            Fact::IncidentRaised { instance: i, step } => {
                incidents.entry(*i).or_insert((at, step.clone()));
            }
            Fact::IncidentRetried { instance: i } => close_incident(&mut incidents, states, *i, at),
            Fact::WaitStarted { instance: i, step, kind } => {
                // A wait is a step of its own kind: its waiting is the whole wait.
                let mut run = new_run(step, "", false, false, at);
                run.wait = Some(*kind);
                runs.push(run);
                waits.insert(*i, (at, *kind, step.clone(), runs.len() - 1));
            }
            Fact::WaitEnded { instance: i } => {
                if let Some((since, kind, _, k)) = waits.remove(i) {
                    let run = &mut runs[k];
                    (run.start, run.complete) = (Some(at), Some(at));
                    run.waiting += at - since;
                    run.waited.push((since, at));
                    states.wait(kind).push((since, at));
                    if kind == WaitKind::Customer {
                        out.stopped.push((since, at));
                    }
                }
            }
            Fact::Held => {
                held_since.get_or_insert(at);
            }
            Fact::Resumed => {
                if let Some(since) = held_since.take() {
                    out.stopped.push((since, at));
                    states.on_hold.push((since, at));
                }
            }
            Fact::Rework => out.rework += 1,
            Fact::Closed { outcome } => out.closed = Some((at, outcome.clone())),
        }
    }
    // What is still open runs on to the close (or to now).
    let end = out.closed.as_ref().map_or(now, |(at, _)| *at);
    let states = &mut out.states;
    for (_, mut o) in open {
        stop_waiting(runs, states, &mut o, end);
        let run = &mut runs[o.run];
        if let Some(since) = o.working_since {
            run.claimed.push((since, end.max(since)));
        }
        if !run.human {
            states.automatic.push((run.ready, end));
        }
        if out.closed.is_some() {
            run.cancelled = true;
        }
    }
    for (_, (since, step)) in incidents {
        states.incident.push((since, end));
        if out.closed.is_none() {
            out.open_incidents.push((instance.flow.clone(), instance.version, step));
        }
    }
    if let Some(since) = held_since {
        out.stopped.push((since, end));
        states.on_hold.push((since, end));
    }
    for (since, kind, _, k) in waits.values() {
        let run = &mut runs[*k];
        run.waiting += end - since;
        run.waited.push((*since, end));
        if out.closed.is_some() {
            run.cancelled = true;
        }
        states.wait(*kind).push((*since, end));
        if *kind == WaitKind::Customer {
            out.stopped.push((*since, end));
        }
    }
    if out.closed.is_none() {
        out.open_waits =
            waits.into_values().map(|(_, _, step, _)| (instance.flow.clone(), instance.version, step)).collect();
    }
    out
}

/// Why a completed order was not one-stop: the decision that made the first back-office step a
/// person started ready, and that step (`route: plan == "premium" → 審査`); a subflow's
/// decision names its flow (`credit_check › score: …`).
fn why_not_one_stop(steps: &[StepRun], root: &InstanceLog, flows: &dyn FlowLookup) -> String {
    let Some(first) = steps.iter().filter(|r| back_work(r)).min_by_key(|r| (r.ready, r.start)) else {
        return String::new();
    };
    let label = flows.step_label(&first.flow, first.version, &first.step);
    let reason = first.reason.as_deref().unwrap_or("?");
    if first.flow == root.flow {
        format!("{reason} → {label}")
    } else {
        format!("{} › {reason} → {label}", first.flow)
    }
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
    let mut open_incidents = Vec::new();
    let mut root_scan = InstanceScan::default();
    let mut states = StateSpans::default();
    for (n, instance) in instances.iter().enumerate() {
        let mut scan = scan(instance, now, &mut steps);
        states.append(&mut scan.states);
        stopped.extend(scan.stopped.iter().copied());
        rework += scan.rework;
        open_waits.append(&mut scan.open_waits);
        open_incidents.append(&mut scan.open_incidents);
        if n == 0 {
            root_scan = scan;
        }
    }
    let received = root_scan.received.unwrap_or(root.facts.first().map_or(now, |(at, _)| *at));
    let closed = root_scan.closed.as_ref().map(|(at, _)| *at);
    let end = closed.unwrap_or(now).max(received);
    let stopped = Intervals::of(stopped).clip(received, end);
    let calendar = flows.calendar(&root.flow, root.version);

    // Step SLAs: the stopped time during a run extends its due time. Waiting and processing
    // in business time too (the root's calendar: a subflow's steps count in its flow).
    for run in &mut steps {
        run.waiting_business = run.waited.iter().map(|&(a, b)| bh(calendar, a, b)).sum();
        run.processing_business = bh_of(calendar, &Intervals::of(run.claimed.clone()).minus(&stopped));
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
    // Worked: the people's claimed spans, in the order or its subflows.
    states.worked = steps.iter().filter(|r| r.human).flat_map(|r| r.claimed.iter().copied()).collect();
    let (time, business_time) = super::time_split::partition(states, received, end, calendar);
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
            not_one_stop: (eligible && completed && back_started).then(|| why_not_one_stop(&steps, root, flows)),
            sla_met,
            time,
            business_time,
        },
        steps,
        received,
        closed,
        completed,
        stopped,
        open_waits,
        open_incidents,
        last_event,
    }
}
