//! Named calendars from YAML (`examples/calendars.yaml`), parsed with serde-saphyr.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::Calendar;
use super::rules::{Hours, PublicHolidays, Rules, YearlyClosure};

/// A calendar configuration that cannot be used. Every message names the calendar and the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// Not YAML, or not the expected shape (unknown key, a list where a text was expected, …).
    #[error("calendar file: {message}")]
    Yaml {
        /// serde-saphyr's message, with line and column.
        message: String,
    },
    /// `zone:` is not an IANA time zone name.
    #[error("calendar `{calendar}`: unknown time zone `{value}` (expected a name like Asia/Tokyo)")]
    UnknownZone {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
    },
    /// An entry of `weekdays:` is not a weekday.
    #[error("calendar `{calendar}`: unknown weekday `{value}` (expected mon, tue, wed, thu, fri, sat or sun)")]
    UnknownWeekday {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
    },
    /// `weekdays: []`.
    #[error("calendar `{calendar}`: no working weekdays")]
    NoWeekdays {
        /// The calendar's name.
        calendar: String,
    },
    /// An entry of `hours:` is malformed, empty or overlaps another.
    #[error("calendar `{calendar}`: bad working hours `{value}`: {reason}")]
    BadHours {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `hours: []`.
    #[error("calendar `{calendar}`: no working hours")]
    NoHours {
        /// The calendar's name.
        calendar: String,
    },
    /// `public_holidays:` is neither `jp` nor `none`.
    #[error("calendar `{calendar}`: unknown public holidays `{value}` (expected jp or none)")]
    UnknownPublicHolidays {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
    },
    /// An entry of `company_holidays:` is not a date or a date range.
    #[error(
        "calendar `{calendar}`: bad company holiday `{value}` (expected a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD)"
    )]
    BadDate {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
    },
    /// An entry of `yearly_closures:` is not a month-day or a month-day range.
    #[error("calendar `{calendar}`: bad yearly closure `{value}` (expected MM-DD or MM-DD..MM-DD, e.g. 12-29..01-03)")]
    BadClosure {
        /// The calendar's name.
        calendar: String,
        /// The value as written.
        value: String,
    },
}

/// Named business calendars.
#[derive(Debug, Clone)]
pub struct Calendars {
    named: BTreeMap<String, Calendar>,
    default: Calendar,
}

impl Calendars {
    /// Only a default calendar, with no named ones.
    pub fn only(default: Calendar) -> Calendars {
        Calendars { named: BTreeMap::new(), default }
    }

    /// Reads calendars from YAML: a `calendars:` map from names to settings (`zone`,
    /// `weekdays`, `hours`, `public_holidays`, `company_holidays`, `yearly_closures`), each
    /// optional, falling back to Asia/Tokyo, Monday to Friday, 09:00-18:00, Japanese holidays,
    /// no company holidays.
    pub fn from_yaml(text: &str) -> Result<Calendars, CalendarError> {
        let file: FileSpec =
            serde_saphyr::from_str(text).map_err(|e| CalendarError::Yaml { message: e.to_string() })?;
        let mut named = BTreeMap::new();
        for (name, spec) in file.calendars {
            let calendar = build(&name, spec.unwrap_or_default())?;
            named.insert(name, calendar);
        }
        let default = named.get("default").cloned().unwrap_or_else(Calendar::japan_office);
        Ok(Calendars { named, default })
    }

    /// The calendar called `name`.
    pub fn get(&self, name: &str) -> Option<&Calendar> {
        self.named.get(name)
    }

    /// The calendar called `default`, or [`Calendar::japan_office`] when there is none.
    pub fn default_calendar(&self) -> &Calendar {
        &self.default
    }

    /// The names of the configured calendars, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.named.keys().map(String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    calendars: BTreeMap<String, Option<Spec>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Spec {
    zone: Option<String>,
    weekdays: Option<Vec<String>>,
    hours: Option<Vec<String>>,
    public_holidays: Option<String>,
    company_holidays: Option<Vec<String>>,
    yearly_closures: Option<Vec<String>>,
}

