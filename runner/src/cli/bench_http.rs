//! `junro bench http`: operators on loopback take the next task and complete it, against
//! `junro serve` on a fresh SQLite file with full durability, in this process (load generator
//! included, as on a real two-core server). Open loop at constant rates: each pair is scheduled
//! at its moment whether or not earlier ones have answered, and take-next's latency counts from
//! that moment (no coordinated omission). Then a closed loop of many operators finds saturation.

use crate::serve::auth::users::NewUser;
use crate::serve::db::Pool;
use crate::serve::{self, AppState, ServeConfig};
use anyhow::Context as _;
use junro_engine::{BatchItem, Engine, StartOrder};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The bench's flow: one front task, then the end.
const FLOW: &str = r#"lane front "フロント" front
role operator "オペレーター"

flow bench_http "HTTPベンチ(受付のみ)" {
  data {
    note "メモ" text
  }

  start -> work

  task work "受付作業" {
    lane front
    role operator
    vendor any
    edit note
    -> done
  }

  end done "完了" completed
}
"#;

/// Options of `junro bench http`.
#[derive(clap::Args)]
pub(crate) struct HttpBench {
    /// Pairs (take-next, then complete) per second offered, open loop; one run per rate.
    #[arg(long, value_delimiter = ',', default_value = "500,1000")]
    rates: Vec<u32>,
    /// Seconds each rate runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Operators (each with a token of their own).
    #[arg(long, default_value_t = 50)]
    operators: usize,
    /// Concurrent operators of the closed-loop saturation run (0: none).
    #[arg(long, default_value_t = 64)]
    saturation_clients: usize,
    /// Seconds of the saturation run.
    #[arg(long, default_value_t = 10)]
    saturation_seconds: u64,
    /// The database (default: a fresh SQLite file in the temporary folder).
    #[arg(long)]
    db: Option<String>,
    /// Services sharing the database, each with its own engine, pools and port, as separate
    /// `junro serve` processes on one PostgreSQL would; operators alternate between them.
    #[arg(long, default_value_t = 1)]
    servers: usize,
}

/// One call's latencies in microseconds.
#[derive(Default)]
struct Latencies(Vec<u64>);

impl Latencies {
    fn quantile(&mut self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.sort_unstable();
        let rank = ((q * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1] as f64 / 1000.0
    }
}

struct Bench {
    http: reqwest::Client,
    bases: Vec<String>,
    tokens: Vec<String>,
}

enum Pair {
    Done { next_us: u64, complete_us: u64 },
    Empty,
    Failed(String),
}

impl Bench {
    /// Takes the next task as operator `who` and completes it; take-next's latency counts from
    /// `intended`.
    async fn pair(&self, who: usize, intended: Instant) -> Pair {
        let token = &self.tokens[who % self.tokens.len()];
        let base = &self.bases[who % self.bases.len()];
        let next = self.http.post(format!("{base}/api/v1/tasks/next")).bearer_auth(token).send().await;
        let task: serde_json::Value = match next {
            Ok(r) if r.status().as_u16() == 200 => match r.json().await {
                Ok(v) => v,
                Err(e) => return Pair::Failed(e.to_string()),
            },
            Ok(r) if r.status().as_u16() == 204 => return Pair::Empty,
            Ok(r) => {
                return Pair::Failed(format!(
                    "take-next answered {}: {}",
                    r.status(),
                    r.text().await.unwrap_or_default()
                ));
            }
            Err(e) => return Pair::Failed(e.to_string()),
        };
        let next_us = intended.elapsed().as_micros() as u64;
        let (order, instance) = (task["order"].as_str().unwrap_or_default(), task["instance"].as_u64().unwrap_or(0));
        let sent = Instant::now();
        let url = format!("{base}/api/v1/orders/{order}/tasks/{instance}/complete");
        let body = serde_json::json!({"data": {"note": "済"}});
        match self.http.post(url).bearer_auth(token).json(&body).send().await {
            Ok(r) if r.status().as_u16() == 204 => {
                Pair::Done { next_us, complete_us: sent.elapsed().as_micros() as u64 }
            }
            Ok(r) => Pair::Failed(format!("complete answered {}: {}", r.status(), r.text().await.unwrap_or_default())),
            Err(e) => Pair::Failed(e.to_string()),
        }
    }
}

pub(crate) fn run(options: HttpBench) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(bench(options))
}

