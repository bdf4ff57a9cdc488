//! Flows: the deployed ones with their versions, a version's source and diagram, and deploying.

use super::{Body, Segments};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use junro_engine::dsl::graph::{self, Format};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A deployed version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    /// Version number, from 1.
    pub version: u32,
    /// Orders received from this moment use this version (none: from its deployment).
    pub effective_from: Option<Timestamp>,
}

/// A deployed flow.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowInfo {
    /// Flow id.
    pub id: String,
    /// Its title (of the newest version).
    pub label: String,
    /// Whether it is a subflow (started by other flows, not as an order).
    pub subflow: bool,
    /// Its versions, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// Every deployed flow with its versions.
#[utoipa::path(get, path = "/api/v1/flows", tag = "flows",
    responses((status = 200, body = Vec<FlowInfo>), (status = 401, body = Problem)))]
pub async fn list(State(state): State<AppState>, _identity: Identity) -> ApiResult<Json<Vec<FlowInfo>>> {
    let mut flows: BTreeMap<String, FlowInfo> = BTreeMap::new();
    for d in state.engine.deployments().await? {
        let entry = flows.entry(d.flow.clone()).or_insert_with(|| FlowInfo {
            id: d.flow.clone(),
            label: d.label.clone(),
            subflow: false,
            versions: Vec::new(),
        });
        entry.label = d.label;
        entry.versions.push(VersionInfo { version: d.version, effective_from: d.effective_from });
    }
    for flow in flows.values_mut() {
        flow.subflow = state.engine.latest_flow(&flow.id).is_some_and(|f| f.is_subflow);
        flow.versions.sort_by_key(|v| v.version);
    }
    Ok(Json(flows.into_values().collect()))
}

/// A flow version's source files and its diagram.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowVersion {
    /// Flow id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// The file that defines the flow.
    pub path: String,
    /// Every file of the program it was compiled from (the flow's and its imports), path → text.
    pub files: BTreeMap<String, String>,
    /// The flow as a Mermaid flowchart.
    pub mermaid: String,
    /// The flow as Graphviz DOT.
    pub dot: String,
}

/// A flow version's source and diagram.
#[utoipa::path(get, path = "/api/v1/flows/{flow}/versions/{version}", tag = "flows",
    params(("flow" = String, Path, description = "Flow id"), ("version" = u32, Path, description = "Version")),
    responses((status = 200, body = FlowVersion), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn version(
    State(state): State<AppState>,
    _identity: Identity,
    Segments((flow, version)): Segments<(String, u32)>,
) -> ApiResult<Json<FlowVersion>> {
    let missing = || Problem::not_found(format!("no version {version} of flow `{flow}`"));
    let files = state.engine.flow_sources(&flow, version).await?.ok_or_else(missing)?;
    let mut program = junro_engine::dsl::Program::new();
    let bytes: Vec<(String, Vec<u8>)> = files.iter().map(|(p, t)| (p.clone(), t.clone().into_bytes())).collect();
    program.add_all(&bytes);
    for (path, _) in &files {
        if let (Ok(mermaid), Ok(dot)) = (
            graph::draw(&program, path, Some(&flow), Format::Mermaid),
            graph::draw(&program, path, Some(&flow), Format::Dot),
        ) {
            return Ok(Json(FlowVersion {
                id: flow.clone(),
                version,
                path: path.clone(),
                files: files.into_iter().collect(),
                mermaid,
                dot,
            }));
        }
    }
    Err(missing())
}

/// One file of a deployment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// Its path, with `/` separators; imports are resolved relative to it.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A deployment: every file the flows need (their imports and rules files too).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// The files.
    pub files: Vec<SourceFile>,
    /// Orders received from this moment use the new versions.
    #[serde(default)]
    pub effective_from: Option<Timestamp>,
}

/// What a deployment did to one flow.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeployedFlow {
    /// Flow id.
    pub flow: String,
    /// Its version now.
    pub version: u32,
    /// Whether this deployment made that version (false: the flow was unchanged).
    pub new: bool,
}

