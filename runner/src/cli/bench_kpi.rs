//! `junro bench kpi`: the full KPI report over a large history. The first run fills a SQLite
//! file (kept in the temp folder and reused) with N orders of the standard bench flow, worked
//! over days of a virtual clock by three vendors' operators and an in-house review team; then
//! the report is computed several times from a freshly opened engine and the phases are timed.
//! The first report of a database also stores the finished orders' figures in the KPI summary;
//! it is timed on its own (its read phase) and the medians are of the reports after it.

use anyhow::Context as _;
use jiff::Timestamp;
use junro_engine::clock::VirtualClock;
use junro_engine::kpi::KpiConfig;
use junro_engine::machine::{Actor, Command};
use junro_engine::runtime::KpiQuery;
use junro_engine::store::{Durability, OrderFilter, TaskFilter};
use junro_engine::{ActionRequest, BatchItem, Engine, EngineOptions, StartOrder};
use serde_json::json;
use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Options of `junro bench kpi`.
#[derive(clap::Args)]
pub(crate) struct KpiBench {
    /// How many orders in the history.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Database URL (default: a SQLite file in the temp folder, filled once and reused).
    #[arg(long)]
    db: Option<String>,
    /// How many timed runs; medians are reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// The flows folder holding `standard_order`.
    #[arg(long, default_value = "examples/flows/bench")]
    flows: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

const VENDORS: [&str; 3] = ["ベンダーA", "ベンダーB", "ベンダーC"];
const WAVE: usize = 1_000;

fn form(v: serde_json::Value) -> junro_engine::script::Data {
    v.as_object().cloned().unwrap_or_default()
}

fn start_time() -> Timestamp {
    // Monday 2026-06-01 09:00 in Tokyo.
    Timestamp::from_second(1_780_272_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn engine_options(clock: Arc<VirtualClock>) -> EngineOptions {
    EngineOptions { durability: Durability::Normal, clock, ..EngineOptions::default() }
}

pub(crate) fn run(options: KpiBench) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(bench(options))
}

/// The tasks at `step` of `orders`, claimed or not.
async fn tasks_at(engine: &Engine, step: &str, orders: &HashSet<String>) -> anyhow::Result<Vec<(String, u64)>> {
    let filter = TaskFilter { limit: Some(1_000_000), ..TaskFilter::default() };
    let tasks = engine.tasks(&filter).await?;
    Ok(tasks
        .into_iter()
        .filter(|t| t.step == step && orders.contains(&t.order))
        .map(|t| (t.order, t.instance))
        .collect())
}

/// Applies `command(task)` as `actor(order index)` to every task at `step`, in one group commit.
async fn each(
    engine: &Engine,
    step: &str,
    orders: &HashSet<String>,
    actor: impl Fn(&str) -> Actor,
    command: impl Fn(u64) -> Command,
) -> anyhow::Result<()> {
    let items = tasks_at(engine, step, orders)
        .await?
        .into_iter()
        .map(|(order, task)| BatchItem::Apply { actor: actor(&order), order, command: command(task) })
        .collect();
    for result in engine.apply_batch(items).await {
        result?;
    }
    Ok(())
}

/// Fills the database with `n` orders, a wave of 1,000 at a time, each wave a few hours of
/// work on the virtual clock.
async fn fill(url: &str, flows: &PathBuf, n: usize) -> anyhow::Result<()> {
    let clock = Arc::new(VirtualClock::new(start_time()));
    let engine =
        Engine::open_with(url, engine_options(clock.clone())).await.with_context(|| format!("opening {url}"))?;
    engine.deploy(&[flows], None).await.context("deploying the bench flow")?;
    engine.register_action("provision_line", |request: ActionRequest| async move {
        Ok(form(json!({ "line_id": format!("L-{}", request.idempotency_key) })))
    });
    let operator = |vendor: &str| Actor::person(&format!("op-{vendor}"), &["operator"], Some(vendor));
    let reviewer = Actor::person("reviewer-1", &["reviewer"], None);
    let mut done = 0;
    let progress = indicatif::ProgressBar::new(n as u64);
    while done < n {
        let wave = WAVE.min(n - done);
        let starts = (done..done + wave)
            .map(|k| BatchItem::Start {
                flow: "standard_order".into(),
                order: StartOrder {
                    business_key: Some(format!("B-{k:07}")),
                    vendor: Some(VENDORS[k % 3].into()),
                    channel: Some(if k % 4 == 0 { "web" } else { "phone" }.into()),
                    data: form(json!({
                        "customer_name": "山田太郎",
                        "building_type": if k % 2 == 0 { "house" } else { "apartment" },
                        "has_existing_line": k % 2 == 1,
                    })),
                    ..StartOrder::default()
                },
            })
            .collect();
        let mut orders = HashSet::new();
        for result in engine.apply_batch(starts).await {
            orders.extend(result?);
        }
        let after = |minutes: i64| clock.advance(minutes * 60);
        after(5);
        // Each order's intake is for its own vendor's operators (`vendor same`).
        let listed = engine.orders(&OrderFilter { limit: Some(u32::MAX), ..OrderFilter::default() }).await?;
        let vendors: std::collections::HashMap<String, String> =
            listed.into_iter().filter(|o| orders.contains(&o.id)).filter_map(|o| Some((o.id, o.vendor?))).collect();
        let op_of = |order: &str| operator(vendors.get(order).map_or(VENDORS[0], String::as_str));
        each(&engine, "intake", &orders, op_of, |task| Command::Claim { task }).await?;
        after(12);
        each(&engine, "intake", &orders, op_of, |task| Command::Complete {
            task,
            outcome: None,
            data: form(json!({})),
        })
        .await?;
        after(1);
        while engine.run_due().await? > 0 {}
        after(100);
        each(&engine, "review", &orders, |_| reviewer.clone(), |task| Command::Claim { task }).await?;
        after(25);
        each(
            &engine,
            "review",
            &orders,
            |_| reviewer.clone(),
            |task| Command::Complete {
                task, outcome: None, data: form(json!({ "review_note": "工事日程調整済" }))
            },
        )
        .await?;
        after(40);
        each(&engine, "confirm", &orders, op_of, |task| Command::Complete {
            task,
            outcome: None,
            data: form(json!({})),
        })
        .await?;
        while engine.run_due().await? > 0 {}
        after(30);
        done += wave;
        progress.set_position(done as u64);
    }
    progress.finish_and_clear();
    engine.close().await;
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

async fn bench(options: KpiBench) -> anyhow::Result<ExitCode> {
    let temp = std::env::temp_dir().join(format!("junro-bench-kpi-{}.db", options.orders));
    let url = options.db.clone().unwrap_or_else(|| format!("sqlite:{}", temp.display()));
    let clock = Arc::new(VirtualClock::new(start_time()));
    let existing = {
        let engine = Engine::open_with(&url, engine_options(clock.clone())).await?;
        let n = engine.orders(&OrderFilter { limit: Some(u32::MAX), ..OrderFilter::default() }).await?.len();
        engine.close().await;
        n
    };
    let filled = Instant::now();
    if existing == 0 {
        eprintln!("filling {url} with {} orders (once; later runs reuse it)…", options.orders);
        fill(&url, &options.flows, options.orders).await?;
        eprintln!("filled in {:.1} s", filled.elapsed().as_secs_f64());
    }
    let config = KpiConfig { one_stop_target: Some(0.7), ..KpiConfig::default() };
    let (mut read, mut report_s, mut stalled_s, mut views_s, mut total) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut events, mut orders, mut rows) = (0, 0, 0);
    let mut first: Option<(f64, usize)> = None;
    let mut summarised_orders = 0;
    for run in 0..=options.runs.max(1) {
        let engine = Engine::open_with(&url, engine_options(clock.clone())).await?;
        let started = Instant::now();
        let data = engine.kpi_data(None).await?;
        if run == 0 {
            // The first report of a database stores its finished orders in the KPI summary
            // (when they are not there yet); it is reported on its own, not in the medians.
            let t = started.elapsed().as_secs_f64();
            let _ = data.stalled(&config);
            let _ = data.report(&KpiQuery::default(), &config).views();
            first = Some((t, data.summarised()));
            engine.close().await;
            continue;
        }
        let summarised = data.summarised();
        let t_read = started.elapsed().as_secs_f64();
        let report = data.report(&KpiQuery::default(), &config);
        let t_report = started.elapsed().as_secs_f64();
        let stalled = data.stalled(&config);
        let t_stalled = started.elapsed().as_secs_f64();
        let views = report.views();
        rows = views.iter().map(|v| v.rows.len()).sum::<usize>()
            + stalled.views().iter().map(|v| v.rows.len()).sum::<usize>();
        let t_views = started.elapsed().as_secs_f64();
        (events, orders) = (data.events(), data.orders());
        summarised_orders = summarised;
        read.push(t_read);
        report_s.push(t_report - t_read);
        stalled_s.push(t_stalled - t_report);
        views_s.push(t_views - t_stalled);
        total.push(t_views);
        engine.close().await;
    }
    let total_s = median(total);
    let (first_read_s, first_summarised) = first.unwrap_or_default();
    let result = json!({
        "orders": orders,
        "events": events,
        "first_run_read_and_order_figures_s": round3(first_read_s),
        "first_run_orders_from_summary": first_summarised,
        "orders_from_summary": summarised_orders,
        "read_and_order_figures_s": round3(median(read)),
        "aggregate_report_s": round3(median(report_s)),
        "stalled_list_s": round3(median(stalled_s)),
        "views_s": round3(median(views_s)),
        "total_s": round3(total_s),
        "events_per_s": (events as f64 / total_s).round(),
        "view_rows": rows,
        "runs": options.runs.max(1),
    });
    let mut out = std::io::stdout().lock();
    if options.json {
        writeln!(out, "{result}")?;
    } else {
        writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