async fn bench(options: HttpBench) -> anyhow::Result<ExitCode> {
    if std::env::var_os("JUNRO_LOG").is_some() {
        super::serve::init_logs(false);
    }
    let mut out = std::io::stdout().lock();
    let path = std::env::temp_dir().join(format!("junro-bench-http-{}.db", std::process::id()));
    let url = options.db.clone().unwrap_or_else(|| format!("sqlite:{}", path.display()));
    let engine = Engine::open(&url).await.with_context(|| format!("opening {url}"))?;
    engine.deploy_files(&[("bench_http.flow".to_string(), FLOW.as_bytes().to_vec())], None).await?;
    let open_loop: u64 = options.rates.iter().map(|r| u64::from(*r) * options.seconds).sum();
    // One more task per operator for the warm-up.
    let orders = options.operators.max(1) as u64
        + open_loop
        + (options.saturation_clients as u64 > 0) as u64 * 6_000 * options.saturation_seconds;
    let started = Instant::now();
    for chunk in 0..orders.div_ceil(1000) {
        let n = (orders - chunk * 1000).min(1000);
        let items =
            (0..n).map(|_| BatchItem::Start { flow: "bench_http".into(), order: StartOrder::default() }).collect();
        for result in engine.apply_batch(items).await {
            result?;
        }
    }
    if url.starts_with("postgres") {
        // After a bulk load, as PostgreSQL's autovacuum would within a minute: with statistics
        // of an empty table the planner sorts every open task for each take-next.
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("ANALYZE tasks").execute(&pool).await?;
        pool.close().await;
    }
    let durability = if url.starts_with("sqlite") { " (synchronous=FULL)" } else { "" };
    writeln!(out, "{orders} open tasks made in {:.1} s; database {url}{durability}", started.elapsed().as_secs_f64())?;
    let db = Pool::open(&url).await?;
    let now = engine.now();
    let mut tokens = Vec::new();
    for n in 0..options.operators.max(1) {
        let id = format!("bench-op-{n}");
        db.add_user(&NewUser { id: id.clone(), roles: vec!["operator".into()], ..NewUser::default() }, now).await?;
        tokens.push(db.create_token(&id, None, now).await?.1);
    }
    let mut engine = Some(engine);
    let (mut bases, mut servers, mut stops) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..options.servers.max(1) {
        // The first service uses the engine that made the tasks; the others open their own.
        let engine = match engine.take() {
            Some(engine) => engine,
            None => Engine::open(&url).await.with_context(|| format!("opening {url}"))?,
        };
        let db = Pool::open(&url).await?;
        let config = ServeConfig { database: url.clone(), flows: None, worker: false, ..ServeConfig::default() };
        let state = AppState::new(Arc::new(engine), db, config).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        bases.push(format!("http://{}", listener.local_addr()?));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        servers.push(tokio::spawn(serve::run(listener, state, async {
            let _ = stopped.await;
        })));
        stops.push(stop);
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    let bench = Arc::new(Bench { http, bases, tokens });
    // Warm up connections and caches.
    for who in 0..bench.tokens.len() {
        let _ = bench.pair(who, Instant::now()).await;
    }
    if bench.bases.len() > 1 {
        writeln!(out, "{} services on the database, operators alternating between them", bench.bases.len())?;
    }
    writeln!(out, "open loop (constant rate; take-next latency from its scheduled moment), ms:")?;
    writeln!(
        out,
        "{:>8} {:>9} {:>7} {:>27} {:>27}",
        "rate/s", "done/s", "errors", "take-next p50/p99/max", "complete p50/p99/max"
    )?;
    for &rate in &options.rates {
        let count = u64::from(rate) * options.seconds;
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
        let t0 = Instant::now();
        let mut calls = Vec::with_capacity(count as usize);
        for i in 0..count {
            let intended = t0 + interval.mul_f64(i as f64);
            tokio::time::sleep_until(intended.into()).await;
            let bench = bench.clone();
            calls.push(tokio::spawn(async move { bench.pair(i as usize, intended).await }));
        }
        let (mut next, mut complete, mut errors, mut empty) =
            (Latencies::default(), Latencies::default(), Vec::new(), 0);
        for call in calls {
            match call.await? {
                Pair::Done { next_us, complete_us } => {
                    next.0.push(next_us);
                    complete.0.push(complete_us);
                }
                Pair::Empty => empty += 1,
                Pair::Failed(e) => errors.push(e),
            }
        }
        let elapsed = t0.elapsed().as_secs_f64();
        writeln!(
            out,
            "{rate:>8} {:>9.0} {:>7} {:>9.2} {:>8.2} {:>8.2} {:>9.2} {:>8.2} {:>8.2}",
            next.0.len() as f64 / elapsed,
            errors.len() + empty,
            next.quantile(0.5),
            next.quantile(0.99),
            next.quantile(1.0),
            complete.quantile(0.5),
            complete.quantile(0.99),
            complete.quantile(1.0),
        )?;
        if let Some(e) = errors.first() {
            writeln!(out, "  first error: {e}")?;
        }
    }
    if options.saturation_clients > 0 {
        let groups_before = serve::ops::recorded("junro_commit_group_callers");
        let deadline = Instant::now() + Duration::from_secs(options.saturation_seconds);
        let t0 = Instant::now();
        let clients: Vec<_> = (0..options.saturation_clients)
            .map(|c| {
                let bench = bench.clone();
                tokio::spawn(async move {
                    let (mut done, mut failed) = (Vec::new(), None);
                    while Instant::now() < deadline {
                        match bench.pair(c, Instant::now()).await {
                            Pair::Done { next_us, complete_us } => done.push((next_us, complete_us)),
                            Pair::Empty => break,
                            Pair::Failed(e) => {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                    (done, failed)
                })
            })
            .collect();
        let (mut next, mut complete, mut failures) = (Latencies::default(), Latencies::default(), Vec::new());
        for client in clients {
            let (pairs, failed) = client.await?;
            for (next_us, complete_us) in pairs {
                next.0.push(next_us);
                complete.0.push(complete_us);
            }
            failures.extend(failed);
        }
        let done = next.0.len();
        let elapsed = t0.elapsed().as_secs_f64();
        writeln!(
            out,
            "saturation (closed loop, {} operators, {:.0} s): {:.0} pairs/s",
            options.saturation_clients,
            elapsed,
            done as f64 / elapsed
        )?;
        writeln!(
            out,
            "  take-next p50/p99/max {:.2} / {:.2} / {:.2} ms, complete {:.2} / {:.2} / {:.2} ms",
            next.quantile(0.5),
            next.quantile(0.99),
            next.quantile(1.0),
            complete.quantile(0.5),
            complete.quantile(0.99),
            complete.quantile(1.0),
        )?;
        let groups_after = serve::ops::recorded("junro_commit_group_callers");
        let (callers, groups) = (groups_after.0 - groups_before.0, groups_after.1 - groups_before.1);
        writeln!(
            out,
            "  {:.0} commit groups/s, {:.1} callers each on average",
            groups / elapsed,
            if groups > 0.0 { callers / groups } else { 0.0 }
        )?;
        if let Some(e) = failures.first() {
            writeln!(out, "  {} operators stopped on an error; the first: {e}", failures.len())?;
        }
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for server in servers {
        server.await??;
    }
    if options.db.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
