//! Terminal tables: a title line, then the view as an aligned table, one per view.
//!
//! comfy-table measures display width, so Japanese text (two columns a character) stays aligned.
//! The borders are ASCII: box-drawing characters are "ambiguous width" and Japanese terminals
//! often draw them two columns wide, which would break every line.

use super::cells;
use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table};
use jiff::tz::TimeZone;
use junro_engine::kpi::View;
use std::io::Write;

/// Writes every view as a titled table, separated by blank lines.
pub(super) fn write(views: &[View], zone: &TimeZone, out: &mut dyn Write) -> std::io::Result<()> {
    for (i, view) in views.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let count = view.rows.len();
        let rows = if count == 1 { "1 row".to_string() } else { format!("{} rows", cells::thousands(count as i64)) };
        writeln!(out, "{} ({rows})", view.title)?;
        writeln!(out, "{}", table(view, zone))?;
    }
    Ok(())
}

/// One view as an aligned table; numbers right-aligned.
pub(super) fn table(view: &View, zone: &TimeZone) -> Table {
    let mut table = Table::new();
    table.load_style(ASCII_FULL_CONDENSED);
    table.set_header(view.columns.iter().map(|c| c.label).collect::<Vec<_>>());
    for row in &view.rows {
        table.add_row(
            view.columns
                .iter()
                .zip(row)
                .map(|(column, cell)| cells::human(cell, column.unit, zone))
                .collect::<Vec<_>>(),
        );
    }
    for (index, column) in view.columns.iter().enumerate() {
        if cells::is_numeric(column.unit)
            && let Some(table_column) = table.column_mut(index)
        {
            table_column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}
