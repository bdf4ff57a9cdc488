//! Business calendars: how due times are computed from SLAs given in business time, and how
//! business time between two moments is measured (`bh(a, b)` in `../shared/kpi.md`).
//!
//! A [`Calendar`] is a time zone plus, unless every hour works ([`Calendar::always`]), working
//! weekdays, working hours (one or more intervals a day), public holidays (Japanese national
//! holidays, computed in [`holidays`]) and company holidays (dates, date ranges, and closures that
//! come back every year such as 12-29..01-03). [`Calendars`] reads named calendars from YAML
//! (see `examples/calendars.yaml`).
//!
//! Working intervals are computed per civil day in the calendar's zone, so DST is handled; the
//! computations walk day by day (never second by second) and never panic. Working time exists
//! only on the days 1900-01-01 to 2299-12-31 of the calendar's zone (every instant is working
//! time in an [`always`](Calendar::always) calendar): outside them nothing works, which bounds
//! the cost of absurd instants. Results past jiff's range, past 2299, or after about ten years
//! without any working time are [`Timestamp::MAX`].

mod config;
pub mod holidays;
mod rules;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod yaml_tests;

use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub use config::{CalendarError, Calendars};
pub use holidays::{is_japanese_holiday, japanese_holidays};
use rules::{FIRST_DAY, Hours, LAST_DAY, PublicHolidays, Rules, Walk};

/// A business calendar.
#[derive(Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// `None`: every hour works. Shared: calendars are cloned into every driver.
    rules: Option<Arc<Rules>>,
    /// The last SLA due time computed with working rules, shared by clones: the commands of a
    /// batch are planned at one moment, so hundreds of tasks of the same step ask for the same
    /// due time, a walk over the calendar's days each.
    last_sla: Arc<Mutex<Option<LastSla>>>,
}

/// What the calendar is: its zone and rules. The last SLA computed is not part of it (this
/// text names the calendars of stored KPI summaries, `kpi::summary::key`).
impl std::fmt::Debug for Calendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar").field("zone", &self.zone).field("rules", &self.rules).finish()
    }
}

/// An SLA due time computed: from when, how many seconds, and the result.
#[derive(Debug, Clone, Copy)]
struct LastSla {
    from: Timestamp,
    seconds: u64,
    due: Timestamp,
}

impl Calendar {
    /// A calendar where every hour is working time, in `zone`.
    pub fn always(zone: TimeZone) -> Calendar {
        Calendar { zone, rules: None, last_sla: Arc::default() }
    }

    /// Japan, every hour working: business time equals calendar time. Used by scenarios and
    /// tests, and as the engine's default until calendars are configured.
    pub fn default_japan() -> Calendar {
        Calendar::always(tokyo())
    }

    /// The usual Japanese office calendar: Asia/Tokyo, Monday to Friday, 09:00–18:00, Japanese
    /// public holidays, no company holidays. What a YAML calendar with no settings means.
    pub fn japan_office() -> Calendar {
        Calendar::with_rules(
            tokyo(),
            Rules::new(
                0b1_1111,
                vec![Hours { start: 9 * 3600, end: 18 * 3600 }],
                PublicHolidays::Japan,
                Vec::new(),
                Vec::new(),
            ),
        )
    }

    pub(crate) fn with_rules(zone: TimeZone, rules: Rules) -> Calendar {
        Calendar { zone, rules: Some(Arc::new(rules)), last_sla: Arc::default() }
    }

    /// The calendar's time zone (dates in data and `today()` are read in it).
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Whether every hour is working time (business time equals calendar time).
    pub fn is_always(&self) -> bool {
        self.rules.is_none()
    }

    /// Whether `date` (a civil date in the calendar's zone) has working hours: a working
    /// weekday that is neither a public nor a company holiday (and within 1900–2299).
    pub fn is_working_day(&self, date: Date) -> bool {
        self.rules.as_ref().is_none_or(|rules| (FIRST_DAY..=LAST_DAY).contains(&date) && rules.is_working_day(date))
    }

    /// Whether `t` is inside working time (intervals are half-open: 18:00 is not working).
    pub fn is_working(&self, t: Timestamp) -> bool {
        let Some(rules) = &self.rules else { return true };
        Walk::new(rules, &self.zone, t, Some(t)).any(|(start, end)| start <= t && t < end)
    }

    /// The first working moment at or after `t` (`t` itself when it is working time);
    /// [`Timestamp::MAX`] when there is none.
    pub fn next_working(&self, t: Timestamp) -> Timestamp {
        let Some(rules) = &self.rules else { return t };
        Walk::new(rules, &self.zone, t, None)
            .find(|&(_, end)| end > t)
            .map_or(Timestamp::MAX, |(start, _)| start.max(t))
    }

