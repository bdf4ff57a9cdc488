//! Opening a service from its settings: the calendars, the engine, the flows deployed at start,
//! the service's tables.

use super::config::ServeConfig;
use super::db::{DbError, Pool};
use super::state::AppState;
use junro_engine::calendar::{CalendarError, Calendars};
use junro_engine::runtime::{Deployed, EngineError};
use junro_engine::{Engine, EngineOptions};
use std::path::PathBuf;
use std::sync::Arc;

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The calendars file could not be read.
    #[error("reading calendars from {path}: {source}")]
    ReadCalendars {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The calendars are not valid.
    #[error("calendars in {path}: {source}")]
    Calendars {
        /// The file.
        path: PathBuf,
        /// Why.
        source: CalendarError,
    },
    /// The engine could not open the database.
    #[error("opening the database: {0}")]
    Engine(EngineError),
    /// The flows folder could not be deployed.
    #[error("deploying {path}: {source}")]
    Deploy {
        /// The folder.
        path: PathBuf,
        /// Why (flow diagnostics included).
        source: EngineError,
    },
    /// The service's tables could not be opened.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Opens everything the settings name; returns the service's state and what deploying the
/// flows folder did.
pub async fn open(config: ServeConfig) -> Result<(AppState, Vec<Deployed>), OpenError> {
    let calendars = match &config.calendars_file() {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| OpenError::ReadCalendars { path: path.clone(), source })?;
            Calendars::from_yaml(&text).map_err(|source| OpenError::Calendars { path: path.clone(), source })?
        }
        None => EngineOptions::default().calendars,
    };
    // The worker of this process or another delivers the notices (`notifier.rs`).
    let options = EngineOptions { calendars, notices: true, ..EngineOptions::default() };
    let engine = Engine::open_with(&config.database, options).await.map_err(OpenError::Engine)?;
    let deployed = match &config.flows {
        Some(path) => {
            engine.deploy(&[path], None).await.map_err(|source| OpenError::Deploy { path: path.clone(), source })?
        }
        None => Vec::new(),
    };
    let db = Pool::open(&config.database).await?;
    let state = AppState::new(Arc::new(engine), db, config).await?;
    Ok((state, deployed))
}
