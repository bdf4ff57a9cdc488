//! Sign-in attempts are rate-limited: after a number of failures within a minute for one user
//! id, or from one address, further attempts answer 429 until the minute has passed.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins of the last minute, per user id and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    limit: u32,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl LoginThrottle {
    /// At most `limit` failures per key within a minute.
    pub fn new(limit: u32) -> LoginThrottle {
        LoginThrottle { limit: limit.max(1), failures: Mutex::new(HashMap::new()) }
    }

    /// Seconds to wait when any of `keys` has used up its failures, else `None`.
    pub fn blocked(&self, keys: &[String], now: Instant) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .filter_map(|key| {
                let list = failures.get_mut(key)?;
                while list.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    list.pop_front();
                }
                (list.len() >= self.limit as usize)
                    .then(|| list.front().map_or(1, |first| (WINDOW - now.duration_since(*first)).as_secs().max(1)))
            })
            .max()
    }

    /// Records a failure for each key.
    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > 100_000 {
            failures.retain(|_, list| list.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            failures.entry(key.clone()).or_default().push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_for_the_rest_of_the_minute_and_then_expire() {
        let throttle = LoginThrottle::new(3);
        let keys = vec!["user:a".to_string(), "addr:127.0.0.1".to_string()];
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.blocked(&keys, start), None);
            throttle.failed(&keys, start);
        }
        assert_eq!(throttle.blocked(&keys, start + Duration::from_secs(10)), Some(50));
        assert_eq!(throttle.blocked(&["user:b".to_string()], start), None, "another user is not blocked");
        assert_eq!(throttle.blocked(&keys, start + Duration::from_secs(61)), None);
    }
}
