//! Decision tables, evaluated natively (no Rhai): faster, and every match is explainable as
//! "row N matched" in the order's history.

use crate::script::Data;
use junro_dsl::ast::{Cell, CompareOp, HitPolicy, TableDecl, Type};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// A table that picked no row, or several where one was required.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// No row matched the inputs.
    #[error("table `{table}`: no row matches {inputs}")]
    NoMatch {
        /// Table id.
        table: String,
        /// The inputs, as JSON.
        inputs: String,
    },
    /// A `unique` table matched several rows.
    #[error("table `{table}` is `unique`, but rows {rows:?} all match {inputs}")]
    Overlap {
        /// Table id.
        table: String,
        /// The 1-based rows that matched.
        rows: Vec<usize>,
        /// The inputs, as JSON.
        inputs: String,
    },
}

#[derive(Debug, Clone)]
enum Test {
    Any,
    OneOf(Vec<Value>),
    Compare(CompareOp, Value),
    Range(Value, Value),
}

/// A decision table ready to evaluate for one flow (whose field types rank `priority` outputs).
#[derive(Debug, Clone)]
pub struct Table {
    /// Table id.
    pub id: String,
    hit: HitPolicy,
    inputs: Vec<String>,
    outputs: Vec<String>,
    rows: Vec<(Vec<Test>, Vec<Value>)>,
    /// For `priority`: the enum variants of the first output, highest first.
    ranking: Vec<String>,
}

/// What a table decided.
#[derive(Debug, Clone, PartialEq)]
pub struct TableResult {
    /// The 1-based rows used.
    pub rows: Vec<usize>,
    /// The values written into the order's data.
    pub outputs: Data,
}

