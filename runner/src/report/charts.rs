//! The charts of the HTML page, drawn with plotters into SVG strings that the page inlines:
//! lead-time distribution, bottlenecks (across flows and within the busiest flows), one-stop
//! rate per vendor against its target, and WIP and throughput per day. Each chart has a title,
//! axis labels with units, and a message instead of data when the window has none.

use super::cells;
use super::chart_parts::{
    ALERT, Bar, BarChart, GRID, HEIGHT, Hotspot, INK, MUTED, Marker, PRIMARY, SECONDARY, TERTIARY, TOTAL, WIDTH,
    add_hotspots, anchored, caption_font, drawing_error, empty_chart, horizontal_bars, hour_tick, label_font,
    nice_step, truncate,
};
use super::links::{Behind, OrdersLink};
use super::words::Language;
use junro_engine::kpi::{Bottleneck, GroupKpi, KpiReport};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// The one-stop target the plan sets for every vendor, drawn when no target is configured.
pub(super) const PLANNED_ONE_STOP_TARGET: f64 = 0.70;
/// How many flows get their own bottleneck chart.
const BUSIEST_FLOWS: usize = 3;
/// Steps in the ranking across flows.
const TOP_STEPS_OVERALL: usize = 10;
/// Steps in a flow's chart.
const TOP_STEPS_PER_FLOW: usize = 6;
/// Widest step label, in display columns (a Japanese character is two).
const STEP_LABEL_COLUMNS: usize = 44;
/// Widest vendor name.
const VENDOR_LABEL_COLUMNS: usize = 40;
/// Widest flow id beside a step label.
const FLOW_LABEL_COLUMNS: usize = 16;
/// The waiting share at which kpi.md flags a step.
const FLAG_SHARE: f64 = 0.3;

/// Every chart of the page, in page order, each an `<svg>` element.
pub(super) struct Charts {
    /// Lead time of completed orders.
    pub(super) lead_time: String,
    /// Top steps across flows by total waiting.
    pub(super) bottlenecks_overall: String,
    /// Waiting share by step in each of the busiest flows.
    pub(super) bottlenecks_per_flow: Vec<String>,
    /// One-stop rate per vendor with targets.
    pub(super) one_stop: String,
    /// WIP, arrivals and completions per day.
    pub(super) flow_over_time: String,
    /// Where the closed orders' business time went, per scope.
    pub(super) time: String,
}

impl Charts {
    /// Draws every chart of `report` in `lang`, its bars leading to the orders behind them
    /// when `links` is given.
    pub(super) fn draw(report: &KpiReport, lang: Language, links: Option<&OrdersLink>) -> anyhow::Result<Self> {
        let how = How { lang, links };
        Ok(Self {
            lead_time: lead_time_histogram(report, how)?,
            bottlenecks_overall: bottlenecks_overall(report, how)?,
            bottlenecks_per_flow: busiest_flows(report)
                .into_iter()
                .map(|flow| bottlenecks_of_flow(report, flow, how))
                .collect::<anyhow::Result<_>>()?,
            one_stop: one_stop_by_vendor(report, how)?,
            flow_over_time: flow_over_time(report, how)?,
            time: super::time_chart::where_time_goes(report, lang)?,
        })
    }
}

/// The words and links of every chart.
#[derive(Clone, Copy)]
struct How<'a> {
    lang: Language,
    links: Option<&'a OrdersLink>,
}

impl How<'_> {
    fn link(&self, behind: &Behind<'_>) -> Option<String> {
        self.links.map(|l| l.href(behind))
    }

    fn target_word(&self) -> &'static str {
        self.lang.pick("目標", "target")
    }
}

/// The flows with the most orders received and closed in the window that have a bottleneck
/// ranking, busiest first.
pub(super) fn busiest_flows(report: &KpiReport) -> Vec<&GroupKpi> {
    let mut flows: Vec<&GroupKpi> =
        report.flows.iter().filter(|f| report.bottlenecks.iter().any(|b| b.flow == f.key)).collect();
    flows.sort_by(|a, b| (b.received + b.closed).cmp(&(a.received + a.closed)).then_with(|| a.key.cmp(&b.key)));
    flows.truncate(BUSIEST_FLOWS);
    flows
}

