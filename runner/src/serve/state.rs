//! What every handler shares: the engine, the service's database, the settings.

use super::audit::AuditLog;
use super::auth::throttle::LoginThrottle;
use super::auth::token_cache::TokenCache;
use super::config::ServeConfig;
use super::db::Pool;
use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;
use junro_engine::Engine;
use std::ops::Deref;
use std::sync::Arc;

/// The service's shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Service>);

/// The parts of the service.
pub struct Service {
    /// The engine that runs the orders.
    pub engine: Arc<Engine>,
    /// The service's tables (users, tokens, sessions, audit).
    pub db: Pool,
    /// The settings.
    pub config: ServeConfig,
    /// Signs the session cookie; shared by every process on the database.
    pub cookie_key: Key,
    /// The audit trail's writer.
    pub audit: AuditLog,
    /// Sign-in failures.
    pub throttle: LoginThrottle,
    /// Bearer tokens looked up a moment ago.
    pub tokens: TokenCache,
    /// The last day whose supervisors' digest this process settled (`digest.rs`).
    pub digest_day: std::sync::Mutex<Option<jiff::civil::Date>>,
}

impl AppState {
    /// The state of a service over an open engine and the service's database on the same
    /// database (see [`Pool::open`]).
    pub async fn new(engine: Arc<Engine>, db: Pool, config: ServeConfig) -> Result<AppState, super::db::DbError> {
        // 64 bytes of key as 128 hex digits, made by the first process and shared by all.
        let key =
            db.setting("cookie_key", || format!("{}{}", super::auth::random_hex(), super::auth::random_hex())).await?;
        let bytes: Vec<u8> =
            (0..key.len() / 2).filter_map(|i| u8::from_str_radix(&key[i * 2..i * 2 + 2], 16).ok()).collect();
        let cookie_key = Key::try_from(bytes.as_slice()).unwrap_or_else(|_| Key::generate());
        let audit = AuditLog::start(engine.clone());
        let throttle = LoginThrottle::new(config.limits.login_failures_per_minute);
        let tokens = TokenCache::default();
        let digest_day = std::sync::Mutex::default();
        Ok(AppState(Arc::new(Service { engine, db, config, cookie_key, audit, throttle, tokens, digest_day })))
    }
}

impl Deref for AppState {
    type Target = Service;

    fn deref(&self) -> &Service {
        &self.0
    }
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Key {
        state.cookie_key.clone()
    }
}
