//! "Where the time goes" as a chart: one bar per scope (all orders, each vendor, the busiest
//! flows), each split into the states of `TimeSplit` by their share of the closed orders'
//! business time, with the mean business hours per order beside it. The manager's first
//! question ("where do our 49 hours go?") answered at a glance: queued for a person, partner
//! waits, the customer.

use super::cells;
use super::chart_parts::{INK, MUTED, WIDTH, anchored, caption_font, drawing_error, empty_chart, truncate};
use super::words::Language;
use junro_engine::kpi::{GroupKpi, KpiReport, TimeSplit};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Flows shown beside the vendors.
const FLOWS: usize = 6;
/// Pixels of one bar's row.
const ROW: i32 = 30;
/// Where the bars begin and how long a whole bar is.
const LEFT: i32 = 250;
const BAR: i32 = 500;
/// Widest label, in display columns.
const LABEL_COLUMNS: usize = 32;

/// Each state's colour, in `TimeSplit::STATES` order.
const COLORS: [RGBColor; 9] = [
    RGBColor(0x2F, 0x6D, 0xB5), // worked
    RGBColor(0xE0, 0x8A, 0x1E), // queued for a person
    RGBColor(0x2E, 0x9E, 0x6B), // automatic
    RGBColor(0xC8, 0x55, 0x3D), // incident
    RGBColor(0x8E, 0x6C, 0xC4), // customer
    RGBColor(0x9A, 0xA5, 0xB1), // on hold
    RGBColor(0x2A, 0x9D, 0xB0), // partner
    RGBColor(0xC9, 0xB0, 0x5B), // scheduled
    RGBColor(0xD5, 0xDB, 0xE1), // other
];

/// The states' names for people, in `TimeSplit::STATES` order.
pub(super) fn names(lang: Language) -> [&'static str; 9] {
    match lang {
        Language::Ja => [
            "作業中",
            "担当待ち",
            "自動処理",
            "障害",
            "お客様待ち",
            "保留",
            "他社・システム待ち",
            "予定日待ち",
            "その他",
        ],
        Language::En => [
            "worked",
            "queued for a person",
            "automatic",
            "incident",
            "customer",
            "on hold",
            "partner",
            "scheduled",
            "other",
        ],
    }
}

/// One bar: its label, its orders and their business time.
struct Row<'a> {
    label: String,
    closed: u64,
    split: &'a TimeSplit,
}

fn row<'a>(label: &str, g: &'a GroupKpi) -> Row<'a> {
    Row { label: truncate(label, LABEL_COLUMNS), closed: g.closed, split: &g.business_time }
}

/// The chart, as an SVG string.
pub(super) fn where_time_goes(report: &KpiReport, lang: Language) -> anyhow::Result<String> {
    let title =
        lang.pick("時間の行き先（終了案件の営業時間の内訳）", "Where the time goes (closed orders' business time)");
    let mut rows = vec![row(lang.pick("全体", "All orders"), &report.overall)];
    rows.extend(report.vendors.iter().map(|v| row(&v.key, v)));
    let mut flows: Vec<&GroupKpi> = report.flows.iter().filter(|f| f.closed > 0).collect();
    flows.sort_by(|a, b| b.closed.cmp(&a.closed).then_with(|| a.key.cmp(&b.key)));
    rows.extend(flows.into_iter().take(FLOWS).map(|f| row(&f.key, f)));
    rows.retain(|r| r.split.total() > 0);
    if rows.is_empty() {
        return empty_chart(title, lang.pick("期間内に終了した案件はありません。", "No order closed in the window."));
    }
    let states = names(lang);
    let legend_rows = 2;
    let height = 70 + ROW * i32::try_from(rows.len()).unwrap_or(40) + 30 * legend_rows + 20;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, u32::try_from(height).unwrap_or(400))).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        root.draw(&Text::new(
            title.to_string(),
            (i32::try_from(WIDTH).unwrap_or(960) / 2, 24),
            caption_font().pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(drawing_error)?;
        for (k, r) in rows.iter().enumerate() {
            let top = 56 + ROW * i32::try_from(k).unwrap_or(0);
            let middle = top + ROW / 2;
            root.draw(&Text::new(r.label.clone(), (LEFT - 10, middle), anchored(HPos::Right, &INK)))
                .map_err(drawing_error)?;
            let total = r.split.total() as f64;
            let mut x = LEFT;
            let parts = r.split.parts();
            for (n, part) in parts.iter().enumerate() {
                // Each segment ends where the running share ends, so the bar is whole.
                let upto: i64 = parts[..=n].iter().sum();
                let end = LEFT + (f64::from(BAR) * upto as f64 / total).round() as i32;
                if end > x {
                    root.draw(&Rectangle::new([(x, top + 5), (end, top + ROW - 5)], COLORS[n].filled()))
                        .map_err(drawing_error)?;
                    if end - x >= 44 {
                        let share = cells::percent(*part as f64 / total);
                        let ink: &'static RGBColor = if matches!(n, 5 | 7 | 8) { &INK } else { &WHITE };
                        root.draw(&Text::new(share, ((x + end) / 2, middle), anchored(HPos::Center, ink)))
                            .map_err(drawing_error)?;
                    }
                }
                x = end;
            }
            let mean = total / r.closed.max(1) as f64 / 3600.0;
            let note = match lang {
                Language::Ja => format!("平均 {} 営業時間・{}件", cells::decimal(mean, 1), r.closed),
                Language::En => format!("mean {} business h · {}", cells::decimal(mean, 1), r.closed),
            };
            root.draw(&Text::new(note, (LEFT + BAR + 10, middle), anchored(HPos::Left, &MUTED)))
                .map_err(drawing_error)?;
        }
        // The key: five states on the first line, four on the second.
        let key_top = 56 + ROW * i32::try_from(rows.len()).unwrap_or(0) + 16;
        for (n, name) in states.iter().enumerate() {
            let (line, column) = (i32::try_from(n / 5).unwrap_or(0), i32::try_from(n % 5).unwrap_or(0));
            let (x, y) = (LEFT - 120 + column * 150, key_top + line * 30);
            root.draw(&Rectangle::new([(x, y - 7), (x + 14, y + 7)], COLORS[n].filled())).map_err(drawing_error)?;
            root.draw(&Text::new((*name).to_string(), (x + 20, y), anchored(HPos::Left, &INK)))
                .map_err(drawing_error)?;
        }
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}
