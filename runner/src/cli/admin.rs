//! `junro users`, `junro tokens` and `junro audit`: administration from the command line, on
//! the service's database (`--db`, or `JUNRO_DB`). Each change is in the audit trail.

use crate::serve::audit::{AuditQuery, AuditRecord};
use crate::serve::auth::users::NewUser;
use crate::serve::db::Pool;
use anyhow::Context as _;
use clap::{Args, Subcommand};
use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

/// The database to administer.
#[derive(Args)]
pub(crate) struct DbArg {
    /// The database.
    #[arg(long, env = "JUNRO_DB", default_value = "sqlite:junro.db", global = true)]
    pub(crate) db: String,
}

/// `junro users …`.
#[derive(Subcommand)]
pub(crate) enum UsersCommand {
    /// Adds a user.
    Add {
        /// The user id (sign-in name).
        id: String,
        /// A role the user holds (repeat for several).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The vendor the user works for (none: the company's own staff).
        #[arg(long)]
        vendor: Option<String>,
        /// The name shown to others.
        #[arg(long)]
        name: Option<String>,
        /// Sees and reassigns the vendor's queues (in-house: all).
        #[arg(long)]
        supervisor: bool,
        /// Reads KPIs and exports of the vendor (in-house: all).
        #[arg(long)]
        manager: bool,
        /// Administers flows, users, tokens and incidents.
        #[arg(long)]
        admin: bool,
        /// Read a password from the first line of standard input (else tokens only).
        #[arg(long)]
        password_stdin: bool,
        /// Where notifications are mailed (none: the inbox only).
        #[arg(long)]
        email: Option<String>,
        /// The language their notifications are worded in, e.g. `en` (default: the settings').
        #[arg(long)]
        language: Option<String>,
    },
    /// Lists the users.
    List,
    /// Disables a user: their sessions and tokens stop working at once.
    Disable {
        /// The user id.
        id: String,
    },
}

/// `junro tokens …`.
#[derive(Subcommand)]
pub(crate) enum TokensCommand {
    /// Makes an API token for a user; prints it once, as the last line.
    Create {
        /// The user it acts as.
        user: String,
        /// Days until it stops working (default: until revoked).
        #[arg(long)]
        expires: Option<u32>,
    },
    /// Revokes a token by its id (from `junro tokens list`).
    Revoke {
        /// The token's id.
        id: String,
    },
    /// Lists tokens (never their secrets).
    List {
        /// Only this user's.
        #[arg(long)]
        user: Option<String>,
    },
}

