//! `junro bench engine`: runs N orders of `examples/flows/bench/standard_order.flow` with full
//! durability, as a driver would: orders arrive in waves, operators and reviewers take their
//! tasks from the queue, a worker runs the provisioning action. Every wave's commands are applied
//! with one group commit per step. Half of the orders need construction (back-office review), half
//! are provisioned automatically.

use anyhow::Context as _;
use junro_engine::machine::{Actor, Command};
use junro_engine::store::{Durability, TaskFilter};
use junro_engine::{ActionRequest, BatchItem, Engine, EngineOptions, StartOrder};
use serde_json::json;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Options of `junro bench engine`.
#[derive(clap::Args)]
pub(crate) struct EngineBench {
    /// How many orders.
    #[arg(long, default_value_t = 10_000)]
    orders: usize,
    /// Database URL (default: a fresh SQLite file in the temp folder).
    #[arg(long)]
    db: Option<String>,
    /// SQLite durability: `full` (survives power loss; the default) or `normal`.
    #[arg(long, default_value = "full")]
    sync: String,
    /// Orders in flight per wave (one group commit per step of a wave).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// The flows folder holding `standard_order`.
    #[arg(long, default_value = "examples/flows/bench")]
    flows: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

fn data(v: serde_json::Value) -> junro_engine::script::Data {
    v.as_object().cloned().unwrap_or_default()
}

/// Peak resident memory of this process, in MB (Linux; 0 elsewhere).
fn max_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
}

struct Run {
    engine: Engine,
    commits: usize,
    transitions: usize,
    latencies: Vec<Duration>,
}

impl Run {
    /// Applies one batch; each of its commands waited for the batch's commit.
    async fn batch(&mut self, items: Vec<BatchItem>) -> anyhow::Result<Vec<Option<String>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let started = Instant::now();
        let n = items.len();
        let results = self.engine.apply_batch(items).await;
        let elapsed = started.elapsed();
        self.commits += 1;
        self.transitions += n;
        self.latencies.extend(std::iter::repeat_n(elapsed, n));
        results.into_iter().map(|r| r.map_err(anyhow::Error::from)).collect()
    }

    /// Completes every open task of `role` at `step` (the queue as a team would work it).
    async fn work(&mut self, actor: &Actor, step: &str, form: &junro_engine::script::Data) -> anyhow::Result<usize> {
        let filter = TaskFilter { roles: Some(actor.roles.clone()), limit: Some(1_000_000), ..TaskFilter::default() };
        let tasks = self.engine.tasks(&filter).await?;
        let items: Vec<BatchItem> = tasks
            .into_iter()
            .filter(|t| t.step == step)
            .map(|t| BatchItem::Apply {
                order: t.order,
                actor: actor.clone(),
                command: Command::Complete { task: t.instance, outcome: None, data: form.clone() },
            })
            .collect();
        let n = items.len();
        self.batch(items).await?;
        Ok(n)
    }
}

pub(crate) fn run(options: EngineBench) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(bench(options))
}

async fn bench(options: EngineBench) -> anyhow::Result<ExitCode> {
    let durability = match options.sync.as_str() {
        "full" => Durability::Full,
        "normal" => Durability::Normal,
        other => anyhow::bail!("--sync must be `full` or `normal`, not `{other}`"),
    };
    let temp = std::env::temp_dir().join(format!("junro-bench-{}.db", std::process::id()));
    let url = options.db.clone().unwrap_or_else(|| format!("sqlite:{}", temp.display()));
    let engine = Engine::open_with(&url, EngineOptions { durability, ..EngineOptions::default() })
        .await
        .with_context(|| format!("opening {url}"))?;
    engine.deploy(&[&options.flows], None).await.context("deploying the bench flow")?;
    engine.register_action("provision_line", |request: ActionRequest| async move {
        Ok(json!({ "line_id": format!("L-{}", request.idempotency_key) }).as_object().cloned().unwrap_or_default())
    });
    let operator = Actor::person("operator-1", &["operator"], Some("vendor_a"));
    let reviewer = Actor::person("reviewer-1", &["reviewer"], None);
    let mut run = Run { engine, commits: 0, transitions: 0, latencies: Vec::new() };
    let started = Instant::now();
    let mut done = 0;
    while done < options.orders {
        let wave = options.batch.min(options.orders - done);
        let starts = (0..wave)
            .map(|i| {
                // Houses need construction (review); apartments with a line are provisioned at once.
                let house = (done + i) % 2 == 0;
                let order = StartOrder {
                    data: data(json!({
                        "customer_name": "山田太郎",
                        "building_type": if house { "house" } else { "apartment" },
                        "has_existing_line": !house,
                    })),
                    ..StartOrder::default()
                };
                BatchItem::Start { flow: "standard_order".into(), order }
            })
            .collect();
        run.batch(starts).await?;
        run.work(&operator, "intake", &data(json!({}))).await?;
        // The worker: provisioning jobs of this wave, one group commit per claim of up to 1,000.
        loop {
            let handled = run.engine.run_due().await?;
            if handled == 0 {
                break;
            }
            run.commits += 1;
            run.transitions += handled;
        }
        run.work(&reviewer, "review", &data(json!({ "review_note": "工事日程調整済" }))).await?;
        run.work(&operator, "confirm", &data(json!({}))).await?;
        done += wave;
    }
    let seconds = started.elapsed().as_secs_f64();
    let open = run
        .engine
        .orders(&junro_engine::store::OrderFilter {
            status: Some("open".into()),
            limit: Some(10),
            ..Default::default()
        })
        .await?;
    anyhow::ensure!(open.is_empty(), "{} orders did not finish: {:?}", open.len(), open.first());
    let mut latencies = run.latencies.clone();
    latencies.sort();
    let (commits, transitions) = (run.commits, run.transitions);
    // Closing the engine checkpoints SQLite's write-ahead log into the database file.
    run.engine.close().await;
    let db_bytes = if options.db.is_none() {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", temp.display())).ok())
            .map(|m| m.len())
            .sum::<u64>()
    } else {
        0
    };
    let report = json!({
        "orders": options.orders,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "orders_per_s": (options.orders as f64 / seconds).round(),
        "transitions_per_s": (transitions as f64 / seconds).round(),
        "commits": commits,
        "p50_ms": (percentile(&latencies, 50.0) * 100.0).round() / 100.0,
        "p99_ms": (percentile(&latencies, 99.0) * 100.0).round() / 100.0,
        "max_rss_mb": (max_rss_mb() * 10.0).round() / 10.0,
        "db": if url.starts_with("sqlite:") { "sqlite" } else { "postgres" },
        "sync": options.sync,
        "bytes_per_order": if db_bytes > 0 { (db_bytes / options.orders.max(1) as u64) as i64 } else { -1 },
    });
    let mut out = std::io::stdout().lock();
    if options.json {
        writeln!(out, "{report}")?;
    } else {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    }
    if options.db.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", temp.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
