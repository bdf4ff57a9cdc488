//! `junro-engine`: runs Junro flows.
//!
//! Today it holds the part of the engine that turns files on disk into a checked program:
//! [`source::load`] reads flow files and folders, follows their imports and rules files, and
//! hands the contents to `junro-dsl`, which does no I/O itself. Durable execution (state machine,
//! storage on SQLite and PostgreSQL, timers, workers) builds on this next.

pub mod calendar;
pub mod clock;
pub mod compile;
pub mod examples;
pub mod explain;
pub mod export;
pub mod kpi;
pub mod machine;
pub mod replay;
pub mod runtime;
pub mod scenario;
pub mod script;
pub mod source;
pub mod store;
pub mod table;

pub use junro_dsl as dsl;
pub use runtime::{ActionRequest, ActionResult, BatchItem, Engine, EngineError, EngineOptions, StartOrder};
