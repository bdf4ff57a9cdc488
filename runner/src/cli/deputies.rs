//! `junro deputies`: deputies (代理) from the command line, as an administrator names them
//! through the API: a principal's tasks worked by a deputy of the same vendor for a period.
//! Each change is in the audit trail.

use super::admin::{DbArg, moment, operator, record};
use crate::serve::db::Pool;
use anyhow::{Context as _, bail};
use clap::Subcommand;
use junro_engine::Engine;
use junro_engine::machine::Actor;
use junro_engine::store::{DeputyFilter, Deputyship};
use std::io::Write as _;
use std::process::ExitCode;

/// `junro deputies …`.
#[derive(Subcommand)]
pub(crate) enum DeputiesCommand {
    /// Names `deputy` to work `principal`'s tasks until `--until` (exclusive).
    Name {
        /// Whose tasks.
        principal: String,
        /// Who works them: a user of the principal's vendor (or of the company, for its staff).
        deputy: String,
        /// Until (a day, YYYY-MM-DD in Tokyo, or an RFC 3339 moment; exclusive).
        #[arg(long)]
        until: String,
        /// From (default: now).
        #[arg(long)]
        from: Option<String>,
    },
    /// Ends a deputyship now (or cancels one not yet begun), by its number.
    End {
        /// The deputyship's number (from `junro deputies list`).
        id: i64,
    },
    /// Lists the deputyships in force or to come (with `--all`, also those over).
    List {
        /// Also those already over.
        #[arg(long)]
        all: bool,
    },
}

/// An enabled user as the engine's actor.
async fn person(pool: &Pool, id: &str) -> anyhow::Result<Actor> {
    match pool.user(id).await? {
        Some(u) if !u.disabled => {
            Ok(Actor { id: u.id, roles: u.roles, vendor: u.vendor, admin: false, on_behalf_of: None })
        }
        Some(_) => bail!("user `{id}` is disabled"),
        None => bail!("no user `{id}`"),
    }
}

/// A deputyship in a line, times in the engine's zone.
fn line(d: &Deputyship, now: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    let state = match &d.ended_by {
        Some(by) => format!("ended by {by}"),
        None if d.active_at(now) => "in force".to_string(),
        None if d.starts_at > now => "to come".to_string(),
        None => "over".to_string(),
    };
    let at = |t: jiff::Timestamp| t.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let (starts, ends) = (at(d.starts_at), at(d.ends_at));
    format!("{} {} for {} from {starts} until {ends} ({state}; named by {})", d.id, d.deputy, d.principal, d.named_by)
}

pub(crate) fn deputies(db: DbArg, command: DeputiesCommand) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = Engine::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let pool = Pool::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let (now, zone) = (engine.now(), engine.zone());
        let by = Actor { admin: true, ..Actor::person(&operator(), &[], None) };
        let mut out = std::io::stdout().lock();
        match command {
            DeputiesCommand::Name { principal, deputy, until, from } => {
                let (principal, deputy) = (person(&pool, &principal).await?, person(&pool, &deputy).await?);
                let starts = from.as_deref().map(moment).transpose()?.unwrap_or(now);
                let named = engine.name_deputy(&by, &principal, &deputy, starts, moment(&until)?).await?;
                let detail = format!("{} for {}", named.deputy, named.principal);
                record(&pool, now, "deputies name", &named.id.to_string(), &detail).await?;
                writeln!(out, "named {}", line(&named, now, &zone))?;
            }
            DeputiesCommand::End { id } => {
                let ended = engine.end_deputyship(&by, id).await?;
                record(&pool, now, "deputies end", &id.to_string(), "").await?;
                writeln!(out, "ended {}", line(&ended, now, &zone))?;
            }
            DeputiesCommand::List { all } => {
                let filter = DeputyFilter { current_at: (!all).then_some(now), ..DeputyFilter::default() };
                for d in engine.deputyships(&filter).await? {
                    writeln!(out, "{}", line(&d, now, &zone))?;
                }
            }
        }
        pool.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