/// The value at nearest rank `p` of sorted `values` (kpi.md's percentile).
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(n) - 1).copied().unwrap_or(0.0)
}

fn lead_time_histogram(report: &KpiReport, how: How<'_>) -> anyhow::Result<String> {
    let lang = how.lang;
    let title = lang.pick("完了した案件のリードタイム", "Lead time of completed orders");
    let mut hours: Vec<f64> = report
        .orders
        .iter()
        .filter(|o| o.outcome == "completed")
        .filter_map(|o| o.lead_time)
        .map(|s| s as f64 / 3600.0)
        .collect();
    if hours.is_empty() {
        return empty_chart(
            title,
            lang.pick("期間内に完了した案件はありません。", "No order was completed in the window."),
        );
    }
    hours.sort_by(f64::total_cmp);
    let median = nearest_rank(&hours, 50.0);
    let p90 = nearest_rank(&hours, 90.0);
    let p95 = nearest_rank(&hours, 95.0);
    let max = nearest_rank(&hours, 100.0);
    // A few very long orders would squeeze everyone else into one bar: past twice the p95,
    // the tail is counted in the last bar and said so.
    let shown_max = if p95 > 0.0 && max > 2.0 * p95 { p95 * 1.25 } else { max };
    let step = nice_step(shown_max.max(1.0) / 24.0);
    let bins = ((shown_max / step).floor() as usize + 1).clamp(1, 60);
    let x_max = bins as f64 * step;
    let mut counts = vec![0i64; bins];
    let mut beyond = 0usize;
    for &h in &hours {
        let bin = ((h / step).floor() as usize).min(bins - 1);
        counts[bin] += 1;
        beyond += usize::from(h >= x_max);
    }
    let y_max = ((counts.iter().copied().max().unwrap_or(1) as f64) * 1.22).ceil() as i64 + 1;
    let mut svg = String::new();
    let mut spots = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, caption_font())
            .margin(14)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..x_max, 0i64..y_max)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(12)
            .y_labels(6)
            .x_label_formatter(&|x| hour_tick(*x))
            .y_label_formatter(&|y| cells::thousands(*y))
            .x_desc(lang.pick("リードタイム：受付から終了まで（時間）", "Lead time, received to closed (hours)"))
            .y_desc(lang.pick("完了件数", "Completed orders"))
            .label_style(label_font())
            .axis_desc_style(label_font().color(&MUTED))
            .draw()
            .map_err(drawing_error)?;
        chart
            .draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
                let x0 = i as f64 * step;
                let mut bar = Rectangle::new([(x0, 0), (x0 + step, c)], PRIMARY.filled());
                bar.set_margin(0, 0, 1, 1);
                bar
            }))
            .map_err(drawing_error)?;
        for (value, name, height) in [(median, lang.pick("中央値", "median"), 0.96), (p90, "p90", 0.86)] {
            if value > x_max {
                continue;
            }
            let top = (y_max as f64 * height) as i64;
            chart
                .draw_series(DashedLineSeries::new([(value, 0), (value, top)], 6, 4, INK.stroke_width(1)))
                .map_err(drawing_error)?;
            let text = format!("{name} {} {}", cells::decimal(value, 1), lang.pick("時間", "h"));
            // Near the right edge the label goes to the left of its line.
            let (x, side) = if value > x_max * 0.8 {
                (value - x_max * 0.006, HPos::Right)
            } else {
                (value + x_max * 0.006, HPos::Left)
            };
            chart.draw_series([Text::new(text, (x, top), anchored(side, &INK))]).map_err(drawing_error)?;
        }
        if beyond > 0 {
            let (n, up_to) = (cells::thousands(beyond as i64), cells::decimal(max, 0));
            let note = match lang {
                Language::Ja => format!("これより長い{n}件（最長{up_to}時間）は最後の棒に含みます"),
                Language::En => format!("{n} longer orders (up to {up_to} h) are in the last bar"),
            };
            chart
                .draw_series([Text::new(
                    note,
                    (x_max * 0.99, (y_max as f64 * 0.74) as i64),
                    anchored(HPos::Right, &MUTED),
                )])
                .map_err(drawing_error)?;
        }
        if how.links.is_some() {
            for (i, &c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                let from_h = i as f64 * step;
                let to_h = (i + 1 < bins).then_some(from_h + step);
                let (left, top) = chart.backend_coord(&(from_h, y_max));
                let (right, bottom) = chart.backend_coord(&(from_h + step, 0));
                let range = match to_h {
                    Some(to) => format!("{}–{} h", hour_tick(from_h), hour_tick(to)),
                    None => format!("{} h–", hour_tick(from_h)),
                };
                spots.push(Hotspot {
                    x: left,
                    y: top,
                    width: right - left,
                    height: bottom - top,
                    link: how.link(&Behind::LeadTime { from_h, to_h }).unwrap_or_default(),
                    title: match lang {
                        Language::Ja => format!("{range}：{}件", cells::thousands(c)),
                        Language::En => format!("{range}: {} orders", cells::thousands(c)),
                    },
                });
            }
        }
        root.present().map_err(drawing_error)?;
    }
    add_hotspots(&mut svg, &spots);
    Ok(svg)
}

