//! Times in stored JSON, written whole. jiff's own `Serialize` for `Timestamp` goes through
//! `Display`, and serde_json escapes every piece `Display` writes (a dozen per time) as a string
//! fragment of its own; a state or an event holds several times and is written at every step.
//! The text is the same as jiff's (RFC 3339 in UTC, the shortest fraction of a second; a test
//! compares the two over the whole range), and times are read back by jiff's own `Deserialize`.

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

static PRINTER: DateTimePrinter = DateTimePrinter::new();

/// The longest text [`print_utc`] writes: `YYYY-MM-DDTHH:MM:SS.fffffffffZ`.
const LONGEST: usize = 30;

/// Writes `at` as one string.
pub(crate) fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    let mut text = [0u8; LONGEST];
    if let Some(len) = print_utc(at, &mut text) {
        let text = std::str::from_utf8(&text[..len]).map_err(serde::ser::Error::custom)?;
        return serializer.serialize_str(text);
    }
    let mut text = String::with_capacity(32);
    PRINTER.print_timestamp(at, &mut text).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// Writes `value` in decimal into all of `out`, zero-padded.
fn put_digits(out: &mut [u8], mut value: u32) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// The text jiff's printer gives `at` (RFC 3339 in UTC, the shortest fraction of a second) for
/// the years it writes with four digits, without its general machinery: states and events hold
/// a dozen times and are written at every step. jiff still turns the instant into a date and
/// time of day; only the digits are put here. `None` for other years (jiff writes those).
fn print_utc(at: &Timestamp, out: &mut [u8; LONGEST]) -> Option<usize> {
    let time = jiff::tz::Offset::UTC.to_datetime(*at);
    let year = u32::try_from(time.year()).ok().filter(|year| *year <= 9999)?;
    let part = |value: i8| u32::try_from(value).unwrap_or(0);
    out[..20].copy_from_slice(b"0000-00-00T00:00:00Z");
    put_digits(&mut out[0..4], year);
    put_digits(&mut out[5..7], part(time.month()));
    put_digits(&mut out[8..10], part(time.day()));
    put_digits(&mut out[11..13], part(time.hour()));
    put_digits(&mut out[14..16], part(time.minute()));
    put_digits(&mut out[17..19], part(time.second()));
    let nanos = u32::try_from(time.subsec_nanosecond()).unwrap_or(0);
    if nanos == 0 {
        return Some(20);
    }
    out[19] = b'.';
    put_digits(&mut out[20..29], nanos);
    let mut end = 29;
    while out[end - 1] == b'0' {
        end -= 1;
    }
    out[end] = b'Z';
    Some(end + 1)
}

/// Reads a time as jiff does.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    Timestamp::deserialize(deserializer)
}

/// The same for an optional time (`null` when absent).
pub(crate) mod option {
    use super::*;

    struct Whole<'a>(&'a Timestamp);

    impl Serialize for Whole<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(self.0, serializer)
        }
    }

    pub(crate) fn serialize<S: Serializer>(at: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_some(&Whole(at)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<Timestamp>::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Times {
        #[serde(with = "super")]
        at: Timestamp,
        #[serde(default, with = "option")]
        due: Option<Timestamp>,
    }

    #[test]
    fn times_are_written_as_jiff_writes_them_and_read_back() {
        for text in ["2026-11-24T00:00:00Z", "2026-11-27T22:54:09.5133293Z", "1969-12-31T23:59:59.999999Z"] {
            let at: Timestamp = text.parse().expect("a time");
            for due in [None, Some(at)] {
                let times = Times { at, due };
                let json = serde_json::to_string(&times).expect("writes");
                let jiffs = serde_json::json!({ "at": at, "due": due }).to_string();
                assert_eq!(json, jiffs, "same text as jiff's own Serialize");
                assert_eq!(serde_json::from_str::<Times>(&json).expect("reads"), times);
            }
        }
        let missing: Times = serde_json::from_str(r#"{"at":"2026-11-24T00:00:00Z"}"#).expect("reads");
        assert_eq!(missing.due, None, "an absent optional time is none");
    }

    /// The digits put by hand are jiff's, over the whole range jiff prints with four-digit years
    /// and at every length of fraction; the years beyond are left to jiff.
    #[test]
    fn times_put_by_hand_are_the_text_jiffs_printer_gives() {
        let jiffs = |at: &Timestamp| {
            let mut text = String::new();
            PRINTER.print_timestamp(at, &mut text).expect("prints");
            text
        };
        let (first, last) = (Timestamp::from_second(-62_167_219_200).expect("year 0"), Timestamp::MAX);
        let mut checked = 0;
        // A fixed sequence of pseudo-random instants (a linear congruential generator).
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            state >> 11
        };
        let span = (last.as_second() - first.as_second()) as u64;
        for n in 0..20_000u64 {
            let second = first.as_second() + (next() % span) as i64;
            // Fractions of every length, including none and a whole nine digits.
            let nanos = match n % 5 {
                0 => 0,
                1 => (next() % 1_000_000_000) as i32,
                2 => (next() % 1_000) as i32 * 1_000_000,
                3 => (next() % 1_000_000) as i32 * 1_000,
                _ => 1 + (next() % 9) as i32 * 100_000_000,
            };
            let at = Timestamp::new(second, nanos).expect("in range");
            let mut out = [0u8; LONGEST];
            match print_utc(&at, &mut out) {
                Some(len) => {
                    assert_eq!(std::str::from_utf8(&out[..len]).expect("text"), jiffs(&at));
                    checked += 1;
                }
                None => assert!(jiffs(&at).starts_with('-'), "only years jiff signs are left to it: {at}"),
            }
        }
        assert!(checked > 19_000, "almost all fall within four-digit years");
        for at in [first, Timestamp::UNIX_EPOCH, Timestamp::new(-1, 999_999_999).expect("in range")] {
            let mut out = [0u8; LONGEST];
            let len = print_utc(&at, &mut out).expect("a four-digit year");
            assert_eq!(std::str::from_utf8(&out[..len]).expect("text"), jiffs(&at));
        }
        for at in [Timestamp::MIN, Timestamp::MAX, Timestamp::from_second(-62_167_219_201).expect("year -1")] {
            let json = serde_json::to_string(&Times { at, due: None }).expect("writes");
            assert_eq!(json, serde_json::json!({ "at": at, "due": null }).to_string(), "as jiff writes it");
        }
    }
}
