//! What the charts share: sizes, colours, fonts, the horizontal bar chart, the empty chart, and
//! label truncation. plotters runs without a font library here (its `ttf` feature needs system
//! font packages), so it only estimates text widths; label areas are therefore sized from the
//! labels' display width, and the browser lays out the actual glyphs.

use super::cells;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use unicode_width::UnicodeWidthChar;

/// Width of every chart, in SVG pixels (the page scales it down on narrow screens).
pub(super) const WIDTH: u32 = 960;
/// Height of the time and distribution charts.
pub(super) const HEIGHT: u32 = 380;

/// Text.
pub(super) const INK: RGBColor = RGBColor(0x22, 0x2B, 0x36);
/// Secondary text and axis lines.
pub(super) const MUTED: RGBColor = RGBColor(0x5E, 0x6B, 0x78);
/// Grid lines.
pub(super) const GRID: RGBColor = RGBColor(0xE3, 0xE8, 0xEE);
/// The main series.
pub(super) const PRIMARY: RGBColor = RGBColor(0x2F, 0x6D, 0xB5);
/// A second series.
pub(super) const SECONDARY: RGBColor = RGBColor(0x2E, 0x9E, 0x6B);
/// A third series.
pub(super) const TERTIARY: RGBColor = RGBColor(0xE0, 0x8A, 0x1E);
/// What needs attention: flagged bottlenecks, targets missed.
pub(super) const ALERT: RGBColor = RGBColor(0xC8, 0x55, 0x3D);
/// The "all" bar next to its parts.
pub(super) const TOTAL: RGBColor = RGBColor(0x7A, 0x8C, 0xA3);

/// plotters writes `font-size` as the requested size / 1.24; these are the sizes asked for.
const CAPTION_SIZE: f64 = 21.0;
const LABEL_SIZE: f64 = 15.5;
/// Pixels of one display column of label text (half a CJK character) at the label size.
const PX_PER_COLUMN: f64 = 7.0;

/// The error of drawing on the SVG backend, as text (plotters' error type borrows nothing but
/// is generic over the backend).
pub(super) fn drawing_error<E: std::fmt::Debug>(error: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw a chart: {error:?}")
}

/// Caption text.
pub(super) fn caption_font() -> TextStyle<'static> {
    ("sans-serif", CAPTION_SIZE).into_font().style(FontStyle::Bold).color(&INK)
}

/// Tick labels, axis descriptions and annotations.
pub(super) fn label_font() -> TextStyle<'static> {
    ("sans-serif", LABEL_SIZE).into_font().color(&INK)
}

/// A label font anchored at `h`, vertically centred.
pub(super) fn anchored(h: HPos, color: &'static RGBColor) -> TextStyle<'static> {
    label_font().color(color).pos(Pos::new(h, VPos::Center))
}

/// `s` cut to at most `columns` display columns by dropping its middle (`株式会社ひかり…第3営業所`):
/// names that share a long prefix, as vendors' and steps' often do, stay distinguishable.
pub(super) fn truncate(s: &str, columns: usize) -> String {
    let chars: Vec<(char, usize)> = s.chars().map(|c| (c, c.width().unwrap_or(0))).collect();
    if chars.iter().map(|(_, w)| w).sum::<usize>() <= columns {
        return s.to_string();
    }
    let room = columns.saturating_sub(1);
    let (mut head, mut tail) = (room - room * 2 / 5, room * 2 / 5);
    let mut start = String::new();
    for (c, w) in &chars {
        if *w > head {
            tail += head;
            break;
        }
        head -= w;
        start.push(*c);
    }
    let mut end: Vec<char> = Vec::new();
    for (c, w) in chars.iter().rev() {
        if *w > tail {
            break;
        }
        tail -= w;
        end.push(*c);
    }
    start.push('…');
    start.extend(end.iter().rev());
    start
}

/// Pixels a label of `columns` display columns needs.
pub(super) fn label_px(columns: usize) -> u32 {
    (columns as f64 * PX_PER_COLUMN).ceil() as u32
}

/// A step of 1, 2 or 5 × 10ⁿ at least `raw`: tick and bin widths people read easily.
pub(super) fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// An SVG with the chart's title and a message instead of data, so the page keeps its layout
/// and tells the reader why the chart is blank.
pub(super) fn empty_chart(title: &str, message: &str) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 140)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let root = root.titled(title, caption_font()).map_err(drawing_error)?;
        root.draw(&Text::new(message.to_string(), (24, 50), label_font().color(&MUTED))).map_err(drawing_error)?;
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// One bar of a horizontal bar chart.
pub(super) struct Bar {
    /// The category (truncated to fit).
    pub(super) label: String,
    /// The bar's length in axis units; `None` draws no bar, only the note.
    pub(super) value: Option<f64>,
    /// Text beside the bar.
    pub(super) note: String,
    /// Its colour.
    pub(super) color: RGBColor,
    /// A target for this bar, drawn as a dark tick across it.
    pub(super) target: Option<f64>,
    /// Where the bar's row leads (an escaped address), on the dashboard.
    pub(super) link: Option<String>,
}

