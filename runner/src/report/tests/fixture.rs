//! Reports built by hand: a small one whose every figure a test can name, and a month-sized
//! one (seeded, deterministic) that looks like what `junro demo` produces, for the page's look.

use jiff::{SignedDuration, Timestamp};
use junro_engine::kpi::{
    Bottleneck, DayFlow, Distribution, FlowOverTime, FollowUpGroup, GroupKpi, KpiReport, NotOneStop, OpenTaskAlert,
    OrderKpi, StalledOrder, StalledReport, StepKpi, TimeSplit, VendorStepCount, Window,
};

pub(super) const VENDOR_JA: &str = "東日本テレコム販売";
/// A vendor name with every character HTML must escape.
pub(super) const VENDOR_ESCAPED: &str = "ACME <Partners> & \"Co\"";
pub(super) const STEP_JA: &str = "工事日の調整（お客様へ電話）";

pub(super) fn at(s: &str) -> Timestamp {
    s.parse().expect("a valid timestamp")
}

fn dist(values: &[i64]) -> Distribution {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = |p: f64| {
        let n = sorted.len();
        let r = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
        sorted.get(r.min(n).saturating_sub(1)).copied()
    };
    Distribution {
        count: sorted.len() as u64,
        mean: (!sorted.is_empty()).then(|| sorted.iter().sum::<i64>() as f64 / sorted.len() as f64),
        p50: rank(50.0),
        p90: rank(90.0),
        p95: rank(95.0),
        max: sorted.last().copied(),
    }
}

fn group(key: &str, completed: u64, one_stop: u64, target: Option<f64>, lead: &[i64]) -> GroupKpi {
    let rate = (completed > 0).then(|| one_stop as f64 / completed as f64);
    let c = i64::try_from(completed + 1).unwrap_or(1);
    GroupKpi {
        key: key.to_string(),
        received: completed + 2,
        closed: completed + 1,
        completed,
        cancelled: 1,
        rejected: 0,
        withdrawn: 0,
        failed: 0,
        eligible_completed: completed,
        one_stop,
        one_stop_rate: rate,
        target,
        target_met: target.zip(rate).map(|(t, r)| r >= t),
        lead_time: dist(lead),
        business_lead_time: dist(&lead.iter().map(|l| l / 3).collect::<Vec<_>>()),
        sla_met: completed.saturating_sub(1),
        sla_total: completed,
        rework_orders: 1,
        rework_rate: Some(1.0 / (completed + 1) as f64),
        steps_processed: completed * 3,
        time: TimeSplit::of(&[1800 * c, 7200 * c, 600 * c, 0, 10_800 * c, 0, 3600 * c, 0, 0]),
        business_time: TimeSplit::of(&[1800 * c, 3600 * c, 600 * c, 0, 0, 0, 1800 * c, 0, 0]),
    }
}

fn order(n: u32, vendor: &str, outcome: &str, received: Timestamp, lead: Option<i64>) -> OrderKpi {
    OrderKpi {
        id: format!("0190-{n:04}"),
        business_key: Some(format!("ORD-20261102-{n:04}")),
        flow: "fiber_new".to_string(),
        version: 1,
        vendor: vendor.to_string(),
        channel: None,
        outcome: outcome.to_string(),
        received,
        closed: lead.map(|l| received + SignedDuration::from_secs(l)),
        lead_time: lead,
        business_lead_time: lead.map(|l| l / 3),
        stopped: 0,
        touch: 1800,
        waiting: lead.map_or(3600, |l| l / 2),
        flow_efficiency: lead.map(|l| 1800.0 / l as f64),
        handoffs: 2,
        handoffs_lane: 1,
        handoffs_vendor: 0,
        rework: 0,
        one_stop: (outcome == "completed").then_some(n.is_multiple_of(2)),
        not_one_stop: (outcome == "completed" && !n.is_multiple_of(2))
            .then(|| format!("route: !area_ok(area) → {STEP_JA}")),
        sla_met: lead.map(|l| l < 86_400),
        time: TimeSplit::of(&[1800, (lead.unwrap_or(5400) - 1800).max(0)]),
        business_time: TimeSplit::of(&[1800, (lead.unwrap_or(5400) / 3 - 1800).max(0)]),
    }
}

