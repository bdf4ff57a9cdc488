//! Group commit across callers, for a database with one writer at a time (SQLite).
//!
//! Every [`Store::commit`](super::Store::commit) turns its changes into a [`Batch`] on the
//! caller's own task, then queues it. Whoever holds the writer next takes every queued batch
//! whose orders no other taken batch touches, writes them all in one transaction, and tells each
//! caller how it went. Concurrent callers (several drivers, the worker, the HTTP handlers of
//! many staff) thus share one transaction and one `fsync` instead of queueing for one each, and
//! one caller's planning overlaps another's writing.
//!
//! Each caller's changes stay atomic: batches of one group touch disjoint orders, so putting them
//! in one transaction changes nothing about any of them; and when the group's transaction fails
//! (a version conflict or a taken business key in one batch, or anything else) and it held more
//! than one batch, nobody gets that failure: each caller writes its own changes again alone and
//! gets its own answer. A group is written on a task of its own that holds the writer until the
//! group's callers know how it ended, so the caller that started it may go away (an HTTP client
//! hanging up) without leaving the others unsure whether their changes were committed. A caller
//! that goes away while its batch still waits in the queue has nothing written, as when a
//! transaction is abandoned before it begins.

use super::StoreError;
use super::batch::Batch;
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// A group takes no further batch once it holds this many orders. Small commits (a person
/// completing a task) gain the most from sharing a transaction; a batch of hundreds of orders
/// gains little, and merging two such batches makes their callers wait for the same commit and
/// then plan at the same time, while the writer idles: a large batch is written on its own,
/// while its caller's next one is being planned.
const GROUP_ORDERS: usize = 256;

/// Groups one task writes, one after another, before it lets the writer go (`sql.rs`,
/// `write_groups`).
pub(crate) const GROUPS_PER_HOLD: usize = 4;

/// How a queued batch ended.
pub(crate) enum Outcome {
    /// Written and committed with its group.
    Committed,
    /// It was alone in its transaction, and this is why that failed.
    Failed(StoreError),
    /// Its group failed: the caller writes its changes again, alone.
    Alone,
}

/// A queued batch and who waits for it.
struct Pending {
    batch: Batch,
    orders: Vec<String>,
    done: oneshot::Sender<Outcome>,
}

/// The queue of batches waiting for the writer.
#[derive(Default)]
pub(crate) struct GroupQueue {
    queue: Mutex<Vec<Pending>>,
}

/// Batches taken from the queue to be written in one transaction.
pub(crate) struct Group {
    /// Every batch of the group, appended.
    pub(crate) batch: Batch,
    waiting: Vec<oneshot::Sender<Outcome>>,
}

impl std::fmt::Debug for GroupQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupQueue").field("queued", &self.lock().len()).finish()
    }
}

impl GroupQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many batches wait.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.lock().len()
    }

    /// Queues a batch of changes to `orders`; the receiver hears how it ended.
    pub(crate) fn push(&self, batch: Batch, orders: Vec<String>) -> oneshot::Receiver<Outcome> {
        let (done, outcome) = oneshot::channel();
        self.lock().push(Pending { batch, orders, done });
        outcome
    }

    /// Takes the oldest queued batch and every later one whose orders are disjoint from those
    /// taken, until the group holds [`GROUP_ORDERS`] orders; the rest stay queued, in their
    /// order. Batches whose callers went away are dropped. `None` when nothing is left to write.
    pub(crate) fn take(&self) -> Option<Group> {
        let pending = std::mem::take(&mut *self.lock());
        if pending.is_empty() {
            return None;
        }
        let mut touched: HashSet<String> = HashSet::new();
        let mut group = Group { batch: Batch::default(), waiting: Vec::new() };
        let mut later = Vec::new();
        for p in pending {
            if p.done.is_closed() {
                // Its caller went away while waiting for the writer: like a transaction
                // abandoned before it began, nothing of it is written.
                continue;
            }
            let full = touched.len() >= GROUP_ORDERS;
            if full || p.orders.iter().any(|o| touched.contains(o)) {
                later.push(p);
                continue;
            }
            touched.extend(p.orders);
            if group.waiting.is_empty() {
                // The first batch is the group's (moved, not copied row by row).
                group.batch = p.batch;
            } else {
                group.batch.append(p.batch);
            }
            group.waiting.push(p.done);
        }
        if !later.is_empty() {
            // Put back ahead of whatever was queued meanwhile.
            let mut queue = self.lock();
            later.append(&mut queue);
            *queue = later;
        }
        if group.waiting.is_empty() {
            return None;
        }
        // How many callers share one transaction and one fsync: the point of grouping.
        metrics::histogram!("junro_commit_group_callers").record(group.waiting.len() as f64);
        metrics::histogram!("junro_commit_group_orders").record(touched.len() as f64);
        Some(group)
    }
}

