//! Who a bearer token is, remembered for a moment: an API client sends its token with every
//! request, and looking it up each time was one database read per request (a third of the
//! reads of a take-next). A revoked token or a disabled user stops working at once in the
//! process that changed it (it forgets them), and within [`TOKEN_CACHE_TTL`] in other
//! processes on the same database.

use super::users::User;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a looked-up token is believed without asking the database again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_millis(500);

/// Tokens remembered at most; past this the oldest half is dropped (a service has a few
/// hundred clients, not millions).
const MOST_TOKENS: usize = 10_000;

/// A token's user and id, by the SHA-256 of its secret.
#[derive(Default)]
pub struct TokenCache {
    known: Mutex<HashMap<String, (User, String, Instant)>>,
}

impl TokenCache {
    /// The user and token id of `hash` if looked up less than the TTL ago.
    pub fn get(&self, hash: &str, now: Instant) -> Option<(User, String)> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known
            .get(hash)
            .filter(|(_, _, at)| now.duration_since(*at) < TOKEN_CACHE_TTL)
            .map(|(user, token, _)| (user.clone(), token.clone()))
    }

    /// Remembers a lookup.
    pub fn put(&self, hash: String, user: User, token: String, now: Instant) {
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= MOST_TOKENS {
            known.retain(|_, (_, _, at)| now.duration_since(*at) < TOKEN_CACHE_TTL);
            if known.len() >= MOST_TOKENS {
                known.clear();
            }
        }
        known.insert(hash, (user, token, now));
    }

    /// Forgets everything: a token was revoked or a user changed.
    pub fn forget_all(&self) {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            display_name: id.into(),
            roles: Vec::new(),
            vendor: None,
            supervisor: false,
            manager: false,
            admin: false,
            disabled: false,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            email: None,
            language: None,
        }
    }

    #[test]
    fn a_token_is_believed_for_the_ttl_only_and_forgotten_on_demand() {
        let cache = TokenCache::default();
        let start = Instant::now();
        cache.put("h".into(), user("tanaka"), "tok_1".into(), start);
        assert_eq!(cache.get("h", start).map(|(u, t)| (u.id, t)), Some(("tanaka".into(), "tok_1".into())));
        assert!(cache.get("h", start + TOKEN_CACHE_TTL).is_none(), "asked again after the TTL");
        assert!(cache.get("other", start).is_none());
        cache.forget_all();
        assert!(cache.get("h", start).is_none(), "a revocation in this process takes effect at once");
    }
}
