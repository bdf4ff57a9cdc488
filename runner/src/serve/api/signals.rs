//! Lost signals (administrators): the signals no order took, so that none is lost silently:
//! kept for a wait that did not come in time, left when their order ended, or addressed to an
//! order number no order has.

use super::{Params, page};
use crate::serve::auth::Identity;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use junro_engine::store::{LostSignal, LostSignalFilter};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

/// Filters of the lost-signal list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LostQuery {
    /// Only those lost at or after this time (RFC 3339).
    pub since: Option<Timestamp>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page (default 100).
    pub limit: Option<u32>,
}

/// A signal no order took.
#[derive(Debug, Serialize, ToSchema)]
pub struct LostSignalView {
    /// The order it was kept in, if any.
    pub order: Option<String>,
    /// The order number it was addressed by.
    pub business_key: Option<String>,
    /// The order's flow, if any.
    pub flow: Option<String>,
    /// Signal id.
    pub signal: String,
    /// The data it brought.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// Who sent it.
    pub sender: Option<String>,
    /// When it arrived.
    pub received_at: Timestamp,
    /// When it was given up.
    pub lost_at: Timestamp,
    /// `expired`, `order closed` or `no such order`.
    pub reason: String,
}

impl From<LostSignal> for LostSignalView {
    fn from(l: LostSignal) -> Self {
        LostSignalView {
            order: l.order,
            business_key: l.business_key,
            flow: l.flow,
            signal: l.signal,
            data: l.data,
            sender: l.sender,
            received_at: l.received_at,
            lost_at: l.lost_at,
            reason: l.reason,
        }
    }
}

/// A page of lost signals.
#[derive(Debug, Serialize, ToSchema)]
pub struct LostPage {
    /// Oldest first.
    pub signals: Vec<LostSignalView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Lists the signals no order took, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/signals/lost", tag = "orders", params(LostQuery),
    responses((status = 200, body = LostPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn lost(
    State(state): State<AppState>,
    identity: Identity,
    Params(query): Params<LostQuery>,
) -> ApiResult<Json<LostPage>> {
    identity.require_admin()?;
    let after = match &query.cursor {
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            Problem::invalid(vec![FieldError {
                field: "cursor".into(),
                message: "not a cursor this service gave".into(),
            }])
        })?),
        None => None,
    };
    let limit = page(query.limit, &state);
    let filter = LostSignalFilter { since: query.since, after, limit: Some(limit + 1) };
    let mut rows = state.engine.lost_signals(&filter).await?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(Json(LostPage { signals: rows.into_iter().map(LostSignalView::from).collect(), next }))
}
