//! The event log as CSV: one row per event, a header, UTF-8 with a byte-order mark so Excel reads
//! Japanese labels as written. Times are RFC 3339 in UTC (`2026-11-02T00:15:00.000Z`). Empty cells
//! mean "none" (no resource for the order events, no vendor for in-house staff). `order_id` is
//! the order the event was recorded in: the root order, or the subflow order for a subflow's steps.

use super::{Case, ExportError, Written};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::borrow::Borrow;
use std::io::Write;

/// The columns, in order.
pub const HEADER: [&str; 11] = [
    "case_id",
    "activity",
    "timestamp",
    "lifecycle",
    "resource",
    "vendor",
    "lane",
    "flow",
    "version",
    "step",
    "order_id",
];

/// The UTF-8 byte-order mark the file begins with.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

fn utc(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes `cases` as CSV to `out`, row by row as the cases come.
pub fn write<W, I>(mut out: W, cases: I) -> Result<Written, ExportError>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Case>,
{
    out.write_all(BOM)?;
    let mut csv = ::csv::Writer::from_writer(out);
    csv.write_record(HEADER)?;
    let mut written = Written::default();
    for case in cases {
        let case = case.borrow();
        for event in &case.events {
            let version = event.version.to_string();
            let none = "";
            csv.write_record([
                case.id.as_str(),
                &event.activity,
                &utc(event.at),
                event.lifecycle.as_str(),
                event.resource.as_deref().unwrap_or(none),
                event.group.as_deref().unwrap_or(none),
                event.lane.as_deref().unwrap_or(none),
                &event.flow,
                &version,
                event.step.as_deref().unwrap_or(none),
                &event.order,
            ])?;
            written.events += 1;
        }
        written.cases += 1;
    }
    csv.flush()?;
    Ok(written)
}
