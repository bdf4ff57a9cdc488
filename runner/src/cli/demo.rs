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
    /// Tell people as the month goes (reminders, escalations, send-backs, incidents, the
    /// supervisors' daily digest): into their inboxes, and by mail to this SMTP server
    /// (`host:port`, plain SMTP; a local sink), at each simulated moment.
    #[arg(long, value_name = "HOST:PORT")]
    smtp: Option<String>,
    /// The sender of `--smtp`'s mails.
    #[arg(long, default_value = "Junro デモ <junro@demo.junro.example>")]
    mail_from: String,
}

fn serve(options: &crate::demo::Options, url: &str, listen: &str) -> anyhow::Result<()> {
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
        // Everyone simulated is a user (made by the month when it told people, else here);
        // mail goes nowhere unless the settings name a mail server (a local sink, say).
        crate::demo::accounts::add_missing(&state.db, now).await?;
        for (id, name) in crate::demo::accounts::LISTED {
            let Some(user) = state.db.user(id).await? else { continue };
            let scope = user.vendor.as_deref().unwrap_or("in-house");
            let what = if user.admin { "administrator".to_string() } else { user.roles.join(", ") };
            println!("  {id:<13} {:<18} {name} — {what}, {scope}", crate::demo::accounts::password(id));
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
        smtp: args.smtp,
        mail_from: args.mail_from,
    };
    let url = crate::demo::run(&options, &mut std::io::stdout().lock())?;
    if args.serve {
        serve(&options, &url, &args.listen)?;
    }
    Ok(ExitCode::SUCCESS)
}
