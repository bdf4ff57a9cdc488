//! `junro bench queue`: take-next in a deep queue. A fresh database gets `--open` open tasks
//! (due in a day, the oldest `--held` of them on orders put on hold, so that they stand at the
//! head of the queue and must be passed over); then operators take tasks one after another, alone
//! and several at once. Each take is the whole engine call: finding the most urgent takeable
//! task and committing its claim (SQLite with full durability).

use anyhow::Context as _;
use junro_engine::machine::{Actor, Command};
use junro_engine::{BatchItem, Engine, StartOrder};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub(super) const FLOW: &str = r#"lane front "フロント" front
role operator "オペレーター"

flow bench_queue "キューベンチ" {
  start -> work

  task work "受付作業" {
    lane front
    role operator
    vendor any
    sla 1d
    -> done
  }

  end done "完了" completed
}
"#;

/// Options of `junro bench queue`.
#[derive(clap::Args)]
pub(crate) struct QueueBench {
    /// Open tasks in the queue.
    #[arg(long, default_value_t = 100_000)]
    open: u64,
    /// Of them, the oldest this many belong to orders on hold.
    #[arg(long, default_value_t = 10_000)]
    held: u64,
    /// Takes timed per run.
    #[arg(long, default_value_t = 2_000)]
    takes: usize,
    /// Operators taking at once, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,16")]
    concurrency: Vec<usize>,
    /// The database (default: a fresh SQLite file in the temporary folder).
    #[arg(long)]
    db: Option<String>,
}

pub(crate) fn run(options: QueueBench) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(bench(options))
}

async fn bench(options: QueueBench) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let path = std::env::temp_dir().join(format!("junro-bench-queue-{}.db", std::process::id()));
    let url = options.db.clone().unwrap_or_else(|| format!("sqlite:{}", path.display()));
    let engine = Arc::new(Engine::open(&url).await.with_context(|| format!("opening {url}"))?);
    engine.deploy_files(&[("bench_queue.flow".to_string(), FLOW.as_bytes().to_vec())], None).await?;
    let started = Instant::now();
    let mut held = Vec::new();
    for chunk in 0..options.open.div_ceil(1000) {
        let n = (options.open - chunk * 1000).min(1000);
        let items =
            (0..n).map(|_| BatchItem::Start { flow: "bench_queue".into(), order: StartOrder::default() }).collect();
        for (i, result) in engine.apply_batch(items).await.into_iter().enumerate() {
            let id = result?.context("a start gives the order's id")?;
            if chunk * 1000 + (i as u64) < options.held {
                held.push(id);
            }
        }
    }
    for ids in held.chunks(1000) {
        let holds = ids
            .iter()
            .map(|order| BatchItem::Apply {
                order: order.clone(),
                actor: Actor::system(),
                command: Command::Hold { reason: "ベンチ".into() },
            })
            .collect();
        for result in engine.apply_batch(holds).await {
            result?;
        }
    }
    if url.starts_with("postgres") {
        // As autovacuum would shortly after a bulk load.
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("ANALYZE").execute(&pool).await?;
        pool.close().await;
    }
    writeln!(
        out,
        "{} open tasks ({} of held orders, at the head of the queue) made in {:.1} s; database {url}",
        options.open,
        options.held,
        started.elapsed().as_secs_f64()
    )?;
    writeln!(
        out,
        "{:>11} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "operators", "takes", "takes/s", "p50 ms", "p99 ms", "max ms"
    )?;
    for &operators in &options.concurrency {
        let operators = operators.max(1);
        let per = options.takes.div_ceil(operators);
        let t0 = Instant::now();
        let runs: Vec<_> = (0..operators)
            .map(|n| {
                let engine = engine.clone();
                tokio::spawn(async move {
                    let actor = Actor::person(&format!("queue-op-{n}"), &["operator"], None);
                    let mut times = Vec::with_capacity(per);
                    for _ in 0..per {
                        let sent = Instant::now();
                        let taken = engine.take_next(&actor).await?;
                        times.push(sent.elapsed().as_micros() as u64);
                        anyhow::ensure!(taken.is_some(), "the queue ran dry");
                    }
                    Ok::<_, anyhow::Error>(times)
                })
            })
            .collect();
        let mut times = Vec::new();
        for run in runs {
            times.extend(run.await??);
        }
        let elapsed = t0.elapsed().as_secs_f64();
        times.sort_unstable();
        let q = |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1] as f64 / 1000.0;
        writeln!(
            out,
            "{operators:>11} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>8.2}",
            times.len(),
            times.len() as f64 / elapsed,
            q(0.5),
            q(0.99),
            q(1.0)
        )?;
    }
    if options.db.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
