//! Take-next: the most urgent task a person may work, claimed for them in one call. Concurrent
//! callers of one engine reserve different candidates and skip what this engine claimed since
//! their candidates were read (`cache.rs`); a page all taken is followed by the next page after
//! its last task.

use super::{Engine, EngineError};
use crate::machine::{Actor, Command, CommandError};
use crate::store::{TaskFilter, TaskRow};

/// Candidates a take-next reads at a time.
const TAKE_NEXT_PAGE: u32 = 64;

impl Engine {
    /// Takes the most urgent task the actor may work: claims it and returns it.
    ///
    /// Concurrent callers of this engine never try the same task at once: each reserves the
    /// first candidate nobody else is claiming, so fifty people pressing "take next" together
    /// get fifty different tasks in one round instead of all racing for the first. (Engines of
    /// other processes may still meet on a task; the loser moves on to the next candidate.)
    pub async fn take_next(&self, actor: &Actor) -> Result<Option<TaskRow>, EngineError> {
        self.take_next_where(actor, TaskFilter::default()).await
    }

    /// [`Engine::take_next`] among the tasks `within` also allows (a flow, a step, only the
    /// orders of the person's vendor: `order_vendor`); its roles, vendor, unclaimed and limit
    /// are the actor's.
    pub async fn take_next_where(&self, actor: &Actor, within: TaskFilter) -> Result<Option<TaskRow>, EngineError> {
        // The query leaves out what this person may not take (other roles, other vendors,
        // held orders). When every candidate of a full page is being claimed by someone else,
        // was taken meanwhile or turned out not to be takeable, the next page is read from
        // after the last one, until a page is not full: every eligible task is considered,
        // however many are ahead, and each page costs the same however deep it is (with a
        // hundred people waiting for their next task at once, the first pages are all being
        // claimed).
        let mut after = None;
        loop {
            let filter = TaskFilter {
                roles: Some(actor.roles.clone()),
                vendor: actor.vendor.clone(),
                unclaimed: true,
                assignee: None,
                takeable: true,
                after,
                limit: Some(TAKE_NEXT_PAGE),
                ..within.clone()
            };
            let read_at = self.taking.epoch();
            let candidates = self.store.tasks(&filter).await?;
            let full = candidates.len() == TAKE_NEXT_PAGE as usize;
            after = candidates.last().map(TaskRow::position);
            let taken = self.claim_first(actor, candidates, read_at).await?;
            if taken.is_some() || !full {
                return Ok(taken);
            }
        }
    }

    /// Claims the first of `candidates` (read at epoch `read_at`) the actor may work, skipping
    /// those another caller is claiming or this engine has claimed since, and those that turn
    /// out not to be takeable.
    async fn claim_first(
        &self,
        actor: &Actor,
        candidates: Vec<TaskRow>,
        read_at: u64,
    ) -> Result<Option<TaskRow>, EngineError> {
        for task in candidates {
            let Some(reservation) = self.taking.reserve(&task.order, task.instance, read_at) else { continue };
            match self.apply(&task.order, actor, Command::Claim { task: task.instance }).await {
                Ok(()) => {
                    reservation.claimed();
                    return Ok(Some(TaskRow { assignee: Some(actor.id.clone()), ..task }));
                }
                // Someone was faster, the order moved on, closed or was held meanwhile, or its
                // vendor rules this person out: try the next.
                Err(
                    EngineError::Conflict(_)
                    | EngineError::Command(
                        CommandError::ClaimedByOther { .. }
                        | CommandError::NoSuchTask(_)
                        | CommandError::Closed(_)
                        | CommandError::NotEligible { .. }
                        | CommandError::OnHold(_),
                    ),
                ) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}
