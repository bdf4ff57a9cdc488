//! The states this engine wrote last, kept between the commands of an order so that the next
//! command does not read and parse the state document again.
//!
//! A cached state is a guess, never the truth: another engine (or another task of this one) may
//! have changed the order since. The guess is safe because every write of an existing order is
//! conditional on the `version_no` it was computed from (`Store::commit` fails with `Conflict`
//! otherwise), and because the engine answers a refusal or a conflict met on a cached state by
//! doing the command again on the stored state (`runtime::unit`). So a stale entry costs a retry,
//! not a wrong answer.
//!
//! Entries are taken out when a command uses them and put back only after its commit succeeded:
//! a failed or rolled-back transaction leaves nothing behind. Closed orders are not kept. The
//! cache is bounded by two generations: when the newer one is full, the older is dropped, so
//! the orders touched least recently go first without bookkeeping per access.

use crate::machine::{OrderState, Status};
use std::collections::HashMap;
use std::sync::Mutex;

/// Orders kept per generation; at most twice as many are cached. A state is a few kilobytes in
/// memory, so the whole cache stays within tens of megabytes.
const GENERATION: usize = 8_192;

#[derive(Default)]
struct Generations {
    newer: HashMap<String, OrderState>,
    older: HashMap<String, OrderState>,
}

/// A bounded map from order id to the state this engine last committed for it.
pub(super) struct StateCache {
    generations: Mutex<Generations>,
    generation: usize,
}

impl Default for StateCache {
    fn default() -> Self {
        StateCache::with_generation(GENERATION)
    }
}