/// A step's label for a chart: its name, and its flow when several flows are shown.
fn step_label(b: &Bottleneck, with_flow: bool) -> String {
    let name = if b.label.is_empty() { b.step.as_str() } else { b.label.as_str() };
    if with_flow {
        // The flow is cut before the step's name: the name says what to fix.
        let flow = truncate(&b.flow, FLOW_LABEL_COLUMNS);
        let name = truncate(name, STEP_LABEL_COLUMNS.saturating_sub(flow.chars().count() + 3));
        format!("{name} · {flow}")
    } else {
        truncate(name, STEP_LABEL_COLUMNS)
    }
}

fn bottlenecks_overall(report: &KpiReport, how: How<'_>) -> anyhow::Result<String> {
    let lang = how.lang;
    let title = lang.pick(
        "案件が待っている場所：待ち時間合計の多いステップ（全フロー）",
        "Where orders wait: top steps across flows by total waiting",
    );
    if report.bottlenecks_overall.is_empty() {
        return empty_chart(
            title,
            lang.pick("期間内に待ちのあったステップはありません。", "No step instance waited in the window."),
        );
    }
    let bars: Vec<Bar> = report
        .bottlenecks_overall
        .iter()
        .take(TOP_STEPS_OVERALL)
        .map(|b| Bar {
            label: step_label(b, true),
            value: Some(b.waiting_total as f64 / 3600.0),
            note: match lang {
                Language::Ja => format!("フローの待ち時間の{}", cells::percent(b.waiting_share)),
                Language::En => format!("{} of its flow's waiting", cells::percent(b.waiting_share)),
            },
            color: if b.flagged { ALERT } else { PRIMARY },
            target: None,
            link: how.link(&Behind::Step { flow: &b.flow, step: &b.step }),
        })
        .collect();
    horizontal_bars(&BarChart {
        title,
        axis: lang.pick(
            "待ち時間合計：着手可能から着手まで（時間、赤は要注意）",
            "Total waiting, ready to started (hours; red: flagged)",
        ),
        bars: &bars,
        tick: &hour_tick,
        marker: None,
        x_max: None,
        target_word: how.target_word(),
    })
}

fn bottlenecks_of_flow(report: &KpiReport, flow: &GroupKpi, how: How<'_>) -> anyhow::Result<String> {
    let lang = how.lang;
    let (name, received) =
        (truncate(&flow.key, 40), cells::thousands(i64::try_from(flow.received).unwrap_or(i64::MAX)));
    let title = match lang {
        Language::Ja => format!("{name} のステップ別待ち時間の割合（受付{received}件）"),
        Language::En => format!("Waiting share by step in {name} ({received} orders received)"),
    };
    let bars: Vec<Bar> = report
        .bottlenecks
        .iter()
        .filter(|b| b.flow == flow.key)
        .take(TOP_STEPS_PER_FLOW)
        .map(|b| Bar {
            label: step_label(b, false),
            value: Some(b.waiting_share),
            note: {
                let (share, waited) =
                    (cells::percent(b.waiting_share), cells::decimal(b.waiting_total as f64 / 3600.0, 1));
                match lang {
                    Language::Ja => format!("{share} · 待ち{waited}時間"),
                    Language::En => format!("{share} · {waited} h waited"),
                }
            },
            color: if b.flagged { ALERT } else { PRIMARY },
            target: None,
            link: how.link(&Behind::Step { flow: &b.flow, step: &b.step }),
        })
        .collect();
    let flag = cells::percent(FLAG_SHARE);
    horizontal_bars(&BarChart {
        title: &title,
        axis: lang
            .pick("フローの待ち時間合計に占める割合（赤は要注意）", "Share of the flow's total waiting (red: flagged)"),
        bars: &bars,
        tick: &percent_tick,
        marker: Some(Marker {
            value: FLAG_SHARE,
            label: match lang {
                Language::Ja => format!("要注意の基準 {flag}"),
                Language::En => format!("flagged at {flag}"),
            },
            color: ALERT,
        }),
        // A share never passes 100%: the axis ends there.
        x_max: Some(1.0),
        target_word: how.target_word(),
    })
}

