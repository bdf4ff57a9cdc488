//! `junro bench`: benchmarks that print figures (never timed tests).

use anyhow::Context as _;
use junro_engine::source;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// What to measure.
#[derive(clap::Subcommand)]
pub(crate) enum BenchCommand {
    /// Read, parse and check a folder of flows (by default the catalogue) repeatedly.
    Dsl {
        /// Files or folders to check.
        #[arg(default_value = "examples/flows")]
        paths: Vec<PathBuf>,
        /// How many timed runs (after one warm-up run); the median is reported.
        #[arg(long, default_value_t = 15)]
        runs: usize,
    },
    /// Run N orders of the standard bench flow durably and print throughput and latency.
    Engine(super::bench_engine::EngineBench),
    /// Evaluate a typical rule and a 20-row decision table against varied orders, on one core.
    Rules(super::bench_rules::RulesBench),
    /// Compute the full KPI report over a large history (filled once, then reused).
    Kpi(super::bench_kpi::KpiBench),
    /// Operators taking and completing tasks over HTTP against the service, on loopback.
    Http(super::bench_http::HttpBench),
    /// Take-next in a deep queue (100,000 open tasks, the oldest on held orders), alone and at once.
    Queue(super::bench_queue::QueueBench),
    /// The server time of the staff's pages with a deep queue (10,000 open tasks).
    Pages(super::bench_pages::PagesBench),
    /// The language server: an edit until its diagnostics, hover, completion, references and
    /// rename across the catalogue.
    Lsp(super::bench_lsp::LspBench),
}

pub(crate) fn run(what: BenchCommand) -> anyhow::Result<ExitCode> {
    match what {
        BenchCommand::Dsl { paths, runs } => dsl(&paths, runs.max(1)),
        BenchCommand::Engine(options) => super::bench_engine::run(options),
        BenchCommand::Rules(options) => super::bench_rules::run(options),
        BenchCommand::Kpi(options) => super::bench_kpi::run(options),
        BenchCommand::Http(options) => super::bench_http::run(options),
        BenchCommand::Queue(options) => super::bench_queue::run(options),
        BenchCommand::Pages(options) => super::bench_pages::run(options),
        BenchCommand::Lsp(options) => super::bench_lsp::run(options),
    }
}

/// Times the whole of `junro check` (reading files included) and, separately, parsing and
/// checking sources already in memory.
fn dsl(paths: &[PathBuf], runs: usize) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let warm = source::load(paths).context("reading flows")?;
    let sources: Vec<(String, Vec<u8>)> =
        warm.program.files().map(|f| (f.path.clone(), f.text.clone().into_bytes())).collect();
    let bytes: usize = sources.iter().map(|(_, b)| b.len()).sum();
    let report = warm.program.check();
    let mut with_io = Vec::new();
    let mut in_memory = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let loaded = source::load(paths)?;
        let report = loaded.program.check();
        std::hint::black_box(report.errors());
        with_io.push(started.elapsed());

        let started = Instant::now();
        let mut program = junro_engine::dsl::Program::new();
        program.add_all(&sources);
        std::hint::black_box(program.check().errors());
        in_memory.push(started.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let io = median(&mut with_io);
    let mem = median(&mut in_memory);
    let files = sources.len();
    let mb = bytes as f64 / 1_000_000.0;
    writeln!(
        out,
        "catalogue: {} files ({} flows), {:.2} MB; {} errors, {} warnings",
        files,
        report.flows(),
        mb,
        report.errors(),
        report.warnings()
    )?;
    writeln!(out, "median of {runs} runs, release build recommended (cargo run --release -p junro -- bench dsl)")?;
    for (name, d) in [("read + parse + check", io), ("parse + check (in memory)", mem)] {
        let s = d.as_secs_f64();
        writeln!(out, "{name:<28} {:>8.2} ms  {:>9.0} files/s  {:>7.2} MB/s", s * 1000.0, files as f64 / s, mb / s)?;
    }
    Ok(ExitCode::SUCCESS)
}
