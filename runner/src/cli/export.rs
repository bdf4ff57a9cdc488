//! `junro export`: the event log of a database's orders for process-mining tools, as XES, OCEL
//! 2.0 JSON or CSV (`junro_engine::export`), optionally only orders received between two dates
//! (days in the default business calendar's zone, Asia/Tokyo).

use super::orders::{DEMO_DB, open};
use anyhow::Context as _;
use clap::ValueEnum;
use junro_engine::calendar::Calendar;
use junro_engine::export::{self, Window, Written};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The event-log formats.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ExportFormat {
    /// XES (IEEE 1849-2016): PM4Py, ProM, Celonis, Disco.
    Xes,
    /// OCEL 2.0 JSON: object-centric (order, customer, vendor).
    Ocel,
    /// One row per event, UTF-8 with a byte-order mark (Excel).
    Csv,
}

/// Options of `junro export`.
#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// Database URL.
    #[arg(long, default_value = DEMO_DB)]
    db: String,
    /// Output format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Write here instead of to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only orders received on or after this day (YYYY-MM-DD, Asia/Tokyo).
    #[arg(long)]
    from: Option<jiff::civil::Date>,
    /// Only orders received before this day (YYYY-MM-DD, Asia/Tokyo).
    #[arg(long)]
    to: Option<jiff::civil::Date>,
}

/// Midnight of `day` in the default business calendar's zone.
fn start_of(day: jiff::civil::Date) -> anyhow::Result<jiff::Timestamp> {
    let zone = Calendar::japan_office().zone().clone();
    Ok(day.to_zoned(zone).with_context(|| format!("the start of {day}"))?.timestamp())
}

pub(crate) fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from >= to
    {
        anyhow::bail!("--from {from} must be before --to {to} (the window is [from, to))");
    }
    let window = Window { from: args.from.map(start_of).transpose()?, to: args.to.map(start_of).transpose()? };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let cases = runtime.block_on(async {
        let engine = open(&args.db).await?;
        let cases = export::read_cases(&engine, &window).await;
        engine.close().await;
        anyhow::Ok(cases?)
    })?;
    let written = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            write(args.format, std::io::BufWriter::new(file), &cases)?
        }
        None => write(args.format, std::io::stdout().lock(), &cases)?,
    };
    let target = args.out.as_ref().map_or_else(|| "standard output".to_string(), |p| p.display().to_string());
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    eprintln!(
        "{} case{}, {} event{} written to {target}",
        written.cases,
        plural(written.cases),
        written.events,
        plural(written.events)
    );
    Ok(ExitCode::SUCCESS)
}

fn write(format: ExportFormat, out: impl Write, cases: &[export::Case]) -> anyhow::Result<Written> {
    let written = match format {
        ExportFormat::Xes => export::xes::write(out, cases)?,
        ExportFormat::Ocel => export::ocel::write(out, cases)?,
        ExportFormat::Csv => export::csv::write(out, cases)?,
    };
    Ok(written)
}