impl Group {
    /// Tells every caller of the group how its transaction ended.
    pub(crate) fn finish(self, result: Result<(), StoreError>) {
        let alone = self.waiting.len() == 1;
        match result {
            Ok(()) => {
                for done in self.waiting {
                    let _ = done.send(Outcome::Committed);
                }
            }
            Err(error) if alone => {
                if let Some(done) = self.waiting.into_iter().next() {
                    let _ = done.send(Outcome::Failed(error));
                }
            }
            Err(_) => {
                for done in self.waiting {
                    let _ = done.send(Outcome::Alone);
                }
            }
        }
    }
}

/// What a caller holding the writer learns of its queued batch.
pub(crate) fn settled(outcome: &mut oneshot::Receiver<Outcome>) -> Option<Outcome> {
    match outcome.try_recv() {
        Ok(outcome) => Some(outcome),
        Err(oneshot::error::TryRecvError::Empty) => None,
        // Its group was dropped before saying how it ended (the task writing it panicked, or the
        // runtime is shutting down): the caller writes its changes again alone. Had the group
        // in fact committed, that write meets a version conflict (or a taken key) rather than
        // doubling anything.
        Err(oneshot::error::TryRecvError::Closed) => Some(Outcome::Alone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(order: &str) -> Batch {
        let mut batch = Batch::default();
        batch.task_deletes.push((order.to_string(), 1));
        batch
    }

    #[test]
    fn a_group_takes_disjoint_batches_and_leaves_the_rest_in_order() {
        let queue = GroupQueue::default();
        let mut a = queue.push(batch_of("a"), vec!["a".into()]);
        let mut a2 = queue.push(batch_of("a"), vec!["a".into(), "c".into()]);
        let mut b = queue.push(batch_of("b"), vec!["b".into()]);
        let group = queue.take().expect("a group");
        assert_eq!(group.batch.task_deletes.len(), 2, "a and b, not the second batch of a");
        assert_eq!(group.batch.task_deletes[1].0, "b");
        assert!(settled(&mut a2).is_none());
        group.finish(Ok(()));
        assert!(matches!(settled(&mut a), Some(Outcome::Committed)));
        assert!(matches!(settled(&mut b), Some(Outcome::Committed)));
        assert!(settled(&mut a2).is_none(), "still queued");
        let next = queue.take().expect("the batch left behind");
        assert_eq!(next.batch.task_deletes, vec![("a".to_string(), 1)]);
        assert!(queue.take().is_none());
    }

    #[test]
    fn a_large_group_takes_no_more() {
        let queue = GroupQueue::default();
        let many: Vec<String> = (0..GROUP_ORDERS).map(|n| n.to_string()).collect();
        let _big = queue.push(batch_of("0"), many);
        let mut small = queue.push(batch_of("x"), vec!["x".into()]);
        let group = queue.take().expect("a group");
        assert_eq!(group.batch.task_deletes.len(), 1);
        group.finish(Ok(()));
        assert!(settled(&mut small).is_none(), "left for the next group");
        assert!(queue.take().is_some());
    }

    #[test]
    fn a_failed_group_sends_everyone_to_write_alone_but_a_lone_batch_gets_its_error() {
        let queue = GroupQueue::default();
        let mut a = queue.push(batch_of("a"), vec!["a".into()]);
        let mut b = queue.push(batch_of("b"), vec!["b".into()]);
        queue.take().expect("a group").finish(Err(StoreError::Conflict("a".into())));
        assert!(matches!(settled(&mut a), Some(Outcome::Alone)));
        assert!(matches!(settled(&mut b), Some(Outcome::Alone)));
        let mut c = queue.push(batch_of("c"), vec!["c".into()]);
        queue.take().expect("a group").finish(Err(StoreError::Conflict("c".into())));
        assert!(matches!(settled(&mut c), Some(Outcome::Failed(StoreError::Conflict(_)))));
    }

    #[test]
    fn a_batch_whose_caller_went_away_before_its_turn_is_not_written() {
        let queue = GroupQueue::default();
        drop(queue.push(batch_of("gone"), vec!["gone".into()]));
        let mut b = queue.push(batch_of("b"), vec!["b".into()]);
        let group = queue.take().expect("a group");
        assert_eq!(group.batch.task_deletes, vec![("b".to_string(), 1)]);
        group.finish(Ok(()));
        assert!(matches!(settled(&mut b), Some(Outcome::Committed)));
        drop(queue.push(batch_of("gone"), vec!["gone".into()]));
        assert!(queue.take().is_none(), "nothing left to write");
    }

    #[test]
    fn a_group_whose_writer_went_away_is_written_again() {
        let queue = GroupQueue::default();
        let mut a = queue.push(batch_of("a"), vec!["a".into()]);
        drop(queue.take());
        assert!(matches!(settled(&mut a), Some(Outcome::Alone)));
    }
}
