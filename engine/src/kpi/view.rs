//! The KPI figures as generic tables, so that every output format (terminal table, CSV, JSON,
//! XLSX, HTML) renders the same columns from one definition. A [`View`] is a titled table whose
//! columns carry a [`Unit`]: renderers show durations in hours (one decimal) for people and in
//! seconds for machines, as `../shared/kpi.md` asks.

use super::report::{Distribution, GroupKpi, KpiReport, StalledReport};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// What a column's numbers mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Text.
    Text,
    /// A count.
    Count,
    /// A duration in seconds (hours with one decimal for people).
    Seconds,
    /// A fraction `0..=1` (a percentage for people).
    Ratio,
    /// A plain number.
    Number,
    /// A moment (local time of the report's zone for people, RFC 3339 for machines).
    Time,
    /// Yes / no.
    Flag,
}

/// A column of a view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Machine name (`lead_time_s`): CSV headers of machine formats, JSON keys.
    pub key: &'static str,
    /// Heading for people (`Lead time (h)`).
    pub label: &'static str,
    /// What its cells hold.
    pub unit: Unit,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Nothing (not applicable, no data).
    Empty,
    /// Text.
    Text(String),
    /// A whole number: counts and seconds.
    Int(i64),
    /// A number: ratios and means.
    Float(f64),
    /// A moment.
    Time(Timestamp),
    /// Yes / no.
    Flag(bool),
}

/// A titled table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    /// Stable id: `summary`, `vendors`, `flows`, `channels`, `time`, `steps`, `bottlenecks`,
    /// `bottlenecks_overall`, `vendor_steps`, `days`, `weeks`, `months`, `flow_over_time`,
    /// `orders`, `follow_up`, `stalled`, `tasks_due`.
    pub id: &'static str,
    /// Title for people.
    pub title: &'static str,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

