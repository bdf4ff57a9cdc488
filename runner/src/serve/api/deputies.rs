//! Deputies (代理): a person names a deputy for a period (an administrator may do it for
//! anyone); the deputy then works the principal's tasks by adding `on_behalf_of=<principal>`
//! to the task routes, and the history and the audit trail say on whose behalf.

use super::{Body, Params, Segments};
use crate::serve::auth::Identity;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use junro_engine::machine::Actor;
use junro_engine::store::{DeputyFilter, Deputyship};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A deputyship.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeputyView {
    /// Its number.
    pub id: i64,
    /// Whose tasks.
    pub principal: String,
    /// Who works them.
    pub deputy: String,
    /// From.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    /// Until (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    /// Who named the deputy.
    pub named_by: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub named_at: Timestamp,
    /// Who ended it early.
    pub ended_by: Option<String>,
    /// Whether it is in force now.
    pub active: bool,
}

fn view(d: Deputyship, now: Timestamp) -> DeputyView {
    DeputyView {
        active: d.active_at(now),
        id: d.id,
        principal: d.principal,
        deputy: d.deputy,
        starts_at: d.starts_at,
        ends_at: d.ends_at,
        named_by: d.named_by,
        named_at: d.named_at,
        ended_by: d.ended_by,
    }
}

/// The engine's actor for an enabled user the caller may know of (same vendor for a vendor's
/// staff); `None` otherwise.
async fn person(state: &AppState, identity: &Identity, id: &str) -> ApiResult<Option<Actor>> {
    let user = state.db.user(id).await.map_err(Problem::internal)?;
    Ok(user
        .filter(|u| !u.disabled && (identity.user.vendor.is_none() || u.vendor == identity.user.vendor))
        .map(|u| Actor { id: u.id, roles: u.roles, vendor: u.vendor, admin: false, on_behalf_of: None }))
}

/// The caller as the engine sees them for an administrative act: `admin` only for
/// administrators (a supervisor's oversight of queues does not extend to deputies).
fn caller(identity: &Identity) -> Actor {
    Actor { admin: identity.user.admin, ..identity.actor() }
}

/// Who works a task: the caller, or the caller as `principal`'s deputy when a deputyship in
/// force says so (403 `not_deputy` otherwise, also for a principal the caller may not know).
pub(crate) async fn acting(state: &AppState, identity: &Identity, principal: Option<&str>) -> ApiResult<Actor> {
    let Some(principal) = principal else { return Ok(identity.actor()) };
    let not_deputy = || {
        Problem::new(
            StatusCode::FORBIDDEN,
            "not_deputy",
            format!("{} is not {principal}'s deputy at this time", identity.user.id),
        )
    };
    let principal = person(state, identity, principal).await?.ok_or_else(not_deputy)?;
    let me = Actor { admin: false, ..identity.actor() };
    Ok(state.engine.acting_for(&me, &principal).await?)
}

/// On whose behalf a task route acts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OnBehalf {
    /// Work as this person's deputy (a deputyship in force must name the caller).
    pub on_behalf_of: Option<String>,
}

/// Filters of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeputyQuery {
    /// Only those of this principal (administrators; others see only their own).
    pub principal: Option<String>,
    /// Only those naming this deputy (administrators).
    pub deputy: Option<String>,
    /// Leave out those already over (default true).
    pub current: Option<bool>,
    /// Everyone's (administrators: of the people of their vendor, or all for the company's).
    pub all: Option<bool>,
}

