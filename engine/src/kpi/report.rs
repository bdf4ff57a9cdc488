//! The KPI figures as typed rows: what `junro kpi` and `junro stalled` print, and what an
//! embedding application reads. Every figure is defined in `../shared/kpi.md`; durations are
//! whole seconds, rates are fractions in `0.0..=1.0`, and each rate comes with its numerator and
//! denominator.

use jiff::Timestamp;
use serde::Serialize;

/// The time window a report covers, and the moment it was computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    /// Closed orders are counted from this moment (inclusive); `None`: from the first.
    pub from: Option<Timestamp>,
    /// … up to this moment (exclusive); `None`: up to `now`.
    pub to: Option<Timestamp>,
    /// "Now" for queues, WIP, aging and stalled orders.
    pub now: Timestamp,
    /// The time zone days, weeks and months are taken in (IANA name).
    pub time_zone: String,
}

/// Nearest-rank percentiles and the mean of a set of durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Distribution {
    /// How many values.
    pub count: u64,
    /// Arithmetic mean (`None` when there are no values).
    pub mean: Option<f64>,
    /// p50 (median).
    pub p50: Option<i64>,
    /// p90.
    pub p90: Option<i64>,
    /// p95.
    pub p95: Option<i64>,
    /// The largest value.
    pub max: Option<i64>,
}

/// One order's own figures (`--by order`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct OrderKpi {
    /// Instance id.
    pub id: String,
    /// Business key (the case id of exports when present).
    pub business_key: Option<String>,
    /// Flow id.
    pub flow: String,
    /// Flow version.
    pub version: u32,
    /// Attributed vendor (see kpi.md), or `self-service`.
    pub vendor: String,
    /// Channel, when given at start.
    pub channel: Option<String>,
    /// `open`, `on_hold` or the end's outcome (`completed`, `cancelled`, …).
    pub outcome: String,
    /// `received_o`.
    pub received: Timestamp,
    /// `closed_o`, once closed.
    pub closed: Option<Timestamp>,
    /// `LT_o` in seconds (closed orders).
    pub lead_time: Option<i64>,
    /// `BLT_o` in seconds: business time, stopped intervals excluded (closed orders).
    pub business_lead_time: Option<i64>,
    /// Calendar seconds the clock was stopped (holds, customer waits) up to close or now.
    pub stopped: i64,
    /// `T_o`: the union of the human steps' processing intervals, less stopped time, seconds.
    pub touch: i64,
    /// Seconds nobody worked on the order while its clock ran: lead time (age, while open)
    /// minus touch and stopped time, so `waiting + touch + stopped = lead time`.
    pub waiting: i64,
    /// `FE_o = T_o / LT_o` (closed orders with a lead time above zero).
    pub flow_efficiency: Option<f64>,
    /// Consecutive human steps done by different people.
    pub handoffs: u32,
    /// … in different lanes.
    pub handoffs_lane: u32,
    /// … by people of different vendors.
    pub handoffs_vendor: u32,
    /// Send-backs and pull-backs.
    pub rework: u32,
    /// Whether the order is one-stop; `None` when it is not eligible or not completed.
    pub one_stop: Option<bool>,
    /// Why a completed eligible order was not one-stop: the decision (rule, table row, branch
    /// condition, task outcome) that made the first back-office step a person started ready,
    /// and that step; `None` for one-stop, open and ineligible orders.
    pub not_one_stop: Option<String>,
    /// Whether a completed order met its flow's `sla`; `None` for other orders and flows
    /// without one.
    pub sla_met: Option<bool>,
    /// Where its lead time (its age, while open) went, in calendar seconds.
    pub time: TimeSplit,
    /// The same in business seconds (the flow's calendar; the parts add up to `bh(received,
    /// closed)`, the stopped clock included as `customer` and `on_hold`).
    pub business_time: TimeSplit,
}

