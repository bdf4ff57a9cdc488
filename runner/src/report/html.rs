//! The report as one self-contained HTML page: a header with the window and the totals, then
//! sections of charts and tables, the orders last. No script, font, stylesheet or image is
//! fetched: the style is inline and the charts are inline SVG, so the file reads offline and
//! survives being mailed. Every text from the data is escaped.

use super::Presentation;
use super::cells;
use super::charts::Charts;
use super::words::Language;
use jiff::tz::TimeZone;
use junro_engine::kpi::view::local_time;
use junro_engine::kpi::{Cell, Column, KpiReport, View};
use std::fmt::Write as _;

/// Tables longer than this are folded in a `<details>` element.
const FOLD_AFTER_ROWS: usize = 50;

/// The page's sections: heading (Japanese, English), the views they hold (by id), and which
/// charts lead them.
const SECTIONS: &[((&str, &str), &[&str], Chart)] = &[
    (("概要", "Summary"), &["summary"], Chart::LeadTime),
    (("時間の行き先", "Where the time goes"), &["time"], Chart::Time),
    (("委託先とワンストップ", "Vendors and one-stop"), &["vendors", "not_one_stop", "vendor_steps"], Chart::OneStop),
    (("フローと受付チャネル", "Flows and channels"), &["flows", "channels"], Chart::None),
    (("ボトルネック", "Bottlenecks"), &["bottlenecks_overall", "bottlenecks"], Chart::Bottlenecks),
    (("ステップ", "Steps"), &["steps"], Chart::None),
    (("推移", "Over time"), &["flow_over_time", "days", "weeks", "months"], Chart::FlowOverTime),
    (
        ("要フォローの案件とタスク", "To follow up: stalled orders and tasks due"),
        &["follow_up", "stalled", "tasks_due"],
        Chart::None,
    ),
];

/// The charts a section starts with.
#[derive(Clone, Copy)]
enum Chart {
    None,
    LeadTime,
    OneStop,
    Bottlenecks,
    FlowOverTime,
    Time,
}

