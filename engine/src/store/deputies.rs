//! Deputies (代理): who may work whose tasks, and when. One body for both backends
//! (`deputies_store!`); the rules (who may name whom, no deputy of a deputy) are the runtime's.

use jiff::Timestamp;

/// A principal's deputy for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deputyship {
    /// Its number (0 before it is stored).
    pub id: i64,
    /// The person whose tasks the deputy works.
    pub principal: String,
    /// The deputy.
    pub deputy: String,
    /// From when.
    pub starts_at: Timestamp,
    /// Until when (exclusive); an early end moves it forward.
    pub ends_at: Timestamp,
    /// Who named the deputy (the principal, or an administrator).
    pub named_by: String,
    /// When.
    pub named_at: Timestamp,
    /// Who ended it early, if someone did.
    pub ended_by: Option<String>,
}

impl Deputyship {
    /// Whether it is in force at `at`.
    pub fn active_at(&self, at: Timestamp) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

/// Which deputyships to list.
#[derive(Debug, Clone, Default)]
pub struct DeputyFilter {
    /// Only this one.
    pub id: Option<i64>,
    /// Only those of this principal.
    pub principal: Option<String>,
    /// Only those naming this deputy.
    pub deputy: Option<String>,
    /// Only those of this principal or naming this deputy (a person's own list).
    pub involving: Option<String>,
    /// Only those not over by this time (in force now, or later).
    pub current_at: Option<Timestamp>,
    /// At most this many (default 100), newest first.
    pub limit: Option<u32>,
}

/// Adds the deputyship statements to a store (`SqliteStore`, `PostgresStore`).
macro_rules! deputies_store {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(crate) async fn add_deputyship_impl(&self, d: &Deputyship) -> Result<i64, StoreError> {
                let _writer = self.writer().await;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO deputies (principal, deputy, starts_at, ends_at, named_by, named_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&d.principal)
                .bind(&d.deputy)
                .bind(micros(d.starts_at))
                .bind(micros(d.ends_at))
                .bind(&d.named_by)
                .bind(micros(d.named_at))
                .fetch_one(&self.writes)
                .await?;
                Ok(id)
            }

            pub(crate) async fn end_deputyship_impl(
                &self,
                id: i64,
                by: &str,
                at: Timestamp,
            ) -> Result<Option<Deputyship>, StoreError> {
                let _writer = self.writer().await;
                // Never before it starts, never later than it would have ended.
                let row = sqlx::query(
                    "UPDATE deputies SET ends_at = CASE WHEN $1 < starts_at THEN starts_at \
                     WHEN $1 < ends_at THEN $1 ELSE ends_at END, ended_by = $2 \
                     WHERE id = $3 RETURNING id, principal, deputy, starts_at, ends_at, named_by, named_at, ended_by",
                )
                .bind(micros(at))
                .bind(by)
                .bind(id)
                .fetch_optional(&self.writes)
                .await?;
                row.as_ref().map(deputyship_of).transpose().map_err(StoreError::from)
            }

            pub(crate) async fn deputyships_impl(&self, filter: &DeputyFilter) -> Result<Vec<Deputyship>, StoreError> {
                let mut q = QueryBuilder::<$db>::new(
                    "SELECT id, principal, deputy, starts_at, ends_at, named_by, named_at, ended_by FROM deputies WHERE 1 = 1",
                );
                if let Some(id) = filter.id {
                    q.push(" AND id = ").push_bind(id);
                }
                if let Some(principal) = &filter.principal {
                    q.push(" AND principal = ").push_bind(principal.clone());
                }
                if let Some(deputy) = &filter.deputy {
                    q.push(" AND deputy = ").push_bind(deputy.clone());
                }
                if let Some(person) = &filter.involving {
                    q.push(" AND (principal = ").push_bind(person.clone());
                    q.push(" OR deputy = ").push_bind(person.clone()).push(")");
                }
                if let Some(at) = filter.current_at {
                    q.push(" AND ends_at > ").push_bind(micros(at));
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit.unwrap_or(100)));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(deputyship_of).collect::<Result<_, sqlx::Error>>().map_err(StoreError::from)
            }
        }
    };
}

/// A `deputies` row.
pub(crate) fn deputyship_of<R: sqlx::Row>(r: &R) -> Result<Deputyship, sqlx::Error>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    Ok(Deputyship {
        id: r.try_get("id")?,
        principal: r.try_get("principal")?,
        deputy: r.try_get("deputy")?,
        starts_at: super::from_micros(r.try_get("starts_at")?),
        ends_at: super::from_micros(r.try_get("ends_at")?),
        named_by: r.try_get("named_by")?,
        named_at: super::from_micros(r.try_get("named_at")?),
        ended_by: r.try_get("ended_by")?,
    })
}

pub(crate) use deputies_store;
