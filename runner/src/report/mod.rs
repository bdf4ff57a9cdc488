//! The KPI report for people and machines: the [`View`]s of `junro_engine::kpi` rendered as a
//! terminal table, CSV, JSON, an Excel workbook, or one self-contained HTML page with charts.
//!
//! Every format reads the same views, so a figure is defined once (in `engine::kpi::view`) and
//! only its presentation differs: people's formats (table, XLSX, HTML) show durations in hours,
//! rates as percentages and moments in the report's local time; machine formats (CSV, JSON) use
//! the column keys, whole seconds, fractions and RFC 3339. This module computes no figure: it
//! never reads a history or a database.
//!
//! - [`cells`]: one cell as people read it and as machines read it.
//! - [`text_table`], [`csv_writer`], [`json_writer`], [`workbook`], [`html`]: one format each.
//! - [`charts`], [`chart_parts`]: the HTML page's charts, drawn with plotters as inline SVG.
//! - [`words`]: the people's formats in Japanese (the default) or English.
//! - [`links`]: on the dashboard, where each bar leads (the orders it counts).

pub(crate) mod cells;
mod chart_parts;
mod charts;
mod csv_writer;
mod html;
mod json_writer;
mod links;
mod text_table;
mod time_chart;
mod words;
mod workbook;

pub(crate) use links::OrdersLink;
pub(crate) use words::Language;

#[cfg(test)]
mod tests;

use anyhow::Context as _;
use jiff::tz::TimeZone;
use junro_engine::kpi::{KpiReport, StalledReport, View};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// Aligned text tables for a terminal, one per view.
    Table,
    /// The first view as CSV (UTF-8 with a byte-order mark, so Excel reads Japanese text).
    Csv,
    /// Every view as one JSON object keyed by view id.
    Json,
    /// An Excel workbook, one sheet per view.
    Xlsx,
    /// One self-contained HTML page with charts and tables.
    Html,
}

/// How a report for people reads: its language (the HTML page's words, the workbook's
/// headers), and on the dashboard where its bars lead. Machine formats ignore it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Presentation {
    /// Japanese unless asked otherwise.
    pub(crate) language: Language,
    /// The page of the orders behind a bar; none in a file or a download.
    pub(crate) orders_link: Option<OrdersLink>,
}

impl Presentation {
    /// A report in `language`, without links.
    pub(crate) fn in_language(language: Language) -> Self {
        Self { language, orders_link: None }
    }
}

/// Writes `views` in `format` to `out`. `report`, when given, adds the header figures and the
/// charts of the HTML page; other formats do not need it. Moments are shown in `zone`.
pub(crate) fn render(
    views: &[View],
    report: Option<&KpiReport>,
    format: ReportFormat,
    zone: &TimeZone,
    how: &Presentation,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        ReportFormat::Table => text_table::write(views, zone, out)?,
        ReportFormat::Csv => {
            // One CSV stream holds one table: CSV readers cannot skip a second header or a
            // title line, so callers choose the view (`--by`) and the folder writer writes one
            // file per view.
            let view = views.first().context("there is no table to write as CSV")?;
            csv_writer::write(view, zone, out)?;
        }
        ReportFormat::Json => json_writer::write(views, zone, out)?,
        ReportFormat::Xlsx => out.write_all(&workbook::to_bytes(views, zone, how.language)?)?,
        ReportFormat::Html => out.write_all(html::page(views, report, zone, how)?.as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

/// Writes the whole report into `dir` (created if missing): `kpi.html`, `kpi.xlsx` and one
/// `kpi-<view id>.csv` per view, the stalled list's views included when given. Returns the
/// paths written, in that order.
pub(crate) fn write_report_folder(
    report: &KpiReport,
    stalled: Option<&StalledReport>,
    dir: &Path,
    zone: &TimeZone,
    language: Language,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut views = report.views();
    if let Some(stalled) = stalled {
        views.extend(stalled.views());
    }
    let mut written = Vec::new();
    let mut save = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    let how = Presentation::in_language(language);
    save("kpi.html".to_string(), html::page(&views, Some(report), zone, &how)?.as_bytes())?;
    save("kpi.xlsx".to_string(), &workbook::to_bytes(&views, zone, language)?)?;
    for view in &views {
        let mut bytes = Vec::new();
        csv_writer::write(view, zone, &mut bytes)?;
        save(format!("kpi-{}.csv", view.id), &bytes)?;
    }
    Ok(written)
}
