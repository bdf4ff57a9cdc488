//! Coverage of decision tables, decided statically where the inputs have few enough kinds of
//! values: rows of a `unique` table that can match one input together (`E0410`), and inputs that
//! no row matches (`W0504`, for every hit policy but `collect`).
//!
//! Each input column is cut into classes of values that every cell of the column treats alike,
//! and one representative value stands for each class: an enum's declared values; true and false;
//! for whole numbers (integer, and money written in whole numbers) b-1, b and b+1 for every
//! boundary b a cell mentions; for decimals the boundaries, the midpoints between them and one
//! value beyond each end; for texts each mentioned literal and one text no cell mentions. A
//! field's `min` and `max` bound the numbers tried. Trying every combination of representatives
//! is then exact. Columns of other types (dates, lists), texts compared with `<` or `>`, and tables
//! with more than [`MAX_COMBINATIONS`] combinations are not analysed. Values are matched as the
//! engine matches them (`engine/src/table.rs`: numbers as `f64`, texts in byte order). Unset
//! optional fields are not considered.

use crate::ast::{Cell, CompareOp, Field, HitPolicy, Literal, TableDecl, Type, Value};
use crate::diagnostic::Diagnostic;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// Above this many input combinations a table is not analysed.
const MAX_COMBINATIONS: usize = 100_000;

/// A value an input may hold, as the engine compares it.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64),
    Text(String),
    Bool(bool),
}

/// One value standing for a class of values, and how the analyst would write it.
struct Rep {
    value: Val,
    shown: String,
}

/// What the analysis found, each with an example input written `field = value, …`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Coverage {
    /// Two rows (1-based) that both match the example (looked for in `unique` tables only).
    pub(super) overlap: Option<(usize, usize, String)>,
    /// An input no row matches (not looked for in `collect` tables).
    pub(super) gap: Option<String>,
}

/// The diagnostics for `table`, in the file that defines it, given the input fields of a flow
/// that uses it (`fields`, in `in` order) and where that use is (`used_by`, for the note): an
/// overlap at the later of the two rows, a gap at the table's name.
pub(super) fn diagnostics(table: &TableDecl, fields: &[&Field], used_by: &str) -> Vec<Diagnostic> {
    let Some(found) = coverage(table, fields) else {
        return Vec::new();
    };
    let name = &table.name.text;
    let mut out = Vec::new();
    if let Some((a, b, example)) = found.overlap {
        let at = table.rows.get(b - 1).map_or(table.name.span, |r| r.span);
        out.push(
            Diagnostic::error(
                "E0410",
                at,
                format!("rows {a} and {b} of table `{name}` both match {example} (hit unique allows one)"),
            )
            .with_label(format!("overlaps row {a}"))
            .with_help(format!(
                "make the rows exclusive, or use `hit first` to take the first matching row (the table is used by {used_by})"
            )),
        );
    }
    if let Some(example) = found.gap {
        let help = if table.hit == HitPolicy::Unique {
            "add a row for these values".to_string()
        } else {
            let any = vec!["-"; table.inputs.len()].join(", ");
            format!("add a row for these values, or a catch-all row `row {any} => …` at the end")
        };
        out.push(
            Diagnostic::warning("W0504", table.name.span, format!("no row of table `{name}` matches {example}"))
                .with_help(format!("{help} (the table is used by {used_by})")),
        );
    }
    out
}

/// Overlaps and gaps of `table`, checked against the first flow of the program that decides
/// with it and has all its inputs as fields (tables are declared without types): reported once,
/// at the table, whatever number of flows use it.
pub(super) fn of_table(program: &crate::program::Program, table: &TableDecl, out: &mut Vec<Diagnostic>) {
    if table.rows.iter().any(|r| r.cells.len() != table.inputs.len() || r.outputs.len() != table.outputs.len()) {
        return;
    }
    for file in program.files.values() {
        for flow in &file.module.flows {
            for step in &flow.steps {
                let crate::ast::StepKind::Decide(decide) = &step.kind else { continue };
                let Some(used) = &decide.table else { continue };
                if used.text != table.name.text {
                    continue;
                }
                let fields: Option<Vec<&Field>> =
                    table.inputs.iter().map(|input| flow.fields.iter().find(|f| f.name.text == input.text)).collect();
                let Some(fields) = fields else { continue };
                // A table that does not fit its flow is reported there (E0404): nothing to add.
                if !fits(table, &fields, flow) {
                    return;
                }
                let line = file.index.line_of(used.span.start) + 1;
                let used_by = format!("decide `{}` of flow `{}`, {}:{line}", step.name.text, flow.name.text, file.path);
                out.extend(diagnostics(table, &fields, &used_by));
                return;
            }
        }
    }
}

