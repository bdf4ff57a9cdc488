//! Test cases written next to rules and tables (`example credit_ok(400, 8000) => true`,
//! `example house, 1 => 26400, "full"`), run by `junro test` with the flows' scenarios: each
//! calls the rule, or evaluates the table, exactly as an order would.

use crate::compile::literal_value;
use crate::script::RulesFile;
use crate::table::Table;
use junro_dsl::Program;
use junro_dsl::SourceFile;
use junro_dsl::ast::{HitPolicy, Literal, StepKind, TableDecl, Type};
use serde_json::Value;
use std::collections::BTreeMap;

/// The result of one example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleResult {
    /// The example as written, after `example` (prefixed with the table's id for tables).
    pub name: String,
    /// `None` when it held; otherwise what went wrong, with the line.
    pub failure: Option<String>,
}

/// Runs every example written in the file at `path`.
pub fn run(program: &Program, path: &str) -> Vec<ExampleResult> {
    let Some(file) = program.file(path) else { return Vec::new() };
    let mut results = Vec::new();
    for decl in &file.module.rules {
        let rhai_path = junro_dsl::resolve_path(&file.path, &decl.path);
        let compiled = match program.file(&rhai_path) {
            Some(source) => RulesFile::compile(&rhai_path, &source.text),
            None => Err(format!("cannot find the rules file `{}`", decl.path)),
        };
        for example in &decl.examples {
            let args: Vec<Value> = example.args.iter().map(|a| literal_value(&a.value)).collect();
            let expected = literal_value(&example.expected.value);
            let failure =
                match compiled.as_ref().map_err(Clone::clone).map(|rules| rules.call(&example.rule.text, &args)) {
                    Err(e) | Ok(Err(e)) => {
                        Some(format!("{}: rule `{}` failed: {e}", at(file, example.span.start), example.rule.text))
                    }
                    Ok(Ok(got)) if same(&got, &expected) => None,
                    Ok(Ok(got)) => Some(format!("{}: expected {expected}, got {got}", at(file, example.span.start))),
                };
            results.push(ExampleResult { name: written(file, example.span), failure });
        }
    }
    for table in &file.module.tables {
        if table.examples.is_empty() {
            continue;
        }
        let fields = fields_of_a_user(program, &table.name.text);
        let fields: BTreeMap<&str, &Type> = fields.iter().map(|(f, t)| (f.as_str(), t)).collect();
        let compiled = Table::new(table, &fields);
        for example in &table.examples {
            let failure = table_example(table, &compiled, &example.inputs, &example.outputs)
                .err()
                .map(|e| format!("{}: {e}", at(file, example.span.start)));
            results
                .push(ExampleResult { name: format!("{}: {}", table.name.text, written(file, example.span)), failure });
        }
    }
    results
}

fn at(file: &SourceFile, offset: usize) -> String {
    format!("line {}", file.index.line_col(&file.text, offset).0)
}

/// The example's text as written, after the keyword.
fn written(file: &SourceFile, span: junro_dsl::Span) -> String {
    let text = file.text.get(span.start..span.end).unwrap_or_default();
    text.trim_start_matches("example").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Equal values; numbers compare by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        _ => a == b,
    }
}

fn table_example(table: &TableDecl, compiled: &Table, inputs: &[Literal], outputs: &[Literal]) -> Result<(), String> {
    let data = table.inputs.iter().zip(inputs).map(|(f, v)| (f.text.clone(), literal_value(&v.value))).collect();
    let result = compiled.evaluate(&data).map_err(|e| e.to_string())?;
    let rows = result.rows.iter().map(|r| format!("{r}")).collect::<Vec<_>>().join(", ");
    let expected: Vec<(String, Value)> = if table.hit == HitPolicy::Collect {
        // The collected values of the first output column.
        let first = table.outputs.first().map(|o| o.text.clone()).unwrap_or_default();
        vec![(first, Value::Array(outputs.iter().map(|v| literal_value(&v.value)).collect()))]
    } else {
        table.outputs.iter().zip(outputs).map(|(f, v)| (f.text.clone(), literal_value(&v.value))).collect()
    };
    for (field, want) in expected {
        let got = result.outputs.get(&field).cloned().unwrap_or(Value::Null);
        if !same(&got, &want) {
            return Err(format!("expected {field} = {want}, got {got} (row {rows})"));
        }
    }
    Ok(())
}

/// The field types of a flow that uses table `name` (they rank `priority` outputs), if any.
fn fields_of_a_user(program: &Program, name: &str) -> Vec<(String, Type)> {
    for file in program.files() {
        for flow in &file.module.flows {
            let uses = flow
                .steps
                .iter()
                .any(|s| matches!(&s.kind, StepKind::Decide(d) if d.table.as_ref().is_some_and(|t| t.text == name)));
            if uses {
                return flow.fields.iter().map(|f| (f.name.text.clone(), f.ty.clone())).collect();
            }
        }
    }
    Vec::new()
}
