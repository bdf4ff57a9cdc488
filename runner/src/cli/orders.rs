//! `junro orders` and `junro order`: reading orders from a database — a filtered list, and one
//! order with its subflows and its history in words (decisions say which rule or table decided,
//! on which values).

use anyhow::Context as _;
use junro_engine::Engine;
use junro_engine::calendar::Calendar;
use junro_engine::explain;
use junro_engine::store::{OrderFilter, OrderRow};
use std::io::Write as _;
use std::process::ExitCode;

/// The database the demo writes, the default of every read command.
pub(crate) const DEMO_DB: &str = "sqlite:junro-demo.db";

/// Options of `junro orders`.
#[derive(clap::Args)]
pub(crate) struct ListArgs {
    /// Database URL.
    #[arg(long, default_value = DEMO_DB)]
    db: String,
    /// Only orders of this flow.
    #[arg(long)]
    flow: Option<String>,
    /// Only `open`, `on_hold` or `closed` orders.
    #[arg(long)]
    status: Option<String>,
    /// Only orders of this vendor.
    #[arg(long)]
    vendor: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

/// Options of `junro order`.
#[derive(clap::Args)]
pub(crate) struct ShowArgs {
    /// The order's id or order number (business key).
    order: String,
    /// Database URL.
    #[arg(long, default_value = DEMO_DB)]
    db: String,
    /// Print the order's state and history as JSON.
    #[arg(long)]
    json: bool,
}

/// Refuses a SQLite file that does not exist: reading never creates an empty database.
pub(crate) fn ensure_exists(url: &str) -> anyhow::Result<()> {
    if let Some(path) = url.strip_prefix("sqlite:").map(|p| p.trim_start_matches("//"))
        && !path.contains(":memory:")
        && !std::path::Path::new(path).exists()
    {
        anyhow::bail!("no database at {path}; run `junro demo` first, or name one with --db");
    }
    Ok(())
}

/// Opens an existing database.
pub(crate) async fn open(url: &str) -> anyhow::Result<Engine> {
    ensure_exists(url)?;
    Engine::open(url).await.with_context(|| format!("opening {url}"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// Times as people here read them: in the default business calendar's zone.
fn local(at: jiff::Timestamp) -> String {
    at.to_zoned(Calendar::japan_office().zone().clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

fn status(row: &OrderRow) -> String {
    match &row.outcome {
        Some(outcome) => format!("{}: {outcome}", row.status),
        None => row.status.clone(),
    }
}

pub(crate) fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let engine = open(&args.db).await?;
        let filter = OrderFilter {
            flow: args.flow,
            status: args.status,
            vendor: args.vendor,
            limit: Some(args.limit),
            ..OrderFilter::default()
        };
        let rows = engine.orders(&filter).await?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{:<20}  {:<19}  {:<36}  {:<10}  {:<20}  id",
            "order number", "received", "flow", "vendor", "status"
        )?;
        for row in &rows {
            writeln!(
                out,
                "{:<20}  {:<19}  {:<36}  {:<10}  {:<20}  {}",
                row.business_key.as_deref().unwrap_or("-"),
                local(row.received_at),
                format!("{} v{}", row.flow, row.version),
                row.vendor.as_deref().unwrap_or("-"),
                status(row),
                row.id
            )?;
        }
        writeln!(out, "{} order{}", rows.len(), if rows.len() == 1 { "" } else { "s" })?;
        engine.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let engine = open(&args.db).await?;
        let view = engine.order(&args.order).await?;
        let mut out = std::io::stdout().lock();
        if args.json {
            let history: Vec<serde_json::Value> = view
                .history
                .iter()
                .map(|h| serde_json::json!({ "seq": h.seq, "at": h.at.to_string(), "event": h.event }))
                .collect();
            writeln!(out, "{}", serde_json::json!({ "state": view.state, "history": history }))?;
            engine.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        let state = &view.state;
        let flow = engine.flow(&state.flow, state.version);
        let label = flow.as_ref().map(|f| format!(" ({})", f.label)).unwrap_or_default();
        let status = match &state.status {
            junro_engine::machine::Status::Open => "open".to_string(),
            junro_engine::machine::Status::OnHold { .. } => "on hold".to_string(),
            junro_engine::machine::Status::Closed { outcome, at } => format!("closed: {outcome} at {}", local(*at)),
        };
        writeln!(
            out,
            "order {}{}",
            state.id,
            state.business_key.as_ref().map(|k| format!(" ({k})")).unwrap_or_default()
        )?;
        writeln!(out, "  flow      {} version {}{label}", state.flow, state.version)?;
        writeln!(out, "  status    {status}")?;
        writeln!(out, "  vendor    {}", state.vendor.as_deref().unwrap_or("-"))?;
        writeln!(out, "  received  {}", local(state.received_at))?;
        let children = engine
            .orders(&OrderFilter { parent: Some(state.id.clone()), limit: Some(1000), ..OrderFilter::default() })
            .await?;
        for child in &children {
            writeln!(out, "  subflow   {} {} ({})", child.id, child.flow, self::status(child))?;
        }
        writeln!(out, "history")?;
        for entry in &view.history {
            writeln!(
                out,
                "  {:>3}  {}  {}",
                entry.seq,
                local(entry.at),
                explain::describe(&entry.event, flow.as_deref())
            )?;
        }
        engine.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
