//! Times in stored JSON, written whole. jiff's own `Serialize` for `Timestamp` goes through
//! `Display`, and serde_json escapes every piece `Display` writes (a dozen per time) as a string
//! fragment of its own; a state or an event holds several times and is written at every step.
//! The text is the same as jiff's (RFC 3339 in UTC, the shortest fraction of a second), and times
//! are read back by jiff's own `Deserialize`.

use jiff::Timestamp;
use jiff::fmt::temporal::DateTimePrinter;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

static PRINTER: DateTimePrinter = DateTimePrinter::new();

/// Writes `at` as one string.
pub(crate) fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    let mut text = String::with_capacity(32);
    PRINTER.print_timestamp(at, &mut text).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
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
}
