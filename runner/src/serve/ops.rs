//! Operations' routes: liveness, readiness, Prometheus metrics, the OpenAPI document.

use super::auth::Identity;
use super::problem::{ApiResult, Problem};
use super::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};

/// The process's metrics recorder (one per process, whatever the number of apps in it).
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder installed by an embedding application wins; ours then renders nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the metrics recorder; called when the service starts.
pub fn install_metrics() {
    let _ = recorder();
}

/// Alive: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, body = String, description = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers (the service's and the engine's tables were migrated when the
/// process started, before it listened).
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, body = String, description = "ready"), (status = 503, body = Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        "ready".into_response()
    } else {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the database does not answer").into_response()
    }
}

/// Prometheus metrics (administrators: they name vendors and flows).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, body = String, description = "Prometheus text format"), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn metrics(State(state): State<AppState>, identity: Identity) -> ApiResult<Response> {
    identity.require_admin()?;
    let tasks =
        state.engine.tasks(&junro_engine::store::TaskFilter { limit: Some(u32::MAX), ..Default::default() }).await?;
    let mut open: std::collections::BTreeMap<(String, String), u64> = std::collections::BTreeMap::new();
    for t in tasks {
        *open.entry((t.role, t.vendor.unwrap_or_else(|| "-".into()))).or_default() += 1;
    }
    // A role and vendor with no open task any more reads 0, not its last count.
    static SEEN: std::sync::Mutex<std::collections::BTreeSet<(String, String)>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for (role, vendor) in seen.iter() {
        if !open.contains_key(&(role.clone(), vendor.clone())) {
            metrics::gauge!("junro_open_tasks", "role" => role.clone(), "vendor" => vendor.clone()).set(0.0);
        }
    }
    for ((role, vendor), n) in open {
        seen.insert((role.clone(), vendor.clone()));
        metrics::gauge!("junro_open_tasks", "role" => role, "vendor" => vendor).set(n as f64);
    }
    let text = recorder().render();
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// The OpenAPI 3.1 document of every route (this one).
#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()), responses((status = 200, description = "this document")))]
#[expect(dead_code, reason = "the route is served by `openapi`; this describes it in the document")]
pub(crate) fn openapi_path() {}

/// The OpenAPI 3.1 document of every route.
pub(crate) async fn openapi(document: Arc<utoipa::openapi::OpenApi>) -> Json<utoipa::openapi::OpenApi> {
    Json((*document).clone())
}