/// Whether every cell and output of `table` is a value of its field's type in `flow`.
fn fits(table: &TableDecl, inputs: &[&Field], flow: &crate::ast::Flow) -> bool {
    let outputs: Vec<Option<&Field>> =
        table.outputs.iter().map(|o| flow.fields.iter().find(|f| f.name.text == o.text)).collect();
    table.rows.iter().all(|row| {
        let cells_fit = row.cells.iter().zip(inputs).all(|(cell, field)| {
            let literals: Vec<&crate::ast::Literal> = match cell {
                crate::ast::Cell::Any(_) => Vec::new(),
                crate::ast::Cell::Range(lo, hi) => vec![lo, hi],
                crate::ast::Cell::Compare(_, v) => vec![v],
                crate::ast::Cell::OneOf(vs) => vs.iter().collect(),
            };
            literals.iter().all(|l| super::expr::literal_problem(&field.ty, &l.value).is_none())
        });
        let outputs_fit = row.outputs.iter().zip(&outputs).all(|(value, field)| {
            let Some(field) = field else { return false };
            let ty = match (table.hit, &field.ty) {
                (HitPolicy::Collect, crate::ast::Type::List(element)) => element.as_ref(),
                (_, ty) => ty,
            };
            super::expr::literal_problem(ty, &value.value).is_none()
        });
        cells_fit && outputs_fit
    })
}