const STYLE: &str = r#"
:root { --ink: #222b36; --muted: #5e6b78; --line: #e3e8ee; --band: #f6f8fa; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN",
    "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif; }
main { max-width: 1440px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 44px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 24px 0 8px; }
.window { color: var(--muted); margin: 0 0 20px; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; }
.total { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--band); }
.total .name { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.total .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.total .detail { color: var(--muted); font-size: 12px; }
figure { margin: 16px 0 24px; }
figure svg { display: block; width: 100%; max-width: 960px; height: auto; }
figure svg text { font-family: inherit; }
.scroll { width: fit-content; max-width: 100%; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { position: sticky; top: 0; background: var(--band); text-align: left; font-weight: 600;
  vertical-align: bottom; white-space: normal; min-width: 64px; max-width: 150px; }
th.num { min-width: 92px; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); column-gap: 32px; margin: 0; }
.figures div { display: flex; justify-content: space-between; gap: 12px; padding: 5px 2px; border-bottom: 1px solid var(--line); }
.figures dt { color: var(--muted); }
.figures dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fbfcfd; }
.empty { color: var(--muted); font-style: italic; }
.hint { margin: 8px 0 12px; padding: 8px 12px; border-left: 3px solid var(--accent); background: var(--band); }
details > summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
svg a.behind rect { cursor: pointer; }
svg a.behind:hover rect, svg a.behind:focus rect { fill: var(--accent); fill-opacity: 0.08; stroke: var(--accent); stroke-width: 2; }
svg a.behind:focus { outline: none; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
@media print { h2 { break-before: page; } .scroll { overflow: visible; border: 0; } }
"#;

/// The whole page.
pub(super) fn page(
    views: &[View],
    report: Option<&KpiReport>,
    zone: &TimeZone,
    how: &Presentation,
) -> anyhow::Result<String> {
    let lang = how.language;
    let charts = report.map(|r| Charts::draw(r, lang, how.orders_link.as_ref())).transpose()?;
    let mut html = String::with_capacity(64 * 1024);
    let title = match report {
        Some(_) => lang.pick("KPIレポート", "KPI report").to_string(),
        None if views.iter().any(|v| v.id == "follow_up") => lang.pick("要フォロー一覧", "Follow-up list").to_string(),
        None => views
            .first()
            .map_or_else(|| lang.pick("レポート", "Report").to_string(), |v| lang.view_title(v).to_string()),
    };
    let _ = write!(html, "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n", lang.code());
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(html, "<title>Junro — {}</title>", escape(&title));
    let _ = writeln!(html, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(html, "<h1>{}</h1>", escape(&title));
    if let Some(report) = report {
        header(&mut html, report, zone, lang);
    }
    let mut shown: Vec<&str> = Vec::new();
    for ((ja, en), ids, chart) in SECTIONS {
        let heading = lang.pick(ja, en);
        let section: Vec<&View> = ids.iter().filter_map(|id| views.iter().find(|v| v.id == *id)).collect();
        let figures = charts.as_ref().map_or_else(Vec::new, |c| chart_svgs(c, *chart));
        if section.is_empty() && figures.is_empty() {
            continue;
        }
        let _ = writeln!(html, "<section>\n<h2>{}</h2>", escape(heading));
        for svg in figures {
            let _ = writeln!(html, "<figure>\n{svg}</figure>");
        }
        for view in section {
            if view.id == "not_one_stop" {
                rule_to_revisit(&mut html, report, lang);
            }
            table(&mut html, view, zone, lang);
            shown.push(view.id);
        }
        html.push_str("</section>\n");
    }
    let rest: Vec<&View> = views.iter().filter(|v| !shown.contains(&v.id) && v.id != "orders").collect();
    if !rest.is_empty() {
        let _ = writeln!(html, "<section>\n<h2>{}</h2>", lang.pick("その他の表", "More tables"));
        for view in rest {
            table(&mut html, view, zone, lang);
        }
        html.push_str("</section>\n");
    }
    if let Some(orders) = views.iter().find(|v| v.id == "orders") {
        let _ = writeln!(html, "<section>\n<h2>{}</h2>", lang.pick("案件", "Orders"));
        table(&mut html, orders, zone, lang);
        html.push_str("</section>\n");
    }
    let zone_name =
        report.map_or_else(|| zone.iana_name().unwrap_or("UTC").to_string(), |r| r.window.time_zone.clone());
    let footer = match lang {
        Language::Ja => format!("<code>junro</code> が作成 · 時間の単位は時間 · 日時は {} の時刻", escape(&zone_name)),
        Language::En => format!("Written by <code>junro</code> · durations in hours · times in {}", escape(&zone_name)),
    };
    let _ = writeln!(html, "<footer>{footer}</footer>");
    html.push_str("</main>\n</body>\n</html>\n");
    Ok(html)
}

/// The rule that sent the most completed orders to the back office, and how to try a change
/// of it on past orders: the analyst's next step from "why not one-stop".
fn rule_to_revisit(html: &mut String, report: Option<&KpiReport>, lang: Language) {
    let Some((rule, orders)) = report.and_then(|r| r.rule_to_revisit.as_ref()) else { return };
    let rule = escape(rule);
    let command = format!("<code>junro backtest --rule {rule} --from …</code>");
    let _ = match lang {
        Language::Ja => writeln!(
            html,
            "<p class=\"hint\">完了案件を最も多くバックオフィスに回した判断はルール <code>{rule}</code>（{orders}件）です。ルールを変えたときにワンストップになる案件は {command} で過去の案件に当てて確かめられます。</p>"
        ),
        Language::En => writeln!(
            html,
            "<p class=\"hint\">The rule that sent the most completed orders to the back office is <code>{rule}</code> ({orders}). Try a change of it on past orders with {command}.</p>"
        ),
    };
}

fn chart_svgs(charts: &Charts, chart: Chart) -> Vec<&str> {
    match chart {
        Chart::None => Vec::new(),
        Chart::LeadTime => vec![&charts.lead_time],
        Chart::OneStop => vec![&charts.one_stop],
        Chart::Bottlenecks => std::iter::once(&charts.bottlenecks_overall)
            .chain(&charts.bottlenecks_per_flow)
            .map(String::as_str)
            .collect(),
        Chart::FlowOverTime => vec![&charts.flow_over_time],
        Chart::Time => vec![&charts.time],
    }
}

/// The window line and the total cards.
fn header(html: &mut String, report: &KpiReport, zone: &TimeZone, lang: Language) {
    let w = &report.window;
    let ja = lang == Language::Ja;
    let from = w.from.map_or_else(|| lang.pick("最初の案件", "the first order").to_string(), |t| local_time(t, zone));
    let to = w.to.map_or_else(|| lang.pick("現在", "now").to_string(), |t| local_time(t, zone));
    let (zone_name, computed) = (escape(&w.time_zone), escape(&local_time(w.now, zone)));
    let window = if ja {
        format!("{} から {} までに終了した案件（{zone_name}）· 集計 {computed}", escape(&from), escape(&to))
    } else {
        format!("Orders closed from {} to {} ({zone_name}) · computed {computed}", escape(&from), escape(&to))
    };
    let _ = writeln!(html, "<p class=\"window\">{window}</p>");
    let o = &report.overall;
    let n = |v: u64| cells::thousands(i64::try_from(v).unwrap_or(i64::MAX));
    let unit = lang.pick("時間", "h");
    let hours = |v: Option<i64>| v.map_or_else(|| "–".to_string(), |s| format!("{} {unit}", cells::hours(s as f64)));
    let rate = |v: Option<f64>| v.map_or_else(|| "–".to_string(), cells::percent);
    let share = |num: u64, den: u64| if den == 0 { None } else { Some(num as f64 / den as f64) };
    let target = match (o.target, ja) {
        (Some(t), true) => format!(" · 目標 {}", cells::percent(t)),
        (Some(t), false) => format!(" · target {}", cells::percent(t)),
        (None, _) => String::new(),
    };
    let f = &report.flow_over_time;
    let either = |j: String, e: String| if ja { j } else { e };
    let (wip, littles) = (
        f.mean_wip.map_or_else(|| "–".to_string(), |m| cells::decimal(m, 1)),
        f.littles_ratio.map_or_else(|| "–".to_string(), |r| cells::decimal(r, 2)),
    );
    let cards = [
        (
            lang.pick("受付件数", "Orders received"),
            n(o.received),
            either(format!("期間内の終了 {}件", n(o.closed)), format!("{} closed in the window", n(o.closed))),
        ),
        (
            lang.pick("完了", "Completed"),
            n(o.completed),
            either(
                format!(
                    "キャンセル {}件 · 却下 {}件 · 取下げ {}件 · 失敗 {}件",
                    n(o.cancelled),
                    n(o.rejected),
                    n(o.withdrawn),
                    n(o.failed)
                ),
                format!(
                    "{} cancelled · {} rejected · {} withdrawn · {} failed",
                    n(o.cancelled),
                    n(o.rejected),
                    n(o.withdrawn),
                    n(o.failed)
                ),
            ),
        ),
        (
            lang.pick("ワンストップ率", "One-stop rate"),
            rate(o.one_stop_rate),
            either(
                format!("対象の完了 {}件中 {}件{target}", n(o.eligible_completed), n(o.one_stop)),
                format!("{} of {} eligible completed{target}", n(o.one_stop), n(o.eligible_completed)),
            ),
        ),
        (
            lang.pick("リードタイム中央値", "Lead time, median"),
            hours(o.lead_time.p50),
            format!("p90 {}", hours(o.lead_time.p90)),
        ),
        (
            lang.pick("営業時間リードタイム中央値", "Business lead time, median"),
            hours(o.business_lead_time.p50),
            format!("p90 {}", hours(o.business_lead_time.p90)),
        ),
        (
            lang.pick("案件のSLA達成率", "Order SLA met"),
            rate(share(o.sla_met, o.sla_total)),
            either(
                format!("SLAのある完了 {}件中 {}件", n(o.sla_total), n(o.sla_met)),
                format!("{} of {} completed with an SLA", n(o.sla_met), n(o.sla_total)),
            ),
        ),
        (
            lang.pick("手戻り率", "Rework rate"),
            rate(o.rework_rate),
            either(
                format!("終了 {}件中 {}件が差戻し・引戻し", n(o.closed), n(o.rework_orders)),
                format!("{} of {} closed orders sent or pulled back", n(o.rework_orders), n(o.closed)),
            ),
        ),
        (
            lang.pick("スループット", "Throughput"),
            f.throughput_per_day.map_or_else(
                || "–".to_string(),
                |t| either(format!("{} 件/日", cells::decimal(t, 1)), format!("{} / day", cells::decimal(t, 1))),
            ),
            either(
                format!("平均仕掛り {wip} · リトルの比 {littles}"),
                format!("mean WIP {wip} · Little's ratio {littles}"),
            ),
        ),
    ];
    html.push_str("<div class=\"totals\">\n");
    for (name, value, detail) in cards {
        let _ = writeln!(
            html,
            "<div class=\"total\"><div class=\"name\">{}</div><div class=\"value\">{}</div><div class=\"detail\">{}</div></div>",
            escape(name),
            escape(&value),
            escape(&detail)
        );
    }
    html.push_str("</div>\n");
}

/// A cell as the reader reads it, flags and the engine's fixed words in their language.
fn shown(cell: &Cell, column: &Column, zone: &TimeZone, lang: Language) -> String {
    match cell {
        Cell::Flag(b) => lang.yes_no(*b).to_string(),
        Cell::Text(text) => lang.value(column, text).map_or_else(|| text.clone(), str::to_string),
        _ => cells::human(cell, column.unit, zone),
    }
}

/// A view as a titled table, folded when long.
fn table(html: &mut String, view: &View, zone: &TimeZone, lang: Language) {
    let rows = view.rows.len();
    let count = match lang {
        Language::Ja => format!("{}行", cells::thousands(rows as i64)),
        Language::En if rows == 1 => "1 row".to_string(),
        Language::En => format!("{} rows", cells::thousands(rows as i64)),
    };
    let title = lang.view_title(view);
    let fold = rows > FOLD_AFTER_ROWS;
    if fold {
        let _ = writeln!(html, "<details>\n<summary>{} ({count})</summary>", escape(title));
    } else {
        let _ = writeln!(html, "<h3>{}</h3>", escape(title));
    }
    if rows == 0 {
        let empty = lang.pick("この期間に該当する行はありません。", "No rows in this window.");
        let _ = writeln!(html, "<p class=\"empty\">{empty}</p>");
        return;
    }
    if rows == 1 && view.id == "summary" {
        // One wide row reads better as a list of figures than as a table to scroll sideways.
        transposed(html, view, zone, lang);
        return;
    }
    html.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for column in &view.columns {
        let class = if cells::is_numeric(column.unit) { " class=\"num\"" } else { "" };
        let _ = write!(html, "<th{class} title=\"{}\">{}</th>", escape(column.key), escape(lang.column_label(column)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &view.rows {
        html.push_str("<tr>");
        for (column, cell) in view.columns.iter().zip(row) {
            let class = if cells::is_numeric(column.unit) { " class=\"num\"" } else { "" };
            let _ = write!(html, "<td{class}>{}</td>", escape(&shown(cell, column, zone, lang)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table></div>\n");
    if fold {
        html.push_str("</details>\n");
    }
}

/// A one-row view as a grid of figures, each heading beside its value.
fn transposed(html: &mut String, view: &View, zone: &TimeZone, lang: Language) {
    html.push_str("<dl class=\"figures\">\n");
    for (column, cell) in view.columns.iter().zip(view.rows.iter().flatten()) {
        let _ = writeln!(
            html,
            "<div title=\"{}\"><dt>{}</dt><dd>{}</dd></div>",
            escape(column.key),
            escape(lang.column_label(column)),
            escape(&shown(cell, column, zone, lang))
        );
    }
    html.push_str("</dl>\n");
}

/// Text for HTML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
