//! Views as one JSON object: `{ "<view id>": [ { "<column key>": value, … }, … ], … }`.
//!
//! Written by hand, one row a line, so that fields keep the columns' order (serde_json's map
//! sorts keys unless its `preserve_order` feature is on) and a long orders table stays readable
//! in a diff.

use super::cells;
use jiff::tz::TimeZone;
use junro_engine::kpi::View;
use std::io::Write;

/// Writes `views` as one JSON object.
pub(super) fn write(views: &[View], zone: &TimeZone, out: &mut dyn Write) -> anyhow::Result<()> {
    write!(out, "{{")?;
    for (v, view) in views.iter().enumerate() {
        let separator = if v == 0 { "" } else { "," };
        write!(out, "{separator}\n  {}: [", serde_json::to_string(view.id)?)?;
        for (r, row) in view.rows.iter().enumerate() {
            let separator = if r == 0 { "" } else { "," };
            write!(out, "{separator}\n    {{")?;
            for (c, (column, cell)) in view.columns.iter().zip(row).enumerate() {
                let separator = if c == 0 { "" } else { ", " };
                let value = cells::machine_json(cell, column.unit, zone);
                write!(out, "{separator}{}: {}", serde_json::to_string(column.key)?, serde_json::to_string(&value)?)?;
            }
            write!(out, "}}")?;
        }
        let close = if view.rows.is_empty() { "]" } else { "\n  ]" };
        write!(out, "{close}")?;
    }
    let close = if views.is_empty() { "}\n" } else { "\n}\n" };
    write!(out, "{close}")?;
    Ok(())
}
