//! The SQLite backend's connections: the embedded default, one file in write-ahead-log mode,
//! one writer at a time. Its statements are in `sql.rs`, shared with PostgreSQL.

use super::group::GroupQueue;
use super::{Durability, StoreError};
use std::str::FromStr;

/// Prepared statements kept per SQLite connection: a group commit uses up to nine sizes of
/// each of its multi-row statements (sqlx keeps 100 by default).
const STATEMENT_CACHE: usize = 400;

/// The embedded default: one SQLite file in WAL mode.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads.
    pub(super) pool: sqlx::SqlitePool,
    /// Writes: one connection of its own (the pool itself for an in-memory database). SQLite has
    /// one writer at a time anyway, and a connection that alone writes keeps its page cache
    /// valid from one commit to the next and prepares each group-commit statement once; writes
    /// spread over the pool re-read the pages another connection changed and prepare every
    /// statement on every connection.
    pub(super) writes: sqlx::SqlitePool,
    /// SQLite has one writer at a time: writers of this process queue here rather than in
    /// SQLite's busy handler, which sleeps and retries.
    pub(super) writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Group commit: the batches waiting for the writer (`group.rs`).
    pub(super) queue: std::sync::Arc<GroupQueue>,
    /// Where group commits are written.
    pub(super) writer_thread: std::sync::Arc<WriterThread>,
    /// Whether commits write notices (`notices.rs`).
    pub(super) notices: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Copies the log into the database file beside the writer (`checkpoints`).
    pub(super) checkpointer: std::sync::Arc<Checkpointer>,
}

/// A thread of its own, with a runtime of its own, on which group commits are written (`sql.rs`,
/// `write_groups`). A transaction is a dozen statements, each a round trip to sqlx's SQLite
/// thread; written on the caller's runtime, each answer waited for a turn on runtime threads
/// busy planning the next batches while SQLite, the one writer, idled (BENCHMARKS.md, "seventh
/// session"). The thread ends when the last handle on the store is dropped.
#[derive(Debug)]
pub(super) struct WriterThread {
    runtime: tokio::runtime::Handle,
    /// Dropped with the store: the thread's runtime then finishes.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WriterThread {
    fn start() -> Result<WriterThread, StoreError> {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (started, runtime) = std::sync::mpsc::channel();
        // The runtime is built, run and dropped on its own thread: a runtime may not be dropped
        // on a thread that runs async code, as the caller's does.
        std::thread::Builder::new()
            .name("junro-sqlite-writer".into())
            .spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => {
                    let _ = started.send(Ok(runtime.handle().clone()));
                    // Either the stop signal or its sender dropped: both mean the store is gone.
                    let _ = runtime.block_on(stopped);
                }
                Err(error) => {
                    let _ = started.send(Err(error));
                }
            })
            .map_err(sqlx::Error::Io)?;
        let runtime = runtime
            .recv()
            .map_err(|_| sqlx::Error::Io(std::io::Error::other("the SQLite writer thread ended at once")))?
            .map_err(sqlx::Error::Io)?;
        Ok(WriterThread { runtime, _stop: stop })
    }
}

/// How often the log is copied into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Copies the write-ahead log into the database file from a connection of its own, beside the
/// writer. SQLite's automatic checkpoint runs in the connection whose commit finds the log
/// longer than 1,000 pages, after that commit: with the group commit's one writer, every caller
/// of the next group waited for it (up to ~100 ms for the pages written to the database file
/// and `fsync`ed; BENCHMARKS.md, "thirteenth session"). Copied here every 100 ms, the log leaves
/// that checkpoint almost nothing to do. The writer keeps it: only a checkpoint between two of
/// its commits lets the log start again from its beginning (with the writer's checkpoint off,
/// the log grew past a gigabyte in seconds under load). A passive checkpoint neither waits for
/// nor blocks the writer and the readers. Runs on the writer thread's runtime, which ends with
/// the store.
///
/// Ends, closing its connection, when `stop` is sent or dropped: [`SqliteStore::stop_checkpoints`]
/// does so before the store's pools close, so that the writer's connection is the file's last
/// and, closing, copies the whole log into the database file and removes it.
async fn checkpoints(options: sqlx::sqlite::SqliteConnectOptions, mut stop: tokio::sync::oneshot::Receiver<()>) {
    use sqlx::Connection as _;
    let mut connection: Option<sqlx::SqliteConnection> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
            _ = &mut stop => break,
        }
        if connection.is_none() {
            connection = sqlx::SqliteConnection::connect_with(&options).await.ok();
        }
        let Some(c) = connection.as_mut() else { continue };
        if sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *c).await.is_err() {
            // Counted; the next round tries on a new connection.
            metrics::counter!("junro_sqlite_checkpoint_failures_total").increment(1);
            connection = None;
        }
    }
    if let Some(c) = connection {
        let _ = c.close().await;
    }
}

