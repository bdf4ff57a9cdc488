//! `junro lost-signals`: the signals no order took (kept too long, left when their order
//! ended, or addressed to no order), oldest first, so that none is lost silently.

use super::admin::{DbArg, moment};
use anyhow::Context as _;
use clap::Args;
use junro_engine::Engine;
use junro_engine::store::LostSignalFilter;
use std::io::Write as _;
use std::process::ExitCode;

/// `junro lost-signals`.
#[derive(Args)]
pub(crate) struct LostSignalsArgs {
    /// From this day (YYYY-MM-DD, Tokyo) or moment (RFC 3339) on.
    #[arg(long)]
    since: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    limit: u32,
}

pub(crate) fn lost_signals(db: DbArg, args: LostSignalsArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = Engine::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let since = args.since.as_deref().map(moment).transpose()?;
        let lost = engine.lost_signals(&LostSignalFilter { since, after: None, limit: Some(args.limit) }).await?;
        let mut out = std::io::stdout().lock();
        if lost.is_empty() {
            writeln!(out, "no lost signals")?;
        }
        for l in lost {
            writeln!(
                out,
                "{} {} to {} ({}) from {}: {}{}",
                l.lost_at,
                l.signal,
                l.business_key.or(l.order).as_deref().unwrap_or("-"),
                l.flow.as_deref().unwrap_or("no flow"),
                l.sender.as_deref().unwrap_or("-"),
                l.reason,
                if l.data.is_empty() { String::new() } else { format!(" {}", serde_json::Value::Object(l.data)) },
            )?;
        }
        Ok(ExitCode::SUCCESS)
    })
}
