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
    /// Then serve the staff's pages and the API on the month's orders, with demo users (an
    /// operator of each vendor, a vendor supervisor, the back office, a manager, an
    /// administrator), until Ctrl-C.
    #[arg(long)]
    serve: bool,
    /// Where `--serve` listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
}

/// A demo person who may sign in: id, name, roles, vendor, flags.
type DemoUser = (&'static str, &'static str, &'static [&'static str], Option<&'static str>, &'static [&'static str]);

/// The demo's people who may sign in. Their ids are those the simulation worked under, so each
/// finds the month's work of their kind.
const DEMO_USERS: &[DemoUser] = &[
    ("op-a01", "山田 花子 (A社)", &["operator"], Some("vendor_a"), &[]),
    ("op-b01", "佐藤 次郎 (B社)", &["operator"], Some("vendor_b"), &[]),
    ("op-c01", "鈴木 三郎 (C社)", &["operator"], Some("vendor_c"), &[]),
    ("sv-a01", "高橋 美咲 (A社SV)", &["operator"], Some("vendor_a"), &["supervisor"]),
    ("bo-reviewer1", "伊藤 健 (審査)", &["reviewer"], None, &[]),
    ("bo-credit1", "渡辺 恵 (与信)", &["credit_officer"], None, &[]),
    ("bo-manager1", "中村 聡 (業務部長)", &["manager", "supervisor"], None, &["manager", "supervisor"]),
    ("admin", "管理者", &[], None, &["admin"]),
];

/// A demo user's password: printed, never for production.
fn demo_password(id: &str) -> String {
    format!("{id}-demo")
}

fn serve(options: &crate::demo::Options, url: &str, listen: &str) -> anyhow::Result<()> {
    use crate::serve::auth::users::NewUser;
    use anyhow::Context as _;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let config = crate::serve::config::ServeConfig {
            listen: listen.to_string(),
            database: url.to_string(),
            flows: None,
            calendars: crate::demo::calendars_file(options),
            ..crate::serve::config::ServeConfig::default()
        };
        let (state, _) = crate::serve::open::open(config).await?;
        crate::demo::register_actions(&state.engine, options.seed);
        let now = state.engine.now();
        println!();
        println!("Demo users (password = id + \"-demo\"; for trying out only):");
        for (id, name, roles, vendor, flags) in DEMO_USERS {
            let new = NewUser {
                id: (*id).to_string(),
                display_name: Some((*name).to_string()),
                roles: roles.iter().map(|r| (*r).to_string()).collect(),
                vendor: vendor.map(str::to_string),
                supervisor: flags.contains(&"supervisor"),
                manager: flags.contains(&"manager"),
                admin: flags.contains(&"admin"),
                password: Some(demo_password(id)),
                // Mail goes nowhere unless the settings name a mail server (a local sink, say).
                email: Some(format!("{id}@demo.junro.example")),
            };
            if state.db.user(id).await?.is_none() {
                state.db.add_user(&new, now).await.with_context(|| format!("adding demo user {id}"))?;
            }
            let scope = vendor.unwrap_or("in-house");
            let what = if flags.contains(&"admin") { "administrator".to_string() } else { roles.join(", ") };
            println!("  {id:<13} {:<18} {name} — {what}, {scope}", demo_password(id));
        }
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        println!();
        println!("Open http://{listen}/ and sign in as one of them (Ctrl-C stops).");
        crate::serve::run(listener, state, super::serve::shutdown_signal()).await?;
        Ok(())
    })
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
    let url = crate::demo::run(&options, &mut std::io::stdout().lock())?;
    if args.serve {
        serve(&options, &url, &args.listen)?;
    }
    Ok(ExitCode::SUCCESS)
}
