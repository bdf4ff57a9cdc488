//! Rows of the embedding application's own append-only tables (the service's audit trail),
//! written with the engine's commits.
//!
//! On SQLite a row handed to [`Store::append`](super::Store::append) joins the group commit
//! (`group.rs`): it shares a transaction and an `fsync` with whatever orders' changes are
//! written next, instead of taking the single writer for a transaction of its own. It touches no
//! order, so it never keeps a batch out of a group. On PostgreSQL it is a transaction of its own,
//! as every commit is there.
//!
//! The engine knows nothing of what the rows mean: the caller names the table and columns in a
//! fixed statement head, and the values are bound, never spliced into the text.

/// One value of an appended row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// An integer (a time in microseconds, a status).
    Int(i64),
    /// A text, or `NULL`.
    Text(Option<String>),
}

/// Rows to append to one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// `INSERT INTO table (column, …) ` — the engine adds `VALUES (…), …` with its placeholders.
    /// A fixed text: values are never part of it.
    pub head: &'static str,
    /// How many columns `head` names; every row has this many cells.
    pub columns: usize,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Appended {
    /// Checks that every row has as many cells as `head` names columns.
    pub(crate) fn well_formed(&self) -> bool {
        self.columns > 0 && self.rows.iter().all(|r| r.len() == self.columns)
    }
}