fn percent_tick(x: f64) -> String {
    format!("{}%", cells::decimal(x * 100.0, 0))
}

/// Bars rather than columns: vendor names are long (`株式会社…営業所`) and there may be many.
fn one_stop_by_vendor(report: &KpiReport, how: How<'_>) -> anyhow::Result<String> {
    let lang = how.lang;
    let title = lang.pick(
        "委託先別のワンストップ率（フロント工程のあるフローの完了案件）",
        "One-stop rate per vendor (completed orders of flows with a front lane)",
    );
    if report.vendors.is_empty() {
        return empty_chart(
            title,
            lang.pick(
                "期間内に委託先に帰属した案件はありません。",
                "No order was attributed to a vendor in the window.",
            ),
        );
    }
    let has_targets = report.vendors.iter().any(|v| v.target.is_some());
    let bar = |name: &str, g: &GroupKpi, color: RGBColor, behind: Behind<'_>| Bar {
        label: truncate(name, VENDOR_LABEL_COLUMNS),
        value: g.one_stop_rate,
        note: match (g.one_stop_rate, lang) {
            (Some(rate), _) => {
                let (rate, of) =
                    (cells::percent(rate), cells::thousands(i64::try_from(g.eligible_completed).unwrap_or(i64::MAX)));
                match lang {
                    Language::Ja => format!("{rate}（{of}件中）"),
                    Language::En => format!("{rate} of {of}"),
                }
            }
            (None, Language::Ja) => "完了案件なし".to_string(),
            (None, Language::En) => "no completed orders".to_string(),
        },
        color,
        target: g.target,
        link: how.link(&behind),
    };
    let mut bars = vec![bar(lang.pick("全委託先", "All vendors"), &report.overall, TOTAL, Behind::All)];
    bars.extend(report.vendors.iter().map(|v| {
        let color = if v.target_met == Some(false) { ALERT } else { PRIMARY };
        bar(&v.key, v, color, Behind::Vendor(&v.key))
    }));
    let axis = match (has_targets, lang) {
        (true, Language::Ja) => "ワンストップ率（赤は目標未達）",
        (true, Language::En) => "One-stop rate (red: below its target)",
        (false, _) => lang.pick("ワンストップ率", "One-stop rate"),
    };
    let planned = cells::percent(PLANNED_ONE_STOP_TARGET);
    horizontal_bars(&BarChart {
        title,
        axis,
        bars: &bars,
        tick: &percent_tick,
        // Without configured targets, the plan's target is the line to reach.
        marker: (!has_targets).then(|| Marker {
            value: PLANNED_ONE_STOP_TARGET,
            label: match lang {
                Language::Ja => format!("計画の目標 {planned}"),
                Language::En => format!("planned target {planned}"),
            },
            color: INK,
        }),
        x_max: Some(1.0),
        target_word: how.target_word(),
    })
}