/// `junro audit`.
#[derive(Args)]
pub(crate) struct AuditArgs {
    /// Only this user's records.
    #[arg(long)]
    user: Option<String>,
    /// From this day (YYYY-MM-DD, Tokyo) or moment (RFC 3339) on.
    #[arg(long)]
    since: Option<String>,
    /// The newest this many records (listed oldest first).
    #[arg(long, default_value_t = 1000)]
    limit: u32,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// A day in Tokyo (its start) or an RFC 3339 moment.
pub(crate) fn moment(text: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let day: jiff::civil::Date =
        text.parse().with_context(|| format!("`{text}` is neither a day (YYYY-MM-DD) nor an RFC 3339 time"))?;
    Ok(day.to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo")?)?.timestamp())
}

/// Who runs a command, for the audit trail: the operating system's user.
pub(crate) fn operator() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// Records a command's change in the audit trail.
pub(crate) async fn record(
    db: &Pool,
    now: jiff::Timestamp,
    action: &str,
    target: &str,
    detail: &str,
) -> anyhow::Result<()> {
    let record = AuditRecord {
        target: Some(target.to_string()),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        ..AuditRecord::new(now, Some(&operator()), action, 0, "ok")
    };
    db.append_audit(&[&record]).await?;
    Ok(())
}

pub(crate) fn users(db: DbArg, command: UsersCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let pool = Pool::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let now = jiff::Timestamp::now();
        let mut out = std::io::stdout().lock();
        match command {
            UsersCommand::Add {
                id,
                roles,
                vendor,
                name,
                supervisor,
                manager,
                admin,
                password_stdin,
                email,
                language,
            } => {
                let password = if password_stdin {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    Some(line.trim_end_matches(['\r', '\n']).to_string())
                } else {
                    None
                };
                let new = NewUser {
                    id,
                    display_name: name,
                    roles,
                    vendor,
                    supervisor,
                    manager,
                    admin,
                    password,
                    email,
                    language,
                };
                let user = pool.add_user(&new, now).await?;
                record(&pool, now, "users add", &user.id, &user.scope_text()).await?;
                writeln!(out, "added {}", describe(&user))?;
            }
            UsersCommand::List => {
                for user in pool.users().await? {
                    writeln!(out, "{}", describe(&user))?;
                }
            }
            UsersCommand::Disable { id } => {
                pool.disable_user(&id, now).await?;
                record(&pool, now, "users disable", &id, "").await?;
                writeln!(out, "disabled {id}: their sessions and tokens no longer work")?;
            }
        }
        pool.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn describe(user: &crate::serve::auth::users::User) -> String {
    let mut flags = Vec::new();
    for (on, name) in
        [(user.supervisor, "supervisor"), (user.manager, "manager"), (user.admin, "admin"), (user.disabled, "DISABLED")]
    {
        if on {
            flags.push(name);
        }
    }
    format!(
        "{} ({}) roles [{}] vendor {}{}",
        user.id,
        user.display_name,
        user.roles.join(", "),
        user.vendor.as_deref().unwrap_or("(in-house)"),
        if flags.is_empty() { String::new() } else { format!(" {}", flags.join(" ")) }
    )
}

pub(crate) fn tokens(db: DbArg, command: TokensCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let pool = Pool::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let now = jiff::Timestamp::now();
        let mut out = std::io::stdout().lock();
        let code = match command {
            TokensCommand::Create { user, expires } => {
                let (info, secret) = pool.create_token(&user, expires, now).await?;
                record(&pool, now, "tokens create", &info.id, &format!("for {user}")).await?;
                let until = info.expires_at.map_or_else(|| "until revoked".to_string(), |t| format!("until {t}"));
                writeln!(out, "token {} for {user}, valid {until}; shown once, keep it secret:", info.id)?;
                writeln!(out, "{secret}")?;
                ExitCode::SUCCESS
            }
            TokensCommand::Revoke { id } => {
                if pool.revoke_token(&id, now).await? {
                    record(&pool, now, "tokens revoke", &id, "").await?;
                    writeln!(out, "revoked {id}")?;
                    ExitCode::SUCCESS
                } else {
                    eprintln!("error: no live token {id}");
                    ExitCode::from(1)
                }
            }
            TokensCommand::List { user } => {
                for t in pool.tokens(user.as_deref()).await? {
                    let state = match (t.revoked_at, t.expires_at) {
                        (Some(at), _) => format!("revoked {at}"),
                        (None, Some(at)) if at <= now => format!("expired {at}"),
                        (None, Some(at)) => format!("live until {at}"),
                        (None, None) => "live".to_string(),
                    };
                    let used = t.last_used_at.map_or_else(|| "never used".to_string(), |at| format!("last used {at}"));
                    writeln!(out, "{} {} created {} {state}, {used}", t.id, t.user, t.created_at)?;
                }
                ExitCode::SUCCESS
            }
        };
        pool.close().await;
        Ok(code)
    })
}

pub(crate) fn audit(db: DbArg, args: AuditArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let pool = Pool::open(&db.db).await.with_context(|| format!("opening {}", db.db))?;
        let since = args.since.as_deref().map(moment).transpose()?;
        let records =
            pool.audit(&AuditQuery { user: args.user, since, after: None, limit: args.limit, newest: true }).await?;
        let mut out = std::io::stdout().lock();
        for r in records {
            writeln!(
                out,
                "{} {} {} {} {} {}{}{}",
                r.at,
                r.actor.as_deref().unwrap_or("-"),
                r.action,
                r.target.as_deref().unwrap_or("-"),
                if r.status == 0 { "-".to_string() } else { r.status.to_string() },
                r.result,
                r.address.map(|a| format!(" from {a}")).unwrap_or_default(),
                r.detail.map(|d| format!(" ({d})")).unwrap_or_default(),
            )?;
        }
        pool.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
