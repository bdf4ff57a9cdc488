//! Calendar arithmetic: hand-worked cases, then generated ones checked against a brute force.

use super::*;
use jiff::civil::{DateTime, date};

const H: u64 = 3600;

const YAML: &str = r#"
calendars:
  default:
    company_holidays: ["2026-08-12..2026-08-14"]
    yearly_closures: ["12-29..01-03"]
  saturday:
    weekdays: [mon, tue, wed, thu, fri, sat]
    hours: ["09:00-12:00", "13:00-18:00"]
  new_york:
    zone: America/New_York
    hours: ["09:00-17:00"]
    public_holidays: none
  round_the_clock:
    zone: America/New_York
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
    hours: ["00:00-24:00"]
    public_holidays: none
"#;

fn calendars() -> Calendars {
    Calendars::from_yaml(YAML).expect("the test calendars parse")
}

fn named(name: &str) -> Calendar {
    calendars().get(name).expect("a test calendar").clone()
}

/// A civil date-time in the calendar's zone.
fn at(cal: &Calendar, text: &str) -> Timestamp {
    let dt: DateTime = text.parse().expect("a date-time");
    cal.zone().to_ambiguous_timestamp(dt).compatible().expect("an instant")
}

#[test]
fn business_seconds_by_hand() {
    let office = Calendar::japan_office();
    let yaml = calendars();
    let default = yaml.default_calendar();
    let saturday = named("saturday");
    let new_york = named("new_york");
    let clock = named("round_the_clock");
    #[rustfmt::skip]
    let cases: &[(&Calendar, &str, &str, u64, &str)] = &[
        (&office, "2026-11-20T10:00", "2026-11-20T15:00", 5 * H, "within one day"),
        (&office, "2026-11-13T17:00", "2026-11-16T10:00", 2 * H, "across a weekend"),
        (&office, "2026-11-20T17:00", "2026-11-24T10:00", 2 * H, "weekend, then 勤労感謝の日 (Mon)"),
        (&office, "2026-11-14T12:00", "2026-11-16T09:30", H / 2, "starting on a Saturday"),
        (&office, "2026-11-24T07:00", "2026-11-24T09:00", 0, "before opening"),
        (&office, "2026-11-24T08:00", "2026-11-24T19:00", 9 * H, "the whole day and more"),
        (&office, "2026-11-24T18:00", "2026-11-25T09:00", 0, "overnight"),
        (&office, "2026-04-30T10:00", "2026-05-07T10:00", 18 * H, "Golden Week: May 4-6 are holidays"),
        (&office, "2026-09-18T09:00", "2026-09-24T09:00", 9 * H, "silver week: Sep 22 is a 国民の休日"),
        (&office, "2026-11-30T00:00", "2026-12-07T00:00", 45 * H, "a full week"),
        (&office, "2026-11-24T10:00", "2026-11-24T10:00", 0, "empty"),
        (&office, "2026-11-24T12:00", "2026-11-24T10:00", 0, "reversed"),
        (&office, "2026-12-28T17:00", "2027-01-04T10:00", 29 * H, "no closure: Dec 29-31 work, Jan 1 does not"),
        (default, "2026-12-28T17:00", "2027-01-04T10:00", 2 * H, "year-end closure 12-29..01-03"),
        (default, "2030-12-27T17:00", "2031-01-06T10:00", 2 * H, "the closure comes back every year"),
        (default, "2026-08-10T17:00", "2026-08-17T10:00", 2 * H, "山の日, then a company range"),
        (&saturday, "2026-11-21T11:00", "2026-11-21T14:00", 2 * H, "across lunch"),
        (&saturday, "2026-11-21T12:00", "2026-11-21T13:00", 0, "lunch itself"),
        (&saturday, "2026-11-21T00:00", "2026-11-22T00:00", 8 * H, "a Saturday with lunch"),
        (&saturday, "2026-11-21T17:00", "2026-11-24T10:00", 2 * H, "Sunday and a holiday"),
        (&new_york, "2026-03-06T16:00", "2026-03-09T10:00", 2 * H, "across the spring DST change"),
        (&new_york, "2026-10-30T16:00", "2026-11-02T10:00", 2 * H, "across the autumn DST change"),
        (&clock, "2026-03-07T00:00", "2026-03-09T00:00", 47 * H, "a 23-hour Sunday"),
        (&clock, "2026-10-31T00:00", "2026-11-02T00:00", 49 * H, "a 25-hour Sunday"),
    ];
    for &(cal, a, b, expected, why) in cases {
        assert_eq!(cal.business_seconds(at(cal, a), at(cal, b)), expected, "{why}: {a} .. {b}");
    }
}