/// The checkpointing task, stopped before the store closes.
#[derive(Debug, Default)]
pub(super) struct Checkpointer {
    running: std::sync::Mutex<Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>)>>,
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates a SQLite database.
    pub async fn open(url: &str, sync: Durability) -> Result<SqliteStore, StoreError> {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let memory = url.contains(":memory:");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
            .synchronous(match sync {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(std::time::Duration::from_secs(10))
            .foreign_keys(false)
            // Statement journals of multi-row statements stay in memory, not in temporary files.
            .pragma("temp_store", "memory")
            // Room for every fixed-size multi-row statement of a group commit (see `chunk_rows`).
            .statement_cache_capacity(STATEMENT_CACHE)
            // New databases get 16 KB pages (existing ones keep theirs): a group commit writes a
            // quarter as many pages to the log, in a quarter of the system calls, for about the
            // same bytes (BENCHMARKS.md, "The durable engine").
            .page_size(16_384);
        // An in-memory database lives in one connection, which must never be closed (the pool
        // would close it after 10 idle minutes or 30 in all, and the data with it); a file is
        // shared by a few.
        let pool = if memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        };
        let pool = pool.connect_with(options.clone()).await?;
        super::migrate::sqlite().run(&pool).await?;
        let writes = if memory {
            pool.clone()
        } else {
            // A group commit of 1,000 orders touches a few thousand pages: a cache that holds
            // them (32 MB, against SQLite's default of 2 MB) is not re-read from the log.
            let writer = options.clone().pragma("cache_size", "-32768");
            SqlitePoolOptions::new().max_connections(1).connect_with(writer).await?
        };
        let writer_thread = WriterThread::start()?;
        let checkpointer = Checkpointer::default();
        if !memory {
            let (stop, stopped) = tokio::sync::oneshot::channel();
            let task = writer_thread.runtime.spawn(checkpoints(options, stopped));
            *checkpointer.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((stop, task));
        }
        Ok(SqliteStore {
            pool,
            writes,
            writer: std::sync::Arc::default(),
            queue: std::sync::Arc::default(),
            writer_thread: std::sync::Arc::new(writer_thread),
            notices: std::sync::Arc::default(),
            checkpointer: std::sync::Arc::new(checkpointer),
        })
    }

    /// Stops the checkpointing task and waits until its connection is closed.
    pub(super) async fn stop_checkpoints(&self) {
        let running = self.checkpointer.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some((stop, task)) = running {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    pub(super) async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.writer.lock().await)
    }

    /// The writer, held by a guard that can move to another task (a group commit's).
    pub(super) async fn owned_writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        Some(self.writer.clone().lock_owned().await)
    }

    /// One writer at a time: concurrent commits share transactions.
    pub(super) fn group_queue(&self) -> Option<&GroupQueue> {
        Some(&self.queue)
    }

    /// Group commits are written on the store's writer thread.
    pub(super) fn writer_runtime(&self) -> Option<&tokio::runtime::Handle> {
        Some(&self.writer_thread.runtime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Change, Store};

    fn new_order(id: &str) -> Vec<Change> {
        let mut state = crate::machine::blank_state();
        state.id = id.to_string();
        state.flow = "f".into();
        vec![Change { state, expected_version: None, events: Vec::new(), effects: Vec::new() }]
    }

    /// A store on a fresh file in the temp folder, its URL, and a second connection to it that
    /// holds SQLite's write lock, so that the store's next transaction waits inside SQLite until
    /// the test rolls the lock's transaction back.
    async fn blocked_store(name: &str) -> (SqliteStore, String, sqlx::SqliteConnection) {
        use sqlx::Connection as _;
        let url = format!(
            "sqlite:{}",
            std::env::temp_dir().join(format!("junro-{name}-{}.db", std::process::id())).display()
        );
        let store = SqliteStore::open(&url, Durability::Full).await.expect("opens");
        let mut blocker = sqlx::SqliteConnection::connect(&url).await.expect("a second connection");
        sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.expect("takes the write lock");
        (store, url, blocker)
    }

    /// Closes the store and removes its files.
    async fn remove(store: &SqliteStore, url: &str) {
        store.close().await;
        let path = url.trim_start_matches("sqlite:");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..10_000 {
            if what() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_micros(50)).await;
        }
        panic!("timed out");
    }

    /// An in-memory database is its one connection: the pool keeps it however long it idles.
    #[tokio::test]
    async fn an_in_memory_database_keeps_its_connection() {
        let store = SqliteStore::open("sqlite::memory:", Durability::Full).await.expect("opens");
        let options = store.pool.options();
        assert_eq!((options.get_idle_timeout(), options.get_max_lifetime()), (None, None));
        assert_eq!((options.get_min_connections(), options.get_max_connections()), (1, 1));
        store.commit(&new_order("kept")).await.expect("commits");
        assert!(store.load("kept").await.expect("reads").is_some());
    }

    /// Batches queued while a group is being written are written next by the task holding the
    /// writer, before whoever asked for the writer in the meantime: each group in its own
    /// transaction, and an order given again in a later batch meets the first batch's row and
    /// fails alone, without undoing the others.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_queued_during_a_write_are_written_after_it() {
        let (store, url, mut blocker) = blocked_store("chain").await;
        let commit = |id: &'static str| {
            let store = store.clone();
            tokio::spawn(async move { store.commit(&new_order(id)).await })
        };
        // `a` queues while the writer is held, then its group starts and waits inside SQLite.
        let held = store.owned_writer().await;
        let first = commit("a");
        until(|| store.queue.queued() == 1).await;
        drop(held);
        until(|| store.queue.queued() == 0).await;
        // Someone asks for the writer (as the worker claiming jobs does) before the next batches
        // queue: first in line, but the task writing `a` writes what was queued first.
        let mut waiter = std::pin::pin!(store.writer());
        let waiting = std::future::poll_fn(|cx| std::task::Poll::Ready(waiter.as_mut().poll(cx).is_pending())).await;
        assert!(waiting, "the group of `a` holds the writer");
        // `b` twice: the second cannot join the first's group and is written after it, alone.
        let b = commit("b");
        until(|| store.queue.queued() == 1).await;
        let b_again = commit("b");
        let c = commit("c");
        until(|| store.queue.queued() == 3).await;
        sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("lets the writes go on");
        let writer = waiter.await;
        for id in ["a", "b", "c"] {
            assert!(store.load(id).await.expect("reads").is_some(), "{id} was written before the writer changed hands");
        }
        drop(writer);
        first.await.expect("joins").expect("a committed");
        b.await.expect("joins").expect("b committed");
        c.await.expect("joins").expect("c committed");
        let again = b_again.await.expect("joins");
        assert!(again.is_err(), "the same new order twice: the second fails ({again:?})");
        remove(&store, &url).await;
    }

    /// The caller writing a group goes away mid-transaction: another caller of the group, next
    /// to hold the writer, must learn that the group committed, not write its change again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_outlives_the_caller_that_writes_it() {
        // Another connection holds SQLite's write lock, so that the group's transaction waits
        // inside its first statement until the test lets it go: the caller writing it is sure
        // to go away mid-transaction, however fast the machine.
        let (store, url, mut blocker) = blocked_store("group").await;
        let held = store.owned_writer().await;
        let a = tokio::spawn({
            let store = store.clone();
            async move { store.commit(&new_order("a")).await }
        });
        until(|| store.queue.queued() == 1).await;
        let b = tokio::spawn({
            let store = store.clone();
            async move { store.commit(&new_order("b")).await }
        });
        until(|| store.queue.queued() == 2).await;
        // `a` asked for the writer first: it takes both batches and starts writing them.
        drop(held);
        until(|| store.queue.queued() == 0).await;
        a.abort();
        assert!(a.await.is_err_and(|e| e.is_cancelled()), "a went away");
        sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("lets the group's transaction go on");
        b.await.expect("b joins").expect("b's change was committed with a's and b is told so");
        assert!(store.load("a").await.expect("reads").is_some() && store.load("b").await.expect("reads").is_some());
        remove(&store, &url).await;
    }
}
