//! What a caller may see. Vendor staff see only their vendor's orders: another vendor's order
//! answers exactly as an order that does not exist (404 with the same words), so nobody learns
//! that it exists. The company's own staff (no vendor) see every order.

use super::auth::Identity;
use super::problem::Problem;
use super::state::AppState;
use junro_engine::machine::OrderState;
use junro_engine::runtime::{EngineError, OrderView};
use junro_engine::store::TaskFilter;

/// Whether `identity` may see the order in `state`: its vendor's order, or one without a
/// vendor yet whose open task the person may take or holds (a front task not yet worked).
pub(crate) async fn can_see(state: &AppState, identity: &Identity, order: &OrderState) -> Result<bool, Problem> {
    if plainly_sees(identity, order) {
        return Ok(true);
    }
    let Some(vendor) = &identity.user.vendor else { return Ok(true) };
    if order.vendor.is_some() {
        return Ok(false);
    }
    let filter = TaskFilter {
        order: Some(order.id.clone()),
        vendor: Some(vendor.clone()),
        roles: (!identity.user.supervisor).then(|| identity.user.roles.clone()),
        limit: Some(1),
        ..TaskFilter::default()
    };
    Ok(!state.engine.tasks(&filter).await?.is_empty())
}

/// Whether `identity` sees the order in `state` without asking anything more: the company's
/// own staff and administrators see every order, a vendor's staff their vendor's. (An order
/// without a vendor yet may still be visible to a vendor's staff: `can_see`.)
pub(crate) fn plainly_sees(identity: &Identity, order: &OrderState) -> bool {
    match &identity.user.vendor {
        None => true,
        Some(vendor) => identity.user.admin || order.vendor.as_ref() == Some(vendor),
    }
}

/// The state of order `id_or_key` (no history), if the caller may see it; 404 otherwise, in
/// the same words as for an order that does not exist.
pub(crate) async fn visible_state(
    state: &AppState,
    identity: &Identity,
    id_or_key: &str,
) -> Result<OrderState, Problem> {
    let hidden = || Problem::not_found(format!("no order {id_or_key}"));
    let order = match state.engine.order_state(id_or_key).await {
        Ok(order) => order,
        Err(EngineError::UnknownOrder(_)) => return Err(hidden()),
        Err(e) => return Err(e.into()),
    };
    if can_see(state, identity, &order).await? { Ok(order) } else { Err(hidden()) }
}

/// The order `id_or_key` with its history, if the caller may see it; 404 otherwise, in the
/// same words as for an order that does not exist.
pub(crate) async fn visible_order(
    state: &AppState,
    identity: &Identity,
    id_or_key: &str,
) -> Result<OrderView, Problem> {
    let hidden = || Problem::not_found(format!("no order {id_or_key}"));
    let view = match state.engine.order(id_or_key).await {
        Ok(view) => view,
        Err(EngineError::UnknownOrder(_)) => return Err(hidden()),
        Err(e) => return Err(e.into()),
    };
    if can_see(state, identity, &view.state).await? { Ok(view) } else { Err(hidden()) }
}