impl Table {
    /// Prepares `decl` for a flow whose fields have the given types.
    pub fn new(decl: &TableDecl, fields: &BTreeMap<&str, &Type>) -> Table {
        let json = |v: &junro_dsl::ast::Literal| crate::compile::literal_value(&v.value);
        let rows = decl
            .rows
            .iter()
            .map(|row| {
                let tests = row
                    .cells
                    .iter()
                    .map(|cell| match cell {
                        Cell::Any(_) => Test::Any,
                        Cell::OneOf(values) => Test::OneOf(values.iter().map(json).collect()),
                        Cell::Compare(op, v) => Test::Compare(*op, json(v)),
                        Cell::Range(lo, hi) => Test::Range(json(lo), json(hi)),
                    })
                    .collect();
                (tests, row.outputs.iter().map(json).collect())
            })
            .collect();
        let ranking = decl
            .outputs
            .first()
            .and_then(|o| fields.get(o.text.as_str()))
            .and_then(|t| match t {
                Type::Enum(variants) => Some(variants.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Table {
            id: decl.name.text.clone(),
            hit: decl.hit,
            inputs: decl.inputs.iter().map(|n| n.text.clone()).collect(),
            outputs: decl.outputs.iter().map(|n| n.text.clone()).collect(),
            rows,
            ranking,
        }
    }

    /// The input fields and their values in `data` (for the decision history).
    pub fn inputs(&self, data: &Data) -> Data {
        self.inputs.iter().map(|f| (f.clone(), data.get(f).cloned().unwrap_or(Value::Null))).collect()
    }

    /// Evaluates the table over `data`.
    pub fn evaluate(&self, data: &Data) -> Result<TableResult, TableError> {
        // Each input is looked up once, not once per row.
        let values: Vec<&Value> = self.inputs.iter().map(|f| data.get(f).unwrap_or(&Value::Null)).collect();
        let mut matching = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, (tests, _))| tests.iter().zip(&values).all(|(test, value)| passes(test, value)))
            .map(|(i, _)| i);
        // `first` needs only the first matching row; the other policies look at them all.
        let matched: Vec<usize> = match self.hit {
            HitPolicy::First => matching.next().into_iter().collect(),
            _ => matching.collect(),
        };
        let inputs = || Value::Object(self.inputs(data)).to_string();
        let pick =
            |row: usize| -> Data { self.outputs.iter().cloned().zip(self.rows[row].1.iter().cloned()).collect() };
        match self.hit {
            HitPolicy::Collect => {
                let mut outputs = Data::new();
                for (k, field) in self.outputs.iter().enumerate() {
                    let values = matched.iter().filter_map(|&r| self.rows[r].1.get(k).cloned()).collect();
                    outputs.insert(field.clone(), Value::Array(values));
                }
                Ok(TableResult { rows: matched.iter().map(|r| r + 1).collect(), outputs })
            }
            _ if matched.is_empty() => Err(TableError::NoMatch { table: self.id.clone(), inputs: inputs() }),
            HitPolicy::Unique if matched.len() > 1 => Err(TableError::Overlap {
                table: self.id.clone(),
                rows: matched.iter().map(|r| r + 1).collect(),
                inputs: inputs(),
            }),
            HitPolicy::Priority => {
                let rank = |r: &usize| {
                    let value = self.rows[*r].1.first().and_then(Value::as_str).unwrap_or("");
                    self.ranking.iter().position(|v| v == value).unwrap_or(usize::MAX)
                };
                let best = matched.iter().copied().min_by_key(|r| (rank(r), *r)).unwrap_or(matched[0]);
                Ok(TableResult { rows: vec![best + 1], outputs: pick(best) })
            }
            _ => Ok(TableResult { rows: vec![matched[0] + 1], outputs: pick(matched[0]) }),
        }
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn passes(test: &Test, value: &Value) -> bool {
    match test {
        Test::Any => true,
        Test::OneOf(values) => values.iter().any(|v| compare(v, value) == Some(Ordering::Equal)),
        Test::Range(lo, hi) => {
            matches!(compare(value, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare(value, hi), Some(Ordering::Less | Ordering::Equal))
        }
        Test::Compare(op, v) => match (op, compare(value, v)) {
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

    fn table(source: &str) -> Table {
        let (module, diagnostics) = junro_dsl::parse(source.as_bytes());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let kind = Type::Enum(vec!["senior".into(), "standard".into(), "auto".into()]);
        Table::new(&module.tables[0], &BTreeMap::from([("route", &kind)]))
    }

    fn data(v: Value) -> Data {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn first_unique_priority_and_collect() {
        let rows = "in score, corporate\n out route\n row >= 700, false => auto\n row 600..699, - => standard\n row -, true => senior\n row -, - => standard\n}";
        let first = table(&format!("table t {{\n hit first\n {rows}"));
        let input = data(serde_json::json!({"score": 650, "corporate": true}));
        assert_eq!(first.evaluate(&input).map(|r| r.rows), Ok(vec![2]));
        let priority = table(&format!("table t {{\n hit priority\n {rows}"));
        let result = priority.evaluate(&input).expect("a row matches");
        assert_eq!((result.rows, result.outputs["route"].clone()), (vec![3], serde_json::json!("senior")));
        let unique = table(&format!("table t {{\n hit unique\n {rows}"));
        assert!(matches!(unique.evaluate(&input), Err(TableError::Overlap { rows, .. }) if rows == vec![2, 3, 4]));
        let collect = table(&format!("table t {{\n hit collect\n {rows}"));
        assert_eq!(
            collect.evaluate(&input).map(|r| r.outputs["route"].clone()),
            Ok(serde_json::json!(["standard", "senior", "standard"]))
        );
    }

    #[test]
    fn no_matching_row_is_an_error_naming_the_inputs() {
        let t = table("table t {\n hit first\n in score\n out route\n row > 900 => auto\n}");
        let error = t.evaluate(&data(serde_json::json!({"score": 10}))).expect_err("no row matches");
        assert_eq!(error.to_string(), "table `t`: no row matches {\"score\":10}");
    }
}
