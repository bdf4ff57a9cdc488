//! What the charts share: sizes, colours, fonts, the horizontal bar chart, the empty chart, and
//! label truncation. plotters runs without a font library here (its `ttf` feature needs system
//! font packages), so it only estimates text widths; label areas are therefore sized from the
//! labels' display width, and the browser lays out the actual glyphs.

use super::cells;
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

/// `s` cut to at most `columns` display columns, with `…` when cut.
pub(super) fn truncate(s: &str, columns: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= columns {
        return s.to_string();
    }
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > columns {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
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
    /// The bar's length in axis units.
    pub(super) value: f64,
    /// Text beside the bar.
    pub(super) note: String,
    /// Drawn in the alert colour.
    pub(super) flagged: bool,
}

/// A reference line across a chart: its value and its label.
pub(super) struct Marker {
    /// Where, in axis units.
    pub(super) value: f64,
    /// What it means.
    pub(super) label: String,
}

/// A horizontal bar chart, first bar at the top, each bar labelled on the left and annotated
/// on the right (inside the bar, in white, when the bar is long).
pub(super) fn horizontal_bars(
    title: &str,
    axis: &str,
    bars: &[Bar],
    tick: &dyn Fn(f64) -> String,
    marker: Option<&Marker>,
) -> anyhow::Result<String> {
    // plotters' integer ranges include their end, so `0..rows - 1` has one segment per bar; a
    // single bar gets a second, empty slot below it (a range of one value cannot be mapped).
    let n = bars.len();
    let rows = i32::try_from(n).unwrap_or(i32::MAX).max(2);
    let height = 110 + 30 * u32::try_from(n.max(2)).unwrap_or(40);
    let label_columns = bars.iter().map(|b| b.label.chars().map(|c| c.width().unwrap_or(0)).sum()).max().unwrap_or(8);
    let largest = bars.iter().map(|b| b.value).fold(marker.map_or(0.0, |m| m.value), f64::max);
    let step = nice_step(largest.max(f64::MIN_POSITIVE) / 6.0);
    let x_max = ((largest * 1.08 / step).ceil() * step).max(step);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, caption_font())
            .margin(14)
            .margin_right(28)
            .x_label_area_size(44)
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
                    ALERT.stroke_width(2),
                ))
                .map_err(drawing_error)?
                .label(marker.label.clone())
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], ALERT.stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(label_font())
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .draw()
                .map_err(drawing_error)?;
        }
        chart
            .draw_series(bars.iter().enumerate().map(|(k, b)| {
                let color = if b.flagged { ALERT } else { PRIMARY };
                let mut rect = Rectangle::new(
                    [(0.0, SegmentValue::Exact(slot(k))), (b.value, SegmentValue::Exact(slot(k) + 1))],
                    color.filled(),
                );
                rect.set_margin(5, 5, 0, 0);
                rect
            }))
            .map_err(drawing_error)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(k, b)| {
                let inside = b.value > x_max * 0.72;
                let (x, style) = if inside {
                    (b.value - x_max * 0.01, anchored(HPos::Right, &WHITE))
                } else {
                    (b.value + x_max * 0.01, anchored(HPos::Left, &INK))
                };
                Text::new(b.note.clone(), (x, SegmentValue::CenterOf(slot(k))), style)
            }))
            .map_err(drawing_error)?;
        root.present().map_err(drawing_error)?;
    }
    Ok(svg)
}

/// Hours for tick labels: whole hours from 10 h up, one decimal below.
pub(super) fn hour_tick(hours: f64) -> String {
    if hours.abs() >= 10.0 || hours.fract() == 0.0 { cells::decimal(hours, 0) } else { cells::decimal(hours, 1) }
}
