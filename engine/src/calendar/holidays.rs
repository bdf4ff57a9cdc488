//! Japanese national holidays (国民の祝日), computed from the law rather than fetched.
//!
//! The Act on National Holidays (国民の祝日に関する法律, 1948) and its amendments: fixed dates,
//! the Happy Monday days (2000, 2003), the equinox days (by the usual astronomical formula, which
//! matches every date the Cabinet Office has announced), substitute holidays (振替休日, from
//! 1973-04-12; since 2007 the next day that is not a holiday), the citizens' holiday (国民の休日,
//! a day between two holidays, from 1986), and the one-off days (imperial ceremonies, the 2020 and
//! 2021 Olympic moves). Years outside 1949–2150 have no public holidays here.
//!
//! The table is built once per process (a bitset per year, ~2.4 KiB); a lookup is a few loads.

use std::sync::OnceLock;

use jiff::civil::{Date, Weekday};

/// The first year with holidays in the table (the law took effect in July 1948).
pub(crate) const FIRST_YEAR: i16 = 1949;
/// The last year with holidays in the table (the equinox formula's validity ends in 2150).
pub(crate) const LAST_YEAR: i16 = 2150;

/// One bit per day of the year (bit `day_of_year - 1`).
type YearBits = [u64; 6];

static TABLE: OnceLock<Vec<YearBits>> = OnceLock::new();

/// Whether `date` is a Japanese public holiday: a national holiday, a substitute holiday or a
/// citizens' holiday. Always false outside the years 1949–2150.
pub fn is_japanese_holiday(date: Date) -> bool {
    let year = date.year();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return false;
    }
    let table = TABLE.get_or_init(build_table);
    let Some(bits) = table.get(usize::try_from(year - FIRST_YEAR).unwrap_or(usize::MAX)) else {
        return false;
    };
    let day = usize::try_from(date.day_of_year() - 1).unwrap_or(0);
    bits[day / 64] >> (day % 64) & 1 == 1
}

/// The Japanese public holidays of `year`, in order (empty outside 1949–2150).
pub fn japanese_holidays(year: i16) -> Vec<Date> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    holidays_of(year)
}

fn build_table() -> Vec<YearBits> {
    (FIRST_YEAR..=LAST_YEAR)
        .map(|year| {
            let mut bits = [0u64; 6];
            for date in holidays_of(year) {
                let day = usize::try_from(date.day_of_year() - 1).unwrap_or(0);
                bits[day / 64] |= 1 << (day % 64);
            }
            bits
        })
        .collect()
}

/// All holidays of one year: national holidays, then substitute and citizens' holidays.
fn holidays_of(year: i16) -> Vec<Date> {
    let national = national_holidays(year);
    let is_national = |d: Date| national.binary_search(&d).is_ok();
    let mut all = national.clone();
    let new_rules = year >= 2007;
    let substitute_from = Date::new(1973, 4, 12).ok();
    for &h in &national {
        // 振替休日: a holiday on a Sunday gives the next day (since 2007, the next non-holiday).
        if h.weekday() == Weekday::Sunday && Some(h) >= substitute_from {
            let mut next = h.tomorrow().ok();
            while new_rules && next.is_some_and(is_national) {
                next = next.and_then(|d| d.tomorrow().ok());
            }
            all.extend(next.filter(|d| d.year() == year));
        }
        // 国民の休日: a day between two national holidays (before 2007, not a Sunday).
        if year >= 1986
            && let Ok(mid) = h.tomorrow()
            && !is_national(mid)
            && (new_rules || mid.weekday() != Weekday::Sunday)
            && mid.tomorrow().is_ok_and(is_national)
        {
            all.push(mid);
        }
    }
    all.sort();
    all.dedup();
    all
}