#[test]
fn add_by_hand() {
    let office = Calendar::japan_office();
    let yaml = calendars();
    let default = yaml.default_calendar();
    let saturday = named("saturday");
    let new_york = named("new_york");
    #[rustfmt::skip]
    let cases: &[(&Calendar, &str, u64, &str, &str)] = &[
        (&office, "2026-11-20T10:00", 3 * H, "2026-11-20T13:00", "within one day"),
        (&office, "2026-11-20T17:00", H, "2026-11-20T18:00", "ends at closing, not next morning"),
        (&office, "2026-11-20T17:00", 2 * H, "2026-11-24T10:00", "over the weekend and a holiday"),
        (&office, "2026-11-21T12:00", 0, "2026-11-24T09:00", "zero from outside: the next opening"),
        (&office, "2026-11-21T12:00", 1, "2026-11-24T09:00:01", "starting outside working time"),
        (&office, "2026-11-24T20:00", 9 * H, "2026-11-25T18:00", "starting after closing"),
        (&office, "2026-11-24T07:00", 27 * H, "2026-11-26T18:00", "three business days"),
        (&office, "2026-05-01T17:00", 2 * H, "2026-05-07T10:00", "Golden Week"),
        (default, "2026-12-28T17:00", 2 * H, "2027-01-04T10:00", "year-end closure"),
        (&saturday, "2026-11-21T11:30", H, "2026-11-21T13:30", "across lunch"),
        (&saturday, "2026-11-21T11:30", H / 2, "2026-11-21T12:00", "ends at lunch"),
        (&saturday, "2026-11-21T12:15", 0, "2026-11-21T13:00", "from lunch"),
        (&new_york, "2026-03-06T16:00", 2 * H, "2026-03-09T10:00", "across the DST change"),
    ];
    for &(cal, from, seconds, expected, why) in cases {
        assert_eq!(cal.add(at(cal, from), seconds), at(cal, expected), "{why}: {from} + {seconds}s");
    }
}

#[test]
fn working_moments() {
    let saturday = named("saturday");
    let t = |text| at(&saturday, text);
    assert!(saturday.is_working(t("2026-11-21T09:00")));
    assert!(saturday.is_working(t("2026-11-21T11:59:59")));
    assert!(!saturday.is_working(t("2026-11-21T12:00")));
    assert!(!saturday.is_working(t("2026-11-21T18:00")));
    assert!(!saturday.is_working(t("2026-11-22T10:00")), "Sunday");
    assert!(!saturday.is_working(t("2026-11-23T10:00")), "勤労感謝の日");
    assert_eq!(saturday.next_working(t("2026-11-21T12:30")), t("2026-11-21T13:00"));
    assert_eq!(saturday.next_working(t("2026-11-21T18:00")), t("2026-11-24T09:00"));
    assert_eq!(saturday.next_working(t("2026-11-24T10:00")), t("2026-11-24T10:00"));
    assert!(saturday.is_working_day(date(2026, 11, 21)));
    assert!(!saturday.is_working_day(date(2026, 11, 23)));
    let default = calendars().default_calendar().clone();
    assert!(!default.is_working_day(date(2030, 12, 30)));
    assert!(default.is_working_day(date(2030, 12, 27)));
}

