//! Property tests of the KPI figures: whatever the history, the parts of an order's lead time
//! add up to it, and the groups' counts add up to the whole.

use super::case::{InstanceLog, figures, timestamp};
use super::compute;
use super::config::KpiConfig;
use super::facts::{Fact, WaitKind};
use super::report::Window;
use super::{FlowLookup, SELF_SERVICE};
use crate::calendar::Calendar;
use proptest::prelude::*;

struct AllDay(Calendar);

impl FlowLookup for AllDay {
    fn step_label(&self, _: &str, _: u32, step: &str) -> String {
        step.to_string()
    }
    fn onestop_eligible(&self, _: &str, _: u32) -> bool {
        true
    }
    fn sla(&self, _: &str, _: u32) -> Option<u64> {
        Some(86_400)
    }
    fn calendar(&self, _: &str, _: u32) -> &Calendar {
        &self.0
    }
}

/// One thing that happens to an order, after `gap` seconds.
#[derive(Debug, Clone)]
enum Move {
    Task {
        back: bool,
        claims: u8,
        worker: u8,
        cancel: bool,
    },
    Hold,
    Wait(WaitKind),
    /// An automatic step: failed attempts (the last one raising an incident when `incident`),
    /// then a success.
    Auto {
        failures: u8,
        incident: bool,
    },
}

fn moves() -> impl Strategy<Value = Vec<(u32, Move)>> {
    let one = prop_oneof![
        4 => (any::<bool>(), 0u8..3, 0u8..4, prop::bool::weighted(0.1))
            .prop_map(|(back, claims, worker, cancel)| Move::Task { back, claims, worker, cancel }),
        1 => Just(Move::Hold),
        1 => prop_oneof![Just(WaitKind::Customer), Just(WaitKind::Partner), Just(WaitKind::Scheduled)].prop_map(Move::Wait),
        1 => (0u8..3, any::<bool>()).prop_map(|(failures, incident)| Move::Auto { failures, incident }),
    ];
    prop::collection::vec((0u32..20_000, one), 0..8)
}

