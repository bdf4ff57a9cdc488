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
use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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
    /// Drivers running waves at once, like concurrent clients (each has its own orders).
    #[arg(long, default_value_t = 1)]
    drivers: usize,
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

/// What one driver measured.
#[derive(Default)]
struct Stats {
    commits: usize,
    transitions: usize,
    latencies: Vec<Duration>,
}

/// One driver: its own orders, wave after wave. Several drivers run at once, as several clients
/// of a service would, so one driver's commit overlaps another's planning.
struct Driver {
    engine: Arc<Engine>,
    stats: Stats,
}

impl Driver {
    /// Applies one batch; each of its commands waited for the batch's commit.
    async fn batch(&mut self, items: Vec<BatchItem>) -> anyhow::Result<Vec<Option<String>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let started = Instant::now();
        let n = items.len();
        let results = self.engine.apply_batch(items).await;
        let elapsed = started.elapsed();
        self.stats.commits += 1;
        self.stats.transitions += n;
        self.stats.latencies.extend(std::iter::repeat_n(elapsed, n));
        results.into_iter().map(|r| r.map_err(anyhow::Error::from)).collect()
    }

    /// Completes the open tasks of `role` at `step` of this driver's `orders` (the queue as a
    /// team would work it); returns how many.
    async fn work(
        &mut self,
        actor: &Actor,
        step: &str,
        orders: &HashSet<String>,
        form: &junro_engine::script::Data,
    ) -> anyhow::Result<usize> {
        let filter = TaskFilter {
            roles: Some(actor.roles.clone()),
            step: Some(step.to_string()),
            limit: Some(1_000_000),
            ..TaskFilter::default()
        };
        let tasks = self.engine.tasks(&filter).await?;
        let items: Vec<BatchItem> = tasks
            .into_iter()
            .filter(|t| orders.contains(&t.order))
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

    /// The worker: runs due provisioning jobs, one group commit per claim of up to 1,000, until
    /// none is left; returns how many it handled and in how many commits.
    async fn provision(engine: &Engine) -> anyhow::Result<(usize, usize)> {
        let (mut total, mut commits) = (0, 0);
        loop {
            let handled = engine.run_due().await?;
            if handled == 0 {
                return Ok((total, commits));
            }
            total += handled;
            commits += 1;
        }
    }

    /// Runs orders `first..first + count` in waves of `wave_size`.
    async fn drive(mut self, first: usize, count: usize, wave_size: usize) -> anyhow::Result<Stats> {
        let operator = Actor::person("operator-1", &["operator"], Some("vendor_a"));
        let reviewer = Actor::person("reviewer-1", &["reviewer"], None);
        let mut done = 0;
        while done < count {
            let wave = wave_size.min(count - done);
            let starts = (first + done..first + done + wave)
                .map(|n| {
                    // Houses need construction (review); apartments with a line are provisioned at once.
                    let house = n % 2 == 0;
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
            let orders: HashSet<String> = self.batch(starts).await?.into_iter().flatten().collect();
            self.work(&operator, "intake", &orders, &data(json!({}))).await?;
            let mut confirmed = 0;
            while confirmed < wave {
                // Another driver's worker may hold some of this wave's jobs: wait for it.
                // The worker runs the automatic steps while the reviewers work, as it would beside
                // a team: the two touch different orders.
                let engine = self.engine.clone();
                let review_form = data(json!({ "review_note": "工事日程調整済" }));
                let (provisioned, reviewed) =
                    tokio::join!(Self::provision(&engine), self.work(&reviewer, "review", &orders, &review_form));
                let (provisioned, commits) = provisioned?;
                self.stats.commits += commits;
                self.stats.transitions += provisioned;
                let progress = provisioned + reviewed?;
                let finished = self.work(&operator, "confirm", &orders, &data(json!({}))).await?;
                confirmed += finished;
                if progress + finished == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            done += wave;
        }
        Ok(self.stats)
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
    let engine = Arc::new(
        Engine::open_with(&url, EngineOptions { durability, ..EngineOptions::default() })
            .await
            .with_context(|| format!("opening {url}"))?,
    );
    engine.deploy(&[&options.flows], None).await.context("deploying the bench flow")?;
    engine.register_action("provision_line", |request: ActionRequest| async move {
        Ok(json!({ "line_id": format!("L-{}", request.idempotency_key) }).as_object().cloned().unwrap_or_default())
    });
    let drivers = options.drivers.clamp(1, options.orders.max(1));
    let started = Instant::now();
    // Each driver is a task of its own, so one driver's planning never delays another's commit.
    let runs = (0..drivers).map(|d| {
        let (first, end) = (options.orders * d / drivers, options.orders * (d + 1) / drivers);
        let driver = Driver { engine: engine.clone(), stats: Stats::default() };
        tokio::spawn(driver.drive(first, end - first, options.batch))
    });
    let mut stats = Stats::default();
    for result in futures_util::future::join_all(runs).await {
        let s = result??;
        stats.commits += s.commits;
        stats.transitions += s.transitions;
        stats.latencies.extend(s.latencies);
    }
    let seconds = started.elapsed().as_secs_f64();
    let open = engine
        .orders(&junro_engine::store::OrderFilter {
            status: Some("open".into()),
            limit: Some(10),
            ..Default::default()
        })
        .await?;
    anyhow::ensure!(open.is_empty(), "{} orders did not finish: {:?}", open.len(), open.first());
    let mut latencies = stats.latencies;
    latencies.sort();
    let (commits, transitions) = (stats.commits, stats.transitions);
    // Closing the engine checkpoints SQLite's write-ahead log into the database file.
    if let Some(engine) = Arc::into_inner(engine) {
        engine.close().await;
    }
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
        // Only measured for the bench's own SQLite file.
        "bytes_per_order": (db_bytes > 0).then(|| db_bytes / options.orders.max(1) as u64),
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
