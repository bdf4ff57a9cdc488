//! Rows that ride with a change: the embedding application's record of a request (the
//! service's audit trail) written in the same transaction as the change the request made.
//!
//! An application runs a request's work inside [`riding`] with a function that makes the rows
//! of the change committed; the first commit of that work that succeeds carries them (a commit
//! that fails, a version conflict say, carries them nowhere, and the next attempt makes them
//! again). The change and its record are then committed together or not at all: no
//! acknowledged change without its record, no record of a change that was rolled back, and one
//! transaction and `fsync` instead of two in turn. The application learns whether its rows were
//! written and records the request on its own otherwise (it changed nothing, or failed).

use super::{Appended, Change};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Makes the rows to write with a commit of `changes`, or none (the request has nothing to
/// record with it).
pub type RiderRows = Box<dyn FnMut(&[Change]) -> Option<Appended> + Send>;

struct Rider {
    rows: Mutex<Option<RiderRows>>,
    written: AtomicBool,
}

tokio::task_local! {
    static RIDER: Rider;
}

/// Runs `work`; the first of its commits that succeeds also writes the rows `rows` makes of it.
/// Returns what `work` returned and whether the rows were written.
pub async fn riding<F: std::future::Future>(
    rows: impl FnMut(&[Change]) -> Option<Appended> + Send + 'static,
    work: F,
) -> (F::Output, bool) {
    let rider = Rider { rows: Mutex::new(Some(Box::new(rows))), written: AtomicBool::new(false) };
    RIDER
        .scope(rider, async move {
            let output = work.await;
            (output, RIDER.with(|r| r.written.load(Ordering::Acquire)))
        })
        .await
}

/// The rows to write with `changes`, when the caller's work rides and none were written yet.
pub(crate) fn rows_for(changes: &[Change]) -> Option<Appended> {
    RIDER
        .try_with(|rider| {
            let mut rows = rider.rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            rows.as_mut().and_then(|make| make(changes))
        })
        .ok()
        .flatten()
        .filter(|rows| !rows.rows.is_empty())
}

/// Notes that the rows made for the caller's commit were written: no later commit carries any.
pub(crate) fn written() {
    let _ = RIDER.try_with(|rider| {
        rider.written.store(true, Ordering::Release);
        *rider.rows.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    });
}
