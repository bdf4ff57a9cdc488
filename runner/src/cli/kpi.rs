//! `junro kpi` and `junro stalled`: the KPI report of a database's orders and the reminder list,
//! in any report format (`crate::report`). Figures come from `Engine::kpi_data`, as
//! `../shared/kpi.md` defines them.

use super::orders::{DEMO_DB, ensure_exists};
use crate::report::{self, ReportFormat};
use anyhow::Context as _;
use jiff::Timestamp;
use jiff::civil::Date;
use junro_engine::calendar::Calendars;
use junro_engine::kpi::{KpiConfig, View};
use junro_engine::runtime::{KpiData, KpiQuery};
use junro_engine::{Engine, EngineOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The views `junro kpi` prints in a terminal without `--by`.
const OVERVIEW: &[&str] = &["summary", "vendors", "channels", "bottlenecks_overall", "months"];

/// What the two commands share: where the orders are and how to read them.
#[derive(clap::Args)]
pub(crate) struct Source {
    /// Database URL.
    #[arg(long, default_value = DEMO_DB)]
    db: String,
    /// Targets and thresholds (YAML); default `examples/kpi.yaml` when it exists.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Business calendars (YAML); default `examples/calendars.yaml` when it exists.
    #[arg(long)]
    calendars: Option<PathBuf>,
    /// "Now" for queues, WIP and alerts (RFC 3339); default the later of the clock and the
    /// last recorded event.
    #[arg(long)]
    now: Option<Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Write here instead of to standard output (needed for xlsx).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The language of the HTML page and the workbook's headers (CSV, JSON and the terminal
    /// table keep the column keys and English).
    #[arg(long, value_enum, default_value_t = report::Language::Ja)]
    lang: report::Language,
}

/// The views `--by` selects.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum By {
    /// Every order with its own figures.
    Order,
    /// Per vendor, and processing counts per vendor and step.
    Vendor,
    /// Per flow, and each flow's bottleneck ranking.
    Flow,
    /// Per step, and the bottlenecks across flows.
    Step,
    /// Per channel.
    Channel,
    /// Per day, with throughput and WIP.
    Day,
    /// Per ISO week.
    Week,
    /// Per month.
    Month,
}

impl By {
    fn name(self) -> &'static str {
        match self {
            By::Order => "order",
            By::Vendor => "vendor",
            By::Flow => "flow",
            By::Step => "step",
            By::Channel => "channel",
            By::Day => "day",
            By::Week => "week",
            By::Month => "month",
        }
    }
}

/// Options of `junro kpi`.
#[derive(clap::Args)]
pub(crate) struct KpiArgs {
    #[command(flatten)]
    source: Source,
    /// Orders from this day (YYYY-MM-DD, in the calendars' zone).
    #[arg(long)]
    from: Option<Date>,
    /// Orders before this day.
    #[arg(long)]
    to: Option<Date>,
    /// One breakdown instead of the whole report.
    #[arg(long, value_enum)]
    by: Option<By>,
}

/// Options of `junro stalled`.
#[derive(clap::Args)]
pub(crate) struct StalledArgs {
    #[command(flatten)]
    source: Source,
    /// Business hours without an event before an open order counts as stalled (overrides the
    /// configuration's `stalled_after_hours`).
    #[arg(long)]
    business_hours: Option<f64>,
}

/// A YAML file given, or the example beside the flows when it exists.
fn yaml(given: Option<&Path>, example: &str) -> anyhow::Result<Option<(PathBuf, String)>> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => {
            let example = PathBuf::from(example);
            if !example.is_file() {
                return Ok(None);
            }
            example
        }
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some((path, text)))
}

fn config(source: &Source) -> anyhow::Result<KpiConfig> {
    match yaml(source.config.as_deref(), "examples/kpi.yaml")? {
        Some((path, text)) => KpiConfig::from_yaml(&text).with_context(|| format!("in {}", path.display())),
        None => Ok(KpiConfig::default()),
    }
}

async fn engine(source: &Source) -> anyhow::Result<Engine> {
    ensure_exists(&source.db)?;
    open_with_calendars(&source.db, source.calendars.as_deref()).await
}