/// A reference line across a chart: its value and its label.
pub(super) struct Marker {
    /// Where, in axis units.
    pub(super) value: f64,
    /// What it means.
    pub(super) label: String,
    /// Its colour.
    pub(super) color: RGBColor,
}

/// A horizontal bar chart: bars top-down in the given order, each labelled on the left and
/// annotated on the right (inside the bar, in white, when the bar is long).
pub(super) struct BarChart<'a> {
    /// Caption.
    pub(super) title: &'a str,
    /// The value axis' description, with its unit.
    pub(super) axis: &'a str,
    /// The bars.
    pub(super) bars: &'a [Bar],
    /// Tick labels of the value axis.
    pub(super) tick: &'a dyn Fn(f64) -> String,
    /// A reference line across all bars.
    pub(super) marker: Option<Marker>,
    /// The axis' end; by default a little past the longest bar.
    pub(super) x_max: Option<f64>,
    /// The key's word for the target ticks.
    pub(super) target_word: &'a str,
}

/// Pixels of one bar's row.
const BAR_ROW: u32 = 30;

/// Draws `chart` as an SVG string.
pub(super) fn horizontal_bars(chart: &BarChart<'_>) -> anyhow::Result<String> {
    let BarChart { title, axis, bars, tick, ref marker, x_max, target_word } = *chart;
    let mut spots = Vec::new();
    // plotters' integer ranges include their end, so `0..rows - 1` has one segment per bar; a
    // single bar gets a second, empty slot below it (a range of one value cannot be mapped).
    let n = bars.len();
    let rows = i32::try_from(n).unwrap_or(i32::MAX).max(2);
    let height = 130 + BAR_ROW * u32::try_from(n.max(2)).unwrap_or(40);
    let label_columns = bars.iter().map(|b| b.label.chars().map(|c| c.width().unwrap_or(0)).sum()).max().unwrap_or(8);
    let largest = bars
        .iter()
        .filter_map(|b| b.value)
        .chain(bars.iter().filter_map(|b| b.target))
        .fold(marker.as_ref().map_or(0.0, |m| m.value), f64::max);
    let x_max = x_max.unwrap_or_else(|| {
        let step = nice_step(largest.max(f64::MIN_POSITIVE) / 6.0);
        ((largest * 1.08 / step).ceil() * step).max(step)
    });
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, caption_font())
            .margin(14)
            .margin_right(28)
            .x_label_area_size(if marker.is_some() || bars.iter().any(|b| b.target.is_some()) { 66 } else { 44 })
            .y_label_area_size(label_px(label_columns) + 14)
            .build_cartesian_2d(0.0..x_max, (0..rows - 1).into_segmented())
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(7)
            .y_labels(usize::try_from(rows).unwrap_or(2))
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => usize::try_from(rows - 1 - i)
                    .ok()
                    .and_then(|k| bars.get(k))
                    .map_or_else(String::new, |b| b.label.clone()),
                _ => String::new(),
            })
            .x_desc(axis)
            .label_style(label_font())
            .axis_desc_style(label_font().color(&MUTED))
            .draw()
            .map_err(drawing_error)?;
        let slot = |k: usize| rows - 1 - i32::try_from(k).unwrap_or(0);
        // The marker goes under the bars and their notes, which stay readable across it.
        if let Some(marker) = marker {
            chart
                .draw_series(DashedLineSeries::new(
                    [(marker.value, SegmentValue::Exact(0)), (marker.value, SegmentValue::Exact(rows))],
                    6,
                    4,
                    marker.color.stroke_width(2),
                ))
                .map_err(drawing_error)?;
        }
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(k, b)| {
                let mut rect = Rectangle::new(
                    [(0.0, SegmentValue::Exact(slot(k))), (b.value?, SegmentValue::Exact(slot(k) + 1))],
                    b.color.filled(),
                );
                rect.set_margin(5, 5, 0, 0);
                Some(rect)
            }))
            .map_err(drawing_error)?;
        let has_targets = bars.iter().any(|b| b.target.is_some());
        if has_targets {
            // A thin filled band: plotters draws no zero-width rectangle.
            let half = x_max * 0.002;
            chart
                .draw_series(bars.iter().enumerate().filter_map(|(k, b)| {
                    let target = b.target?;
                    let mut tick = Rectangle::new(
                        [
                            (target - half, SegmentValue::Exact(slot(k))),
                            (target + half, SegmentValue::Exact(slot(k) + 1)),
                        ],
                        INK.filled(),
                    );
                    tick.set_margin(1, 1, 0, 0);
                    Some(tick)
                }))
                .map_err(drawing_error)?;
        }
        chart
            .draw_series(bars.iter().enumerate().map(|(k, b)| {
                let value = b.value.unwrap_or(0.0);
                let (x, style) = if value > x_max * 0.72 {
                    (value - x_max * 0.01, anchored(HPos::Right, &WHITE))
                } else {
                    (value + x_max * 0.01, anchored(HPos::Left, &INK))
                };
                Text::new(b.note.clone(), (x, SegmentValue::CenterOf(slot(k))), style)
            }))
            .map_err(drawing_error)?;
        // The key goes under the chart, right of the axis description: inside the plot it
        // would cover a bar.
        let mut right = i32::try_from(WIDTH).unwrap_or(960) - 28;
        let y = i32::try_from(height).unwrap_or(0) - 18;
        if let Some(marker) = marker {
            right = legend_entry(&root, right, y, &marker.label, LegendMark::Dashed(marker.color))?;
        }
        if has_targets {
            legend_entry(&root, right, y, target_word, LegendMark::Tick)?;
        }
        // Each linked row, label and bar, is one target to click or tab to.
        for (k, bar) in bars.iter().enumerate() {
            let Some(link) = &bar.link else { continue };
            let (_, top) = chart.backend_coord(&(0.0, SegmentValue::Exact(slot(k) + 1)));
            let (_, bottom) = chart.backend_coord(&(0.0, SegmentValue::Exact(slot(k))));
            spots.push(Hotspot {
                x: 0,
                y: top,
                width: i32::try_from(WIDTH).unwrap_or(960),
                height: bottom - top,
                link: link.clone(),
                title: format!("{} · {}", bar.label, bar.note),
            });
        }
        root.present().map_err(drawing_error)?;
    }
    add_hotspots(&mut svg, &spots);
    Ok(svg)
}

