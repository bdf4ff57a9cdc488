//! The KPI summary: finished orders' figures kept in the database, so that a report reads each
//! finished order's events once, not at every report.
//!
//! An order is finished when it and all its subflows are closed and none of its steps is still
//! open: no command reaches a closed order, so its figures cannot change any more — unless the
//! code that computes them or the business calendars change. The summary's [`key`] names both;
//! chunks made under another key are dropped by the store and their orders computed again from
//! their events. Bump [`FIGURES_VERSION`] with every change to what `case::figures` computes.
//!
//! Chunks hold up to [`CHUNK_ORDERS`] orders each, encoded with postcard (compact, and decoded
//! in parallel, one chunk per task).

use super::case::{CaseFigures, InstanceLog};
use crate::calendar::Calendars;

/// The version of the figures' computation (`case::figures` and what it calls). Bump it when a
/// change there changes any figure, so that stored summaries are recomputed.
pub(crate) const FIGURES_VERSION: u32 = 3;

/// The most orders one chunk holds, and by default the fewest finished orders worth a chunk.
pub const CHUNK_ORDERS: usize = 1_000;

/// The summary's key: the figures' version, the engine's version and a fingerprint of the
/// business calendars the figures were computed with.
pub(crate) fn key(calendars: &Calendars) -> String {
    // FNV-1a of the calendars' full description: stable across runs; if a new release prints
    // them differently, summaries are merely recomputed once.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{calendars:?}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("figures-{FIGURES_VERSION}/engine-{}/calendars-{hash:016x}", env!("CARGO_PKG_VERSION"))
}

/// Whether an order's figures are final: it and its subflows are closed and no step is open.
pub(crate) fn finished(instances: &[InstanceLog], figures: &CaseFigures) -> bool {
    figures.closed.is_some()
        && instances.iter().all(|i| i.status == "closed")
        && figures.steps.iter().all(|r| !r.open())
        && figures.open_waits.is_empty()
}

/// Encodes a chunk's figures.
pub(crate) fn encode(figures: &[&CaseFigures]) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_stdvec(figures)
}

/// Decodes a chunk's figures.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<CaseFigures>, postcard::Error> {
    postcard::from_bytes(bytes)
}
