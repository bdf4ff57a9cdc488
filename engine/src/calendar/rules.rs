//! What makes a day a working day, and the walk over working intervals, day by day.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::holidays::is_japanese_holiday;

/// The first and last civil days that can have working time. Outside them nothing works: this
/// bounds the walk for absurd instants (jiff's range is ±9999 years) to four centuries.
pub(crate) const FIRST_DAY: Date = Date::constant(1900, 1, 1);
/// See [`FIRST_DAY`].
pub(crate) const LAST_DAY: Date = Date::constant(2299, 12, 31);

/// After this many days in a row without working time, an open-ended search gives up (a
/// calendar whose closures cover everything would otherwise walk to [`LAST_DAY`]).
pub(super) const MAX_IDLE_DAYS: u32 = 3700;

/// Which public holidays a calendar observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicHolidays {
    /// Japanese national holidays, substitute and citizens' holidays.
    Japan,
    /// None.
    None,
}

/// One working interval of a day, as seconds from midnight: `[start, end)`, `end <= 86400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hours {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Hours {
    /// The civil time of a second of the day; `None` for 24:00 (the next midnight).
    fn time(seconds: u32) -> Option<Time> {
        if seconds >= 86_400 {
            return None;
        }
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        Time::new(h as i8, m as i8, s as i8, 0).ok()
    }
}

/// A closure that comes back every year: from one month-day to another, inclusive, possibly
/// across the new year (`12-29..01-03`). Month-days are `month * 100 + day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearlyClosure {
    pub(crate) from: u16,
    pub(crate) to: u16,
}

impl YearlyClosure {
    fn contains(self, date: Date) -> bool {
        let md = date.month() as u16 * 100 + date.day() as u16;
        if self.from <= self.to { self.from <= md && md <= self.to } else { md >= self.from || md <= self.to }
    }
}

/// The rules of a calendar with working hours.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// Bit `n` set: the weekday `n` days after Monday works.
    pub(crate) weekdays: u8,
    /// Sorted, disjoint, non-empty.
    pub(crate) hours: Vec<Hours>,
    pub(crate) public: PublicHolidays,
    /// Inclusive date ranges, sorted by start, merged so that they are disjoint.
    pub(crate) company: Vec<(Date, Date)>,
    pub(crate) yearly: Vec<YearlyClosure>,
    /// Civil times of each interval, computed once (`None` end: 24:00).
    times: Vec<(Time, Option<Time>)>,
}

impl Rules {
    pub(crate) fn new(
        weekdays: u8,
        hours: Vec<Hours>,
        public: PublicHolidays,
        mut company: Vec<(Date, Date)>,
        yearly: Vec<YearlyClosure>,
    ) -> Rules {
        company.sort();
        let mut merged: Vec<(Date, Date)> = Vec::with_capacity(company.len());
        for (from, to) in company {
            match merged.last_mut() {
                Some(last) if from <= last.1.tomorrow().unwrap_or(last.1) => {
                    last.1 = last.1.max(to);
                }
                _ => merged.push((from, to)),
            }
        }
        let times =
            hours.iter().map(|h| (Hours::time(h.start).unwrap_or(Time::midnight()), Hours::time(h.end))).collect();
        Rules { weekdays, hours, public, company: merged, yearly, times }
    }

    /// Whether anything can work on `date` (working weekday, not a holiday or closure).
    pub(crate) fn is_working_day(&self, date: Date) -> bool {
        let bit = date.weekday().to_monday_zero_offset();
        if self.weekdays >> bit & 1 == 0 {
            return false;
        }
        if self.public == PublicHolidays::Japan && is_japanese_holiday(date) {
            return false;
        }
        if self.yearly.iter().any(|c| c.contains(date)) {
            return false;
        }
        // The last range starting on or before `date` is the only one that can hold it.
        let after = self.company.partition_point(|&(from, _)| from <= date);
        !(after > 0 && self.company[after - 1].1 >= date)
    }

    /// The `index`th working interval of `date` as instants, `None` when a bound cannot be
    /// represented. Civil times in a DST gap or fold resolve as jiff's `compatible` does.
    fn interval(&self, zone: &TimeZone, date: Date, index: usize) -> Option<(Timestamp, Timestamp)> {
        let &(start, end) = self.times.get(index)?;
        let start = zone.to_ambiguous_timestamp(date.to_datetime(start)).compatible().ok()?;
        let end = match end {
            Some(end) => date.to_datetime(end),
            None => date.tomorrow().ok()?.to_datetime(Time::midnight()),
        };
        let end = zone.to_ambiguous_timestamp(end).compatible().ok()?;
        Some((start, end))
    }

    /// An upper bound of the working time in one day, for quick refusals.
    pub(crate) fn max_daily(&self) -> SignedDuration {
        let civil: u32 = self.hours.iter().map(|h| h.end - h.start).sum();
        // A DST fold inside an interval lengthens it; no zone has shifted more than 3 hours.
        SignedDuration::from_secs(i64::from(civil.saturating_add(3 * 3600).min(86_400)))
    }
}

/// The working intervals from a date on, in order, disjoint, as `[start, end)` instants.
pub(crate) struct Walk<'a> {
    rules: &'a Rules,
    zone: &'a TimeZone,
    date: Option<Date>,
    /// The last date to visit, inclusive.
    last: Date,
    /// Whether the walk is open-ended (then bounded by `MAX_IDLE_DAYS` too).
    open: bool,
    index: usize,
    /// The end of the last interval given: later ones start no earlier (DST gaps can reorder
    /// civil times when resolved, and intervals must stay disjoint).
    floor: Timestamp,
    idle_days: u32,
}

impl<'a> Walk<'a> {
    /// Walk from the day before `from`'s local date (so that an odd DST resolution of the
    /// previous day is seen), through `until`'s local date if given, within
    /// [`FIRST_DAY`]..=[`LAST_DAY`].
    pub(crate) fn new(rules: &'a Rules, zone: &'a TimeZone, from: Timestamp, until: Option<Timestamp>) -> Walk<'a> {
        let first = zone.to_datetime(from).date();
        let first = first.yesterday().unwrap_or(first).max(FIRST_DAY);
        let last = until.map_or(LAST_DAY, |t| zone.to_datetime(t).date().min(LAST_DAY));
        Walk {
            rules,
            zone,
            date: Some(first),
            last,
            open: until.is_none(),
            index: 0,
            floor: Timestamp::MIN,
            idle_days: 0,
        }
    }

    fn next_day(&mut self) {
        self.index = 0;
        self.idle_days = self.idle_days.saturating_add(1);
        self.date = self.date.and_then(|d| d.tomorrow().ok());
    }
}

impl Iterator for Walk<'_> {
    type Item = (Timestamp, Timestamp);

    fn next(&mut self) -> Option<(Timestamp, Timestamp)> {
        loop {
            let date = self.date?;
            if date > self.last || (self.open && self.idle_days > MAX_IDLE_DAYS) {
                self.date = None;
                return None;
            }
            if self.index >= self.rules.hours.len() || (self.index == 0 && !self.rules.is_working_day(date)) {
                self.next_day();
                continue;
            }
            let interval = self.rules.interval(self.zone, date, self.index);
            self.index += 1;
            let Some((start, end)) = interval else { continue };
            let start = start.max(self.floor);
            if start >= end {
                continue;
            }
            self.floor = end;
            self.idle_days = 0;
            return Some((start, end));
        }
    }
}
