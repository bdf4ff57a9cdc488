//! Calendars from YAML: the example file, defaults, spellings, and errors.

use super::config::MALFORMED_HOURS;
use super::*;
use jiff::civil::date;

fn one(settings: &str) -> Result<Calendars, CalendarError> {
    Calendars::from_yaml(&format!("calendars:\n  x:\n{settings}"))
}

fn error(settings: &str) -> CalendarError {
    one(settings).expect_err("should be refused")
}

fn bad(kind: fn(String, String) -> CalendarError, value: &str) -> CalendarError {
    kind("x".to_string(), value.to_string())
}

#[test]
fn the_example_file() {
    let calendars =
        Calendars::from_yaml(include_str!("../../../examples/calendars.yaml")).expect("examples/calendars.yaml parses");
    let names: Vec<&str> = calendars.names().collect();
    assert_eq!(names, ["24x7", "back_office_saturday", "default", "field_service", "jp_business", "営業日"]);
    let jp = calendars.get("jp_business").expect("jp_business");
    assert!(jp.is_working_day(date(2026, 8, 12)));
    assert!(!jp.is_working_day(date(2026, 8, 13)), "summer break");
    assert!(!jp.is_working_day(date(2026, 10, 1)), "foundation day");
    assert!(!jp.is_working_day(date(2026, 12, 30)), "year-end");
    assert!(!jp.is_working_day(date(2026, 11, 23)), "勤労感謝の日");
    let saturday = calendars.get("back_office_saturday").expect("saturday");
    assert!(saturday.is_working_day(date(2026, 8, 13)), "no summer break here");
    assert!(saturday.is_working_day(date(2026, 11, 21)));
    let always = calendars.get("24x7").expect("24x7");
    assert!(always.is_working_day(date(2027, 1, 1)));
    assert!(!calendars.default_calendar().is_working_day(date(2027, 1, 2)));
}

#[test]
fn omitted_settings_are_the_defaults() {
    let office = Calendar::japan_office();
    let t = |text: &str| text.parse::<jiff::Timestamp>().expect("instant");
    let moments = ["2026-11-20T00:30:00Z", "2026-11-20T08:59:59Z", "2026-11-20T09:00:00Z", "2026-11-23T01:00:00Z"];
    for text in ["calendars:\n  x: {}\n", "calendars:\n  x:\n", "calendars: {}\n", "{}\n"] {
        let calendars = Calendars::from_yaml(text).expect(text);
        let cal = calendars.get("x").unwrap_or(calendars.default_calendar());
        assert_eq!(cal.zone().iana_name(), Some("Asia/Tokyo"));
        for m in moments {
            assert_eq!(cal.is_working(t(m)), office.is_working(t(m)), "{text:?} at {m}");
        }
    }
}

#[test]
fn unquoted_and_alternative_spellings() {
    let calendars = one("    weekdays: [Monday, 火, 水曜日, THU, fri]\n    hours: [9:00-12:00, 13:00-18:00]\n    \
         company_holidays: [2026-12-28]\n    yearly_closures: [02-29, 12-30..01-02]\n")
    .expect("parses");
    let cal = calendars.get("x").expect("x");
    assert!(!cal.is_working_day(date(2026, 12, 28)));
    assert!(!cal.is_working_day(date(2028, 2, 29)));
    assert!(cal.is_working_day(date(2027, 1, 4)));
    for (value, public) in [("none", false), ("no", false), ("false", false), ("jp", true), ("JP", true)] {
        let calendars = one(&format!("    public_holidays: {value}\n")).expect(value);
        let cal = calendars.get("x").expect("x");
        assert_eq!(!cal.is_working_day(date(2026, 11, 23)), public, "{value}");
    }
}

#[test]
fn errors_name_the_calendar_and_the_value() {
    let zone = |c, v| CalendarError::UnknownZone { calendar: c, value: v };
    let weekday = |c, v| CalendarError::UnknownWeekday { calendar: c, value: v };
    let date = |c, v| CalendarError::BadDate { calendar: c, value: v };
    let closure = |c, v| CalendarError::BadClosure { calendar: c, value: v };
    let public = |c, v| CalendarError::UnknownPublicHolidays { calendar: c, value: v };
    let cases: Vec<(&str, CalendarError)> = vec![
        ("    zone: Asia/Tokio\n", bad(zone, "Asia/Tokio")),
        ("    weekdays: [mon, fir]\n", bad(weekday, "fir")),
        ("    company_holidays: [\"2026-02-30\"]\n", bad(date, "2026-02-30")),
        ("    company_holidays: [\"2026/12/29\"]\n", bad(date, "2026/12/29")),
        ("    company_holidays: [\"2026-12-31..2026-12-29\"]\n", bad(date, "2026-12-31..2026-12-29")),
        ("    yearly_closures: [\"13-01\"]\n", bad(closure, "13-01")),
        ("    yearly_closures: [\"12-29..\"]\n", bad(closure, "12-29..")),
        ("    public_holidays: us\n", bad(public, "us")),
        ("    weekdays: []\n", CalendarError::NoWeekdays { calendar: "x".into() }),
        ("    hours: []\n", CalendarError::NoHours { calendar: "x".into() }),
    ];
    for (settings, expected) in cases {
        assert_eq!(error(settings), expected, "{settings}");
    }
    let hours = [
        ("9-18", MALFORMED_HOURS),
        ("09:00", MALFORMED_HOURS),
        ("09:00-18:60", MALFORMED_HOURS),
        ("09:00-25:00", MALFORMED_HOURS),
        ("24:00-24:00", "the start must be before the end"),
        ("18:00-09:00", "the start must be before the end"),
    ];
    for (value, reason) in hours {
        let expected = CalendarError::BadHours { calendar: "x".into(), value: value.into(), reason: reason.into() };
        assert_eq!(error(&format!("    hours: [\"{value}\"]\n")), expected);
    }
    let overlap = error("    hours: [\"09:00-13:00\", \"12:00-18:00\"]\n");
    assert_eq!(overlap.to_string(), "calendar `x`: bad working hours `12:00-18:00`: overlaps `09:00-13:00`");
    assert_eq!(
        bad(weekday, "fir").to_string(),
        "calendar `x`: unknown weekday `fir` (expected mon, tue, wed, thu, fri, sat or sun)"
    );
    // Shape errors come from serde-saphyr, with a position.
    for text in ["calendars:\n  x:\n    hour: [\"09:00-18:00\"]\n", "calendars: [1, 2]\n", "calendars:\n  x: {\n"] {
        let err = Calendars::from_yaml(text).expect_err(text);
        assert!(matches!(err, CalendarError::Yaml { .. }), "{text}: {err}");
    }
    let unknown = Calendars::from_yaml("calendars:\n  x:\n    hour: [\"09:00-18:00\"]\n").expect_err("refused");
    assert!(unknown.to_string().contains("hour"), "{unknown}");
}