fn bottleneck(rank: u32, flow: &str, step: &str, label: &str, share: f64, total: i64) -> Bottleneck {
    Bottleneck {
        rank,
        flow: flow.to_string(),
        step: step.to_string(),
        label: label.to_string(),
        waiting_share: share,
        waiting_total: total,
        waiting_p90: Some(total / 4),
        queue_growth_per_day: 0.25,
        flagged: share >= 0.3,
    }
}

/// Two vendors (one with no eligible completed order, so no rate), Japanese names and labels,
/// a vendor name HTML must escape, and no channel (an empty view).
pub(super) fn small_report() -> KpiReport {
    let received = at("2026-11-02T01:00:00Z");
    let orders = vec![
        order(1, VENDOR_JA, "completed", received, Some(45_000)),
        order(2, VENDOR_JA, "completed", received, Some(90_000)),
        order(3, VENDOR_ESCAPED, "cancelled", received, Some(7_200)),
        order(4, VENDOR_ESCAPED, "open", received, None),
    ];
    let step = StepKpi {
        flow: "fiber_new".to_string(),
        step: "schedule".to_string(),
        label: STEP_JA.to_string(),
        lane: "back".to_string(),
        back: true,
        human: true,
        wait: false,
        arrivals: 4,
        completed: 3,
        waiting: dist(&[3600, 7200, 36_000]),
        waiting_business: dist(&[3600, 3600, 12_000]),
        processing: dist(&[600, 900, 1200]),
        processing_business: dist(&[600, 900, 1200]),
        waiting_share: Some(0.625),
        queue: 1,
        oldest_age: Some(5400),
        sla_met: 2,
        sla_total: 3,
    };
    let bottlenecks = vec![
        bottleneck(1, "fiber_new", "schedule", STEP_JA, 0.625, 46_800),
        bottleneck(2, "fiber_new", "review", "書類確認", 0.375, 28_080),
    ];
    KpiReport {
        window: Window {
            from: Some(at("2026-10-31T15:00:00Z")),
            to: Some(at("2026-11-30T15:00:00Z")),
            now: at("2026-11-30T15:00:00Z"),
            time_zone: "Asia/Tokyo".to_string(),
        },
        overall: group("all", 2, 1, None, &[45_000, 90_000]),
        orders,
        steps: vec![step],
        bottlenecks: bottlenecks.clone(),
        bottlenecks_overall: bottlenecks,
        vendors: vec![group(VENDOR_JA, 2, 1, Some(0.7), &[45_000, 90_000]), group(VENDOR_ESCAPED, 0, 0, None, &[])],
        vendor_steps: vec![VendorStepCount {
            vendor: VENDOR_JA.to_string(),
            flow: "fiber_new".to_string(),
            step: "schedule".to_string(),
            label: STEP_JA.to_string(),
            completed: 3,
        }],
        flows: vec![group("fiber_new", 2, 1, None, &[45_000, 90_000])],
        channels: Vec::new(),
        days: vec![group("2026-11-02", 2, 1, None, &[45_000, 90_000])],
        weeks: vec![group("2026-W45", 2, 1, None, &[45_000, 90_000])],
        months: vec![group("2026-11", 2, 1, None, &[45_000, 90_000])],
        flow_over_time: FlowOverTime {
            days: vec![
                DayFlow { day: "2026-11-02".to_string(), arrivals: 4, completed: 1, wip: 3 },
                DayFlow { day: "2026-11-03".to_string(), arrivals: 0, completed: 1, wip: 1 },
            ],
            mean_wip: Some(2.0),
            throughput_per_day: Some(1.0),
            mean_lead_time_days: Some(0.78),
            littles_ratio: Some(2.56),
        },
        not_one_stop: vec![NotOneStop {
            rank: 1,
            flow: "fiber_new".to_string(),
            vendor: VENDOR_JA.to_string(),
            reason: format!("route: !area_ok(area) → {STEP_JA}"),
            rule: Some("area_ok".to_string()),
            orders: 1,
            share: 1.0,
        }],
        rule_to_revisit: Some(("area_ok".to_string(), 1)),
    }
}