/// A clickable area over a chart: a bar's row, a histogram's column, a day.
pub(super) struct Hotspot {
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) width: i32,
    pub(super) height: i32,
    /// The address, escaped.
    pub(super) link: String,
    /// What it counts, shown on hover and read by screen readers.
    pub(super) title: String,
}

/// Puts `spots` over the drawing as links (to the top page: the report is in a frame), each an
/// invisible rectangle that the page's style outlines on hover and keyboard focus.
pub(super) fn add_hotspots(svg: &mut String, spots: &[Hotspot]) {
    if spots.is_empty() {
        return;
    }
    let Some(end) = svg.rfind("</svg>") else { return };
    let mut links = String::new();
    for s in spots {
        let title = super::html::escape(&s.title);
        links.push_str(&format!(
            "<a class=\"behind\" href=\"{}\" target=\"_top\" aria-label=\"{title}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0\"><title>{title}</title></rect></a>\n",
            s.link,
            s.x,
            s.y,
            s.width.max(1),
            s.height.max(1)
        ));
    }
    svg.insert_str(end, &links);
}

/// How a key entry is drawn.
enum LegendMark {
    /// A dashed line, as the reference line.
    Dashed(RGBColor),
    /// A short dark vertical band, as the target ticks.
    Tick,
}

/// Draws a key entry whose text ends at `right`; returns where the next entry, to its left,
/// must end.
fn legend_entry(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    right: i32,
    y: i32,
    text: &str,
    mark: LegendMark,
) -> anyhow::Result<i32> {
    let text_px = i32::try_from(label_px(text.chars().map(|c| c.width().unwrap_or(0)).sum())).unwrap_or(0);
    root.draw(&Text::new(text.to_string(), (right, y), anchored(HPos::Right, &INK))).map_err(drawing_error)?;
    let mark_right = right - text_px - 8;
    match mark {
        LegendMark::Dashed(color) => {
            for x in (mark_right - 24..mark_right).step_by(9) {
                root.draw(&PathElement::new([(x, y), ((x + 5).min(mark_right), y)], color.stroke_width(2)))
                    .map_err(drawing_error)?;
            }
        }
        LegendMark::Tick => {
            root.draw(&Rectangle::new([(mark_right - 8, y - 8), (mark_right - 5, y + 8)], INK.filled()))
                .map_err(drawing_error)?;
        }
    }
    Ok(mark_right - 24 - 20)
}

/// Hours for tick labels: whole hours from 10 h up, one decimal below.
pub(super) fn hour_tick(hours: f64) -> String {
    if hours.abs() >= 10.0 || hours.fract() == 0.0 { cells::decimal(hours, 0) } else { cells::decimal(hours, 1) }
}