#[test]
fn always_is_calendar_time() {
    let always = Calendar::default_japan();
    assert!(always.is_always());
    assert_eq!(always.zone().iana_name(), Some("Asia/Tokyo"));
    let a = at(&always, "2026-11-21T03:00"); // a Saturday night
    assert!(always.is_working(a));
    assert_eq!(always.next_working(a), a);
    assert_eq!(always.business_seconds(a, at(&always, "2026-11-23T03:00")), 48 * H);
    assert_eq!(always.add(a, 48 * H), at(&always, "2026-11-23T03:00"));
    assert_eq!(always.add(a, u64::MAX), Timestamp::MAX);
}

#[test]
fn extremes_do_not_panic() {
    let office = Calendar::japan_office();
    let default = calendars().default_calendar().clone();
    for cal in [&office, &default, &Calendar::default_japan()] {
        assert_eq!(cal.add(Timestamp::MAX, 1), Timestamp::MAX);
        assert_eq!(cal.add(Timestamp::MAX, 0), Timestamp::MAX);
        assert_eq!(cal.add(Timestamp::MIN, u64::MAX), Timestamp::MAX);
        assert_eq!(cal.next_working(Timestamp::MAX), Timestamp::MAX);
        assert_eq!(cal.business_seconds(Timestamp::MAX, Timestamp::MIN), 0);
        let _ = cal.is_working(Timestamp::MIN);
        let _ = cal.is_working(Timestamp::MAX);
        let year = |y: i16| at(cal, &format!("{y:04}-01-01T00:00"));
        if cal.is_always() {
            assert_eq!(cal.business_seconds(year(1), year(2)), 365 * 24 * H);
            continue;
        }
        // Working time exists from 1900 to 2299 only: absurd instants cost four centuries at most.
        assert_eq!(cal.business_seconds(year(1), year(1900)), 0);
        assert_eq!(cal.business_seconds(year(2300), Timestamp::MAX), 0);
        let all = cal.business_seconds(year(1900), year(2300));
        assert!(all > 400 * 200 * 8 * H, "{all}");
        assert_eq!(cal.business_seconds(Timestamp::MIN, Timestamp::MAX), all);
        assert_eq!(cal.next_working(Timestamp::MIN), cal.next_working(year(1900)));
        assert_eq!(cal.add(at(cal, "2299-12-30T10:00"), 100 * H), Timestamp::MAX);
        assert!(!cal.is_working(at(cal, "2300-01-02T10:00")));
        assert!(!cal.is_working_day(date(2300, 1, 2)) && !cal.is_working_day(date(1899, 12, 29)));
    }
    assert_eq!(office.add(Timestamp::MIN, H), at(&office, "1900-01-01T10:00"));
    assert_eq!(default.add(Timestamp::MIN, H), at(&default, "1900-01-04T10:00"));
    // Nothing ever works: open-ended searches give up instead of walking to the year 9999.
    let closed =
        Calendars::from_yaml("calendars:\n  closed:\n    yearly_closures: ['01-01..12-31']\n").expect("parses");
    let closed = closed.get("closed").expect("closed");
    let now = at(closed, "2026-11-24T10:00");
    assert_eq!(closed.add(now, 1), Timestamp::MAX);
    assert_eq!(closed.next_working(now), Timestamp::MAX);
    assert_eq!(closed.business_seconds(now, at(closed, "2036-11-24T10:00")), 0);
}

/// xorshift64*: reproducible inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn test_calendars() -> Vec<Calendar> {
    let yaml = calendars();
    let mut all: Vec<Calendar> = yaml.names().filter_map(|n| yaml.get(n)).cloned().collect();
    all.push(Calendar::japan_office());
    all
}