/// Where an order's time went (`../shared/kpi.md`): a partition of `[received_o, closed_o)`
/// (of `[received_o, now)` while open), each moment in the first of these states that applies,
/// so the parts add up to the lead time exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct TimeSplit {
    /// A person has a claimed step of the order open.
    pub worked: i64,
    /// A person's step is ready and nobody has claimed it.
    pub queued: i64,
    /// An automatic step is queued, running or backing off before a retry.
    pub automatic: i64,
    /// An incident is open.
    pub incident: i64,
    /// A wait for the customer alone (the stopped clock).
    pub customer: i64,
    /// On hold.
    pub on_hold: i64,
    /// A wait for a partner's or a system's signal.
    pub partner: i64,
    /// A wait for a timer or a date.
    pub scheduled: i64,
    /// None of these (a subflow starting, for instance).
    pub other: i64,
}

impl TimeSplit {
    /// The states, in the order a moment is given to the first that applies.
    pub const STATES: [&'static str; 9] =
        ["worked", "queued", "automatic", "incident", "customer", "on_hold", "partner", "scheduled", "other"];

    /// The parts, in the order of [`TimeSplit::STATES`].
    pub fn parts(&self) -> [i64; 9] {
        [
            self.worked,
            self.queued,
            self.automatic,
            self.incident,
            self.customer,
            self.on_hold,
            self.partner,
            self.scheduled,
            self.other,
        ]
    }

    /// Their sum: the lead time (or age).
    pub fn total(&self) -> i64 {
        self.parts().iter().sum()
    }

    /// From parts in the order of [`TimeSplit::STATES`] (missing ones are zero).
    pub fn of(parts: &[i64]) -> TimeSplit {
        let part = |n: usize| parts.get(n).copied().unwrap_or(0);
        TimeSplit {
            worked: part(0),
            queued: part(1),
            automatic: part(2),
            incident: part(3),
            customer: part(4),
            on_hold: part(5),
            partner: part(6),
            scheduled: part(7),
            other: part(8),
        }
    }

    /// Adds another's parts to these.
    pub fn add(&mut self, other: &TimeSplit) {
        let sum: Vec<i64> = self.parts().iter().zip(other.parts()).map(|(a, b)| a + b).collect();
        *self = TimeSplit::of(&sum);
    }
}

/// Figures of one step (flow and step id) over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepKpi {
    /// Flow id.
    pub flow: String,
    /// Step id (`subflow/step` for a subflow's step, counted in its root order's flow).
    pub step: String,
    /// The step's label as the analyst wrote it (may be Japanese).
    pub label: String,
    /// Lane id.
    pub lane: String,
    /// Whether the lane is back office.
    pub back: bool,
    /// Whether people do it (a task), rather than an action.
    pub human: bool,
    /// Whether it is a wait (for a signal, a time or a date): its waiting is the whole wait.
    pub wait: bool,
    /// Step instances that became ready in the window.
    pub arrivals: u64,
    /// Step instances completed in the window.
    pub completed: u64,
    /// `W_s` of the completed instances.
    pub waiting: Distribution,
    /// The same in business seconds (the order's calendar).
    pub waiting_business: Distribution,
    /// `P_s` of the completed instances.
    pub processing: Distribution,
    /// The same in business seconds.
    pub processing_business: Distribution,
    /// `WS_k`: this step's share of its flow's total waiting, in business time.
    pub waiting_share: Option<f64>,
    /// Open instances now.
    pub queue: u64,
    /// Age of the oldest open instance now, seconds.
    pub oldest_age: Option<i64>,
    /// Completed instances with a due time that met it.
    pub sla_met: u64,
    /// Completed instances that had a due time.
    pub sla_total: u64,
}

/// A step in the bottleneck ranking (per flow, and overall across flows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bottleneck {
    /// 1 = holds orders longest.
    pub rank: u32,
    /// The step's flow.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// Its label.
    pub label: String,
    /// `WS_k` (within its flow, in business time).
    pub waiting_share: f64,
    /// Total waiting business seconds of the step (the overall ranking orders by this).
    pub waiting_total: i64,
    /// p90 of `W_s` in business seconds.
    pub waiting_p90: Option<i64>,
    /// `(arrivals − completions) / day` over the window.
    pub queue_growth_per_day: f64,
    /// `WS_k ≥ 0.3`, or its queue grew on three or more consecutive days.
    pub flagged: bool,
}

