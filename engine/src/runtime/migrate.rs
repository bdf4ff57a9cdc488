//! Moving running orders to another version of their flow (`junro migrate`, the service's
//! `POST /flows/{flow}/migrate`): each order is checked (`machine::migration_blocker`), a dry
//! run says what would happen, and the move is committed in batches, each order only where it
//! is unchanged since it was checked.

use super::{Engine, EngineError};
use crate::machine::{self, Actor};
use crate::store::{Change, OrderFilter};

/// What became (or would become) of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationVerdict {
    /// The order.
    pub order: String,
    /// The version it runs (ran).
    pub from: u32,
    /// `None` when it moves (moved); else why it cannot.
    pub blocked: Option<String>,
}

/// Orders moved per transaction.
const BATCH: usize = 500;

impl Engine {
    /// Moves the open orders of `flow` (or only `orders`, by id or business key) to version
    /// `to`; with `dry_run`, only says which would move. Every order is recorded in its history
    /// as moved by `actor`; one changed between its check and the move is left as it is, with
    /// that reason.
    pub async fn migrate(
        &self,
        flow: &str,
        to: u32,
        orders: Option<&[String]>,
        dry_run: bool,
        actor: &Actor,
    ) -> Result<Vec<MigrationVerdict>, EngineError> {
        let target = self.flow(flow, to).ok_or_else(|| EngineError::UnknownFlow(format!("{flow} version {to}")))?;
        let ids = match orders {
            Some(orders) => {
                let mut ids = Vec::with_capacity(orders.len());
                for order in orders {
                    ids.push(self.resolve(order).await?);
                }
                ids
            }
            None => self.open_orders_of(flow).await?,
        };
        let mut verdicts = Vec::with_capacity(ids.len());
        let mut moves = Vec::new();
        for id in ids {
            let state = self.order_state(&id).await?;
            let blocked = if state.flow != flow {
                Some(format!("the order runs flow `{}`", state.flow))
            } else if state.version == to {
                Some(format!("the order runs version {to} already"))
            } else {
                machine::migration_blocker(&state, self.flow(flow, state.version).as_deref(), &target)
            };
            if blocked.is_none() && !dry_run {
                moves.push((verdicts.len(), state.clone()));
            }
            verdicts.push(MigrationVerdict { order: id, from: state.version, blocked });
        }
        let now = self.now();
        for chunk in moves.chunks(BATCH) {
            let changes = |states: &[(usize, machine::OrderState)]| -> Vec<Change> {
                states
                    .iter()
                    .map(|(_, state)| {
                        let transition = machine::migrate(state, to, actor);
                        let seq = state.events + 1;
                        let mut new = transition.state;
                        new.events = seq;
                        Change {
                            state: new,
                            expected_version: Some(state.version_no),
                            events: transition.events.into_iter().map(|e| (seq, now, e)).collect(),
                            effects: transition.effects,
                        }
                    })
                    .collect()
            };
            match self.commit(changes(chunk)).await {
                Ok(()) => {}
                // Some order changed since it was checked: move the others one by one.
                Err(EngineError::Conflict(_)) => {
                    for one in chunk {
                        match self.commit(changes(std::slice::from_ref(one))).await {
                            Ok(()) => {}
                            Err(EngineError::Conflict(_)) => {
                                verdicts[one.0].blocked = Some("the order changed meanwhile: check it again".into());
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(verdicts)
    }

    /// The ids of the open and held top-level orders of `flow`.
    async fn open_orders_of(&self, flow: &str) -> Result<Vec<String>, EngineError> {
        let mut ids = Vec::new();
        for status in ["open", "on_hold"] {
            let mut after = None;
            loop {
                let filter = OrderFilter {
                    flow: Some(flow.to_string()),
                    status: Some(status.to_string()),
                    after: after.clone(),
                    limit: Some(1000),
                    ..OrderFilter::default()
                };
                let page = self.orders(&filter).await?;
                let Some(last) = page.last() else { break };
                after = Some((last.received_at, last.id.clone()));
                let full = page.len() == 1000;
                ids.extend(page.into_iter().map(|o| o.id));
                if !full {
                    break;
                }
            }
        }
        Ok(ids)
    }
}