/// The deputyships the caller is principal or deputy of; administrators may list anyone's.
#[utoipa::path(get, path = "/api/v1/deputies", tag = "deputies", params(DeputyQuery),
    responses((status = 200, body = Vec<DeputyView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<DeputyQuery>,
) -> ApiResult<Json<Vec<DeputyView>>> {
    Ok(Json(listed(&state, &identity, query).await?))
}

/// The deputyships `query` asks for that the caller may see (the pages list them too).
pub(crate) async fn listed(state: &AppState, identity: &Identity, query: DeputyQuery) -> ApiResult<Vec<DeputyView>> {
    let now = state.engine.now();
    let others = query.principal.is_some() || query.deputy.is_some() || query.all == Some(true);
    let filter = DeputyFilter {
        principal: query.principal,
        deputy: query.deputy,
        involving: if identity.user.admin && others { None } else { Some(identity.user.id.clone()) },
        current_at: query.current.unwrap_or(true).then_some(now),
        limit: Some(state.config.limits.page_max),
        ..DeputyFilter::default()
    };
    let found = state.engine.deputyships(&filter).await?;
    let mut visible = Vec::with_capacity(found.len());
    for d in found {
        // A vendor's administrator sees the deputyships of their vendor's people only.
        if identity.user.vendor.is_none() || person(state, identity, &d.principal).await?.is_some() {
            visible.push(view(d, now));
        }
    }
    Ok(visible)
}

/// A deputy to name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameDeputy {
    /// Whose deputy (default: the caller; someone else: administrators only).
    #[serde(default)]
    pub principal: Option<String>,
    /// The deputy: a user of the principal's vendor (or of the company, for its staff).
    pub deputy: String,
    /// From (default: now).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    /// Until (exclusive).
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
}

/// Names a deputy for a period: the caller's own, or (administrators) anyone's.
#[utoipa::path(post, path = "/api/v1/deputies", tag = "deputies", request_body = NameDeputy,
    responses((status = 201, body = DeputyView), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn name(
    State(state): State<AppState>,
    identity: Identity,
    Body(body): Body<NameDeputy>,
) -> ApiResult<(StatusCode, Json<DeputyView>)> {
    Ok((StatusCode::CREATED, Json(named(&state, &identity, body).await?)))
}

/// Names the deputy `body` asks for, as the caller may (the pages name them too).
pub(crate) async fn named(state: &AppState, identity: &Identity, body: NameDeputy) -> ApiResult<DeputyView> {
    let no_user = |field: &str, id: &str| {
        Problem::invalid(vec![FieldError { field: field.into(), message: format!("no user `{id}` to name") }])
    };
    let principal = match body.principal.as_deref() {
        None => Actor { admin: false, ..identity.actor() },
        Some(id) if id == identity.user.id => Actor { admin: false, ..identity.actor() },
        Some(id) => {
            identity.require_admin()?;
            person(state, identity, id).await?.ok_or_else(|| no_user("principal", id))?
        }
    };
    let deputy = person(state, identity, &body.deputy).await?.ok_or_else(|| no_user("deputy", &body.deputy))?;
    let starts_at = body.starts_at.unwrap_or_else(|| state.engine.now());
    let named = state.engine.name_deputy(&caller(identity), &principal, &deputy, starts_at, body.ends_at).await?;
    Ok(view(named, state.engine.now()))
}

/// Ends a deputyship now (or cancels one not yet begun): its principal, or an administrator.
#[utoipa::path(post, path = "/api/v1/deputies/{id}/end", tag = "deputies",
    params(("id" = i64, Path, description = "The deputyship's number")),
    responses((status = 200, body = DeputyView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn end(
    State(state): State<AppState>,
    identity: Identity,
    Segments(id): Segments<i64>,
) -> ApiResult<Json<DeputyView>> {
    Ok(Json(ended(&state, &identity, id).await?))
}

/// Ends deputyship `id` if the caller may (the pages end them too).
pub(crate) async fn ended(state: &AppState, identity: &Identity, id: i64) -> ApiResult<DeputyView> {
    let found = state.engine.deputyship(id).await?;
    // Other people's deputyships do not exist for the caller (an administrator's: those of
    // their vendor's people, or all for the company's).
    let involved = found.principal == identity.user.id || found.deputy == identity.user.id;
    let administered = identity.user.admin && person(state, identity, &found.principal).await?.is_some();
    if !involved && !administered {
        return Err(Problem::not_found(format!("no deputyship {id}")));
    }
    let ended = state.engine.end_deputyship(&caller(identity), id).await?;
    Ok(view(ended, state.engine.now()))
}
