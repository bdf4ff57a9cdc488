//! The schema migrations, embedded in the binary so that an embedding application never depends
//! on its working directory. They run on open; sqlx's migrator checks each applied migration's
//! checksum, so an edited migration is refused instead of silently diverging.

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// Builds a migrator from embedded `(version, description, sql)` triples.
fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations: Vec<Migration> = files
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

/// The SQLite migrations (`migrations/sqlite`).
pub(crate) fn sqlite() -> Migrator {
    migrator(&[
        (1, "orders", include_str!("../../../migrations/sqlite/0001_orders.sql")),
        (2, "kpi summary", include_str!("../../../migrations/sqlite/0002_kpi_summary.sql")),
    ])
}

/// The PostgreSQL migrations (`migrations/postgres`), same versions as SQLite's.
pub(crate) fn postgres() -> Migrator {
    migrator(&[
        (1, "orders", include_str!("../../../migrations/postgres/0001_orders.sql")),
        (2, "kpi summary", include_str!("../../../migrations/postgres/0002_kpi_summary.sql")),
    ])
}