/// Figures of a group of orders: a vendor, a flow, a channel, or a period.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct GroupKpi {
    /// The vendor, flow id, channel, or period (`2026-11-02`, `2026-W45`, `2026-11`).
    pub key: String,
    /// Orders received in the window (by `received_o`).
    pub received: u64,
    /// Orders closed in the window.
    pub closed: u64,
    /// … of which completed.
    pub completed: u64,
    /// … of which cancelled.
    pub cancelled: u64,
    /// … of which rejected.
    pub rejected: u64,
    /// … of which withdrawn.
    pub withdrawn: u64,
    /// … of which failed.
    pub failed: u64,
    /// Completed orders of eligible flows (the one-stop denominator).
    pub eligible_completed: u64,
    /// … of which one-stop (the numerator).
    pub one_stop: u64,
    /// `one_stop / eligible_completed`.
    pub one_stop_rate: Option<f64>,
    /// The configured target, if any.
    pub target: Option<f64>,
    /// Whether the rate reached the target.
    pub target_met: Option<bool>,
    /// Calendar lead times of the completed orders.
    pub lead_time: Distribution,
    /// Business lead times of the completed orders.
    pub business_lead_time: Distribution,
    /// Completed orders that met their flow's SLA.
    pub sla_met: u64,
    /// Completed orders whose flow has an SLA.
    pub sla_total: u64,
    /// Closed orders with at least one send-back or pull-back.
    pub rework_orders: u64,
    /// `rework_orders / closed`.
    pub rework_rate: Option<f64>,
    /// Human step instances completed in the window.
    pub steps_processed: u64,
    /// Where the closed orders' lead times went, summed, in calendar seconds.
    pub time: TimeSplit,
    /// The same in business seconds.
    pub business_time: TimeSplit,
}

/// Processing counts of a vendor's people by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorStepCount {
    /// Vendor of the person who completed the step (or `in-house`).
    pub vendor: String,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// Step label.
    pub label: String,
    /// Step instances completed in the window.
    pub completed: u64,
}

/// One day of flow over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayFlow {
    /// The day (`2026-11-02`) in the report's time zone.
    pub day: String,
    /// Orders received that day.
    pub arrivals: u64,
    /// Orders completed that day.
    pub completed: u64,
    /// Open orders at the end of the day (`WIP(t)`).
    pub wip: u64,
}

/// Throughput and WIP over the window, with the Little's-law check.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FlowOverTime {
    /// Day by day.
    pub days: Vec<DayFlow>,
    /// Mean of the daily WIP samples.
    pub mean_wip: Option<f64>,
    /// Completed orders per day.
    pub throughput_per_day: Option<f64>,
    /// Mean lead time of the completed orders, in days.
    pub mean_lead_time_days: Option<f64>,
    /// `mean WIP / (throughput × mean LT)`: near 1 in a stable window.
    pub littles_ratio: Option<f64>,
}

