//! Deputies (代理): a person names a deputy for a period (or an administrator does it for them);
//! while it lasts the deputy works the principal's tasks with the principal's roles, and every
//! event says who did it and on whose behalf. A deputy's deputy may not act for the first
//! principal: only a deputyship naming the acting person directly counts.

use super::{Engine, EngineError};
use crate::machine::Actor;
use crate::store::{DeputyFilter, Deputyship};
use jiff::Timestamp;

/// Why a deputyship cannot be named, ended or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeputyError {
    /// Only the principal or an administrator may name or end a principal's deputies.
    #[error("{by} may not name or end deputies of {principal}: only they or an administrator may")]
    NotAllowed {
        /// Who asked.
        by: String,
        /// Whose deputies.
        principal: String,
    },
    /// A person cannot be their own deputy.
    #[error("{0} cannot be their own deputy")]
    SamePerson(String),
    /// Deputies work within one vendor's scope: the principal's vendor is the deputy's.
    #[error(
        "{deputy} works for {deputy_vendor} and {principal} for {principal_vendor}: a deputy must work for the same vendor"
    )]
    OtherVendor {
        /// The principal.
        principal: String,
        /// The principal's vendor (or the company).
        principal_vendor: String,
        /// The deputy.
        deputy: String,
        /// The deputy's vendor (or the company).
        deputy_vendor: String,
    },
    /// The period is empty or already over.
    #[error("the period must end after it starts and after now ({starts_at} to {ends_at})")]
    BadPeriod {
        /// From.
        starts_at: Timestamp,
        /// Until.
        ends_at: Timestamp,
    },
    /// The person is not the principal's deputy now.
    #[error("{deputy} is not {principal}'s deputy at this time")]
    NotDeputy {
        /// Who tried to act.
        deputy: String,
        /// For whom.
        principal: String,
    },
    /// Someone already acting for another cannot act for a third person (no deputy of a deputy).
    #[error("{0} is already acting on someone's behalf; a deputy's deputy may not act for the first principal")]
    Chain(String),
    /// No deputyship with this number.
    #[error("no deputyship {0}")]
    Unknown(i64),
}

fn vendor_name(vendor: Option<&String>) -> String {
    vendor.map_or_else(|| "the company".to_string(), Clone::clone)
}

impl Engine {
    /// Names `deputy` as `principal`'s deputy from `starts_at` until `ends_at`. `by` is the
    /// principal or an administrator; the two people work for the same vendor (or both for the
    /// company).
    pub async fn name_deputy(
        &self,
        by: &Actor,
        principal: &Actor,
        deputy: &Actor,
        starts_at: Timestamp,
        ends_at: Timestamp,
    ) -> Result<Deputyship, EngineError> {
        if by.on_behalf_of.is_some() {
            return Err(DeputyError::Chain(by.id.clone()).into());
        }
        if by.id != principal.id && !by.admin {
            return Err(DeputyError::NotAllowed { by: by.id.clone(), principal: principal.id.clone() }.into());
        }
        if principal.id == deputy.id {
            return Err(DeputyError::SamePerson(principal.id.clone()).into());
        }
        if principal.vendor != deputy.vendor {
            return Err(DeputyError::OtherVendor {
                principal: principal.id.clone(),
                principal_vendor: vendor_name(principal.vendor.as_ref()),
                deputy: deputy.id.clone(),
                deputy_vendor: vendor_name(deputy.vendor.as_ref()),
            }
            .into());
        }
        let now = self.now();
        if ends_at <= starts_at || ends_at <= now {
            return Err(DeputyError::BadPeriod { starts_at, ends_at }.into());
        }
        let mut deputyship = Deputyship {
            id: 0,
            principal: principal.id.clone(),
            deputy: deputy.id.clone(),
            starts_at,
            ends_at,
            named_by: by.id.clone(),
            named_at: now,
            ended_by: None,
        };
        deputyship.id = self.store.add_deputyship(&deputyship).await?;
        Ok(deputyship)
    }

    /// Ends deputyship `id` now (or cancels it before it starts). `by` is its principal or an
    /// administrator.
    pub async fn end_deputyship(&self, by: &Actor, id: i64) -> Result<Deputyship, EngineError> {
        let found = self.deputyship(id).await?;
        if by.on_behalf_of.is_some() || (by.id != found.principal && !by.admin) {
            return Err(DeputyError::NotAllowed { by: by.id.clone(), principal: found.principal }.into());
        }
        let ended = self.store.end_deputyship(id, &by.id, self.now()).await?;
        ended.ok_or_else(|| DeputyError::Unknown(id).into())
    }

    /// Deputyship `id`.
    pub async fn deputyship(&self, id: i64) -> Result<Deputyship, EngineError> {
        let found = self.store.deputyships(&DeputyFilter { id: Some(id), ..DeputyFilter::default() }).await?;
        found.into_iter().next().ok_or_else(|| DeputyError::Unknown(id).into())
    }

    /// Deputyships, newest first.
    pub async fn deputyships(&self, filter: &DeputyFilter) -> Result<Vec<Deputyship>, EngineError> {
        Ok(self.store.deputyships(filter).await?)
    }

    /// The actor `deputy` is while working for `principal`: the principal's roles and vendor,
    /// the deputy's id, `on_behalf_of` the principal. Refused unless a deputyship naming this
    /// deputy for this principal is in force now; a deputy's deputy does not qualify.
    pub async fn acting_for(&self, deputy: &Actor, principal: &Actor) -> Result<Actor, EngineError> {
        if deputy.on_behalf_of.is_some() || principal.on_behalf_of.is_some() {
            return Err(DeputyError::Chain(deputy.id.clone()).into());
        }
        let now = self.now();
        let filter = DeputyFilter {
            principal: Some(principal.id.clone()),
            deputy: Some(deputy.id.clone()),
            current_at: Some(now),
            ..DeputyFilter::default()
        };
        let found = self.store.deputyships(&filter).await?;
        if !found.iter().any(|d| d.active_at(now)) || principal.vendor != deputy.vendor {
            return Err(DeputyError::NotDeputy { deputy: deputy.id.clone(), principal: principal.id.clone() }.into());
        }
        Ok(Actor {
            id: deputy.id.clone(),
            roles: principal.roles.clone(),
            vendor: principal.vendor.clone(),
            admin: false,
            on_behalf_of: Some(principal.id.clone()),
        })
    }
}