const fn col(key: &'static str, label: &'static str, unit: Unit) -> Column {
    Column { key, label, unit }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn opt_text(s: Option<&str>) -> Cell {
    s.map_or(Cell::Empty, text)
}

fn int(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn opt_int(n: Option<i64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Int)
}

fn opt_float(n: Option<f64>) -> Cell {
    n.map_or(Cell::Empty, Cell::Float)
}

fn opt_flag(b: Option<bool>) -> Cell {
    b.map_or(Cell::Empty, Cell::Flag)
}

fn ratio(numerator: u64, denominator: u64) -> Cell {
    if denominator == 0 { Cell::Empty } else { Cell::Float(numerator as f64 / denominator as f64) }
}

/// The columns and cells of a [`GroupKpi`], after the key column.
fn group_columns(key: &'static str, label: &'static str) -> Vec<Column> {
    vec![
        col(key, label, Unit::Text),
        col("received", "Received", Unit::Count),
        col("closed", "Closed", Unit::Count),
        col("completed", "Completed", Unit::Count),
        col("cancelled", "Cancelled", Unit::Count),
        col("rejected", "Rejected", Unit::Count),
        col("withdrawn", "Withdrawn", Unit::Count),
        col("failed", "Failed", Unit::Count),
        col("one_stop", "One-stop", Unit::Count),
        col("eligible_completed", "Eligible completed", Unit::Count),
        col("one_stop_rate", "One-stop rate", Unit::Ratio),
        col("target", "Target", Unit::Ratio),
        col("target_met", "Target met", Unit::Flag),
        col("lead_time_p50_s", "Lead time p50 (h)", Unit::Seconds),
        col("lead_time_p90_s", "Lead time p90 (h)", Unit::Seconds),
        col("business_lead_time_p50_s", "Business lead time p50 (h)", Unit::Seconds),
        col("business_lead_time_p90_s", "Business lead time p90 (h)", Unit::Seconds),
        col("sla_met", "SLA met", Unit::Count),
        col("sla_total", "SLA counted", Unit::Count),
        col("sla_attainment", "SLA attainment", Unit::Ratio),
        col("rework_orders", "Orders with rework", Unit::Count),
        col("rework_rate", "Rework rate", Unit::Ratio),
        col("steps_processed", "Steps processed", Unit::Count),
    ]
}

fn group_row(g: &GroupKpi) -> Vec<Cell> {
    vec![
        text(&g.key),
        int(g.received),
        int(g.closed),
        int(g.completed),
        int(g.cancelled),
        int(g.rejected),
        int(g.withdrawn),
        int(g.failed),
        int(g.one_stop),
        int(g.eligible_completed),
        opt_float(g.one_stop_rate),
        opt_float(g.target),
        opt_flag(g.target_met),
        opt_int(g.lead_time.p50),
        opt_int(g.lead_time.p90),
        opt_int(g.business_lead_time.p50),
        opt_int(g.business_lead_time.p90),
        int(g.sla_met),
        int(g.sla_total),
        ratio(g.sla_met, g.sla_total),
        int(g.rework_orders),
        opt_float(g.rework_rate),
        int(g.steps_processed),
    ]
}

fn group_view(
    id: &'static str,
    title: &'static str,
    key: &'static str,
    label: &'static str,
    groups: &[GroupKpi],
) -> View {
    View { id, title, columns: group_columns(key, label), rows: groups.iter().map(group_row).collect() }
}

fn dist_cells(d: &Distribution) -> [Cell; 3] {
    [opt_float(d.mean), opt_int(d.p50), opt_int(d.p90)]
}

impl KpiReport {
    /// Every view of the report, in the order a reader wants them.
    pub fn views(&self) -> Vec<View> {
        let mut views = vec![
            group_view("summary", "All orders", "scope", "Scope", std::slice::from_ref(&self.overall)),
            group_view("vendors", "One-stop rate and lead time per vendor", "vendor", "Vendor", &self.vendors),
            group_view("flows", "Per flow", "flow", "Flow", &self.flows),
            group_view("channels", "Per channel", "channel", "Channel", &self.channels),
        ];
        views.push(self.bottleneck_view("bottlenecks", "Bottlenecks per flow", &self.bottlenecks));
        views.push(self.bottleneck_view("bottlenecks_overall", "Bottlenecks across flows", &self.bottlenecks_overall));
        views.push(self.time_view());
        views.push(self.not_one_stop_view());
        views.push(self.steps_view());
        views.push(View {
            id: "vendor_steps",
            title: "Processing counts per vendor and step",
            columns: vec![
                col("vendor", "Vendor", Unit::Text),
                col("flow", "Flow", Unit::Text),
                col("step", "Step", Unit::Text),
                col("label", "Step name", Unit::Text),
                col("completed", "Completed", Unit::Count),
            ],
            rows: self
                .vendor_steps
                .iter()
                .map(|v| vec![text(&v.vendor), text(&v.flow), text(&v.step), text(&v.label), int(v.completed)])
                .collect(),
        });
        views.push(group_view(
            "days",
            "Per day (closed orders by close day, arrivals by receipt day)",
            "day",
            "Day",
            &self.days,
        ));
        views.push(group_view("weeks", "Per ISO week", "week", "Week", &self.weeks));
        views.push(group_view("months", "Per month", "month", "Month", &self.months));
        views.push(self.flow_over_time_view());
        views.push(self.orders_view());
        views
    }

    fn bottleneck_view(&self, id: &'static str, title: &'static str, rows: &[super::Bottleneck]) -> View {
        View {
            id,
            title,
            columns: vec![
                col("rank", "Rank", Unit::Count),
                col("flow", "Flow", Unit::Text),
                col("step", "Step", Unit::Text),
                col("label", "Step name", Unit::Text),
                col("waiting_share", "Waiting share", Unit::Ratio),
                col("waiting_total_s", "Waiting total (h)", Unit::Seconds),
                col("waiting_p90_s", "Waiting p90 (h)", Unit::Seconds),
                col("queue_growth_per_day", "Queue growth per day", Unit::Number),
                col("flagged", "Flagged", Unit::Flag),
            ],
            rows: rows
                .iter()
                .map(|b| {
                    vec![
                        Cell::Int(i64::from(b.rank)),
                        text(&b.flow),
                        text(&b.step),
                        text(&b.label),
                        Cell::Float(b.waiting_share),
                        Cell::Int(b.waiting_total),
                        opt_int(b.waiting_p90),
                        Cell::Float(b.queue_growth_per_day),
                        Cell::Flag(b.flagged),
                    ]
                })
                .collect(),
        }
    }

    fn steps_view(&self) -> View {
        View {
            id: "steps",
            title: "Per step: waiting, processing, queue, SLA",
            columns: vec![
                col("flow", "Flow", Unit::Text),
                col("step", "Step", Unit::Text),
                col("label", "Step name", Unit::Text),
                col("lane", "Lane", Unit::Text),
                col("back", "Back office", Unit::Flag),
                col("human", "Human", Unit::Flag),
                col("wait", "Wait", Unit::Flag),
                col("arrivals", "Arrivals", Unit::Count),
                col("completed", "Completed", Unit::Count),
                col("waiting_mean_s", "Waiting mean (h)", Unit::Seconds),
                col("waiting_p50_s", "Waiting p50 (h)", Unit::Seconds),
                col("waiting_p90_s", "Waiting p90 (h)", Unit::Seconds),
                col("waiting_p95_s", "Waiting p95 (h)", Unit::Seconds),
                col("processing_mean_s", "Processing mean (h)", Unit::Seconds),
                col("processing_p50_s", "Processing p50 (h)", Unit::Seconds),
                col("processing_p90_s", "Processing p90 (h)", Unit::Seconds),
                col("processing_p95_s", "Processing p95 (h)", Unit::Seconds),
                col("waiting_business_mean_s", "Waiting mean (business h)", Unit::Seconds),
                col("waiting_business_p90_s", "Waiting p90 (business h)", Unit::Seconds),
                col("processing_business_mean_s", "Processing mean (business h)", Unit::Seconds),
                col("processing_business_p90_s", "Processing p90 (business h)", Unit::Seconds),
                col("waiting_share", "Waiting share (business time)", Unit::Ratio),
                col("queue", "Queue now", Unit::Count),
                col("oldest_age_s", "Oldest in queue (h)", Unit::Seconds),
                col("sla_met", "SLA met", Unit::Count),
                col("sla_total", "SLA counted", Unit::Count),
                col("sla_attainment", "SLA attainment", Unit::Ratio),
            ],
            rows: self
                .steps
                .iter()
                .map(|s| {
                    let mut row = vec![
                        text(&s.flow),
                        text(&s.step),
                        text(&s.label),
                        text(&s.lane),
                        Cell::Flag(s.back),
                        Cell::Flag(s.human),
                        Cell::Flag(s.wait),
                        int(s.arrivals),
                        int(s.completed),
                    ];
                    let [mean, p50, p90] = dist_cells(&s.waiting);
                    row.extend([mean, p50, p90, opt_int(s.waiting.p95)]);
                    let [mean, p50, p90] = dist_cells(&s.processing);
                    row.extend([mean, p50, p90, opt_int(s.processing.p95)]);
                    row.extend([
                        opt_float(s.waiting_business.mean),
                        opt_int(s.waiting_business.p90),
                        opt_float(s.processing_business.mean),
                        opt_int(s.processing_business.p90),
                    ]);
                    row.extend([
                        opt_float(s.waiting_share),
                        int(s.queue),
                        opt_int(s.oldest_age),
                        int(s.sla_met),
                        int(s.sla_total),
                        ratio(s.sla_met, s.sla_total),
                    ]);
                    row
                })
                .collect(),
        }
    }

    fn flow_over_time_view(&self) -> View {
        View {
            id: "flow_over_time",
            title: "Arrivals, throughput and WIP per day",
            columns: vec![
                col("day", "Day", Unit::Text),
                col("arrivals", "Arrivals", Unit::Count),
                col("completed", "Completed", Unit::Count),
                col("wip", "WIP at end of day", Unit::Count),
            ],
            rows: self
                .flow_over_time
                .days
                .iter()
                .map(|d| vec![text(&d.day), int(d.arrivals), int(d.completed), int(d.wip)])
                .collect(),
        }
    }

    fn orders_view(&self) -> View {
        View {
            id: "orders",
            title: "Orders",
            columns: vec![
                col("business_key", "Business key", Unit::Text),
                col("id", "Order id", Unit::Text),
                col("flow", "Flow", Unit::Text),
                col("version", "Version", Unit::Count),
                col("vendor", "Vendor", Unit::Text),
                col("channel", "Channel", Unit::Text),
                col("outcome", "Outcome", Unit::Text),
                col("received", "Received", Unit::Time),
                col("closed", "Closed", Unit::Time),
                col("lead_time_s", "Lead time (h)", Unit::Seconds),
                col("business_lead_time_s", "Business lead time (h)", Unit::Seconds),
                col("stopped_s", "Stopped (h)", Unit::Seconds),
                col("touch_s", "Touch time (h)", Unit::Seconds),
                col("waiting_s", "Waiting (h)", Unit::Seconds),
                col("flow_efficiency", "Flow efficiency", Unit::Ratio),
                col("handoffs", "Hand-offs", Unit::Count),
                col("handoffs_lane", "Hand-offs between lanes", Unit::Count),
                col("handoffs_vendor", "Hand-offs between vendors", Unit::Count),
                col("rework", "Rework", Unit::Count),
                col("one_stop", "One-stop", Unit::Flag),
                col("not_one_stop", "Why not one-stop", Unit::Text),
                col("sla_met", "SLA met", Unit::Flag),
                col("worked_s", "Worked (h)", Unit::Seconds),
                col("queued_s", "Queued for a person (h)", Unit::Seconds),
                col("automatic_s", "Automatic (h)", Unit::Seconds),
                col("incident_s", "Incident (h)", Unit::Seconds),
                col("customer_s", "Customer (h)", Unit::Seconds),
                col("on_hold_s", "On hold (h)", Unit::Seconds),
                col("partner_s", "Partner (h)", Unit::Seconds),
                col("scheduled_s", "Scheduled (h)", Unit::Seconds),
                col("other_s", "Other (h)", Unit::Seconds),
            ],
            rows: self
                .orders
                .iter()
                .map(|o| {
                    vec![
                        opt_text(o.business_key.as_deref()),
                        text(&o.id),
                        text(&o.flow),
                        Cell::Int(i64::from(o.version)),
                        text(&o.vendor),
                        opt_text(o.channel.as_deref()),
                        text(&o.outcome),
                        Cell::Time(o.received),
                        o.closed.map_or(Cell::Empty, Cell::Time),
                        opt_int(o.lead_time),
                        opt_int(o.business_lead_time),
                        Cell::Int(o.stopped),
                        Cell::Int(o.touch),
                        Cell::Int(o.waiting),
                        opt_float(o.flow_efficiency),
                        Cell::Int(i64::from(o.handoffs)),
                        Cell::Int(i64::from(o.handoffs_lane)),
                        Cell::Int(i64::from(o.handoffs_vendor)),
                        Cell::Int(i64::from(o.rework)),
                        opt_flag(o.one_stop),
                        opt_text(o.not_one_stop.as_deref()),
                        opt_flag(o.sla_met),
                    ]
                    .into_iter()
                    .chain(o.time.parts().map(Cell::Int))
                    .collect()
                })
                .collect(),
        }
    }

    /// The views for `--by`: `order`, `vendor`, `flow`, `step`, `channel`, `day`, `week`,
    /// `month`, the main one first; `None` for an unknown name.
    pub fn views_by(&self, by: &str) -> Option<Vec<View>> {
        let wanted: &[&str] = match by {
            "order" => &["orders"],
            "vendor" => &["vendors", "not_one_stop", "time", "vendor_steps"],
            "flow" => &["flows", "not_one_stop", "time", "bottlenecks"],
            "step" => &["steps", "bottlenecks_overall"],
            "channel" => &["channels"],
            "day" => &["days", "flow_over_time"],
            "week" => &["weeks"],
            "month" => &["months"],
            _ => return None,
        };
        // In the order named: a CSV stream holds the first one.
        let mut views: Vec<View> = self.views().into_iter().filter(|v| wanted.contains(&v.id)).collect();
        views.sort_by_key(|v| wanted.iter().position(|w| *w == v.id));
        Some(views)
    }
}

impl StalledReport {
    /// The reminder list as three views: what to follow up by vendor and step, stalled
    /// orders, and overdue or at-risk tasks.
    pub fn views(&self) -> Vec<View> {
        vec![
            View {
                id: "follow_up",
                title: "To follow up, by vendor and step",
                columns: vec![
                    col("vendor", "Vendor", Unit::Text),
                    col("flow", "Flow", Unit::Text),
                    col("step", "Step", Unit::Text),
                    col("label", "Step name", Unit::Text),
                    col("stalled", "Stalled orders", Unit::Count),
                    col("overdue", "Overdue tasks", Unit::Count),
                    col("at_risk", "Tasks at risk", Unit::Count),
                ],
                rows: self
                    .by_vendor_step
                    .iter()
                    .map(|g| {
                        vec![
                            text(&g.vendor),
                            text(&g.flow),
                            text(&g.step),
                            text(&g.label),
                            int(g.stalled),
                            int(g.overdue),
                            int(g.at_risk),
                        ]
                    })
                    .collect(),
            },
            View {
                id: "stalled",
                title: "Stalled orders (no event for longer than the threshold, or an incident)",
                columns: vec![
                    col("business_key", "Business key", Unit::Text),
                    col("id", "Order id", Unit::Text),
                    col("flow", "Flow", Unit::Text),
                    col("vendor", "Vendor", Unit::Text),
                    col("reason", "Why", Unit::Text),
                    col("open_steps", "Open steps", Unit::Text),
                    col("last_event", "Last event", Unit::Time),
                    col("idle_business_s", "Idle, business (h)", Unit::Seconds),
                    col("age_business_s", "Age, business (h)", Unit::Seconds),
                    col("aging_bucket", "Aging bucket", Unit::Text),
                ],
                rows: self
                    .stalled
                    .iter()
                    .map(|s| {
                        vec![
                            opt_text(s.business_key.as_deref()),
                            text(&s.id),
                            text(&s.flow),
                            text(&s.vendor),
                            text(&s.reason),
                            text(&s.open_steps),
                            Cell::Time(s.last_event),
                            Cell::Int(s.idle_business),
                            Cell::Int(s.age_business),
                            text(&s.aging_bucket),
                        ]
                    })
                    .collect(),
            },
            View {
                id: "tasks_due",
                title: "Overdue and at-risk tasks",
                columns: vec![
                    col("state", "State", Unit::Text),
                    col("business_key", "Business key", Unit::Text),
                    col("order", "Order id", Unit::Text),
                    col("flow", "Flow", Unit::Text),
                    col("step", "Step", Unit::Text),
                    col("label", "Step name", Unit::Text),
                    col("vendor", "Vendor", Unit::Text),
                    col("assignee", "Assignee", Unit::Text),
                    col("due", "Due", Unit::Time),
                    col("past_due_business_s", "Past due, business (h)", Unit::Seconds),
                ],
                rows: self
                    .tasks
                    .iter()
                    .map(|t| {
                        vec![
                            text(&t.state),
                            opt_text(t.business_key.as_deref()),
                            text(&t.order),
                            text(&t.flow),
                            text(&t.step),
                            text(&t.label),
                            text(&t.vendor),
                            opt_text(t.assignee.as_deref()),
                            Cell::Time(t.due),
                            Cell::Int(t.past_due_business),
                        ]
                    })
                    .collect(),
            },
        ]
    }
}

/// A moment as people read it: local time in `zone`, to the minute.
pub fn local_time(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}