/// The full KPI report of a window (`junro kpi`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    /// What it covers.
    pub window: Window,
    /// All orders together.
    pub overall: GroupKpi,
    /// Every order received or closed in the window, or open now.
    pub orders: Vec<OrderKpi>,
    /// Every step of every flow that has step instances.
    pub steps: Vec<StepKpi>,
    /// The bottleneck ranking within each flow (`rank` restarts per flow).
    pub bottlenecks: Vec<Bottleneck>,
    /// The bottleneck ranking across all flows, by total waiting.
    pub bottlenecks_overall: Vec<Bottleneck>,
    /// Per vendor.
    pub vendors: Vec<GroupKpi>,
    /// Per vendor and step: processing counts.
    pub vendor_steps: Vec<VendorStepCount>,
    /// Per flow.
    pub flows: Vec<GroupKpi>,
    /// Per channel.
    pub channels: Vec<GroupKpi>,
    /// Per day, ISO week and month (by `closed_o` for closed-order figures, by `received_o`
    /// for arrivals).
    pub days: Vec<GroupKpi>,
    /// Per ISO week.
    pub weeks: Vec<GroupKpi>,
    /// Per month.
    pub months: Vec<GroupKpi>,
    /// Throughput and WIP.
    pub flow_over_time: FlowOverTime,
    /// Why completed orders were not one-stop, ranked per flow and vendor.
    pub not_one_stop: Vec<NotOneStop>,
    /// The rule whose decisions sent the most completed orders to the back office, and how
    /// many: the one to try with `junro backtest --rule`.
    pub rule_to_revisit: Option<(String, u64)>,
}

/// One reason completed orders of a flow and vendor were not one-stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotOneStop {
    /// 1 = the most orders, within the flow and vendor.
    pub rank: u32,
    /// The order's flow.
    pub flow: String,
    /// The attributed vendor.
    pub vendor: String,
    /// The decision and the back-office step it led to (`route: plan == "premium" → 審査`).
    pub reason: String,
    /// The rule the decision called, if any (what `junro backtest --rule` takes).
    pub rule: Option<String>,
    /// Completed orders it sent to the back office.
    pub orders: u64,
    /// Their share of the flow and vendor's completed orders that were not one-stop.
    pub share: f64,
}

/// An open order that has not moved for longer than the threshold, or has an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StalledOrder {
    /// Why: `incident` (always listed), `nobody acting` (a person's step), `automatic` (a step
    /// no worker ran), `overdue wait` (a partner's or a system's signal that has not come).
    pub reason: String,
    /// Instance id.
    pub id: String,
    /// Business key.
    pub business_key: Option<String>,
    /// Flow id.
    pub flow: String,
    /// Attributed vendor.
    pub vendor: String,
    /// The steps open now (labels, comma-separated).
    pub open_steps: String,
    /// Its last event.
    pub last_event: Timestamp,
    /// Business seconds since the last event.
    pub idle_business: i64,
    /// `bh(received_o, now)` in seconds.
    pub age_business: i64,
    /// `0-1d`, `1-3d`, `3-7d` or `>7d` (business days).
    pub aging_bucket: String,
}

/// An open task that is overdue or at risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenTaskAlert {
    /// Instance id of the order.
    pub order: String,
    /// Business key.
    pub business_key: Option<String>,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// Step label.
    pub label: String,
    /// The order's vendor.
    pub vendor: String,
    /// Who holds the task, if anyone.
    pub assignee: Option<String>,
    /// Due time.
    pub due: Timestamp,
    /// `overdue` or `at risk`.
    pub state: String,
    /// Business seconds past due (positive) or left (negative).
    pub past_due_business: i64,
}

/// How much needs following up at one step for one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpGroup {
    /// The orders' vendor.
    pub vendor: String,
    /// Flow id.
    pub flow: String,
    /// Step id.
    pub step: String,
    /// Step label.
    pub label: String,
    /// Stalled orders waiting at this step.
    pub stalled: u64,
    /// Overdue tasks.
    pub overdue: u64,
    /// Tasks at risk.
    pub at_risk: u64,
}

/// The reminder list (`junro stalled`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StalledReport {
    /// When it was computed.
    pub now: Timestamp,
    /// The threshold in business hours.
    pub stalled_after_hours: f64,
    /// The at-risk horizon in business hours.
    pub at_risk_hours: f64,
    /// Stalled orders, idlest first.
    pub stalled: Vec<StalledOrder>,
    /// Overdue and at-risk tasks, most overdue first.
    pub tasks: Vec<OpenTaskAlert>,
    /// The same counted by vendor and step: who to remind about what.
    pub by_vendor_step: Vec<FollowUpGroup>,
}