fn build(calendar: &str, spec: Spec) -> Result<Calendar, CalendarError> {
    let name = || calendar.to_string();
    let zone = match &spec.zone {
        None => TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::UTC),
        Some(value) => TimeZone::get(value.trim())
            .map_err(|_| CalendarError::UnknownZone { calendar: name(), value: value.clone() })?,
    };
    let weekdays = match &spec.weekdays {
        None => 0b1_1111,
        Some(list) => {
            let mut bits = 0u8;
            for value in list {
                let day = weekday(value)
                    .ok_or_else(|| CalendarError::UnknownWeekday { calendar: name(), value: value.clone() })?;
                bits |= 1 << day;
            }
            if bits == 0 {
                return Err(CalendarError::NoWeekdays { calendar: name() });
            }
            bits
        }
    };
    let hours = match &spec.hours {
        None => vec![Hours { start: 9 * 3600, end: 18 * 3600 }],
        Some(list) => working_hours(calendar, list)?,
    };
    let public = match spec.public_holidays.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => PublicHolidays::Japan,
        Some(v) if v == "jp" || v == "japan" => PublicHolidays::Japan,
        Some(v) if v == "none" || v == "false" || v == "no" => PublicHolidays::None,
        Some(_) => {
            return Err(CalendarError::UnknownPublicHolidays {
                calendar: name(),
                value: spec.public_holidays.clone().unwrap_or_default(),
            });
        }
    };
    let mut company = Vec::new();
    for value in spec.company_holidays.iter().flatten() {
        let bad = || CalendarError::BadDate { calendar: name(), value: value.clone() };
        let (from, to) = match value.split_once("..") {
            Some((from, to)) => (date(from).ok_or_else(bad)?, date(to).ok_or_else(bad)?),
            None => (date(value).ok_or_else(bad)?, date(value).ok_or_else(bad)?),
        };
        if from > to {
            return Err(bad());
        }
        company.push((from, to));
    }
    let mut yearly = Vec::new();
    for value in spec.yearly_closures.iter().flatten() {
        let bad = || CalendarError::BadClosure { calendar: name(), value: value.clone() };
        let (from, to) = match value.split_once("..") {
            Some((from, to)) => (month_day(from).ok_or_else(bad)?, month_day(to).ok_or_else(bad)?),
            None => (month_day(value).ok_or_else(bad)?, month_day(value).ok_or_else(bad)?),
        };
        yearly.push(YearlyClosure { from, to });
    }
    Ok(Calendar::with_rules(zone, Rules::new(weekdays, hours, public, company, yearly)))
}

/// Monday = 0 … Sunday = 6, from English (short or long, any case) or a kanji (月 … 日).
fn weekday(value: &str) -> Option<u8> {
    const NAMES: [(&str, &str, &str); 7] = [
        ("mon", "monday", "月"),
        ("tue", "tuesday", "火"),
        ("wed", "wednesday", "水"),
        ("thu", "thursday", "木"),
        ("fri", "friday", "金"),
        ("sat", "saturday", "土"),
        ("sun", "sunday", "日"),
    ];
    let value = value.trim().to_lowercase();
    let position = NAMES.iter().position(|&(short, long, kanji)| {
        value == short || value == long || value == kanji || value == format!("{kanji}曜日")
    })?;
    u8::try_from(position).ok()
}

pub(super) const MALFORMED_HOURS: &str = "expected HH:MM-HH:MM between 00:00 and 24:00, e.g. 09:00-18:00";

/// `["09:00-12:00", "13:00-18:00"]` → sorted, checked intervals.
fn working_hours(calendar: &str, list: &[String]) -> Result<Vec<Hours>, CalendarError> {
    let bad = |value: &str, reason: &str| CalendarError::BadHours {
        calendar: calendar.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let mut hours: Vec<(Hours, &str)> = Vec::with_capacity(list.len());
    for value in list {
        let parsed = value.split_once('-').map(|(start, end)| (clock(start), clock(end)));
        let Some((Some(start), Some(end))) = parsed else {
            return Err(bad(value, MALFORMED_HOURS));
        };
        if start >= end {
            return Err(bad(value, "the start must be before the end"));
        }
        hours.push((Hours { start, end }, value));
    }
    if hours.is_empty() {
        return Err(CalendarError::NoHours { calendar: calendar.to_string() });
    }
    hours.sort();
    for pair in hours.windows(2) {
        if pair[1].0.start < pair[0].0.end {
            return Err(bad(pair[1].1, &format!("overlaps `{}`", pair[0].1)));
        }
    }
    Ok(hours.into_iter().map(|(h, _)| h).collect())
}

/// `H:MM` or `HH:MM` (up to `24:00`) → seconds from midnight.
fn clock(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (digits(h, 1, 2)?, digits(m, 2, 2)?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 3600 + m * 60)
}

/// `YYYY-MM-DD`.
fn date(text: &str) -> Option<Date> {
    let mut parts = text.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (y, m, d) = (digits(y, 4, 4)?, digits(m, 2, 2)?, digits(d, 2, 2)?);
    Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// `MM-DD` (February 29 allowed) → `month * 100 + day`.
fn month_day(text: &str) -> Option<u16> {
    let (m, d) = text.trim().split_once('-')?;
    let (m, d) = (digits(m, 2, 2)?, digits(d, 2, 2)?);
    Date::new(2000, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()?;
    u16::try_from(m * 100 + d).ok()
}

/// A number of `min..=max` ASCII digits.
fn digits(text: &str, min: usize, max: usize) -> Option<u32> {
    let ok = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    if ok { text.parse().ok() } else { None }
}
