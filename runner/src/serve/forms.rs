//! Data that comes in through the API (a task's form, an order's starting data) checked
//! against the flow's fields before the engine sees it, so that a 400 names every wrong field
//! at once: unknown fields, wrong types and choices, `min`/`max`, `maxlen`, `pattern`, fields
//! the task may not change, and what the task requires.

use super::problem::FieldError;
use junro_engine::compile::{CompiledFlow, TaskSpec};
use junro_engine::machine::CommandError;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Every problem of `data` for `flow`, for a task's form when `task` is given (what it may
/// edit, what it requires; `current` is the order's data, which may already hold them).
pub(crate) fn problems(
    flow: &CompiledFlow,
    data: &Map<String, Value>,
    task: Option<(&str, &TaskSpec)>,
    current: &Map<String, Value>,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let push = |errors: &mut Vec<FieldError>, field: &str, message: String| {
        errors.push(FieldError { field: field.to_string(), message });
    };
    for (field, value) in data {
        if let Err(CommandError::BadData { reason, .. }) = junro_engine::machine::check_value(flow, field, value) {
            push(&mut errors, field, reason);
            continue;
        }
        if let Some((step, spec)) = task
            && !spec.edit.contains(field)
        {
            push(&mut errors, field, format!("task `{step}` may not change it"));
            continue;
        }
        let Some(spec) = flow.field(field) else { continue };
        if let Some(n) = value.as_f64() {
            if let Some(min) = spec.min.filter(|min| n < *min) {
                push(&mut errors, field, format!("{n} is less than the smallest allowed, {min}"));
            }
            if let Some(max) = spec.max.filter(|max| n > *max) {
                push(&mut errors, field, format!("{n} is more than the largest allowed, {max}"));
            }
        }
        if let Some(text) = value.as_str() {
            let length = text.chars().count();
            if let Some(most) = spec.max_len.filter(|most| length > *most as usize) {
                push(&mut errors, field, format!("{length} characters; at most {most} are allowed"));
            }
            if let Some(pattern) = &spec.pattern
                && !text.is_empty()
                && !matches(pattern, text)
            {
                push(&mut errors, field, format!("\"{text}\" is not in the expected form ({pattern})"));
            }
        }
    }
    if let Some((step, spec)) = task {
        let required = flow.fields.iter().filter(|f| f.required && spec.edit.contains(&f.id)).map(|f| &f.id);
        for field in spec.require.iter().chain(required) {
            let value = data.get(field).or_else(|| current.get(field));
            let empty = match value {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                Some(Value::Array(a)) => a.is_empty(),
                _ => false,
            };
            if empty && !errors.iter().any(|e| e.field == *field) {
                push(&mut errors, field, format!("task `{step}` requires it"));
            }
        }
    }
    errors
}

/// Whether `text` matches `pattern` (compiled once per pattern; a pattern that is not a valid
/// regular expression matches everything, as the checker reports it to the analyst).
fn matches(pattern: &str, text: &str) -> bool {
    static COMPILED: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut compiled = COMPILED.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if compiled.len() > 10_000 {
        compiled.clear();
    }
    let regex = compiled.entry(pattern.to_string()).or_insert_with(|| regex::Regex::new(pattern).ok());
    regex.as_ref().is_none_or(|r| r.is_match(text))
}