/// A reminder list with one stalled order and one overdue task.
pub(super) fn small_stalled() -> StalledReport {
    StalledReport {
        now: at("2026-11-30T15:00:00Z"),
        stalled_after_hours: 8.0,
        at_risk_hours: 4.0,
        stalled: vec![StalledOrder {
            reason: "nobody acting".to_string(),
            id: "0190-0004".to_string(),
            business_key: Some("ORD-20261102-0004".to_string()),
            flow: "fiber_new".to_string(),
            vendor: VENDOR_ESCAPED.to_string(),
            open_steps: STEP_JA.to_string(),
            last_event: at("2026-11-20T02:00:00Z"),
            idle_business: 180_000,
            age_business: 360_000,
            aging_bucket: ">7d".to_string(),
        }],
        tasks: vec![OpenTaskAlert {
            order: "0190-0004".to_string(),
            business_key: None,
            flow: "fiber_new".to_string(),
            step: "schedule".to_string(),
            label: STEP_JA.to_string(),
            vendor: VENDOR_ESCAPED.to_string(),
            assignee: None,
            due: at("2026-11-21T02:00:00Z"),
            state: "overdue".to_string(),
            past_due_business: 90_000,
        }],
        by_vendor_step: vec![FollowUpGroup {
            vendor: VENDOR_ESCAPED.to_string(),
            flow: "fiber_new".to_string(),
            step: "schedule".to_string(),
            label: STEP_JA.to_string(),
            stalled: 1,
            overdue: 1,
            at_risk: 0,
        }],
    }
}