#[test]
fn add_and_business_seconds_agree() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let base = at(&Calendar::default_japan(), "2025-12-01T00:00").as_second();
    for cal in test_calendars() {
        for _ in 0..2000 {
            // Any instant over seven years (with sub-second parts), any SLA up to 60 days.
            let nanos = i32::try_from(rng.below(1_000_000_000)).expect("fits");
            let seconds = i64::try_from(rng.below(7 * 366 * 86_400)).expect("fits");
            let a = Timestamp::new(base + seconds, nanos).expect("in range");
            let s = match rng.below(4) {
                0 => rng.below(60),
                1 => rng.below(9 * H),
                _ => rng.below(60 * 24 * H),
            };
            let due = cal.add(a, s);
            assert_eq!(cal.business_seconds(a, due), s, "{a} + {s}s = {due}");
            let first = cal.next_working(a);
            assert_eq!(cal.add(a, 0), first, "{a}");
            assert!(first >= a && cal.is_working(first), "{a} -> {first}");
            assert_eq!(cal.business_seconds(a, first), 0, "{a} -> {first}");
            if s > 0 {
                assert!(cal.is_working(due - SignedDuration::from_nanos(1)), "{a} + {s}s = {due}");
            }
            // Additivity at second-aligned points.
            let a = Timestamp::new(a.as_second(), 0).expect("in range");
            let b = a + SignedDuration::from_secs(i64::try_from(rng.below(30 * 86_400)).expect("fits"));
            let c = b + SignedDuration::from_secs(i64::try_from(rng.below(30 * 86_400)).expect("fits"));
            let whole = cal.business_seconds(a, c);
            assert_eq!(whole, cal.business_seconds(a, b) + cal.business_seconds(b, c), "{a} {b} {c}");
        }
    }
}

/// Business time by brute force: ten-minute slots whose civil start is a working day and hour.
fn brute_force(cal: &Calendar, hours: &[(i8, i8)], a: Timestamp, b: Timestamp) -> u64 {
    let mut t = a;
    let mut total = 0;
    while t < b {
        let civil = cal.zone().to_datetime(t);
        let hour = civil.hour();
        if cal.is_working_day(civil.date()) && hours.iter().any(|&(from, to)| from <= hour && hour < to) {
            total += 600;
        }
        t += SignedDuration::from_secs(600);
    }
    total
}

#[test]
fn matches_brute_force() {
    let mut rng = Rng(42);
    let base = at(&Calendar::default_japan(), "2026-01-01T00:00").as_second() / 600 * 600;
    let cases: [(Calendar, &[(i8, i8)]); 4] = [
        (calendars().default_calendar().clone(), &[(9, 18)]),
        (named("saturday"), &[(9, 12), (13, 18)]),
        (named("new_york"), &[(9, 17)]),
        (named("round_the_clock"), &[(0, 24)]),
    ];
    for (cal, hours) in &cases {
        for _ in 0..150 {
            let a = base + 600 * i64::try_from(rng.below(53 * 7 * 144)).expect("fits");
            let b = a + 600 * i64::try_from(rng.below(5 * 144)).expect("fits");
            let (a, b) = (Timestamp::from_second(a).expect("a"), Timestamp::from_second(b).expect("b"));
            assert_eq!(cal.business_seconds(a, b), brute_force(cal, hours, a, b), "{a} .. {b}");
        }
    }
}