/// A history from the moves: tasks one after another, with holds and waits between, closed
/// (completed or cancelled) or left open.
fn history(id: usize, start: i64, moves: &[(u32, Move)], close: Option<bool>, vendor: bool) -> InstanceLog {
    let mut t = start;
    let mut facts = vec![(t, Fact::Started { received_at: timestamp(start - 600), vendor: None, channel: None })];
    for (n, (gap, m)) in moves.iter().enumerate() {
        t += i64::from(*gap);
        let instance = n as u64 + 1;
        match m {
            Move::Task { back, claims, worker, cancel } => {
                facts.push((
                    t,
                    Fact::TaskReady {
                        instance,
                        step: format!("s{}", n % 3),
                        lane: if *back { "b" } else { "f" }.into(),
                        back: *back,
                        due_at: Some(timestamp(t + 3600)),
                        unskipped: None,
                    },
                ));
                let actor = format!("p{worker}");
                for _ in 0..*claims {
                    t += 300;
                    facts.push((t, Fact::TaskClaimed { instance, actor: actor.clone() }));
                    t += 200;
                    facts.push((t, Fact::TaskReleased { instance }));
                }
                t += 100;
                facts.push((t, Fact::TaskClaimed { instance, actor: actor.clone() }));
                t += i64::from(*gap % 5000);
                if *cancel {
                    facts.push((t, Fact::TaskCancelled { instance }));
                } else {
                    let vendor = (vendor && *worker % 2 == 0).then(|| format!("v{worker}"));
                    facts.push((t, Fact::TaskCompleted { instance, actor, vendor, outcome: None }));
                }
            }
            Move::Hold => {
                facts.push((t, Fact::Held));
                t += i64::from(*gap % 7000);
                facts.push((t, Fact::Resumed));
            }
            Move::Wait(kind) => {
                facts.push((t, Fact::WaitStarted { instance, step: "w".into(), kind: *kind }));
                t += i64::from(*gap % 9000);
                facts.push((t, Fact::WaitEnded { instance }));
            }
            Move::Auto { failures, incident } => {
                facts.push((t, Fact::ActionQueued { instance, step: "a".into(), attempt: 1 }));
                for attempt in 0..*failures {
                    t += 40;
                    let started = Some(t);
                    t += 20;
                    let last = attempt + 1 == *failures;
                    facts.push((t, Fact::ActionFailed { instance, started, retry: !(last && *incident) }));
                    if last && *incident {
                        facts.push((t, Fact::IncidentRaised { instance, step: "a".into() }));
                        t += i64::from(*gap % 3000);
                        facts.push((t, Fact::IncidentRetried { instance }));
                    }
                    t += 30;
                    facts.push((t, Fact::ActionQueued { instance, step: "a".into(), attempt: u32::from(attempt) + 2 }));
                }
                t += 50;
                let started = Some(t);
                t += 25;
                facts.push((t, Fact::ActionSucceeded { instance, started }));
            }
        }
    }
    if let Some(completed) = close {
        t += 60;
        facts.push((t, Fact::Closed { outcome: if completed { "completed" } else { "cancelled" }.into() }));
    }
    InstanceLog {
        id: format!("o{id}"),
        parent: None,
        flow: format!("f{}", id % 3),
        version: 1,
        business_key: None,
        status: if close.is_some() { "closed" } else { "open" }.into(),
        updated_at: t,
        facts,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn waiting_touch_and_stopped_add_up_to_the_lead_time(
        orders in prop::collection::vec((moves(), prop::option::of(any::<bool>()), any::<bool>()), 1..12)
    ) {
        let flows = AllDay(Calendar::japan_office());
        let start = 1_795_000_000; // 2026-11 (a Tuesday, 09:06 JST)
        let now = start + 400_000;
        let cases: Vec<_> = orders
            .iter()
            .enumerate()
            .map(|(n, (moves, close, vendor))| figures(&[history(n, start + n as i64 * 1000, moves, *close, *vendor)], &flows, now))
            .collect();
        for case in &cases {
            let o = &case.order;
            let end = case.closed.unwrap_or(now);
            prop_assert_eq!(o.waiting + o.touch + o.stopped, end - case.received, "{:?}", o);
            // Where the time goes: a partition of the lead time (age), in calendar and in
            // business time, every part at least zero.
            prop_assert_eq!(o.time.total(), end - case.received, "{:?}", o.time);
            let business = super::case::bh(&flows.0, case.received, end);
            prop_assert_eq!(o.business_time.total(), business, "{:?}", o.business_time);
            prop_assert!(o.time.parts().iter().chain(o.business_time.parts().iter()).all(|p| *p >= 0));
            // Worked is the people's claimed time, touch the same less the stopped clock.
            prop_assert!(o.time.worked >= o.touch && o.time.worked - o.touch <= o.stopped, "{:?}", o);
            prop_assert!(o.waiting >= 0 && o.touch >= 0 && o.stopped >= 0);
            if let (Some(lt), Some(blt)) = (o.lead_time, o.business_lead_time) {
                prop_assert!(blt <= lt && blt >= 0);
            }
            for run in &case.steps {
                let span = run.complete.unwrap_or(end) - run.ready;
                prop_assert!(run.waiting() + run.processing() <= span, "{:?}", run);
            }
        }
        let window = Window { from: None, to: None, now: timestamp(now), time_zone: "Asia/Tokyo".into() };
        let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
        let report = compute::report(&cases, &flows, &KpiConfig::default(), window, &zone);
        let sum = |groups: &[super::GroupKpi], f: fn(&super::GroupKpi) -> u64| groups.iter().map(f).sum::<u64>();
        for groups in [&report.vendors, &report.flows, &report.channels, &report.days, &report.months] {
            prop_assert_eq!(sum(groups, |g| g.received), report.overall.received);
            prop_assert_eq!(sum(groups, |g| g.closed), report.overall.closed);
            prop_assert_eq!(sum(groups, |g| g.completed), report.overall.completed);
            prop_assert_eq!(sum(groups, |g| g.one_stop), report.overall.one_stop);
            prop_assert_eq!(sum(groups, |g| g.eligible_completed), report.overall.eligible_completed);
            prop_assert_eq!(sum(groups, |g| g.steps_processed), report.overall.steps_processed);
        }
        prop_assert_eq!(report.overall.received as usize, cases.len());
        prop_assert!(report.vendors.iter().all(|v| v.key != SELF_SERVICE || v.received > 0));
        let step_total: u64 = report.vendor_steps.iter().map(|v| v.completed).sum();
        prop_assert_eq!(step_total, report.overall.steps_processed);
    }
}

#[test]
fn each_breakdown_puts_its_main_view_first() {
    let window = Window { from: None, to: None, now: timestamp(1_795_000_000), time_zone: "Asia/Tokyo".into() };
    let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
    let report = compute::report(&[], &AllDay(Calendar::japan_office()), &KpiConfig::default(), window, &zone);
    for (by, first) in
        [("order", "orders"), ("vendor", "vendors"), ("flow", "flows"), ("step", "steps"), ("day", "days")]
    {
        let views = report.views_by(by).expect("a known breakdown");
        assert_eq!(views[0].id, first, "--by {by}");
    }
    assert!(report.views_by("vendors").is_none());
}

/// Tuesday 2026-11-24 10:00 in Tokyo, in seconds.
fn tuesday_10_tokyo() -> i64 {
    jiff::civil::date(2026, 11, 24)
        .at(10, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone"))
        .expect("time")
        .timestamp()
        .as_second()
}

#[test]
fn an_order_waiting_at_a_step_with_its_own_threshold_is_stalled_only_after_it() {
    let flows = AllDay(Calendar::japan_office());
    // Tuesday 2026-11-24 10:00 JST; a partner's signal is awaited (not the customer's).
    let start = tuesday_10_tokyo();
    let log = InstanceLog {
        id: "o1".into(),
        parent: None,
        flow: "fiber".into(),
        version: 1,
        business_key: Some("K1".into()),
        status: "open".into(),
        updated_at: start,
        facts: vec![
            (start, Fact::Started { received_at: timestamp(start), vendor: Some("v".into()), channel: None }),
            (start, Fact::WaitStarted { instance: 2, step: "wait_construction".into(), kind: WaitKind::Partner }),
        ],
    };
    let now = start + 2 * 86_400; // Thursday 10:00: 18 business hours later
    let case = figures(&[log], &flows, now);
    assert_eq!(case.open_waits, vec![("fiber".to_string(), 1, "wait_construction".to_string())]);
    assert_eq!(case.order.stopped, 0, "a partner's wait does not stop the clock");
    let default = super::stalled::stalled(std::slice::from_ref(&case), &flows, &KpiConfig::default(), now);
    assert_eq!(default.stalled.len(), 1, "18 business hours without an event is over the default 8");
    assert_eq!(default.stalled[0].open_steps, "wait_construction");
    assert_eq!(default.by_vendor_step[0].step, "wait_construction");
    let patient = KpiConfig::from_yaml("stalled_after:\n  steps: { wait_construction: 120 }\n").expect("config");
    let report = super::stalled::stalled(std::slice::from_ref(&case), &flows, &patient, now);
    assert!(report.stalled.is_empty(), "construction is given 120 business hours");
}

/// An order whose partner's wait is overdue while a parallel branch waits for a date: stalled
/// for the partner ("overdue wait"), and only the partner's step is to follow up; an order
/// waiting only for its date is planned, not stalled.
#[test]
fn a_planned_wait_beside_an_overdue_one_is_not_where_to_remind() {
    let flows = AllDay(Calendar::japan_office());
    let start = tuesday_10_tokyo();
    let log = |id: &str, waits: &[(u64, &str, WaitKind)]| {
        let mut facts =
            vec![(start, Fact::Started { received_at: timestamp(start), vendor: Some("v".into()), channel: None })];
        facts.extend(
            waits
                .iter()
                .map(|(i, step, kind)| (start, Fact::WaitStarted { instance: *i, step: (*step).into(), kind: *kind })),
        );
        InstanceLog {
            id: id.into(),
            parent: None,
            flow: "move".into(),
            version: 1,
            business_key: Some(id.into()),
            status: "open".into(),
            updated_at: start,
            facts,
        }
    };
    let both = log("both", &[(2, "wait_construction", WaitKind::Partner), (3, "wait_move", WaitKind::Scheduled)]);
    let planned = log("planned", &[(3, "wait_move", WaitKind::Scheduled)]);
    let now = start + 2 * 86_400;
    let cases = [figures(&[both], &flows, now), figures(&[planned], &flows, now)];
    let report = super::stalled::stalled(&cases, &flows, &KpiConfig::default(), now);
    assert_eq!(report.stalled.len(), 1, "{:?}", report.stalled);
    assert_eq!((report.stalled[0].id.as_str(), report.stalled[0].reason.as_str()), ("both", "overdue wait"));
    assert_eq!(report.stalled[0].open_steps, "wait_construction");
    let steps: Vec<&str> = report.by_vendor_step.iter().filter(|g| g.stalled > 0).map(|g| g.step.as_str()).collect();
    assert_eq!(steps, ["wait_construction"]);
}