/// A small xorshift generator: the month report is the same on every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A month of a catalogue-sized back office: four vendors, five flows with long Japanese step
/// labels, a lead-time distribution with a long tail, and WIP that builds then drains.
pub(super) fn month_report() -> KpiReport {
    let mut rng = Seeded(0x9E37_79B9_7F4A_7C15);
    let vendors = ["東日本テレコム販売", "ひかりサポート株式会社", "Nexa Partners", "self-service"];
    let flows = ["fiber_new", "plan_change", "move_service", "cancel_line", "equipment_swap"];
    let steps = [
        ("intake", "受付内容の確認"),
        ("credit", "与信審査（バックオフィス）"),
        ("survey", "現地調査の日程調整とお客様への連絡"),
        ("construction", "工事日の調整（お客様へ電話）"),
        ("documents", "重要事項説明書の送付と受領確認"),
        ("activate", "回線開通処理"),
    ];
    let start = at("2026-10-31T15:00:00Z");
    let mut orders = Vec::new();
    for n in 0..640u32 {
        let day = i64::from(n % 30);
        let received = start + SignedDuration::from_secs(day * 86_400 + 32_400 + rng.below(28_800) as i64);
        let vendor = vendors[rng.below(4) as usize];
        let roll = rng.below(100);
        let (outcome, lead) = match roll {
            0..=5 => ("cancelled", Some(3_600 * (1 + rng.below(60) as i64))),
            6..=14 => ("open", None),
            15..=17 => ("completed", Some(3_600 * (200 + rng.below(400) as i64))),
            _ => ("completed", Some(1_800 + (rng.below(60) * rng.below(60) * 120) as i64)),
        };
        let mut o = order(n, vendor, outcome, received, lead);
        o.flow = flows[rng.below(5) as usize].to_string();
        o.channel = Some(["web", "shop", "phone"][rng.below(3) as usize].to_string());
        orders.push(o);
    }
    let leads: Vec<i64> = orders.iter().filter(|o| o.outcome == "completed").filter_map(|o| o.lead_time).collect();
    let mut bottlenecks = Vec::new();
    for (f, flow) in flows.iter().enumerate() {
        let mut shares: Vec<(usize, f64)> = (0..steps.len()).map(|s| (s, 1.0 + rng.below(100) as f64)).collect();
        shares[(f + 3) % steps.len()].1 += 160.0;
        let sum: f64 = shares.iter().map(|s| s.1).sum();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (rank, (s, weight)) in shares.iter().enumerate() {
            let share = weight / sum;
            let total = (share * 1_800_000.0 / (f + 1) as f64) as i64;
            bottlenecks.push(bottleneck(rank as u32 + 1, flow, steps[*s].0, steps[*s].1, share, total));
        }
    }
    let mut overall: Vec<Bottleneck> = bottlenecks.clone();
    overall.sort_by_key(|b| std::cmp::Reverse(b.waiting_total));
    for (i, b) in overall.iter_mut().enumerate() {
        b.rank = i as u32 + 1;
    }
    let step_rows = flows
        .iter()
        .flat_map(|flow| steps.iter().map(move |(id, label)| (*flow, *id, *label)))
        .map(|(flow, id, label)| StepKpi {
            flow: flow.to_string(),
            step: id.to_string(),
            label: label.to_string(),
            lane: if id == "intake" { "front" } else { "back" }.to_string(),
            back: id != "intake",
            human: id != "activate",
            wait: false,
            arrivals: 120,
            completed: 110,
            waiting: dist(&[3_600, 7_200, 30_000, 90_000]),
            waiting_business: dist(&[3_600, 7_200, 10_000, 30_000]),
            processing: dist(&[600, 900, 1_800]),
            processing_business: dist(&[600, 900, 1_800]),
            waiting_share: Some(0.2),
            queue: 10,
            oldest_age: Some(260_000),
            sla_met: 100,
            sla_total: 110,
        })
        .collect();
    let mut wip = 0i64;
    let days: Vec<DayFlow> = (0..30)
        .map(|d| {
            let arrivals = 14 + rng.below(14) as i64 - if d % 7 >= 5 { 10 } else { 0 };
            let completed = (arrivals - 6 + rng.below(12) as i64 + if d > 18 { 6 } else { 0 }).max(0);
            wip = (wip + arrivals - completed).max(0);
            DayFlow {
                day: format!("2026-11-{:02}", d + 1),
                arrivals: arrivals as u64,
                completed: completed as u64,
                wip: wip as u64,
            }
        })
        .collect();
    let mut report = small_report();
    report.overall = group("all", leads.len() as u64, (leads.len() as u64) * 64 / 100, None, &leads);
    report.vendors = vendors
        .iter()
        .enumerate()
        .map(|(i, v)| group(v, 120 + i as u64 * 10, 60 + i as u64 * 19, Some(0.7), &leads))
        .collect();
    report.flows = flows
        .iter()
        .enumerate()
        .map(|(i, f)| group(f, 200 - i as u64 * 30, 150 - i as u64 * 25, None, &leads))
        .collect();
    report.channels = ["web", "shop", "phone"].iter().map(|c| group(c, 150, 100, None, &leads)).collect();
    report.days = days.iter().map(|d| group(&d.day, d.completed, d.completed / 2, None, &leads)).collect();
    report.weeks = (44..49).map(|w| group(&format!("2026-W{w}"), 90, 60, None, &leads)).collect();
    report.orders = orders;
    report.steps = step_rows;
    report.bottlenecks = bottlenecks;
    report.bottlenecks_overall = overall;
    report.flow_over_time = FlowOverTime {
        days,
        mean_wip: Some(41.3),
        throughput_per_day: Some(17.2),
        mean_lead_time_days: Some(2.3),
        littles_ratio: Some(1.04),
    };
    report
}
