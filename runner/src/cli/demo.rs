//! `junro demo`: simulates a month of orders on a virtual clock into a SQLite file and prints a
//! short summary (the simulation lives in `crate::demo`).

use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `junro demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Database URL (default: a fresh `junro-demo.db` in the current folder; a database given
    /// here must hold no orders).
    #[arg(long)]
    db: Option<String>,
    /// The flows to deploy.
    #[arg(long, default_value = "examples/flows")]
    flows: PathBuf,
    /// Business calendars (YAML) for the flows' SLAs and the staff's working days (default:
    /// `calendars.yaml` beside the flows folder, when there is one).
    #[arg(long)]
    calendars: Option<PathBuf>,
    /// Simulated calendar days, from Monday 2026-11-02.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Seed of the random choices: the same seed gives the same month.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print `started <business_key> <order_id>` for each order as soon as it is stored.
    #[arg(long)]
    print_started: bool,
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let options = crate::demo::Options {
        db: args.db,
        flows: args.flows,
        calendars: args.calendars,
        days: args.days,
        seed: args.seed,
        quiet: args.quiet,
        print_started: args.print_started,
    };
    crate::demo::run(&options, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}
