//! `junro migrate <flow> --to <version>`: moves the open orders of a flow (or the ones named)
//! to another deployed version, or with `--dry-run` says for each whether it would move.

use super::admin::DbArg;
use clap::Args;
use junro_engine::machine::Actor;
use std::io::Write as _;
use std::process::ExitCode;

/// `junro migrate`.
#[derive(Args)]
pub(crate) struct MigrateArgs {
    /// The flow.
    flow: String,
    /// The version to move to.
    #[arg(long)]
    to: u32,
    /// Only these orders (ids or business keys, comma-separated); default every open one.
    #[arg(long, value_delimiter = ',')]
    orders: Option<Vec<String>>,
    /// Only say what would happen.
    #[arg(long)]
    dry_run: bool,
    /// Business calendars (YAML) the flows name; default `examples/calendars.yaml` when it exists.
    #[arg(long, env = "JUNRO_CALENDARS")]
    calendars: Option<std::path::PathBuf>,
}

pub(crate) fn migrate(db: DbArg, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        super::orders::ensure_exists(&db.db)?;
        let engine = super::kpi::open_with_calendars(&db.db, args.calendars.as_deref()).await?;
        let actor = Actor { admin: true, ..Actor::person(&whoami(), &[], None) };
        let verdicts = engine.migrate(&args.flow, args.to, args.orders.as_deref(), args.dry_run, &actor).await?;
        let mut out = std::io::stdout().lock();
        let (mut moving, mut staying) = (0, 0);
        for v in &verdicts {
            match &v.blocked {
                None => {
                    moving += 1;
                    let verb = if args.dry_run { "moves" } else { "moved" };
                    writeln!(out, "{}: {verb} from version {} to {}", v.order, v.from, args.to)?;
                }
                Some(why) => {
                    staying += 1;
                    writeln!(out, "{}: cannot move: {why}", v.order)?;
                }
            }
        }
        let verb = if args.dry_run { "would move" } else { "moved" };
        writeln!(out, "{moving} {verb}, {staying} cannot move")?;
        Ok(if staying == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

/// Who runs the command, for the orders' histories.
fn whoami() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).map_or_else(|_| "cli".into(), |u| format!("cli:{u}"))
}
