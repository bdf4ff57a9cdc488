//! The full report from every order's figures: groups, steps, bottlenecks, flow over time.

use super::case::{CaseFigures, StepRun, timestamp};
use super::config::KpiConfig;
use super::groups::{Groups, distribution};
use super::report::{Bottleneck, DayFlow, FlowOverTime, KpiReport, StepKpi, VendorStepCount, Window};
use super::{FlowLookup, IN_HOUSE};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The window in seconds: `[from, to)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) from: i64,
    pub(crate) to: i64,
}

impl Span {
    pub(crate) fn contains(&self, t: i64) -> bool {
        self.from <= t && t < self.to
    }
}

fn date_of(t: i64, zone: &TimeZone) -> Date {
    timestamp(t).to_zoned(zone.clone()).date()
}

fn day_key(d: Date) -> String {
    d.strftime("%Y-%m-%d").to_string()
}

/// The ISO week of a day: (ISO year, week).
fn week_of(d: Date) -> (i16, i8) {
    let w = d.iso_week_date();
    (w.year(), w.week())
}

/// The month of a day: (year, month).
fn month_of(d: Date) -> (i16, i8) {
    (d.year(), d.month())
}

/// Local dates of moments, remembered by quarter hour: every zone's offset is a whole number
/// of quarter hours, and its changes fall on them, so a quarter hour lies within one date.
struct Dates<'z> {
    zone: &'z TimeZone,
    seen: std::collections::HashMap<i64, Date>,
}

impl Dates<'_> {
    fn of(&mut self, t: i64) -> Date {
        let quarter = t.div_euclid(900);
        *self.seen.entry(quarter).or_insert_with(|| date_of(quarter * 900, self.zone))
    }
}

/// The report of `window` from the figures of every order.
pub(crate) fn report(
    cases: &[CaseFigures],
    flows: &dyn FlowLookup,
    config: &KpiConfig,
    window: Window,
    zone: &TimeZone,
) -> KpiReport {
    let now = window.now.as_second();
    let first = cases.iter().map(|c| c.received).min().unwrap_or(now);
    let span =
        Span { from: window.from.map_or(first, |t| t.as_second()), to: window.to.map_or(now + 1, |t| t.as_second()) };
    let (mut overall, mut vendors, mut flow_groups, mut channels) =
        (Groups::default(), Groups::default(), Groups::default(), Groups::default());
    let (mut days, mut weeks, mut months) = (Groups::default(), Groups::default(), Groups::default());
    let mut dates = Dates { zone, seen: std::collections::HashMap::new() };
    let mut orders = Vec::new();
    for case in cases {
        let o = &case.order;
        let channel = o.channel.as_deref().unwrap_or("-");
        let keys = [
            ("all", &mut overall),
            (o.vendor.as_str(), &mut vendors),
            (o.flow.as_str(), &mut flow_groups),
            (channel, &mut channels),
        ];
        let received_in = span.contains(case.received);
        let closed_in = case.closed.is_some_and(|c| span.contains(c));
        let steps_in =
            case.steps.iter().filter(|r| r.human && r.complete.is_some_and(|c| span.contains(c))).count() as u64;
        for (key, groups) in keys {
            let group = groups.get(key);
            if received_in {
                group.received();
            }
            if closed_in {
                group.closed(case);
            }
            group.steps(steps_in);
        }
        if received_in {
            let d = dates.of(case.received);
            days.get(d).received();
            weeks.get(week_of(d)).received();
            months.get(month_of(d)).received();
        }
        if let (Some(closed), true) = (case.closed, closed_in) {
            let d = dates.of(closed);
            days.get(d).closed(case);
            weeks.get(week_of(d)).closed(case);
            months.get(month_of(d)).closed(case);
        }
        for run in case.steps.iter().filter(|r| r.human) {
            if let Some(c) = run.complete.filter(|c| span.contains(*c)) {
                let d = dates.of(c);
                days.get(d).steps(1);
                weeks.get(week_of(d)).steps(1);
                months.get(month_of(d)).steps(1);
            }
        }
        if received_in || closed_in || case.closed.is_none() {
            orders.push(o.clone());
        }
    }
    orders.sort_by(|a, b| (a.received, &a.id).cmp(&(b.received, &b.id)));
    let name = |key: &&str| (*key).to_string();
    let mut overall = overall.finish(name, |_| config.one_stop_target);
    let overall = overall.pop().unwrap_or_default();
    let (steps, vendor_steps) = steps(cases, flows, span, now);
    let (bottlenecks, bottlenecks_overall) = bottlenecks(&steps, cases, span, zone);
    KpiReport {
        overall,
        orders,
        vendors: vendors.finish(name, |v| config.vendor_target(v)),
        vendor_steps,
        flows: flow_groups.finish(name, |f| config.flow_target(f)),
        channels: channels.finish(name, |_| config.one_stop_target),
        days: days.finish(|d| day_key(*d), |_| config.one_stop_target),
        weeks: weeks.finish(|(y, w)| format!("{y}-W{w:02}"), |_| config.one_stop_target),
        months: months.finish(|(y, m)| format!("{y}-{m:02}"), |_| config.one_stop_target),
        flow_over_time: flow_over_time(cases, span, zone),
        not_one_stop: super::not_one_stop::ranking(cases, span),
        rule_to_revisit: super::not_one_stop::rule_to_revisit(cases, span),
        steps,
        bottlenecks,
        bottlenecks_overall,
        window,
    }
}

/// Whether a run counts in step figures: a task or an automatic step that ran (not one a
/// rule skipped).
fn counted(run: &StepRun) -> bool {
    !run.skipped
}

#[derive(Default)]
struct StepAcc {
    lane: String,
    back: bool,
    human: bool,
    wait: bool,
    arrivals: u64,
    waits: Vec<i64>,
    waits_business: Vec<i64>,
    processing: Vec<i64>,
    processing_business: Vec<i64>,
    queue: u64,
    oldest: Option<i64>,
    sla_met: u64,
    sla_total: u64,
}

/// The flow and step a run counts under: a subflow's steps count in their root order's flow,
/// named `subflow/step` (kpi.md), so a flow's ranking shows its construction and delivery.
pub(crate) fn step_key<'a>(case: &'a CaseFigures, run: &'a StepRun) -> (&'a str, Cow<'a, str>) {
    if run.flow == case.order.flow {
        (case.order.flow.as_str(), Cow::Borrowed(run.step.as_str()))
    } else {
        (case.order.flow.as_str(), Cow::Owned(format!("{}/{}", run.flow, run.step)))
    }
}

fn steps(cases: &[CaseFigures], flows: &dyn FlowLookup, span: Span, now: i64) -> (Vec<StepKpi>, Vec<VendorStepCount>) {
    // (flow, step) → (the run's own flow, its version, figures)
    let mut acc: BTreeMap<(&str, Cow<'_, str>), (&str, u32, StepAcc)> = BTreeMap::new();
    let mut by_vendor: BTreeMap<(&str, &str, &str), (u32, u64)> = BTreeMap::new();
    for case in cases {
        for run in case.steps.iter().filter(|r| counted(r)) {
            let (own, version, s) =
                acc.entry(step_key(case, run)).or_insert_with(|| (run.flow.as_str(), 0, StepAcc::default()));
            *own = run.flow.as_str();
            *version = (*version).max(run.version);
            s.lane.clone_from(&run.lane);
            s.back = run.back;
            s.human = run.human;
            s.wait = run.wait.is_some();
            if span.contains(run.ready) {
                s.arrivals += 1;
            }
            if run.open() && case.closed.is_none() {
                s.queue += 1;
                let age = now - run.ready;
                s.oldest = Some(s.oldest.map_or(age, |o: i64| o.max(age)));
            }
            if !run.complete.is_some_and(|c| span.contains(c)) {
                continue;
            }
            s.waits.push(run.waiting());
            s.waits_business.push(run.waiting_business);
            s.processing.push(run.processing());
            s.processing_business.push(run.processing_business);
            if let Some(met) = run.sla_met {
                s.sla_total += 1;
                s.sla_met += u64::from(met);
            }
            if run.human {
                let vendor = run.completer.as_ref().and_then(|(_, v)| v.as_deref()).unwrap_or(IN_HOUSE);
                let (v, n) = by_vendor.entry((vendor, run.flow.as_str(), run.step.as_str())).or_default();
                *v = (*v).max(run.version);
                *n += 1;
            }
        }
    }
    // Shares and rankings in business time, as SLAs count: a step ready on a Friday evening
    // is no bottleneck because of the weekend.
    let mut flow_waiting: BTreeMap<&str, i64> = BTreeMap::new();
    for ((flow, _), (_, _, s)) in &acc {
        *flow_waiting.entry(flow).or_default() += s.waits_business.iter().sum::<i64>();
    }
    let steps = acc
        .into_iter()
        .map(|((flow, step), (own, version, s))| {
            let total = flow_waiting.get(flow).copied().unwrap_or(0);
            let mine: i64 = s.waits_business.iter().sum();
            let own_step = step.rsplit('/').next().unwrap_or(&step);
            StepKpi {
                flow: flow.to_string(),
                step: step.to_string(),
                label: flows.step_label(own, version, own_step),
                lane: s.lane,
                back: s.back,
                human: s.human,
                wait: s.wait,
                arrivals: s.arrivals,
                completed: s.waits.len() as u64,
                waiting_share: (total > 0).then(|| mine as f64 / total as f64),
                waiting: distribution(s.waits),
                waiting_business: distribution(s.waits_business),
                processing: distribution(s.processing),
                processing_business: distribution(s.processing_business),
                queue: s.queue,
                oldest_age: s.oldest,
                sla_met: s.sla_met,
                sla_total: s.sla_total,
            }
        })
        .collect();
    let vendor_steps = by_vendor
        .into_iter()
        .map(|((vendor, flow, step), (version, completed))| VendorStepCount {
            vendor: vendor.to_string(),
            flow: flow.to_string(),
            step: step.to_string(),
            label: flows.step_label(flow, version, step),
            completed,
        })
        .collect();
    (steps, vendor_steps)
}

/// The bottleneck ranking per flow and across flows.
fn bottlenecks(
    steps: &[StepKpi],
    cases: &[CaseFigures],
    span: Span,
    zone: &TimeZone,
) -> (Vec<Bottleneck>, Vec<Bottleneck>) {
    // Daily arrivals − completions per step, to find queues that grew for days.
    let mut daily: BTreeMap<(&str, Cow<'_, str>), BTreeMap<Date, i64>> = BTreeMap::new();
    for (case, run) in cases.iter().flat_map(|c| c.steps.iter().map(move |r| (c, r))).filter(|(_, r)| counted(r)) {
        let days = daily.entry(step_key(case, run)).or_default();
        if span.contains(run.ready) {
            *days.entry(date_of(run.ready, zone)).or_default() += 1;
        }
        if let Some(c) = run.complete.filter(|c| span.contains(*c)) {
            *days.entry(date_of(c, zone)).or_default() -= 1;
        }
    }
    let window_days = ((span.to - span.from) as f64 / 86_400.0).max(1.0);
    let mut all: Vec<Bottleneck> = steps
        .iter()
        .filter(|s| s.completed > 0 || s.queue > 0)
        .map(|s| {
            let days = daily.get(&(s.flow.as_str(), Cow::Borrowed(s.step.as_str())));
            let growth: i64 = days.map_or(0, |d| d.values().sum());
            let grew_three_days = days.is_some_and(|d| grew_on_consecutive_days(d, 3));
            let share = s.waiting_share.unwrap_or(0.0);
            Bottleneck {
                rank: 0,
                flow: s.flow.clone(),
                step: s.step.clone(),
                label: s.label.clone(),
                waiting_share: share,
                waiting_total: s
                    .waiting_business
                    .mean
                    .map_or(0, |m| (m * s.waiting_business.count as f64).round() as i64),
                waiting_p90: s.waiting_business.p90,
                queue_growth_per_day: growth as f64 / window_days,
                flagged: share >= 0.3 || grew_three_days,
            }
        })
        .collect();
    let order = |a: &Bottleneck, b: &Bottleneck| {
        b.waiting_share
            .total_cmp(&a.waiting_share)
            .then(b.waiting_p90.cmp(&a.waiting_p90))
            .then(b.queue_growth_per_day.total_cmp(&a.queue_growth_per_day))
            .then(a.step.cmp(&b.step))
    };
    all.sort_by(|a, b| a.flow.cmp(&b.flow).then(order(a, b)));
    let mut rank = 0;
    let mut flow = String::new();
    for b in &mut all {
        if b.flow != flow {
            flow.clone_from(&b.flow);
            rank = 0;
        }
        rank += 1;
        b.rank = rank;
    }
    let mut overall = all.clone();
    overall.sort_by(|a, b| b.waiting_total.cmp(&a.waiting_total).then(order(a, b)).then(a.flow.cmp(&b.flow)));
    overall.truncate(20);
    for (n, b) in overall.iter_mut().enumerate() {
        b.rank = u32::try_from(n + 1).unwrap_or(u32::MAX);
    }
    (all, overall)
}

/// Whether arrivals exceeded completions on `n` consecutive calendar days.
fn grew_on_consecutive_days(days: &BTreeMap<Date, i64>, n: usize) -> bool {
    let mut run = 0;
    let mut previous: Option<Date> = None;
    for (day, net) in days {
        let consecutive = previous.and_then(|p| p.tomorrow().ok()) == Some(*day);
        run = if *net > 0 { if consecutive { run + 1 } else { 1 } } else { 0 };
        if run >= n {
            return true;
        }
        previous = Some(*day);
    }
    false
}

/// Arrivals, completions and WIP per day, and the Little's-law check.
fn flow_over_time(cases: &[CaseFigures], span: Span, zone: &TimeZone) -> FlowOverTime {
    if span.to <= span.from {
        return FlowOverTime::default();
    }
    let (first, last) = (date_of(span.from, zone), date_of(span.to - 1, zone));
    let mut days = Vec::new();
    let mut day = first;
    let mut arrivals: BTreeMap<Date, u64> = BTreeMap::new();
    let mut completed: BTreeMap<Date, u64> = BTreeMap::new();
    let mut lead_times = Vec::new();
    for case in cases {
        if span.contains(case.received) {
            *arrivals.entry(date_of(case.received, zone)).or_default() += 1;
        }
        if let Some(c) = case.closed.filter(|c| case.completed && span.contains(*c)) {
            *completed.entry(date_of(c, zone)).or_default() += 1;
            lead_times.extend(case.order.lead_time);
        }
    }
    // Ends of days, sorted, to count WIP with one sweep over receipts and closes.
    let mut ends = Vec::new();
    while day <= last {
        let Ok(next) = day.tomorrow() else { break };
        let end = next.to_zoned(zone.clone()).map_or(span.to, |z| z.timestamp().as_second()).min(span.to);
        ends.push((day, end));
        day = next;
    }
    let mut received: Vec<i64> = cases.iter().map(|c| c.received).collect();
    let mut closed: Vec<i64> = cases.iter().filter_map(|c| c.closed).collect();
    received.sort_unstable();
    closed.sort_unstable();
    for (day, end) in ends {
        // received ≤ t < closed, at t = the last second of the day.
        let t = end - 1;
        let wip = received.partition_point(|r| *r <= t) - closed.partition_point(|c| *c <= t);
        days.push(DayFlow {
            day: day_key(day),
            arrivals: arrivals.get(&day).copied().unwrap_or(0),
            completed: completed.get(&day).copied().unwrap_or(0),
            wip: wip as u64,
        });
    }
    let n = days.len() as f64;
    let mean_wip = (n > 0.0).then(|| days.iter().map(|d| d.wip as f64).sum::<f64>() / n);
    let throughput = (n > 0.0).then(|| days.iter().map(|d| d.completed as f64).sum::<f64>() / n);
    let mean_lt_days = (!lead_times.is_empty())
        .then(|| lead_times.iter().map(|s| *s as f64).sum::<f64>() / lead_times.len() as f64 / 86_400.0);
    let littles_ratio = match (mean_wip, throughput, mean_lt_days) {
        (Some(w), Some(x), Some(lt)) if x * lt > 0.0 => Some(w / (x * lt)),
        _ => None,
    };
    FlowOverTime { days, mean_wip, throughput_per_day: throughput, mean_lead_time_days: mean_lt_days, littles_ratio }
}