    /// The moment `seconds` of business time after `from`. When `from` is outside working time
    /// the count starts at the next working moment (so `add(from, 0)` is `next_working(from)`);
    /// a count that ends exactly at the end of a working interval gives that end (Friday 18:00,
    /// not Monday 09:00). [`Timestamp::MAX`] when the result is beyond jiff's range.
    pub fn add(&self, from: Timestamp, seconds: u64) -> Timestamp {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        let Some(rules) = &self.rules else {
            return from.checked_add(SignedDuration::from_secs(seconds)).unwrap_or(Timestamp::MAX);
        };
        // Refuse at once what cannot fit before the end of time even at the fullest days.
        let days_left = Timestamp::MAX.duration_since(from).as_secs() / 86_400 + 2;
        let max_daily = rules.max_daily().as_secs().max(1);
        if seconds / max_daily > days_left {
            return Timestamp::MAX;
        }
        let mut remaining = SignedDuration::from_secs(seconds);
        for (start, end) in Walk::new(rules, &self.zone, from, None) {
            if end <= from {
                continue;
            }
            let start = start.max(from);
            let length = end.duration_since(start);
            if remaining <= length {
                return start.checked_add(remaining).unwrap_or(Timestamp::MAX);
            }
            remaining -= length;
        }
        Timestamp::MAX
    }

    /// The due time of an SLA of `seconds` from `from`. Whole days (86,400 s each) count as
    /// working days — the same time of day on the n-th next working day, so `sla 1d` means "by
    /// this time on the next working day" — and the rest counts as business time. On an
    /// always-working calendar this is [`Calendar::add`].
    pub fn add_sla(&self, from: Timestamp, seconds: u64) -> Timestamp {
        if self.rules.is_none() {
            return self.add(from, seconds);
        }
        let last = || self.last_sla.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = *last()
            && known.from == from
            && known.seconds == seconds
        {
            return known.due;
        }
        let due = self.walk_sla(from, seconds);
        *last() = Some(LastSla { from, seconds, due });
        due
    }

    /// [`Calendar::add_sla`] on working rules, computed.
    fn walk_sla(&self, from: Timestamp, seconds: u64) -> Timestamp {
        let mut t = self.next_working(from);
        // A century of working days is already beyond any SLA; stop there.
        for _ in 0..(seconds / 86_400).min(36_500) {
            let zoned = t.to_zoned(self.zone.clone());
            let mut date = zoned.date();
            let mut guard = 0;
            loop {
                let Ok(next) = date.tomorrow() else { return Timestamp::MAX };
                date = next;
                guard += 1;
                if self.is_working_day(date) || guard > 3_660 {
                    break;
                }
            }
            let Ok(next) = date.to_datetime(zoned.time()).to_zoned(self.zone.clone()) else { return Timestamp::MAX };
            t = next.timestamp();
        }
        self.add(t, seconds % 86_400)
    }

    /// The latest moment `seconds` of business time before `to`: `bh(t, to) = seconds` for the
    /// returned `t`, and no later `t` has as much (a reminder `4h before` a task due Thursday
    /// 09:00 on a 09:00–18:00 calendar comes Wednesday 14:00, not Thursday 05:00).
    /// [`Timestamp::MIN`] when there is not that much working time before `to`.
    pub fn subtract(&self, to: Timestamp, seconds: u64) -> Timestamp {
        let wanted = i64::try_from(seconds).unwrap_or(i64::MAX);
        if self.rules.is_none() || seconds == 0 {
            return to.checked_sub(SignedDuration::from_secs(wanted)).unwrap_or(Timestamp::MIN);
        }
        // Business time runs no faster than the clock: start `seconds` back and widen the gap
        // until it holds enough working time, then narrow it down to the second.
        let mut gap = wanted.max(1);
        let mut low = loop {
            let Ok(low) = to.checked_sub(SignedDuration::from_secs(gap)) else { return Timestamp::MIN };
            if self.business_seconds(low, to) >= seconds {
                break low;
            }
            // Ten years of calendar time without enough working time: give up.
            if gap > 10 * 366 * 86_400 {
                return Timestamp::MIN;
            }
            gap = gap.saturating_mul(2);
        };
        let mut high = to;
        while high.duration_since(low) > SignedDuration::from_secs(1) {
            let middle = low.checked_add(high.duration_since(low) / 2).unwrap_or(high);
            if self.business_seconds(middle, to) >= seconds {
                low = middle;
            } else {
                high = middle;
            }
        }
        low
    }

    /// `bh(a, b)`: the whole seconds of `[a, b)` that fall in working time; 0 when `b <= a`.
    pub fn business_seconds(&self, a: Timestamp, b: Timestamp) -> u64 {
        if b <= a {
            return 0;
        }
        let Some(rules) = &self.rules else {
            return u64::try_from(b.duration_since(a).as_secs()).unwrap_or(0);
        };
        let mut total = SignedDuration::ZERO;
        for (start, end) in Walk::new(rules, &self.zone, a, Some(b)) {
            if start >= b {
                break;
            }
            let (low, high) = (start.max(a), end.min(b));
            if high > low {
                total = total.saturating_add(high.duration_since(low));
            }
        }
        u64::try_from(total.as_secs()).unwrap_or(0)
    }
}

fn tokyo() -> TimeZone {
    TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC)
}
