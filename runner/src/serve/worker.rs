//! The worker inside `junro serve`: fires due timers, runs due jobs of the outbox and delivers
//! notices (`notifier.rs`) every interval, beside a loop sending webhooks and mails (`deliveries.rs`), so
//! one process is a complete installation. Several processes may each run one on a shared
//! PostgreSQL database: the engine claims each due timer and job for one of them.

use super::state::AppState;
use std::time::Duration;
use tokio::sync::watch;

/// Runs rounds until `stop` turns true; a round in progress is finished first.
pub(crate) async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    // Webhooks and mails are sent by a loop of their own: a slow receiver never holds up this one.
    let deliveries = tokio::spawn(super::deliveries::run(state.clone(), stop.clone()));
    let pause = Duration::from_millis(state.config.worker_interval_ms.max(10));
    loop {
        let started = std::time::Instant::now();
        match state.engine.run_due().await {
            Ok(handled) => {
                if handled > 0 {
                    metrics::counter!("junro_worker_handled_total").increment(handled as u64);
                }
            }
            Err(error) => tracing::warn!(%error, "worker round failed; trying again next round"),
        }
        // Notices wait for nobody's request: a failed round leaves them to the next.
        if let Err(error) = super::notifier::deliver(&state).await {
            tracing::warn!(%error, "delivering notices failed; trying again next round");
        }
        if let Err(error) = super::digest::send_if_due(&state).await {
            tracing::warn!(%error, "the supervisors' daily digest failed");
        }
        metrics::histogram!("junro_worker_round_seconds").record(started.elapsed().as_secs_f64());
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    // Its round in progress finishes too.
    let _ = deliveries.await;
}

/// Everything people are to be told, now and to its end: notices worded into inboxes and
/// queues, the supervisors' digest if due, then every due webhook and mail sent. For a caller
/// that drives a virtual clock (the demo's month) instead of running the worker.
pub(crate) async fn notify_now(state: &AppState) -> Result<(), String> {
    while super::notifier::deliver(state).await? > 0 {}
    super::digest::send_if_due(state).await?;
    super::deliveries::send_all_due(state).await.map_err(|e| e.to_string())
}
