//! `junro demo`: a month of an ISP's back office on a virtual clock, in a SQLite file.
//!
//! It deploys the catalogue, then simulates orders arriving every day (phone, web, shops, paper),
//! front operators of three outsourcing vendors who differ in speed and accuracy, an in-house back
//! office, partners whose signals (construction done, parcel delivered) come days later, and
//! customers who answer late, never, or cancel. Everything goes through the engine's public
//! embedding API. The same seed gives the same month.
//!
//! - `catalog` — what the simulation needs to know about the deployed flows
//! - `values`, `forms`, `mistakes` — field values, start data, task forms and choices, keying errors
//! - `actions` — the handlers of automatic steps
//! - `staff` — the people; `world` — customers and partners
//! - `sim` — the loop; `summary` — the figures at the end
//! - `rng` — the seeded generator
//! - `accounts` — the people as the service's users (`--serve`, and `--smtp`, which tells
//!   them as the month goes through the service's notifier)

pub(crate) mod accounts;
mod actions;
mod catalog;
mod forms;
mod mistakes;
mod rng;
mod sim;
mod staff;
mod summary;
mod values;
mod world;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::ToSpan;
use jiff::civil::date;
use junro_engine::calendar::Calendars;
use junro_engine::clock::VirtualClock;
use junro_engine::kpi::KpiConfig;
use junro_engine::runtime::KpiQuery;
use junro_engine::store::{Durability, OrderFilter};
use junro_engine::{Engine, EngineOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The database file used when no `--db` is given, in the current folder.
pub(crate) const DEFAULT_DB: &str = "junro-demo.db";

/// What to simulate.
pub(crate) struct Options {
    /// Database URL; `None`: a fresh [`DEFAULT_DB`].
    pub(crate) db: Option<String>,
    /// The flows to deploy.
    pub(crate) flows: PathBuf,
    /// Business calendars (YAML); default `calendars.yaml` beside the flows folder.
    pub(crate) calendars: Option<PathBuf>,
    /// Simulated calendar days.
    pub(crate) days: u32,
    /// Seed of the random choices.
    pub(crate) seed: u64,
    /// No progress bar.
    pub(crate) quiet: bool,
    /// Print `started <key> <id>` for each order as soon as it is stored.
    pub(crate) print_started: bool,
    /// Tell people as the month goes: inboxes, and mails to this SMTP server (`host:port`).
    pub(crate) smtp: Option<String>,
    /// The mails' sender.
    pub(crate) mail_from: String,
}

/// Removes the default database and its WAL files, so the demo starts fresh.
fn fresh_default() -> anyhow::Result<String> {
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{DEFAULT_DB}{suffix}");
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing the previous {path}")),
        }
    }
    Ok(format!("sqlite:{DEFAULT_DB}"))
}

/// The business calendars: `--calendars`, else `calendars.yaml` beside the flows folder (as in
/// `examples/`), else the engine's default.
fn calendars(options: &Options) -> anyhow::Result<Calendars> {
    let Some(path) = calendars_file(options) else { return Ok(EngineOptions::default().calendars) };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Calendars::from_yaml(&text).with_context(|| format!("reading calendars from {}", path.display()))
}

/// The KPI targets and thresholds: `kpi.yaml` beside the flows folder (as in `examples/`), else
/// the defaults.
fn kpi_config(options: &Options) -> anyhow::Result<KpiConfig> {
    let Some(path) = options.flows.parent().map(|p| p.join("kpi.yaml")).filter(|p| p.is_file()) else {
        return Ok(KpiConfig::default());
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    KpiConfig::from_yaml(&text).with_context(|| format!("reading {}", path.display()))
}

/// Where the month's KPI report goes: beside the database file (`junro-demo-report/` for the
/// default database), or `junro-demo-report/` in the current folder for other databases.
fn report_folder(url: &str) -> PathBuf {
    let file = url.strip_prefix("sqlite:").filter(|f| !f.contains(":memory:")).map(|f| f.trim_start_matches("//"));
    match file.map(|f| f.split('?').next().unwrap_or(f)) {
        Some(file) => PathBuf::from(format!("{}-report", file.trim_end_matches(".db"))),
        None => PathBuf::from("junro-demo-report"),
    }
}

/// Runs the demo and prints its summary to `out`.
/// Simulates the month; returns the database's URL.
pub(crate) fn run(options: &Options, out: &mut impl Write) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(simulate(options, out))
}

