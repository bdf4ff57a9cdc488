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
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

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

/// The sum and the count of an unlabelled histogram this process recorded (for `junro bench`).
pub(crate) fn recorded(name: &str) -> (f64, f64) {
    let text = recorder().render();
    let value = |suffix: &str| {
        let key = format!("{name}_{suffix} ");
        text.lines().find_map(|line| line.strip_prefix(&key)).and_then(|v| v.trim().parse().ok()).unwrap_or(0.0)
    };
    (value("sum"), value("count"))
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

/// Prometheus metrics (administrators: they name vendors and flows). Requests, orders started
/// and closed and commit groups are this process's; open tasks, incidents and the worker's lag
/// are read from the database at each scrape, so every process sharing it reports the same.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, body = String, description = "Prometheus text format"), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn metrics(State(state): State<AppState>, identity: Identity) -> ApiResult<Response> {
    identity.require_admin()?;
    let gauges = state.engine.gauges().await?;
    let tasks = gauges
        .open_tasks
        .into_iter()
        .map(|(role, vendor, n)| (vec![("role", role), ("vendor", vendor.unwrap_or_else(|| "-".into()))], n));
    labelled("junro_open_tasks", tasks.collect());
    labelled("junro_open_incidents", gauges.incidents.into_iter().map(|(flow, n)| (vec![("flow", flow)], n)).collect());
    let now = state.engine.now();
    let lag = |due: Option<jiff::Timestamp>| due.map_or(0.0, |at| now.duration_since(at).as_secs_f64().max(0.0));
    metrics::gauge!("junro_timer_lag_seconds").set(lag(gauges.oldest_due_timer));
    metrics::gauge!("junro_job_lag_seconds").set(lag(gauges.oldest_due_job));
    let text = recorder().render();
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

type Labels = Vec<(&'static str, String)>;

/// Sets a labelled gauge to the counts given; a label set counted before and absent now reads
/// 0, not its last count.
fn labelled(name: &'static str, counts: Vec<(Labels, u64)>) {
    static SEEN: Mutex<BTreeSet<(&'static str, Labels)>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let now: BTreeSet<&Labels> = counts.iter().map(|(labels, _)| labels).collect();
    for (_, labels) in seen.iter().filter(|(n, labels)| *n == name && !now.contains(labels)) {
        metrics::gauge!(name, to_labels(labels)).set(0.0);
    }
    for (labels, n) in &counts {
        metrics::gauge!(name, to_labels(labels)).set(*n as f64);
        seen.insert((name, labels.clone()));
    }
}

fn to_labels(labels: &Labels) -> Vec<metrics::Label> {
    labels.iter().map(|(k, v)| metrics::Label::new(*k, v.clone())).collect()
}

/// The OpenAPI 3.1 document of every route (this one).
#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()), responses((status = 200, description = "this document")))]
#[expect(dead_code, reason = "the route is served by `openapi`; this describes it in the document")]
pub(crate) fn openapi_path() {}

/// The OpenAPI 3.1 document of every route.
pub(crate) async fn openapi(document: Arc<utoipa::openapi::OpenApi>) -> Json<utoipa::openapi::OpenApi> {
    Json((*document).clone())
}