/// Looks for overlapping rows and uncovered inputs; `None` when the table cannot be analysed.
pub(super) fn coverage(table: &TableDecl, fields: &[&Field]) -> Option<Coverage> {
    let want_overlap = table.hit == HitPolicy::Unique;
    if table.hit == HitPolicy::Collect
        || fields.len() != table.inputs.len()
        || table.rows.iter().any(|r| r.cells.len() != fields.len())
    {
        return None;
    }
    let columns: Vec<Vec<Rep>> = fields
        .iter()
        .enumerate()
        .map(|(c, field)| representatives(field, table.rows.iter().map(|row| &row.cells[c])))
        .collect::<Option<_>>()?;
    let mut combinations = 1usize;
    for column in &columns {
        combinations = combinations.checked_mul(column.len()).filter(|n| *n <= MAX_COMBINATIONS)?;
    }
    let mut found = Coverage::default();
    if combinations == 0 {
        return Some(found);
    }
    // The rows each representative satisfies, as bit sets over the rows.
    let rows = table.rows.len();
    let words = rows.div_ceil(64).max(1);
    let bits = |holds: &dyn Fn(usize) -> bool| {
        let mut bits = vec![0u64; words];
        (0..rows).filter(|&r| holds(r)).for_each(|r| bits[r / 64] |= 1 << (r % 64));
        bits
    };
    let all = bits(&|_| true);
    let hits: Vec<Vec<Vec<u64>>> = columns
        .iter()
        .enumerate()
        .map(|(c, reps)| reps.iter().map(|rep| bits(&|r| matches(&table.rows[r].cells[c], &rep.value))).collect())
        .collect();
    // Every combination, the last column turning fastest.
    let mut index = vec![0usize; columns.len()];
    let mut matched = vec![0u64; words];
    loop {
        matched.copy_from_slice(&all);
        for (c, &i) in index.iter().enumerate() {
            matched.iter_mut().zip(&hits[c][i]).for_each(|(m, h)| *m &= h);
        }
        let mut rows_matched = (0..rows).filter(|r| matched[r / 64] >> (r % 64) & 1 == 1);
        let example = || {
            let pairs = table.inputs.iter().zip(&index).zip(&columns);
            pairs
                .map(|((input, &i), reps)| format!("{} = {}", input.text, reps[i].shown))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (rows_matched.next(), rows_matched.next()) {
            (None, _) if found.gap.is_none() => found.gap = Some(example()),
            (Some(a), Some(b)) if want_overlap && found.overlap.is_none() => {
                found.overlap = Some((a + 1, b + 1, example()));
            }
            _ => {}
        }
        if found.gap.is_some() && (found.overlap.is_some() || !want_overlap) {
            return Some(found);
        }
        let mut c = columns.len();
        loop {
            if c == 0 {
                return Some(found);
            }
            c -= 1;
            index[c] += 1;
            if index[c] < columns[c].len() {
                break;
            }
            index[c] = 0;
        }
    }
}

/// The representatives of one input column, or `None` when its values cannot be enumerated.
fn representatives<'a>(field: &Field, cells: impl Iterator<Item = &'a Cell>) -> Option<Vec<Rep>> {
    let mut literals: Vec<&Literal> = Vec::new();
    let mut ordered = false;
    for cell in cells {
        match cell {
            Cell::Any(_) => {}
            Cell::Range(lo, hi) => {
                literals.extend([lo, hi]);
                ordered = true;
            }
            Cell::Compare(op, v) => {
                literals.push(v);
                ordered |= *op != CompareOp::Ne;
            }
            Cell::OneOf(values) => literals.extend(values),
        }
    }
    let bound = |l: &Option<Literal>| l.as_ref().and_then(|l| number(&l.value)).filter(|x| x.is_finite());
    let (min, max) = (bound(&field.min), bound(&field.max));
    let within = |x: f64| min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m);
    let reps = match &field.ty {
        Type::Enum(variants) => {
            variants.iter().map(|v| Rep { value: Val::Text(v.clone()), shown: v.clone() }).collect()
        }
        Type::Boolean => [false, true].map(|b| Rep { value: Val::Bool(b), shown: b.to_string() }).into(),
        Type::Integer | Type::Money if literals.iter().all(|l| matches!(l.value, Value::Integer(_))) => {
            let mut points = BTreeSet::new();
            for literal in &literals {
                if let Value::Integer(b) = literal.value {
                    points.extend([b.saturating_sub(1), b, b.saturating_add(1)]);
                }
            }
            // `as` saturates: a bound beyond i64 stays at its end.
            points.extend(min.map(|m| m.ceil() as i64).into_iter().chain(max.map(|m| m.floor() as i64)));
            if points.is_empty() {
                points.insert(0);
            }
            let points = points.into_iter().filter(|&p| within(p as f64));
            points.map(|p| Rep { value: Val::Num(p as f64), shown: p.to_string() }).collect()
        }
        Type::Integer | Type::Money | Type::Decimal => {
            let mut bounds: Vec<f64> = literals.iter().filter_map(|l| number(&l.value)).chain(min).chain(max).collect();
            bounds.retain(|x| x.is_finite());
            bounds.sort_by(f64::total_cmp);
            bounds.dedup();
            let mut points = Vec::new();
            match (bounds.first(), bounds.last()) {
                (Some(first), Some(last)) => {
                    points.push(first - 1.0);
                    for pair in bounds.windows(2) {
                        points.extend([pair[0], (pair[0] + pair[1]) / 2.0]);
                    }
                    points.extend([*last, last + 1.0]);
                }
                _ => points.push(0.0),
            }
            let points = points.into_iter().filter(|&p| within(p));
            points.map(|p| Rep { value: Val::Num(p), shown: p.to_string() }).collect()
        }
        Type::Text if !ordered => {
            let mentioned: BTreeSet<&str> = literals
                .iter()
                .filter_map(|l| match &l.value {
                    Value::Text(t) | Value::Symbol(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            let mut reps: Vec<Rep> =
                mentioned.iter().map(|t| Rep { value: Val::Text(t.to_string()), shown: format!("\"{t}\"") }).collect();
            // A text no cell mentions, unless the field's pattern or length might refuse it.
            let other = (1..)
                .map(|n| if n == 1 { "other".to_string() } else { format!("other {n}") })
                .find(|t| !mentioned.contains(t.as_str()))
                .unwrap_or_default();
            let fits = field.pattern.is_none() && field.max_len.is_none_or(|n| other.chars().count() <= n as usize);
            if fits {
                reps.push(Rep { shown: format!("\"{other}\""), value: Val::Text(other) });
            }
            reps
        }
        _ => return None,
    };
    Some(reps)
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(i) => Some(*i as f64),
        Value::Decimal(d) => d.parse().ok(),
        _ => None,
    }
}

fn literal(value: &Value) -> Option<Val> {
    match value {
        Value::Text(t) | Value::Symbol(t) => Some(Val::Text(t.clone())),
        Value::Integer(_) | Value::Decimal(_) => number(value).map(Val::Num),
        Value::Boolean(b) => Some(Val::Bool(*b)),
    }
}

fn compare(a: &Val, b: &Option<Val>) -> Option<Ordering> {
    match (a, b.as_ref()?) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Whether `cell` holds for `value`, as the engine decides it.
fn matches(cell: &Cell, value: &Val) -> bool {
    let cmp = |l: &Literal| compare(value, &literal(&l.value));
    match cell {
        Cell::Any(_) => true,
        Cell::OneOf(values) => values.iter().any(|v| cmp(v) == Some(Ordering::Equal)),
        Cell::Range(lo, hi) => {
            matches!(cmp(lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(cmp(hi), Some(Ordering::Less | Ordering::Equal))
        }
        Cell::Compare(op, v) => match (op, cmp(v)) {
            (CompareOp::Ne, ordering) => ordering != Some(Ordering::Equal),
            (_, None) => false,
            (CompareOp::Lt, Some(o)) => o == Ordering::Less,
            (CompareOp::Le, Some(o)) => o != Ordering::Greater,
            (CompareOp::Gt, Some(o)) => o == Ordering::Greater,
            (CompareOp::Ge, Some(o)) => o != Ordering::Less,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a table `t` (its body given) and a flow with the given data lines, and analyses the
    /// table with the flow's fields.
    fn cover(data: &str, body: &str) -> Option<Coverage> {
        let source = format!("table t \"t\" {{\n{body}\n}}\n\nflow f \"f\" {{\n  data {{\n{data}\n  }}\n}}\n");
        let (module, diagnostics) = crate::parse(source.as_bytes());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let (table, flow) = (&module.tables[0], &module.flows[0]);
        let field = |name: &str| flow.fields.iter().find(|f| f.name.text == name).expect("the field is declared");
        let fields: Vec<&Field> = table.inputs.iter().map(|i| field(&i.text)).collect();
        coverage(table, &fields)
    }

    const FEE_DATA: &str = "building_type \"b\" enum(house, apartment)\n speed_gbps \"s\" integer\n fee \"f\" money";

    fn overlap(a: usize, b: usize, example: &str) -> Option<(usize, usize, String)> {
        Some((a, b, example.to_string()))
    }

    #[test]
    fn unique_rows_that_overlap_are_found_with_an_example() {
        let body = "hit unique\n in building_type, speed_gbps\n out fee\n row house, - => 1\n row apartment, >= 10 => 2\n row apartment, 2..10 => 3\n row apartment, < 2 => 4";
        let found = cover(FEE_DATA, body).expect("analysed");
        assert_eq!(found.overlap, overlap(2, 3, "building_type = apartment, speed_gbps = 10"));
        assert_eq!(found.gap, None);
    }

    #[test]
    fn exclusive_unique_rows_are_not_an_overlap() {
        let body = "hit unique\n in building_type, speed_gbps\n out fee\n row house, - => 1\n row apartment, >= 10 => 2\n row apartment, < 10 => 3";
        assert_eq!(cover(FEE_DATA, body), Some(Coverage::default()));
    }

    #[test]
    fn first_never_reports_overlaps_and_a_catch_all_covers_everything() {
        let body = "hit first\n in building_type, speed_gbps\n out fee\n row house, - => 1\n row house, >= 10 => 2\n row -, - => 0";
        assert_eq!(cover(FEE_DATA, body), Some(Coverage::default()));
    }

    #[test]
    fn an_enum_value_no_row_names_is_a_gap() {
        let data = "plan \"p\" enum(basic, premium, ten_giga)\n fee \"f\" money";
        let found =
            cover(data, "hit priority\n in plan\n out fee\n row basic => 1\n row premium => 2").expect("analysed");
        assert_eq!(found.gap.as_deref(), Some("plan = ten_giga"));
    }

    #[test]
    fn a_boolean_value_no_row_covers_is_a_gap() {
        let data = "building_type \"b\" enum(house, apartment)\n has_line \"h\" boolean\n fee \"f\" money";
        let body = "hit first\n in building_type, has_line\n out fee\n row house, - => 1\n row apartment, true => 2";
        let found = cover(data, body).expect("analysed");
        assert_eq!(found.gap.as_deref(), Some("building_type = apartment, has_line = false"));
    }

    #[test]
    fn integer_ranges_with_a_hole_leave_a_gap() {
        let data = "months \"m\" integer\n fee \"f\" money";
        let body = "hit first\n in months\n out fee\n row < 12 => 1\n row 13..24 => 2\n row > 24 => 3";
        assert_eq!(cover(data, body).expect("analysed").gap.as_deref(), Some("months = 12"));
        let closed = "hit unique\n in months\n out fee\n row < 12 => 1\n row 12..24 => 2\n row > 24 => 3";
        assert_eq!(cover(data, closed), Some(Coverage::default()));
    }

    #[test]
    fn min_and_max_bound_the_numbers_tried() {
        let data = "lines \"l\" integer min 1 max 5\n fee \"f\" money";
        let body = "hit first\n in lines\n out fee\n row 1 => 0\n row 2 => 550\n row >= 3 => 1100";
        assert_eq!(cover(data, body), Some(Coverage::default()));
    }

    #[test]
    fn decimals_and_texts_have_representatives_between_and_beside_the_literals() {
        let data = "rate \"r\" decimal\n fee \"f\" money";
        let body = "hit first\n in rate\n out fee\n row < 1.5 => 1\n row > 1.5 => 2";
        assert_eq!(cover(data, body).expect("analysed").gap.as_deref(), Some("rate = 1.5"));
        let data = "code \"c\" text\n fee \"f\" money";
        let body = "hit first\n in code\n out fee\n row \"A\" | \"B\" => 1";
        assert_eq!(cover(data, body).expect("analysed").gap.as_deref(), Some("code = \"other\""));
        let body = "hit unique\n in code\n out fee\n row != \"A\" => 1\n row \"A\" => 2\n row \"other\" => 3";
        let found = cover(data, body).expect("analysed");
        assert_eq!(found.overlap, overlap(1, 3, "code = \"other\""));
        assert_eq!(found.gap, None);
    }

    #[test]
    fn collect_never_reports_and_unsupported_columns_are_skipped() {
        let body = "hit collect\n in building_type, speed_gbps\n out fee\n row house, 1 => 1\n row house, 1 => 2";
        assert_eq!(cover(FEE_DATA, body), None);
        let data = "due \"d\" date\n fee \"f\" money";
        assert_eq!(cover(data, "hit first\n in due\n out fee\n row \"2025-01-01\" => 1"), None);
        let data = "code \"c\" text\n fee \"f\" money";
        assert_eq!(cover(data, "hit first\n in code\n out fee\n row < \"M\" => 1"), None);
    }

    #[test]
    fn too_many_combinations_are_skipped() {
        let data = "a \"a\" integer\n b \"b\" integer\n c \"c\" integer\n fee \"f\" money";
        let cells = |n: i64| (0..n).map(|i| format!(" row {i}, {i}, {i} => 1")).collect::<Vec<_>>().join("\n");
        assert_eq!(cover(data, &format!("hit first\n in a, b, c\n out fee\n{}", cells(60))), None);
        assert!(cover(data, &format!("hit first\n in a, b, c\n out fee\n{}", cells(10))).is_some());
    }
}
