//! Users: who may work, with which roles, for which vendor, and with which powers. Passwords
//! are kept as argon2id hashes; disabling a user ends their sessions and tokens at once.

use crate::serve::db::{DbError, Pool, micros, on_pool};
use argon2::{PasswordHash, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

/// A person or a system that uses the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The user id (sign-in name).
    pub id: String,
    /// The name shown to others.
    pub display_name: String,
    /// Roles held: which tasks the user may take.
    pub roles: Vec<String>,
    /// The outsourcing vendor the user works for; none for the company's own staff.
    pub vendor: Option<String>,
    /// Sees and reassigns the vendor's queues (in-house: all).
    pub supervisor: bool,
    /// Reads KPIs and exports of the vendor (in-house: all).
    pub manager: bool,
    /// Deploys flows, manages users and tokens, handles incidents, reads the audit trail.
    pub admin: bool,
    /// A disabled user can neither sign in nor use a token.
    pub disabled: bool,
    /// When the user was added.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    /// Where notifications are mailed, if anywhere.
    #[serde(default)]
    pub email: Option<String>,
    /// The language their notifications are worded in (`ja`, `en`, or one the settings'
    /// templates cover); none: the settings' language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl User {
    /// Roles and vendor in words, for the audit trail and listings: `roles operator, reviewer;
    /// vendor vendor-a` (or `in-house`).
    pub fn scope_text(&self) -> String {
        let roles = if self.roles.is_empty() { "none".to_string() } else { self.roles.join(", ") };
        format!("roles {roles}; vendor {}", self.vendor.as_deref().unwrap_or("in-house"))
    }
}

/// A user to add.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// The user id: letters, digits, `.`, `_`, `-` and `@`, at most 64.
    pub id: String,
    /// The name shown to others (default: the id).
    #[serde(default)]
    pub display_name: Option<String>,
    /// Roles held.
    #[serde(default)]
    pub roles: Vec<String>,
    /// The vendor; none for the company's own staff.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Supervisor.
    #[serde(default)]
    pub supervisor: bool,
    /// Manager.
    #[serde(default)]
    pub manager: bool,
    /// Administrator.
    #[serde(default)]
    pub admin: bool,
    /// A password for signing in (at least 8 characters); none: tokens only.
    #[serde(default)]
    pub password: Option<String>,
    /// Where notifications are mailed (none: the inbox only).
    #[serde(default)]
    pub email: Option<String>,
    /// The language their notifications are worded in, e.g. `en` (none: the settings').
    #[serde(default)]
    pub language: Option<String>,
}

