//! One view as CSV for machines and spreadsheets: UTF-8 with a byte-order mark (without it,
//! Excel reads the file in the system's code page and garbles Japanese), the column keys as the
//! header, whole seconds, fractions and RFC 3339 moments.

use super::cells;
use jiff::tz::TimeZone;
use junro_engine::kpi::View;
use std::io::Write;

/// The UTF-8 byte-order mark.
pub(super) const BOM: &str = "\u{feff}";

/// Writes `view` as CSV.
pub(super) fn write(view: &View, zone: &TimeZone, out: &mut dyn Write) -> anyhow::Result<()> {
    out.write_all(BOM.as_bytes())?;
    let mut writer = csv::Writer::from_writer(out);
    // As I/O errors, so that a closed pipe (`junro kpi … | head`) is recognised and ends quietly.
    writer.write_record(view.columns.iter().map(|c| c.key)).map_err(std::io::Error::from)?;
    for row in &view.rows {
        writer
            .write_record(
                view.columns.iter().zip(row).map(|(column, cell)| cells::machine_text(cell, column.unit, zone)),
            )
            .map_err(std::io::Error::from)?;
    }
    writer.flush()?;
    Ok(())
}
