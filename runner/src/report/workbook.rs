//! An Excel workbook, one sheet per view: a bold, frozen header row with an autofilter, column
//! widths that fit their contents, and real numbers and dates under Excel number formats (hours
//! `0.0`, percentages `0.0%`, counts `#,##0`, moments `yyyy-mm-dd hh:mm` in the report's zone),
//! so a manager can sort, filter and sum without converting text.

use super::cells;
use super::words::Language;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use junro_engine::kpi::{Cell, Unit, View};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

/// Excel's limit on a sheet name's length, in characters.
const SHEET_NAME_MAX: usize = 31;
/// The header wraps past this many characters rather than widening a numeric column.
const HEADER_WRAP_WIDTH: usize = 16;
/// No column is wider than this (long step lists, comma-separated open steps).
const COLUMN_MAX_WIDTH: usize = 60;

/// The number formats of the workbook, made once.
struct Formats {
    header: Format,
    hours: Format,
    percent: Format,
    count: Format,
    number: Format,
    time: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(0xE8EEF4)
                .set_border_bottom(FormatBorder::Thin),
            hours: Format::new().set_num_format("#,##0.0"),
            percent: Format::new().set_num_format("0.0%"),
            count: Format::new().set_num_format("#,##0"),
            number: Format::new().set_num_format("#,##0.00"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        }
    }
}

/// The workbook as the bytes of an `.xlsx` file.
pub(super) fn to_bytes(views: &[View], zone: &TimeZone, lang: Language) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats::new();
    for (view, name) in views.iter().zip(sheet_names(views)) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_sheet(sheet, view, &formats, zone, lang)?;
    }
    workbook.save_to_buffer()
}

fn write_sheet(
    sheet: &mut Worksheet,
    view: &View,
    formats: &Formats,
    zone: &TimeZone,
    lang: Language,
) -> Result<(), XlsxError> {
    let mut widths: Vec<usize> = Vec::with_capacity(view.columns.len());
    let mut wrapped = false;
    for (c, column) in view.columns.iter().enumerate() {
        let label = lang.column_label(column);
        sheet.write_string_with_format(0, col_num(c), label, &formats.header)?;
        let label = label.width();
        wrapped |= label > HEADER_WRAP_WIDTH;
        widths.push(label.min(HEADER_WRAP_WIDTH));
    }
    for (r, row) in view.rows.iter().enumerate() {
        let row_num = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, (column, cell)) in view.columns.iter().zip(row).enumerate() {
            write_cell(sheet, row_num, col_num(c), cell, column.unit, formats, zone)?;
            let shown = cells::human(cell, column.unit, zone).width();
            if let Some(width) = widths.get_mut(c) {
                *width = (*width).max(shown);
            }
        }
    }
    for (c, width) in widths.iter().enumerate() {
        // Excel widths count characters of the default font; a little room for the filter button.
        sheet.set_column_width(col_num(c), (width + 3).min(COLUMN_MAX_WIDTH) as f64)?;
    }
    if wrapped {
        sheet.set_row_height(0, 30)?;
    }
    if !view.columns.is_empty() {
        let last_row = u32::try_from(view.rows.len()).unwrap_or(u32::MAX);
        sheet.autofilter(0, 0, last_row, col_num(view.columns.len() - 1))?;
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    unit: Unit,
    formats: &Formats,
    zone: &TimeZone,
) -> Result<(), XlsxError> {
    let number = |x: f64| match unit {
        Unit::Seconds => (x / 3600.0, &formats.hours),
        Unit::Ratio => (x, &formats.percent),
        Unit::Count => (x, if x.fract() == 0.0 { &formats.count } else { &formats.hours }),
        Unit::Text | Unit::Number | Unit::Time | Unit::Flag => (x, &formats.number),
    };
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            sheet.write_string(row, col, s)?;
        }
        Cell::Int(n) => {
            let (value, format) = number(*n as f64);
            let format = if unit == Unit::Number { &formats.count } else { format };
            sheet.write_number_with_format(row, col, value, format)?;
        }
        Cell::Float(x) if x.is_finite() => {
            let (value, format) = number(*x);
            sheet.write_number_with_format(row, col, value, format)?;
        }
        Cell::Float(_) => {}
        Cell::Time(t) => match excel_time(*t, zone) {
            Ok(moment) => {
                sheet.write_datetime_with_format(row, col, moment, &formats.time)?;
            }
            // Excel has no dates before 1900; show such a moment as text rather than fail.
            Err(_) => {
                sheet.write_string(row, col, cells::human(cell, unit, zone))?;
            }
        },
        Cell::Flag(b) => {
            sheet.write_string(row, col, cells::yes_no(*b))?;
        }
    }
    Ok(())
}

/// A moment as an Excel date in the report's zone (Excel dates carry no zone).
fn excel_time(t: Timestamp, zone: &TimeZone) -> Result<ExcelDateTime, XlsxError> {
    let local = t.to_zoned(zone.clone()).datetime();
    let year = u16::try_from(local.year()).map_err(|_| XlsxError::DateTimeRangeError(local.to_string()))?;
    ExcelDateTime::from_ymd(year, local.month().unsigned_abs(), local.day().unsigned_abs())?.and_hms(
        u16::from(local.hour().unsigned_abs()),
        local.minute().unsigned_abs(),
        local.second(),
    )
}

fn col_num(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// Sheet names from the view ids: Excel's forbidden characters replaced, at most 31
/// characters, unique regardless of case (Excel compares names case-insensitively).
pub(super) fn sheet_names(views: &[View]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(views.len());
    for view in views {
        let clean: String = view
            .id
            .chars()
            .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '_' } else { c })
            .collect();
        let clean = clean.trim_matches('\'');
        let base: String = if clean.is_empty() { "sheet".to_string() } else { clean.to_string() };
        let mut name: String = base.chars().take(SHEET_NAME_MAX).collect();
        let mut n = 2;
        while names.iter().any(|taken| taken.to_lowercase() == name.to_lowercase()) {
            let suffix = format!("~{n}");
            name = base.chars().take(SHEET_NAME_MAX - suffix.len()).collect::<String>() + suffix.as_str();
            n += 1;
        }
        names.push(name);
    }
    names
}