/// The national holidays (祝日) proper of one year, sorted.
fn national_holidays(y: i16) -> Vec<Date> {
    let mut out = Vec::with_capacity(20);
    let mut add = |on: bool, m: i8, d: i8| {
        if on && let Ok(date) = Date::new(y, m, d) {
            out.push(date);
        }
    };
    add(true, 1, 1); // 元日
    add(y <= 1999, 1, 15); // 成人の日
    add(y >= 1967, 2, 11); // 建国記念の日
    add(y >= 2020, 2, 23); // 天皇誕生日
    add(true, 3, vernal_equinox(y)); // 春分の日
    add(true, 4, 29); // 天皇誕生日 / みどりの日 / 昭和の日
    add(true, 5, 3); // 憲法記念日
    add(y >= 2007, 5, 4); // みどりの日
    add(true, 5, 5); // こどもの日
    add((1996..=2002).contains(&y), 7, 20); // 海の日
    add(y >= 2016 && y != 2020 && y != 2021, 8, 11); // 山の日
    add((1966..=2002).contains(&y), 9, 15); // 敬老の日
    add(true, 9, autumnal_equinox(y)); // 秋分の日
    add((1966..=1999).contains(&y), 10, 10); // 体育の日
    add(true, 11, 3); // 文化の日
    add(true, 11, 23); // 勤労感謝の日
    add((1989..=2018).contains(&y), 12, 23); // 天皇誕生日
    // The Olympic years moved Marine, Sports and Mountain Day by special law.
    match y {
        2020 => [(7, 23), (7, 24), (8, 10)].iter().for_each(|&(m, d)| add(true, m, d)),
        2021 => [(7, 22), (7, 23), (8, 8)].iter().for_each(|&(m, d)| add(true, m, d)),
        _ => {}
    }
    // One-off holidays for imperial ceremonies.
    for (year, m, d) in [(1959, 4, 10), (1989, 2, 24), (1990, 11, 12), (1993, 6, 9), (2019, 5, 1), (2019, 10, 22)] {
        add(y == year, m, d);
    }
    let month_monday =
        |m: i8, nth: i8| Date::new(y, m, 1).ok().and_then(|d| d.nth_weekday_of_month(nth, Weekday::Monday).ok());
    if y >= 2000 {
        out.extend(month_monday(1, 2)); // 成人の日
        if y != 2020 && y != 2021 {
            out.extend(month_monday(10, 2)); // 体育の日 / スポーツの日
        }
    }
    if y >= 2003 {
        out.extend(month_monday(9, 3)); // 敬老の日
        if y != 2020 && y != 2021 {
            out.extend(month_monday(7, 3)); // 海の日
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The day of March of the vernal equinox day.
fn vernal_equinox(y: i16) -> i8 {
    equinox_day(y, [20.8357, 20.8431, 21.8510])
}

/// The day of September of the autumnal equinox day.
fn autumnal_equinox(y: i16) -> i8 {
    equinox_day(y, [23.2588, 23.2488, 24.2488])
}

/// The usual formula: constants for 1900–1979, 1980–2099 and 2100–2150.
fn equinox_day(y: i16, constants: [f64; 3]) -> i8 {
    let years = f64::from(y - 1980);
    let (base, leap_years) = if y < 1980 {
        (constants[0], (f64::from(y - 1983) / 4.0).floor())
    } else if y < 2100 {
        (constants[1], (years / 4.0).floor())
    } else {
        (constants[2], (years / 4.0).floor())
    };
    let day = (base + 0.242194 * years - leap_years).floor();
    // Always 19..=24 in the supported years; the clamp keeps the cast trivially in range.
    day.clamp(1.0, 30.0) as i8
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn list(year: i16) -> Vec<String> {
        japanese_holidays(year).iter().map(|d| d.strftime("%m-%d").to_string()).collect()
    }

    #[test]
    fn cabinet_office_lists() {
        // The lists published by the Cabinet Office (内閣府「国民の祝日について」).
        let cases: &[(i16, &[&str])] = &[
            (
                2019,
                &[
                    "01-01", "01-14", "02-11", "03-21", "04-29", "04-30", "05-01", "05-02", "05-03", "05-04", "05-05",
                    "05-06", "07-15", "08-11", "08-12", "09-16", "09-23", "10-14", "10-22", "11-03", "11-04", "11-23",
                ],
            ),
            (
                2020,
                &[
                    "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06",
                    "07-23", "07-24", "08-10", "09-21", "09-22", "11-03", "11-23",
                ],
            ),
            (
                2021,
                &[
                    "01-01", "01-11", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05", "07-22", "07-23",
                    "08-08", "08-09", "09-20", "09-23", "11-03", "11-23",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06",
                    "07-21", "08-11", "09-15", "09-23", "10-13", "11-03", "11-23", "11-24",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06", "07-20",
                    "08-11", "09-21", "09-22", "09-23", "10-12", "11-03", "11-23",
                ],
            ),
        ];
        for (year, expected) in cases {
            assert_eq!(list(*year), *expected, "{year}");
        }
    }

    #[test]
    fn older_rules() {
        // 国民の休日 before 2007 (May 4 between two holidays), and the old fixed dates.
        assert!(is_japanese_holiday(date(1988, 5, 4)));
        assert!(is_japanese_holiday(date(2006, 5, 4)));
        assert!(is_japanese_holiday(date(1999, 1, 15)));
        assert!(is_japanese_holiday(date(1999, 10, 11))); // Oct 10 was a Sunday
        assert!(!is_japanese_holiday(date(2000, 1, 15)));
        assert!(is_japanese_holiday(date(1989, 2, 24)));
        // Before 1973-04-12 a holiday on a Sunday gave no day off (1971-10-10 was a Sunday).
        assert_eq!(date(1971, 10, 10).weekday(), Weekday::Sunday);
        assert!(!is_japanese_holiday(date(1971, 10, 11)));
        assert!(is_japanese_holiday(date(1973, 4, 30)));
        // Outside the table: no holidays rather than guesses.
        assert!(!is_japanese_holiday(date(1948, 11, 3)));
        assert!(!is_japanese_holiday(date(2151, 1, 1)));
        assert!(is_japanese_holiday(date(2150, 1, 1)));
    }

    #[test]
    fn equinoxes() {
        let days: Vec<(i8, i8)> = (2023..=2030).map(|y| (vernal_equinox(y), autumnal_equinox(y))).collect();
        let expected = [(21, 23), (20, 22), (20, 23), (20, 23), (21, 23), (20, 22), (20, 23), (20, 23)];
        assert_eq!(days, expected);
    }
}
