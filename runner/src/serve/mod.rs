//! The runner service behind `junro serve`: an HTTP API (`/api/v1`, JSON, OpenAPI at
//! `/openapi.json`) through which people and systems start orders and work tasks, with
//! identities, vendor scoping and an audit trail.
//!
//! Layers, outermost first: request id and logs (tower-http), the client's address, who is
//! asking (`auth`), the audit record (`middleware::audit`), metrics, then the route
//! (`api/`). [`app`] builds the router from an [`AppState`]; [`run`] serves it on a listener
//! with the worker (timers, automatic steps) beside it until `shutdown` resolves, then lets
//! in-flight requests finish. A Rust application can open its own [`Engine`](junro_engine::Engine),
//! register action handlers, and serve it the same way:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use junro::serve::{self, AppState, ServeConfig, db::Pool};
//! use std::sync::Arc;
//! let config = ServeConfig::default();
//! let engine = Arc::new(junro_engine::Engine::open(&config.database).await?);
//! engine.register_action("provision_line", |_request| async { Ok(Default::default()) });
//! let db = Pool::open(&config.database).await?;
//! let state = AppState::new(engine, db, config).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve::run(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod audit;
pub mod auth;
pub mod config;
mod customer;
pub mod db;
pub mod deliveries;
mod digest;
mod forms;
pub mod inbox;
pub(crate) mod mail;
pub mod messages;
pub mod middleware;
mod notifier;
pub mod open;
pub mod ops;
pub mod preferences;
pub mod problem;
mod scope;
pub mod sent;
pub mod state;
mod web;
pub mod webhooks;
pub(crate) mod worker;

pub use config::ServeConfig;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use problem::Problem;
use std::future::Future;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Every route of the staff's pages as `METHOD /path` (the API's are in `/openapi.json`).
pub fn page_routes() -> Vec<String> {
    web::routes()
}

/// The service's router: the API, health, metrics and the OpenAPI document.
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi = std::sync::Arc::new(openapi);
    let body_limit = state.config.limits.body_bytes;
    Router::new()
        .merge(api)
        .merge(web::router())
        .route("/openapi.json", get(move || ops::openapi(openapi.clone())))
        .fallback(|| async { Problem::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method")
        })
        .layer(axum::middleware::from_fn(middleware::metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::audit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(axum::middleware::from_fn_with_state(state.config.trust_forwarded, middleware::client_address))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(body_limit, middleware::read_body))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves the service on `listener` until `shutdown` resolves, with the worker running beside it
/// when the settings say so; then stops accepting, lets in-flight requests finish, and stops
/// the worker between two rounds: the round in progress finishes, firing the timers and
/// reporting the jobs it claimed, so no lease of this process outlives it (a result that met a
/// concurrent change of its order is left to its lease, as in any round).
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = state.config.worker.then(|| tokio::spawn(worker::run(state.clone(), stopped)));
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, service).with_graceful_shutdown(shutdown).await;
    let _ = stop.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    served
}
