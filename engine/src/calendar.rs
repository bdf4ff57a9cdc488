//! Business calendars: how due times are computed from SLAs given in business time.
//!
//! For now a calendar is a time zone with every hour working ("always"), so business time equals
//! calendar time. Working hours, weekends, Japanese public holidays and company holidays from YAML
//! come next; the machine already asks the calendar for every due time, so they slot in here.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A business calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
}

impl Calendar {
    /// A calendar where every hour is working time, in `zone`.
    pub fn always(zone: TimeZone) -> Calendar {
        Calendar { zone }
    }

    /// Japan, every hour working: the default until calendars are configured.
    pub fn default_japan() -> Calendar {
        Calendar::always(TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC))
    }

    /// The calendar's time zone (dates in data and `today()` are read in it).
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The time `seconds` of business time after `from`.
    pub fn add(&self, from: Timestamp, seconds: u64) -> Timestamp {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        from.checked_add(SignedDuration::from_secs(seconds)).unwrap_or(Timestamp::MAX)
    }
}