impl StateCache {
    fn with_generation(generation: usize) -> StateCache {
        StateCache { generations: Mutex::default(), generation: generation.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        self.generations.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes an order's cached state out of the cache.
    pub(super) fn take(&self, id: &str) -> Option<OrderState> {
        let mut generations = self.lock();
        generations.newer.remove(id).or_else(|| generations.older.remove(id))
    }

    /// Keeps the states of a successful commit. A state older than the one cached (two tasks of
    /// this engine committing the same order, the later one first) does not replace it.
    pub(super) fn keep(&self, states: impl IntoIterator<Item = OrderState>) {
        let mut generations = self.lock();
        for state in states {
            let newest = generations.newer.get(&state.id).or_else(|| generations.older.get(&state.id));
            if newest.is_some_and(|cached| cached.version_no >= state.version_no) {
                continue;
            }
            generations.older.remove(&state.id);
            if matches!(state.status, Status::Closed { .. }) {
                // No command is expected on a closed order: do not spend memory on it.
                generations.newer.remove(&state.id);
                continue;
            }
            if generations.newer.len() >= self.generation && !generations.newer.contains_key(&state.id) {
                generations.older = std::mem::take(&mut generations.newer);
            }
            generations.newer.insert(state.id.clone(), state);
        }
    }

    /// How many states are cached.
    #[cfg(test)]
    fn len(&self) -> usize {
        let generations = self.lock();
        generations.newer.len() + generations.older.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, version_no: u64) -> OrderState {
        let mut state = crate::machine::blank_state();
        state.id = id.to_string();
        state.version_no = version_no;
        state
    }

    #[test]
    fn a_taken_state_is_gone_until_kept_again() {
        let cache = StateCache::default();
        cache.keep([state("a", 1)]);
        assert_eq!(cache.take("a").map(|s| s.version_no), Some(1));
        assert!(cache.take("a").is_none(), "a failed commit must find nothing to reuse");
        cache.keep([state("a", 2)]);
        assert_eq!(cache.take("a").map(|s| s.version_no), Some(2));
    }

    #[test]
    fn an_older_state_does_not_replace_a_newer_one() {
        let cache = StateCache::default();
        cache.keep([state("a", 5)]);
        cache.keep([state("a", 4)]);
        assert_eq!(cache.take("a").map(|s| s.version_no), Some(5));
    }

    #[test]
    fn closed_orders_are_dropped() {
        let cache = StateCache::default();
        cache.keep([state("a", 1)]);
        let mut closed = state("a", 2);
        closed.status = Status::Closed { outcome: "completed".into(), at: jiff::Timestamp::UNIX_EPOCH };
        cache.keep([closed]);
        assert!(cache.take("a").is_none());
    }

    #[test]
    fn the_cache_holds_at_most_two_generations() {
        let cache = StateCache::with_generation(3);
        cache.keep((0..10).map(|n| state(&format!("o{n}"), 1)));
        assert!(cache.len() <= 6, "{}", cache.len());
        // The most recent orders are still there, the first ones are gone.
        assert!(cache.take("o9").is_some());
        assert!(cache.take("o0").is_none());
    }
}

/// Tasks being claimed by callers of this engine right now, so that concurrent callers of
/// `take_next` try different tasks; and the tasks it claimed since a caller read its
/// candidates, so that the caller does not try those either.
///
/// A caller notes the [`Reservations::epoch`] before it reads its candidates; every claim
/// committed afterwards carries a later epoch. Under many concurrent callers a page of candidates
/// read a moment ago is mostly taken by the time it is tried; trying each meant running the
/// command on the order's state to learn it was claimed by someone else (and reading that state
/// when another command held it), which at sixty-four concurrent operators cost more than the
/// claims themselves (BENCHMARKS.md, "twelfth session").
#[derive(Default)]
pub(super) struct Reservations {
    held: std::sync::Mutex<std::collections::HashSet<(String, u64)>>,
    claimed: std::sync::Mutex<Claimed>,
    epoch: std::sync::atomic::AtomicU64,
}

/// Claims this engine committed, by the epoch they were committed in: two generations, the
/// older dropped when the newer is full. A claim forgotten early costs one futile try, nothing
/// worse.
#[derive(Default)]
struct Claimed {
    newer: std::collections::HashMap<(String, u64), u64>,
    older: std::collections::HashMap<(String, u64), u64>,
}

/// Claims kept per generation.
const CLAIMS_KEPT: usize = 4_096;

/// A task reserved until this is dropped.
pub(super) struct Reservation<'a> {
    of: &'a Reservations,
    task: (String, u64),
}

impl Reservations {
    /// The epoch to note before reading candidates.
    pub(super) fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Reserves a task of candidates read at `read_at`, unless another caller holds it or this
    /// engine has claimed it since.
    pub(super) fn reserve(&self, order: &str, instance: u64, read_at: u64) -> Option<Reservation<'_>> {
        let task = (order.to_string(), instance);
        {
            let claimed = self.claimed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let since = claimed.newer.get(&task).or_else(|| claimed.older.get(&task));
            if since.is_some_and(|&at| at > read_at) {
                return None;
            }
        }
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Lazily: a reservation made and dropped here would lock `held` again in its `drop`.
        held.insert(task.clone()).then(|| Reservation { of: self, task })
    }
}

impl Reservation<'_> {
    /// The claim of the reserved task was committed: callers whose candidates were read before
    /// now skip it.
    pub(super) fn claimed(self) {
        let at = self.of.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel) + 1;
        let mut claimed = self.of.claimed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if claimed.newer.len() >= CLAIMS_KEPT {
            claimed.older = std::mem::take(&mut claimed.newer);
        }
        claimed.newer.insert(self.task.clone(), at);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.of.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.task);
    }
}

#[cfg(test)]
mod reservation_tests {
    use super::Reservations;

    #[test]
    fn a_task_claimed_after_the_candidates_were_read_is_skipped_but_not_by_later_readers() {
        let taking = Reservations::default();
        let before = taking.epoch();
        let held = taking.reserve("o1", 1, before).expect("free");
        assert!(taking.reserve("o1", 1, before).is_none(), "held by another caller");
        held.claimed();
        assert!(taking.reserve("o1", 1, before).is_none(), "claimed since these candidates were read");
        let after = taking.epoch();
        assert!(taking.reserve("o1", 1, after).is_some(), "a later read that lists it unclaimed saw it released");
        assert!(taking.reserve("o2", 1, before).is_some(), "other tasks are untouched");
    }
}