/// Registers the simulation's stand-ins for the partner systems on a served engine, so that the
/// automatic steps of orders worked in the pages run as they did during the month.
pub(crate) fn register_actions(engine: &Arc<Engine>, seed: u64) {
    let catalog = catalog::Catalog::new(&engine.latest_flows());
    let shared = Arc::new(Mutex::new(actions::Shared::default()));
    let clock = Arc::new(VirtualClock::new(engine.now()));
    actions::register(engine, &catalog, &shared, &clock, seed);
}

/// The business calendars the demo ran with.
pub(crate) fn calendars_file(options: &Options) -> Option<std::path::PathBuf> {
    let beside = options.flows.parent().map(|p| p.join("calendars.yaml")).filter(|p| p.is_file());
    options.calendars.clone().or(beside)
}

async fn simulate(options: &Options, out: &mut impl Write) -> anyhow::Result<String> {
    let wall = Instant::now();
    if !options.flows.is_dir() {
        bail!("no flows folder {} (run from the repository root, or pass --flows DIR)", options.flows.display());
    }
    let url = match &options.db {
        Some(url) => url.clone(),
        None => fresh_default()?,
    };
    let first_day = date(2026, 11, 2);
    let clock = Arc::new(VirtualClock::new(world::at(first_day, 8, 0)));
    let calendars = calendars(options)?;
    let working_days = calendars.default_calendar().clone();
    let engine_options = EngineOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        calendars,
        notices: options.smtp.is_some(),
        ..EngineOptions::default()
    };
    let engine = Arc::new(Engine::open_with(&url, engine_options).await.with_context(|| format!("opening {url}"))?);
    if options.db.is_some()
        && !engine.orders(&OrderFilter { limit: Some(1), ..OrderFilter::default() }).await?.is_empty()
    {
        bail!("{url} already holds orders; the demo needs an empty database (omit --db for a fresh {DEFAULT_DB})");
    }
    let deployed = engine.deploy(&[&options.flows], None).await.context("deploying the flows")?;
    let catalog = catalog::Catalog::new(&engine.latest_flows());
    let shared = Arc::new(Mutex::new(actions::Shared::default()));
    actions::register(&engine, &catalog, &shared, &clock, options.seed);
    writeln!(
        out,
        "Junro demo: {} simulated days from {first_day} (seed {}), {} flows deployed from {} into {url}",
        options.days,
        options.seed,
        deployed.len(),
        options.flows.display()
    )?;
    if url.starts_with("sqlite:") {
        writeln!(out, "SQLite durability is NORMAL: each commit survives a crash of this process, not a power cut.")?;
    }
    out.flush()?;

    let bar = if options.quiet { ProgressBar::hidden() } else { ProgressBar::new(u64::from(options.days)) };
    bar.set_style(
        ProgressStyle::with_template("{bar:30.cyan/blue} day {pos}/{len}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let notify = match &options.smtp {
        Some(smtp) => Some(notifier(options, &engine, &url, smtp).await?),
        None => None,
    };
    let mut sim =
        sim::Sim::new(&engine, &clock, &catalog, shared.clone(), working_days, options.seed, options.print_started);
    sim.notify = notify.as_ref();
    for day in 0..options.days {
        let today = first_day.checked_add(i64::from(day).days()).context("date out of range")?;
        sim.day(today, out).await?;
        let closed = engine
            .orders(&OrderFilter { status: Some("closed".into()), limit: Some(u32::MAX), ..OrderFilter::default() })
            .await?;
        bar.set_message(format!("{today}  orders: {} started, {} closed", sim.started, closed.len()));
        bar.set_position(u64::from(day) + 1);
    }
    bar.finish_and_clear();

    let config = kpi_config(options)?;
    let data = engine.kpi_data(None).await.context("reading the month's history for the KPI report")?;
    let report = data.report(&KpiQuery::default(), &config);
    let stalled = data.stalled(&config);
    writeln!(out)?;
    summary::print(out, &report)?;
    let folder = report_folder(&url);
    let written = crate::report::write_report_folder(
        &report,
        Some(&stalled),
        &folder,
        &data.zone(),
        crate::report::Language::Ja,
    )?;
    let (calls, failures) = {
        let shared = actions::lock(&shared);
        (shared.calls, shared.failures)
    };
    let (work, counts) = (&sim.work, &sim.world.counts);
    writeln!(out)?;
    writeln!(
        out,
        "Work: {} tasks done by people, {} sent back (差戻し), {} withdrawn while being worked;",
        work.completed, work.sent_back, work.withdrawn
    )?;
    writeln!(out, "      {calls} action calls ({failures} failed once and were retried);")?;
    writeln!(
        out,
        "      {} signals from partners and customers ({} after their wait had timed out);",
        counts.signals, counts.late
    )?;
    writeln!(out, "      {} orders cancelled by their customers.", counts.cancelled)?;
    if work.refused > 0 {
        writeln!(
            out,
            "warning: the engine refused {} commands of the simulation, first: {}",
            work.refused,
            work.first_refusal.as_deref().unwrap_or("")
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "KPI report of the month: {} (open it in a browser), {} and {} CSV files in {}",
        written.first().map_or(String::new(), |p| p.display().to_string()),
        written.get(1).map_or(String::new(), |p| p.display().to_string()),
        written.len().saturating_sub(2),
        folder.display()
    )?;
    writeln!(
        out,
        "  {} stalled orders and {} tasks overdue or at risk to follow up (junro stalled).",
        stalled.stalled.len(),
        stalled.tasks.len()
    )?;
    if let (Some(state), Some(smtp)) = (&notify, &options.smtp) {
        summary::notifications(out, &state.db.sent_by_kind().await?, state.db.customer_mails().await?, smtp)?;
    }
    writeln!(out)?;
    look(out, &url)?;
    writeln!(out, "Wall time {:.1} s", wall.elapsed().as_secs_f64())?;
    Ok(url)
}

/// The service's notifier on the demo's engine: every simulated person a user with an
/// address, mails to `smtp`, the supervisors' digest at 08:30 on working days, links to the
/// pages `--serve` would show.
async fn notifier(
    options: &Options,
    engine: &Arc<Engine>,
    url: &str,
    smtp: &str,
) -> anyhow::Result<crate::serve::state::AppState> {
    use crate::serve::config::{Mail, ServeConfig};
    let (server, port) = smtp.rsplit_once(':').with_context(|| format!("--smtp {smtp}: expected host:port"))?;
    let port: u16 = port.parse().with_context(|| format!("--smtp {smtp}: expected host:port"))?;
    let db =
        crate::serve::db::Pool::open(url).await.with_context(|| format!("opening the service's tables in {url}"))?;
    accounts::add_missing(&db, engine.now()).await?;
    let config = ServeConfig {
        database: url.to_string(),
        flows: None,
        worker: false,
        calendars: calendars_file(options),
        kpi: options.flows.parent().map(|p| p.join("kpi.yaml")).filter(|p| p.is_file()),
        mail: Some(Mail { server: server.to_string(), port, sender: options.mail_from.clone(), ..Mail::default() }),
        public_url: Some("http://127.0.0.1:8080".into()),
        digest_at: Some("08:30".into()),
        ..ServeConfig::default()
    };
    config.messages.check().map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::serve::mail::transport(config.mail.as_ref().context("mail")?, std::time::Duration::from_secs(10))
        .map_err(|e| anyhow::anyhow!("--smtp {smtp}: {e}"))?;
    Ok(crate::serve::state::AppState::new(engine.clone(), db, config).await?)
}

/// How to look at the database.
fn look(out: &mut impl Write, url: &str) -> std::io::Result<()> {
    let Some(file) = url.strip_prefix("sqlite:").filter(|f| !f.contains(":memory:")) else {
        return writeln!(out, "Database: {url}");
    };
    let file = file.strip_prefix("//").unwrap_or(file);
    let file = file.split('?').next().unwrap_or(file);
    writeln!(out, "Database: {file} (SQLite). Look at it with, for example:")?;
    writeln!(
        out,
        "  sqlite3 {file} \"SELECT flow_id, status, outcome, vendor, COUNT(*) FROM orders GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 20\""
    )?;
    writeln!(out, "  sqlite3 {file} \"SELECT role, COUNT(*) FROM tasks GROUP BY role\"   # the open work queue")?;
    let db = if file == "junro-demo.db" { String::new() } else { format!(" --db sqlite:{file}") };
    writeln!(out, "  junro orders{db} --status open   # the newest open orders")?;
    writeln!(out, "  junro order ORD-20261102-0001{db}   # one order's history, decisions explained")?;
    writeln!(out, "  junro graph examples/flows/fiber_home/fiber_home_new_phone.flow   # a flow as a diagram")
}