/// The business calendars of a file given, or of `examples/calendars.yaml` when it exists, or
/// the default ones.
pub(crate) fn calendars(given: Option<&Path>) -> anyhow::Result<Calendars> {
    match yaml(given, "examples/calendars.yaml")? {
        Some((path, text)) => {
            Calendars::from_yaml(&text).with_context(|| format!("reading calendars from {}", path.display()))
        }
        None => Ok(EngineOptions::default().calendars),
    }
}

/// Opens (or creates) the database at `db` with the calendars of [`calendars`], so that flows
/// naming a calendar deploy and compute their times as the service would.
pub(crate) async fn open_with_calendars(db: &str, given: Option<&Path>) -> anyhow::Result<Engine> {
    let options = EngineOptions { calendars: calendars(given)?, ..EngineOptions::default() };
    Engine::open_with(db, options).await.with_context(|| format!("opening {db}"))
}

fn write(
    source: &Source,
    views: &[View],
    report: Option<&junro_engine::kpi::KpiReport>,
    zone: &jiff::tz::TimeZone,
) -> anyhow::Result<()> {
    let how = report::Presentation::in_language(source.lang);
    match &source.out {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
            );
            report::render(views, report, source.format, zone, &how, &mut file)?;
            eprintln!("written to {}", path.display());
        }
        None if source.format == ReportFormat::Xlsx => {
            anyhow::bail!("an XLSX workbook is binary: name a file with --out report.xlsx")
        }
        None => report::render(views, report, source.format, zone, &how, &mut std::io::stdout().lock())?,
    }
    Ok(())
}

fn start_of(day: Date, zone: &jiff::tz::TimeZone) -> anyhow::Result<Timestamp> {
    Ok(day.to_zoned(zone.clone()).with_context(|| format!("the start of {day}"))?.timestamp())
}

/// Every order's figures, read once from the database.
fn read(source: &Source) -> anyhow::Result<KpiData> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let engine = engine(source).await?;
        let data = engine.kpi_data(source.now).await;
        engine.close().await;
        anyhow::Ok(data?)
    })
}

pub(crate) fn run_kpi(args: KpiArgs) -> anyhow::Result<ExitCode> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from >= to
    {
        anyhow::bail!("--from {from} must be before --to {to} (the window is [from, to))");
    }
    let config = config(&args.source)?;
    let data = read(&args.source)?;
    let zone = data.zone();
    let query = KpiQuery {
        from: args.from.map(|d| start_of(d, &zone)).transpose()?,
        to: args.to.map(|d| start_of(d, &zone)).transpose()?,
        now: None,
    };
    let report = data.report(&query, &config);
    let views = match args.by {
        Some(by) => report.views_by(by.name()).context("unknown breakdown")?,
        // In a terminal, the overview: the long breakdowns (every flow, step and order) are
        // one `--by` away, and every view is in the other formats.
        None if args.source.format == ReportFormat::Table => {
            eprintln!(
                "Overview; --by order|vendor|flow|step|channel|day|week|month for a breakdown, \
                 --format html --out kpi.html for the whole report with charts."
            );
            report.views().into_iter().filter(|v| OVERVIEW.contains(&v.id)).collect()
        }
        None => report.views(),
    };
    write(&args.source, &views, Some(&report), &zone)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_stalled(args: StalledArgs) -> anyhow::Result<ExitCode> {
    let mut config = config(&args.source)?;
    if let Some(hours) = args.business_hours {
        anyhow::ensure!(hours.is_finite() && hours >= 0.0, "--business-hours must be 0 or more, not {hours}");
        config.stalled_after_hours = hours;
    }
    let data = read(&args.source)?;
    let stalled = data.stalled(&config);
    let zone = data.zone();
    if args.source.format == ReportFormat::Table && args.source.out.is_none() {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "As of {}: {} orders without an event for over {} business hours{}, {} tasks overdue or due within {} business hours.",
            junro_engine::kpi::view::local_time(stalled.now, &zone),
            stalled.stalled.len(),
            stalled.stalled_after_hours,
            if config.stalled_after.flows.is_empty() && config.stalled_after.steps.is_empty() {
                ""
            } else {
                " (or their flow's or step's own threshold)"
            },
            stalled.tasks.len(),
            stalled.at_risk_hours
        )?;
    }
    write(&args.source, &stalled.views(), None, &zone)?;
    Ok(ExitCode::SUCCESS)
}
