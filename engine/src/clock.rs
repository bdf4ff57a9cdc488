//! Where time comes from: the system clock, or a virtual clock that tests and simulations move.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

/// A source of the current time. The engine reads time only from its clock.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved: for tests, scenarios and simulations.
#[derive(Debug)]
pub struct VirtualClock {
    now: Mutex<Timestamp>,
}

impl VirtualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> VirtualClock {
        VirtualClock { now: Mutex::new(start) }
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.checked_add(SignedDuration::from_secs(seconds)).unwrap_or(*now);
    }

    /// Sets the clock (never backwards).
    pub fn set(&self, to: Timestamp) {
        let mut now = self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = (*now).max(to);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
