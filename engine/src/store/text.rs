//! The SQL text of multi-row statements, built once per statement and row count.
//!
//! A group commit's statements are `head VALUES (…), (…), … tail` with hundreds of rows. sqlx's
//! `QueryBuilder` writes that text again for every statement, even when the prepared statement
//! it names is in the connection's cache; on SQLite, whose statements come in a few fixed sizes
//! ([`Sizing::Cached`]), the text is built here once per size and shared. PostgreSQL's
//! statements have any size ([`Sizing::Fewest`]): their text is built each time, as before.

use super::batch::Sizing;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// How a backend writes bind parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `?`, bound by position: SQLite (a numbered parameter would be looked up by name at
    /// every execution).
    Anonymous,
    /// `$1`, `$2`, …: PostgreSQL.
    Numbered,
}

/// `head VALUES (p, p, …), (…) tail` with `rows` tuples of `columns` parameters.
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str, placeholders: Placeholders) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + 8 + rows * columns * 6);
    sql.push_str(head);
    sql.push_str("VALUES ");
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match placeholders {
                Placeholders::Anonymous => sql.push('?'),
                Placeholders::Numbered => {
                    // Writing into a String cannot fail.
                    let _ = write!(sql, "${n}");
                }
            }
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// A statement of one size: its head, its tail and its row count.
type Key = (&'static str, &'static str, usize);

/// The texts built so far, by (head, tail, rows); bounded by the few sizes of
/// [`Sizing::Cached`] times the statements of a group commit.
pub(crate) struct Texts {
    placeholders: Placeholders,
    sizing: Sizing,
    built: Mutex<HashMap<Key, Arc<str>>>,
}

impl Texts {
    pub(crate) fn new(placeholders: Placeholders, sizing: Sizing) -> Texts {
        Texts { placeholders, sizing, built: Mutex::default() }
    }

    /// The text of `head VALUES …tail` for `rows` rows of `columns` parameters.
    pub(crate) fn values(&self, head: &'static str, columns: usize, rows: usize, tail: &'static str) -> SqlStr {
        if self.sizing != Sizing::Cached {
            return AssertSqlSafe(values_sql(head, columns, rows, tail, self.placeholders)).into_sql_str();
        }
        let mut built = self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let text = built
            .entry((head, tail, rows))
            .or_insert_with(|| values_sql(head, columns, rows, tail, self.placeholders).into())
            .clone();
        // Only placeholders are generated; every value is bound.
        AssertSqlSafe(text).into_sql_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_have_one_placeholder_per_value() {
        let sqlite = Texts::new(Placeholders::Anonymous, Sizing::Cached);
        assert_eq!(
            sqlite.values("INSERT INTO t (a, b) ", 2, 2, "").as_str(),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        let postgres = Texts::new(Placeholders::Numbered, Sizing::Fewest);
        assert_eq!(
            postgres.values("DELETE FROM t WHERE (a, b) IN (SELECT * FROM (", 2, 2, ") AS v)").as_str(),
            "DELETE FROM t WHERE (a, b) IN (SELECT * FROM (VALUES ($1, $2), ($3, $4)) AS v)"
        );
    }

    #[test]
    fn a_cached_text_is_built_once_per_size() {
        let texts = Texts::new(Placeholders::Anonymous, Sizing::Cached);
        let (a, b) = (texts.values("INSERT INTO t (a) ", 1, 4, ""), texts.values("INSERT INTO t (a) ", 1, 4, ""));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "the second statement shares the first one's text");
        assert_ne!(texts.values("INSERT INTO t (a) ", 1, 2, "").as_str(), a.as_str());
    }
}
