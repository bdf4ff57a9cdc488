//! One cell as people read it (hours, percentages, local time, yes/no, thousands separators)
//! and as machines read it (whole seconds, fractions, RFC 3339, booleans). The column's
//! [`Unit`] decides; a cell whose kind does not fit its unit is shown as what it is.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use junro_engine::kpi::view::local_time;
use junro_engine::kpi::{Cell, Unit};

/// Whether a column holds numbers (right-aligned for people).
pub(super) fn is_numeric(unit: Unit) -> bool {
    matches!(unit, Unit::Count | Unit::Seconds | Unit::Ratio | Unit::Number)
}

/// A cell for people; empty cells are blank.
pub(super) fn human(cell: &Cell, unit: Unit, zone: &TimeZone) -> String {
    match (cell, unit) {
        (Cell::Empty, _) => String::new(),
        (Cell::Text(s), _) => s.clone(),
        (Cell::Int(n), Unit::Seconds) => hours(*n as f64),
        (Cell::Float(x), Unit::Seconds) => hours(*x),
        (Cell::Int(n), Unit::Ratio) => percent(*n as f64),
        (Cell::Float(x), Unit::Ratio) => percent(*x),
        (Cell::Int(n), _) => thousands(*n),
        (Cell::Float(x), Unit::Count) => decimal(*x, 1),
        (Cell::Float(x), _) => decimal(*x, 2),
        (Cell::Time(t), _) => local_time(*t, zone),
        (Cell::Flag(b), _) => yes_no(*b).to_string(),
    }
}

/// `yes` or `no`.
pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Seconds as hours with one decimal: `1,234.5`.
pub(super) fn hours(seconds: f64) -> String {
    decimal(seconds / 3600.0, 1)
}

/// A fraction as a percentage with one decimal: `72.5%`.
pub(super) fn percent(fraction: f64) -> String {
    if fraction.is_finite() { format!("{}%", decimal(fraction * 100.0, 1)) } else { String::new() }
}

/// A whole number with thousands separators: `12,345`.
pub(crate) fn thousands(n: i64) -> String {
    let grouped = group_digits(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{grouped}") } else { grouped }
}

/// A number with `places` decimals and thousands separators; blank when not finite.
pub(crate) fn decimal(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let fixed = format!("{:.*}", places, x.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    // Rounding can leave "-0.0"; a zero has no sign.
    let sign = if x < 0.0 && fixed.bytes().any(|b| (b'1'..=b'9').contains(&b)) { "-" } else { "" };
    let point = if fraction.is_empty() { "" } else { "." };
    format!("{sign}{}{point}{fraction}", group_digits(whole))
}

/// `1234567` → `1,234,567`.
fn group_digits(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A moment as RFC 3339 with the zone's offset (`2026-11-02T10:15:00+09:00`).
pub(super) fn rfc3339(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A cell for machine-read text (CSV): seconds as whole numbers, ratios as fractions, moments
/// as RFC 3339, flags as `true`/`false`; empty cells and non-finite numbers are empty.
pub(super) fn machine_text(cell: &Cell, unit: Unit, zone: &TimeZone) -> String {
    match machine_json(cell, unit, zone) {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A cell as a JSON value: numbers as numbers, empty cells as `null`.
pub(super) fn machine_json(cell: &Cell, unit: Unit, zone: &TimeZone) -> serde_json::Value {
    use serde_json::Value;
    match (cell, unit) {
        (Cell::Empty, _) => Value::Null,
        (Cell::Text(s), _) => Value::String(s.clone()),
        (Cell::Int(n), _) => Value::from(*n),
        // Means of seconds are fractional; machine formats promise whole seconds.
        (Cell::Float(x), Unit::Seconds) if x.is_finite() => Value::from(x.round() as i64),
        // NaN and infinities have no JSON form.
        (Cell::Float(x), _) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
        (Cell::Time(t), _) => Value::String(rfc3339(*t, zone)),
        (Cell::Flag(b), _) => Value::Bool(*b),
    }
}