/// Why a user cannot be added or changed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The id is taken.
    #[error("user `{0}` exists already")]
    Exists(String),
    /// No such user.
    #[error("no user `{0}`")]
    Unknown(String),
    /// A value is not acceptable.
    #[error("{field}: {message}")]
    Invalid {
        /// Which.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for UserError {
    fn from(e: sqlx::Error) -> Self {
        UserError::Db(DbError::Database(e))
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        && id != "system"
}

/// Hashes a password with argon2id (the crate's default parameters: 19 MiB, 2 passes).
pub(crate) fn hash_password(password: &str) -> String {
    let hash: Result<PasswordHash, _> = argon2::Argon2::default().hash_password(password.as_bytes());
    hash.map(|h| h.to_string()).expect("argon2id hashes any password with its default parameters")
}

/// Whether `address` is a plain mailbox, `local@domain`: no spaces, no line breaks (it goes into
/// a mail header), one `@` with something on both sides and a dot in the domain.
/// A language code as notifications' templates are keyed: `ja`, `en`, `pt-BR`.
pub(crate) fn valid_language(code: &str) -> bool {
    let (main, region) = code.split_once('-').unwrap_or((code, ""));
    (2..=3).contains(&main.len())
        && main.chars().all(|c| c.is_ascii_lowercase())
        && (region.is_empty() || ((2..=4).contains(&region.len()) && region.chars().all(|c| c.is_ascii_alphanumeric())))
}

pub(crate) fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else { return false };
    address.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// Whether `password` matches a stored argon2id hash.
pub(crate) fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// The columns [`user_of_row!`] reads.
macro_rules! user_columns {
    () => {
        "id, display_name, roles, vendor, supervisor, manager, admin, disabled, created_at, email, language"
    };
}

macro_rules! user_of_row {
    ($r:expr) => {{
        let r = $r;
        let roles: String = r.try_get("roles")?;
        User {
            id: r.try_get("id")?,
            display_name: r.try_get("display_name")?,
            roles: serde_json::from_str(&roles).unwrap_or_default(),
            vendor: r.try_get("vendor")?,
            supervisor: r.try_get::<i64, _>("supervisor")? != 0,
            manager: r.try_get::<i64, _>("manager")? != 0,
            admin: r.try_get::<i64, _>("admin")? != 0,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            created_at: $crate::serve::db::from_micros(r.try_get("created_at")?),
            email: r.try_get("email")?,
            language: r.try_get("language")?,
        }
    }};
}
pub(crate) use user_of_row;

impl Pool {
    /// Adds a user.
    pub async fn add_user(&self, new: &NewUser, now: jiff::Timestamp) -> Result<User, UserError> {
        if !valid_id(&new.id) {
            return Err(UserError::Invalid {
                field: "id",
                message: format!("`{}` is not a user id: use 1 to 64 letters, digits, `.`, `_`, `-`, `@`", new.id),
            });
        }
        if let Some(role) = new.roles.iter().find(|r| r.trim().is_empty()) {
            return Err(UserError::Invalid { field: "roles", message: format!("`{role}` is not a role") });
        }
        if new.vendor.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(UserError::Invalid { field: "vendor", message: "a vendor must have a name".into() });
        }
        if let Some(p) = &new.password
            && p.chars().count() < 8
        {
            return Err(UserError::Invalid { field: "password", message: "use at least 8 characters".into() });
        }
        let email = new.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(address) = email
            && !valid_email(address)
        {
            return Err(UserError::Invalid {
                field: "email",
                message: format!("`{address}` is not an e-mail address"),
            });
        }
        let language = new.language.as_deref().map(str::trim).filter(|l| !l.is_empty());
        if let Some(language) = language
            && !valid_language(language)
        {
            return Err(UserError::Invalid {
                field: "language",
                message: format!("`{language}` is not a language code (e.g. ja, en)"),
            });
        }
        let hash = new.password.as_deref().map(hash_password);
        let user = User {
            id: new.id.clone(),
            display_name: new.display_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| new.id.clone()),
            roles: new.roles.clone(),
            vendor: new.vendor.clone(),
            supervisor: new.supervisor,
            manager: new.manager,
            admin: new.admin,
            disabled: false,
            created_at: now,
            email: email.map(str::to_string),
            language: language.map(str::to_string),
        };
        let roles = serde_json::to_string(&user.roles).unwrap_or_else(|_| "[]".into());
        let inserted = on_pool!(self, p => sqlx::query(
            "INSERT INTO users (id, display_name, roles, vendor, supervisor, manager, admin, password_hash, disabled, created_at, email, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&user.id)
        .bind(&user.display_name)
        .bind(&roles)
        .bind(&user.vendor)
        .bind(i64::from(user.supervisor))
        .bind(i64::from(user.manager))
        .bind(i64::from(user.admin))
        .bind(&hash)
        .bind(micros(now))
        .bind(&user.email)
        .bind(&user.language)
        .execute(p)
        .await?
        .rows_affected());
        if inserted == 0 {
            return Err(UserError::Exists(user.id));
        }
        Ok(user)
    }

    /// Every user, by id.
    pub async fn users(&self) -> Result<Vec<User>, UserError> {
        on_pool!(self, p => {
            let rows = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users ORDER BY id")).fetch_all(p).await?;
            rows.iter().map(|r| Ok(user_of_row!(r))).collect()
        })
    }

    /// One user.
    pub async fn user(&self, id: &str) -> Result<Option<User>, UserError> {
        on_pool!(self, p => {
            let row = sqlx::query(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1")).bind(id).fetch_optional(p).await?;
            row.map(|r| Ok(user_of_row!(&r))).transpose()
        })
    }

    /// The user whose password this is, if enabled; `None` for a wrong id or password.
    pub async fn check_password(&self, id: &str, password: &str) -> Result<Option<User>, UserError> {
        let found = on_pool!(self, p => {
            let row = sqlx::query(concat!("SELECT ", user_columns!(), ", password_hash FROM users WHERE id = $1 AND disabled = 0")).bind(id).fetch_optional(p).await?;
            row.map(|r| Ok::<_, UserError>((user_of_row!(&r), r.try_get::<Option<String>, _>("password_hash")?))).transpose()?
        });
        // A missing user costs a hash too, so the answer's time does not tell who exists.
        const DUMMY: &str =
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2l2vTDd0fmbOT6UeN8lNXk6uz1nXCt9Xv2cGcCQLX4o";
        match found {
            Some((user, Some(hash))) => Ok(password_matches(password, &hash).then_some(user)),
            _ => {
                let _ = password_matches(password, DUMMY);
                Ok(None)
            }
        }
    }

    /// Disables a user: their sessions are deleted and their tokens revoked in the same
    /// transaction, so nothing of theirs works from the next request on.
    pub async fn disable_user(&self, id: &str, now: jiff::Timestamp) -> Result<(), UserError> {
        let changed = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let changed = sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            changed
        });
        if changed == 0 { Err(UserError::Unknown(id.to_string())) } else { Ok(()) }
    }
}