/// Deploys flows (administrators): a changed flow becomes a new version; running orders stay
/// on theirs. Flows with errors are refused with the diagnostics (422).
#[utoipa::path(post, path = "/api/v1/flows", tag = "flows", request_body = DeployRequest,
    responses((status = 200, body = Vec<DeployedFlow>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn deploy(
    State(state): State<AppState>,
    identity: Identity,
    Body(request): Body<DeployRequest>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    if request.files.is_empty() {
        return Err(Problem::invalid(vec![FieldError {
            field: "files".into(),
            message: "send at least one .flow file".into(),
        }]));
    }
    if let Some(bad) = request
        .files
        .iter()
        .find(|f| f.path.is_empty() || f.path.starts_with('/') || f.path.split('/').any(|p| p == ".."))
    {
        return Err(Problem::invalid(vec![FieldError {
            field: "files".into(),
            message: format!("`{}` is not a relative path", bad.path),
        }]));
    }
    let files: Vec<(String, Vec<u8>)> = request.files.into_iter().map(|f| (f.path, f.text.into_bytes())).collect();
    let deployed = state.engine.deploy_files(&files, request.effective_from).await?;
    let detail =
        deployed.iter().filter(|d| d.new).map(|d| format!("{} v{}", d.flow, d.version)).collect::<Vec<_>>().join(", ");
    let body: Vec<DeployedFlow> =
        deployed.into_iter().map(|d| DeployedFlow { flow: d.flow, version: d.version, new: d.new }).collect();
    let mut response = Json(body).into_response();
    response
        .extensions_mut()
        .insert(AuditNote::about("flows", Some(if detail.is_empty() { "nothing changed".into() } else { detail })));
    Ok(response)
}

/// Which orders to move to another version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrateRequest {
    /// The version to move to.
    pub to: u32,
    /// Only these orders (ids or business keys); default every open order of the flow.
    #[serde(default)]
    pub orders: Option<Vec<String>>,
    /// Only say what would happen.
    #[serde(default)]
    pub dry_run: bool,
}

/// What became (or would become) of one order.
#[derive(Debug, Serialize, ToSchema)]
pub struct MigrationView {
    /// The order.
    pub order: String,
    /// The version it ran.
    pub from: u32,
    /// Whether it moves (moved).
    pub moves: bool,
    /// Why it cannot, when it cannot.
    pub reason: Option<String>,
}

/// Moves the open orders of a flow to another deployed version (administrators): those whose
/// open steps, waits and joins exist there and whose data fits its fields; with `dry_run`, only
/// says which would move and why the others cannot. Each move is in the order's history.
#[utoipa::path(post, path = "/api/v1/flows/{flow}/migrate", tag = "flows", request_body = MigrateRequest,
    params(("flow" = String, Path, description = "Flow id")),
    responses((status = 200, body = Vec<MigrationView>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn migrate(
    State(state): State<AppState>,
    identity: Identity,
    Segments(flow): Segments<String>,
    Body(request): Body<MigrateRequest>,
) -> ApiResult<Response> {
    identity.require_admin()?;
    if let Some(orders) = &request.orders
        && orders.len() > 10_000
    {
        return Err(Problem::invalid(vec![FieldError {
            field: "orders".into(),
            message: "at most 10,000 orders at once".into(),
        }]));
    }
    let verdicts =
        state.engine.migrate(&flow, request.to, request.orders.as_deref(), request.dry_run, &identity.actor()).await?;
    let moved = verdicts.iter().filter(|v| v.blocked.is_none()).count();
    let views: Vec<MigrationView> = verdicts
        .into_iter()
        .map(|v| MigrationView { order: v.order, from: v.from, moves: v.blocked.is_none(), reason: v.blocked })
        .collect();
    let mut response = Json(views).into_response();
    let what = if request.dry_run { "dry run" } else { "moved" };
    response
        .extensions_mut()
        .insert(AuditNote::about(flow, Some(format!("to version {}: {moved} {what}", request.to))));
    Ok(response)
}
