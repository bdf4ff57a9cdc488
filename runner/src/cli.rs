//! Command-line arguments and the commands they run.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

mod admin;
mod backtest;
mod bench;
mod bench_engine;
mod bench_http;
mod bench_kpi;
mod bench_lsp;
mod bench_pages;
mod bench_queue;
mod bench_rules;
mod check;
mod demo;
mod deputies;
mod export;
mod fmt;
mod graph;
mod kpi;
mod migrate;
mod orders;
mod serve;
mod signals;
mod test;

#[derive(Parser)]
#[command(name = "junro", version, about = "Junro: order flows for back offices — check, draw, format and run them")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check flow files and folders; print diagnostics and a summary; exit 1 on any error.
    Check {
        /// Files or folders (searched recursively for `.flow` files).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Draw a flow as a diagram.
    Graph {
        /// The `.flow` file.
        file: PathBuf,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Which flow of the file, when it holds several.
        #[arg(long)]
        flow: Option<String>,
    },
    /// Rewrite flow files in the canonical layout, keeping comments.
    Fmt {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Do not write; exit 1 when a file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Serve the Language Server Protocol on stdin and stdout for an editor: live diagnostics,
    /// formatting, outline, go to definition, hover and completion in `.flow` files.
    Lsp,
    /// Run the scenarios written next to flows (each on an in-memory database, virtual clock).
    Test {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only scenarios whose `flow::title` contains this text.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Simulate a month of orders on a virtual clock into `junro-demo.db` and print a summary.
    Demo(demo::DemoArgs),
    /// List orders in a database (by default the demo's), newest first.
    Orders(orders::ListArgs),
    /// Show one order: its status, subflows and history, decisions explained.
    Order(orders::ShowArgs),
    /// Write the event log of a database's orders for process mining (XES, OCEL 2.0, CSV).
    Export(export::ExportArgs),
    /// KPIs of a database's orders: lead time, bottlenecks, one-stop rate per vendor, SLA —
    /// as a table, CSV, JSON, XLSX or an HTML page with charts.
    Kpi(kpi::KpiArgs),
    /// The reminder list: stalled orders, and tasks overdue or at risk.
    Stalled(kpi::StalledArgs),
    /// Re-evaluate a changed rule or table over the recorded decisions; show the one-stop change.
    Backtest(backtest::BacktestArgs),
    /// Run the service: the HTTP API people and systems work through, with the worker beside it.
    Serve(serve::ServeArgs),
    /// Deploy flows into a database (a changed flow becomes a new version).
    Deploy(serve::DeployArgs),
    /// Manage the service's users.
    Users {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(subcommand)]
        command: admin::UsersCommand,
    },
    /// Manage API tokens.
    Tokens {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(subcommand)]
        command: admin::TokensCommand,
    },
    /// Name, end and list deputies (代理): who works whose tasks, for a period.
    Deputies {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(subcommand)]
        command: deputies::DeputiesCommand,
    },
    /// Read the audit trail: sign-ins, changes, exports, administrators' actions.
    Audit {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(flatten)]
        args: admin::AuditArgs,
    },
    /// Move the open orders of a flow to another deployed version (or say which would move).
    Migrate {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(flatten)]
        args: migrate::MigrateArgs,
    },
    /// The signals no order took: kept too long, left when their order ended, or addressed to
    /// no order.
    LostSignals {
        #[command(flatten)]
        db: admin::DbArg,
        #[command(flatten)]
        args: signals::LostSignalsArgs,
    },
    /// Benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

/// How `junro check` prints.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum CheckFormat {
    /// `path:line:col: error[CODE]: message` with the source line.
    Text,
    /// One JSON object, for tools.
    Json,
}

/// How `junro graph` draws.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum GraphFormat {
    /// Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// Parses the command line and runs the command; the exit code says how it went.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { paths, format } => check::run(&paths, format),
        Command::Graph { file, format, flow } => graph::run(&file, format, flow.as_deref()),
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Lsp => crate::lsp::run_stdio().map(|()| ExitCode::SUCCESS).map_err(anyhow::Error::from),
        Command::Test { paths, filter } => test::run(&paths, filter.as_deref()),
        Command::Bench { what } => bench::run(what),
        Command::Demo(args) => demo::run(args),
        Command::Orders(args) => orders::list(args),
        Command::Order(args) => orders::show(args),
        Command::Export(args) => export::run(args),
        Command::Kpi(args) => kpi::run_kpi(args),
        Command::Stalled(args) => kpi::run_stalled(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Deploy(args) => serve::deploy(args),
        Command::Users { db, command } => admin::users(db, command),
        Command::Tokens { db, command } => admin::tokens(db, command),
        Command::Deputies { db, command } => deputies::deputies(db, command),
        Command::Audit { db, args } => admin::audit(db, args),
        Command::LostSignals { db, args } => signals::lost_signals(db, args),
        Command::Migrate { db, args } => migrate::migrate(db, args),
    };
    match result {
        Ok(code) => code,
        // Output piped into a program that stopped reading (`junro check … | head`): not an error.
        // The I/O error may be the cause of a library's error (an export's writer).
        Err(error)
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", error_text(&error));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each cause only once: library errors often repeat their
/// cause's text in their own message.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}
