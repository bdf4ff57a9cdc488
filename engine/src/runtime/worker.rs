//! The worker: [`Engine::run_due`] fires due timers and runs due jobs of the outbox, calling the
//! registered action handlers outside any transaction and applying their results as commands.
//! Jobs of actions without a handler in this process are left to external workers, which fetch
//! and lock them ([`Engine::fetch_jobs`]) and report back ([`Engine::complete_job`],
//! [`Engine::fail_job`]), in any language, through the service's API.

use super::{ActionRequest, ActionResult, BatchItem, Engine, EngineError};
use crate::machine::{Actor, Command, CommandError};
use crate::store;

impl Engine {
    /// Fires due timers and runs due jobs once; returns how many were handled. Timers fire in one
    /// transaction; claimed jobs' handlers run concurrently, outside any transaction, and their
    /// results are applied in one transaction.
    pub async fn run_due(&self) -> Result<usize, EngineError> {
        let now = self.now();
        let system = Actor::system();
        // Orders with a timer due, and from their states every timer due by now, earliest first.
        let due = self.store.claim_timers(now, 1_000, 60).await?;
        let mut timers: Vec<(jiff::Timestamp, u64, String)> = Vec::new();
        // To the microsecond, as the order row keeps the earliest due time: a timer due later
        // within the microsecond the worker claimed it at fires now, not when the claim ends.
        let fires = |at: &jiff::Timestamp| at.as_microsecond() <= now.as_microsecond();
        for state in self.store.load_many(&due).await? {
            let due_now = state.timers.iter().filter(|(_, t)| fires(&t.at));
            timers.extend(due_now.map(|(id, t)| (t.at, *id, state.id.clone())));
        }
        timers.sort();
        let items = timers.into_iter().map(|(_, timer, order)| BatchItem::Apply {
            order,
            actor: system.clone(),
            command: Command::TimerFired { timer },
        });
        let mut handled = self.settle(self.apply_batch(items.collect()).await, &[CommandErrorKind::StaleTimer])?;
        let actions: Vec<String> =
            self.handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner).keys().cloned().collect();
        let jobs = self.store.claim_jobs(now, 1_000, 300, &actions).await?;
        let calls = jobs.iter().map(|job| self.call_handler(job));
        let outcomes = futures_util::future::join_all(calls).await;
        let items = jobs
            .iter()
            .zip(outcomes)
            .map(|(job, result)| {
                // The jobs were picked up when claimed: each attempt's run begins then.
                let started_at = Some(now);
                let command = match result {
                    Ok(output) => Command::ActionSucceeded { job: job.instance, output, started_at },
                    Err(error) => Command::ActionFailed { job: job.instance, error, started_at },
                };
                BatchItem::Apply { order: job.order.clone(), actor: system.clone(), command }
            })
            .collect();
        handled += self.settle(self.apply_batch(items).await, &[CommandErrorKind::NoSuchJob])?;
        Ok(handled)
    }

    /// Fetches and locks up to `limit` due jobs of these actions for an external worker, for
    /// `lease_s` seconds: nobody else gets them until the lease runs out. The worker reports
    /// each back with [`Engine::complete_job`] or [`Engine::fail_job`], or extends the lease.
    pub async fn fetch_jobs(
        &self,
        actions: &[String],
        limit: u32,
        lease_s: u64,
    ) -> Result<Vec<store::JobRow>, EngineError> {
        Ok(self.store.claim_jobs(self.now(), limit, lease_s, actions).await?)
    }

    /// An external worker finished a job: its output goes into the order, which moves on. The
    /// attempt ran from when the worker fetched the job.
    pub async fn complete_job(&self, order: &str, job: u64, output: crate::script::Data) -> Result<(), EngineError> {
        let started_at = self.store.job_picked_at(order, job).await?;
        self.apply(order, &Actor::system(), Command::ActionSucceeded { job, output, started_at }).await
    }

    /// An external worker failed a job: it is retried as the flow declares, then becomes an
    /// incident.
    pub async fn fail_job(&self, order: &str, job: u64, error: &str) -> Result<(), EngineError> {
        let started_at = self.store.job_picked_at(order, job).await?;
        self.apply(order, &Actor::system(), Command::ActionFailed { job, error: error.to_string(), started_at }).await
    }

    /// Extends the lease of a fetched job by `lease_s` seconds from now; `false` when the job is
    /// done or its lease already ran out (another worker may hold it now).
    pub async fn extend_job(&self, order: &str, job: u64, lease_s: u64) -> Result<bool, EngineError> {
        let now = self.now();
        let until = now.checked_add(jiff::SignedDuration::from_secs(i64::try_from(lease_s).unwrap_or(i64::MAX)));
        Ok(self.store.extend_job(order, job, now, until.unwrap_or(jiff::Timestamp::MAX)).await?)
    }

    /// Counts handled items; benign refusals (work already done elsewhere) count as handled,
    /// conflicts are left for the lease to expire, other errors are returned.
    fn settle(
        &self,
        results: Vec<Result<Option<String>, EngineError>>,
        benign: &[CommandErrorKind],
    ) -> Result<usize, EngineError> {
        let mut handled = 0;
        for result in results {
            match result {
                Ok(_) => handled += 1,
                Err(EngineError::Command(CommandError::Closed(_))) => handled += 1,
                Err(EngineError::Command(CommandError::StaleTimer(_)))
                    if benign.contains(&CommandErrorKind::StaleTimer) =>
                {
                    handled += 1
                }
                Err(EngineError::Command(CommandError::NoSuchJob(_)))
                    if benign.contains(&CommandErrorKind::NoSuchJob) =>
                {
                    handled += 1
                }
                // The order moved meanwhile, or was put on hold: its timer fires, its job runs
                // again, once the order allows (a held order's timers and jobs wait for resume).
                Err(EngineError::Conflict(_) | EngineError::Command(CommandError::OnHold(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(handled)
    }

    async fn call_handler(&self, job: &store::JobRow) -> ActionResult {
        let handler = self.handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&job.action).cloned();
        let Some(handler) = handler else {
            return Err(format!("no handler is registered for action `{}`", job.action));
        };
        let request = ActionRequest {
            action: job.action.clone(),
            order: job.order.clone(),
            inputs: job.inputs.clone(),
            idempotency_key: job.idempotency_key.clone(),
            attempt: job.attempt,
        };
        let call = handler.call(request);
        match job.timeout {
            Some(seconds) => tokio::time::timeout(std::time::Duration::from_secs(seconds), call)
                .await
                .unwrap_or_else(|_| Err(format!("timed out after {seconds}s"))),
            None => call.await,
        }
    }
}

/// Refusals a worker expects when work was already done by another worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommandErrorKind {
    StaleTimer,
    NoSuchJob,
}