fn flow_over_time(report: &KpiReport, how: How<'_>) -> anyhow::Result<String> {
    let lang = how.lang;
    let title = lang.pick("日別の仕掛り（WIP）とスループット", "Work in progress and throughput per day");
    let days = &report.flow_over_time.days;
    if days.is_empty() {
        return empty_chart(
            title,
            lang.pick("期間内に案件のある日はありません。", "The window has no day with orders."),
        );
    }
    let last = i64::try_from(days.len() - 1).unwrap_or(0).max(1);
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let wip_max = days.iter().map(|d| count(d.wip)).max().unwrap_or(0);
    let per_day_max = days.iter().map(|d| count(d.arrivals).max(count(d.completed))).max().unwrap_or(0);
    let headroom = |m: i64| ((m as f64 * 1.25).ceil() as i64).max(4);
    let day_label = |x: i64| {
        usize::try_from(x)
            .ok()
            .and_then(|i| days.get(i))
            // `2026-11-02` → `11-02`: the year is in the page's header.
            .map_or_else(String::new, |d| d.day.get(5..).unwrap_or(&d.day).to_string())
    };
    let mut svg = String::new();
    let mut spots = Vec::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, caption_font())
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .right_y_label_area_size(64)
            .build_cartesian_2d(0i64..last, 0i64..headroom(wip_max))
            .map_err(drawing_error)?
            .set_secondary_coord(0i64..last, 0i64..headroom(per_day_max));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(days.len().min(12))
            .y_labels(6)
            .x_label_formatter(&|x| day_label(*x))
            .y_label_formatter(&|y| cells::thousands(*y))
            .x_desc(lang.pick("日（WIPは日末時点）", "Day (end of day for WIP)"))
            .y_desc(lang.pick("仕掛り案件（WIP）", "Open orders (WIP)"))
            .label_style(label_font())
            .axis_desc_style(label_font().color(&MUTED))
            .draw()
            .map_err(drawing_error)?;
        chart
            .configure_secondary_axes()
            .axis_style(MUTED)
            .y_labels(6)
            .y_label_formatter(&|y| cells::thousands(*y))
            .y_desc(lang.pick("1日あたりの件数", "Orders per day"))
            .label_style(label_font())
            .axis_desc_style(label_font().color(&MUTED))
            .draw()
            .map_err(drawing_error)?;
        let point = |i: usize, v: u64| (i64::try_from(i).unwrap_or(0), count(v));
        chart
            .draw_series(LineSeries::new(
                days.iter().enumerate().map(|(i, d)| point(i, d.wip)),
                PRIMARY.stroke_width(3),
            ))
            .map_err(drawing_error)?
            .label(lang.pick("日末の仕掛り（左軸）", "WIP at end of day (left axis)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], PRIMARY.stroke_width(3)));
        chart
            .draw_secondary_series(LineSeries::new(
                days.iter().enumerate().map(|(i, d)| point(i, d.arrivals)),
                TERTIARY.stroke_width(2),
            ))
            .map_err(drawing_error)?
            .label(lang.pick("受付件数／日（右軸）", "Received per day (right axis)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], TERTIARY.stroke_width(2)));
        chart
            .draw_secondary_series(LineSeries::new(
                days.iter().enumerate().map(|(i, d)| point(i, d.completed)),
                SECONDARY.stroke_width(2),
            ))
            .map_err(drawing_error)?
            .label(lang.pick("完了件数／日（右軸）", "Completed per day (right axis)"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], SECONDARY.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(label_font())
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .draw()
            .map_err(drawing_error)?;
        if how.links.is_some() {
            // A day's column, half way to its neighbours, leads to the orders received that day.
            let (_, top) = chart.backend_coord(&(0, headroom(wip_max)));
            let (_, bottom) = chart.backend_coord(&(0, 0));
            let x_at = |i: usize| chart.backend_coord(&(i64::try_from(i).unwrap_or(0), 0)).0;
            for (i, d) in days.iter().enumerate() {
                let left = if i == 0 { x_at(0) } else { (x_at(i - 1) + x_at(i)) / 2 };
                let right = if i + 1 == days.len() { x_at(i) } else { (x_at(i) + x_at(i + 1)) / 2 };
                let (arrivals, completed, wip) = (
                    cells::thousands(count(d.arrivals)),
                    cells::thousands(count(d.completed)),
                    cells::thousands(count(d.wip)),
                );
                spots.push(Hotspot {
                    x: left,
                    y: top,
                    width: (right - left).max(4),
                    height: bottom - top,
                    link: how.link(&Behind::Received(&d.day)).unwrap_or_default(),
                    title: match lang {
                        Language::Ja => format!("{}：受付{arrivals}件・完了{completed}件・仕掛り{wip}件", d.day),
                        Language::En => format!("{}: {arrivals} received, {completed} completed, WIP {wip}", d.day),
                    },
                });
            }
        }
        root.present().map_err(drawing_error)?;
    }
    add_hotspots(&mut svg, &spots);
    Ok(svg)
}