#[test]
fn an_sla_in_days_counts_working_days_at_the_same_time_of_day() {
    let office = Calendar::japan_office();
    let tokyo =
        |s: &str| -> Timestamp { format!("{s}[Asia/Tokyo]").parse::<jiff::Zoned>().expect("zoned").timestamp() };
    // Friday 17:00, one day: Monday 23 November is 勤労感謝の日, so Tuesday 17:00.
    assert_eq!(office.add_sla(tokyo("2026-11-20T17:00"), 86_400), tokyo("2026-11-24T17:00"));
    // Half a day more is four and a half business hours: Tuesday 17:00 + 1h to closing, then Wednesday 12:30.
    assert_eq!(office.add_sla(tokyo("2026-11-20T17:00"), 86_400 + 16_200), tokyo("2026-11-25T12:30"));
    // Hours only: plain business time (Friday 17:00 + 4h: 1h on Friday, 3h on Tuesday).
    assert_eq!(office.add_sla(tokyo("2026-11-20T17:00"), 4 * 3_600), office.add(tokyo("2026-11-20T17:00"), 4 * 3_600));
    // Started outside working time: counted from the next working moment.
    assert_eq!(office.add_sla(tokyo("2026-11-21T10:00"), 86_400), tokyo("2026-11-25T09:00"));
}

#[test]
fn a_due_time_asked_again_is_the_same_and_another_is_computed_afresh() {
    let office = Calendar::japan_office();
    let tokyo =
        |s: &str| -> Timestamp { format!("{s}[Asia/Tokyo]").parse::<jiff::Zoned>().expect("zoned").timestamp() };
    let friday = tokyo("2026-11-20T17:00");
    let described = format!("{office:?}");
    let first = office.add_sla(friday, 86_400);
    assert_eq!(format!("{office:?}"), described, "what was computed last is not part of the calendar");
    // A clone (as every driver holds) shares what was computed last.
    assert!(std::sync::Arc::ptr_eq(&office.last_sla, &office.clone().last_sla));
    assert_eq!(office.clone().add_sla(friday, 86_400), first);
    // The same moment with another SLA, and another moment with the same SLA, are not it.
    assert_eq!(office.add_sla(friday, 2 * 86_400), tokyo("2026-11-25T17:00"));
    assert_eq!(office.add_sla(tokyo("2026-11-24T17:00"), 86_400), tokyo("2026-11-25T17:00"));
    assert_eq!(office.add_sla(friday, 86_400), tokyo("2026-11-24T17:00"));
}

/// Reminders in business time: `remind 4h before` a task due Thursday 09:00 comes Wednesday
/// 14:00 on an office calendar, not Thursday 05:00; across a weekend and a holiday it goes back
/// to the last working hours; on an always-working calendar it is plain clock time.
#[test]
fn business_time_before_a_due_time_counts_working_hours_back() {
    let office = Calendar::japan_office();
    let tokyo =
        |s: &str| -> Timestamp { format!("{s}[Asia/Tokyo]").parse::<jiff::Zoned>().expect("zoned").timestamp() };
    assert_eq!(office.subtract(tokyo("2026-12-10T09:00"), 4 * H), tokyo("2026-12-09T14:00"));
    assert_eq!(office.subtract(tokyo("2026-12-10T15:30"), 4 * H), tokyo("2026-12-10T11:30"));
    // Tuesday 24 November 10:00, 2h back: 1h on Tuesday, Monday 23rd is a holiday, so Friday 17:00.
    assert_eq!(office.subtract(tokyo("2026-11-24T10:00"), 2 * H), tokyo("2026-11-20T17:00"));
    // Exactly the start of working time: the business hour before it began at 17:00 the day before.
    assert_eq!(office.subtract(tokyo("2026-12-10T09:00"), H), tokyo("2026-12-09T17:00"));
    let always = Calendar::default_japan();
    assert_eq!(always.subtract(tokyo("2026-12-10T09:00"), 4 * H), tokyo("2026-12-10T05:00"));
    // Whatever the due time, the answer holds exactly that much working time before it.
    for (due, hours) in [("2026-12-31T12:00", 3), ("2027-01-04T09:30", 5), ("2026-08-17T18:00", 9)] {
        let t = office.subtract(tokyo(due), hours * H);
        assert_eq!(office.business_seconds(t, tokyo(due)), hours * H, "{due} - {hours}h = {t}");
        assert!(office.is_working(t) || hours == 0, "{t} starts a working hour");
    }
}
