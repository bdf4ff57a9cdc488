//! `junro serve` (the service) and `junro deploy` (flows into a database).

use crate::serve::{self, ServeConfig};
use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `junro serve`.
#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Settings (see `examples/junro.yaml`); without it, environment variables and defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Logs as JSON lines (for log collectors) instead of text (or `JUNRO_LOG_JSON=on`).
    #[arg(long)]
    log_json: bool,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = ServeConfig::load(args.config.as_deref())?;
    let json = match std::env::var("JUNRO_LOG_JSON") {
        Ok(v) => serve::config::switch("JUNRO_LOG_JSON", v)?,
        Err(_) => false,
    };
    init_logs(args.log_json || json);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        serve::ops::install_metrics();
        let listen = config.listen.clone();
        let database = config.database.clone();
        let (state, deployed) = serve::open::open(config).await?;
        let new: Vec<String> = deployed.iter().filter(|d| d.new).map(|d| format!("{} v{}", d.flow, d.version)).collect();
        let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
        let address = listener.local_addr()?;
        let users = state.db.users().await?.len();
        println!("junro serve: http://{address}/ on {database}");
        println!("  {} flows deployed ({} new versions{})", deployed.len(), new.len(), if new.is_empty() { String::new() } else { format!(": {}", abbreviate(&new)) });
        if users == 0 {
            println!("  no users yet: add one with `junro users add <id> --role <role> --password-stdin` (JUNRO_DB={database})");
        }
        tracing::info!(%address, "serving");
        serve::run(listener, state, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn abbreviate(items: &[String]) -> String {
    if items.len() <= 5 {
        items.join(", ")
    } else {
        format!("{}, … and {} more", items[..5].join(", "), items.len() - 5)
    }
}

pub(crate) fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("JUNRO_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Resolves on SIGTERM or SIGINT.
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// `junro deploy`.
#[derive(Args)]
pub(crate) struct DeployArgs {
    /// Flow files or folders (searched recursively for `.flow` files).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Orders received from this day (YYYY-MM-DD, Tokyo) or moment (RFC 3339) on use the new versions.
    #[arg(long)]
    effective_from: Option<String>,
    /// The database.
    #[arg(long, env = "JUNRO_DB", default_value = "sqlite:junro.db")]
    db: String,
    /// Business calendars (YAML) the flows may name; default `examples/calendars.yaml` when it
    /// exists.
    #[arg(long, env = "JUNRO_CALENDARS")]
    calendars: Option<PathBuf>,
}

pub(crate) fn deploy(args: DeployArgs) -> anyhow::Result<ExitCode> {
    let effective_from = args.effective_from.as_deref().map(super::admin::moment).transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = super::kpi::open_with_calendars(&args.db, args.calendars.as_deref()).await?;
        let deployed = engine.deploy(&args.paths, effective_from).await;
        let deployed = match deployed {
            Ok(d) => d,
            Err(junro_engine::EngineError::Invalid(report)) => {
                eprint!("{report}");
                if !report.ends_with('\n') {
                    eprintln!();
                }
                engine.close().await;
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
        let db = serve::db::Pool::open(&args.db).await?;
        let new: Vec<String> =
            deployed.iter().filter(|d| d.new).map(|d| format!("{} v{}", d.flow, d.version)).collect();
        for line in &new {
            println!("deployed {line}");
        }
        println!("{} flows: {} new versions, {} unchanged", deployed.len(), new.len(), deployed.len() - new.len());
        super::admin::record(
            &db,
            engine.now(),
            "deploy",
            &args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" "),
            &new.join(", "),
        )
        .await?;
        db.close().await;
        engine.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
