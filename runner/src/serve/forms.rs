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

/// Who reads the messages: a program through the API (English, with the rule broken), or a
/// person on a page (plain words, no regular expressions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// The API's callers.
    Api,
    /// A person on a page in Japanese.
    Japanese,
    /// A person on a page in English.
    English,
}

/// Every problem of `data` for `flow`, for a task's form when `task` is given (what it may
/// edit, what it requires; `current` is the order's data, which may already hold them), in
/// words for `reader`.
pub(crate) fn problems(
    flow: &CompiledFlow,
    data: &Map<String, Value>,
    task: Option<(&str, &TaskSpec)>,
    current: &Map<String, Value>,
    reader: Reader,
) -> Vec<FieldError> {
    let ja = reader == Reader::Japanese;
    let mut errors: Vec<FieldError> = Vec::new();
    let push = |errors: &mut Vec<FieldError>, field: &str, message: String| {
        errors.push(FieldError { field: field.to_string(), message });
    };
    for (field, value) in data {
        if let Err(CommandError::BadData { reason, .. }) = junro_engine::machine::check_value(flow, field, value) {
            push(&mut errors, field, if ja { format!("この項目に入力できない値です（{reason}）") } else { reason });
            continue;
        }
        if let Some((step, spec)) = task
            && !spec.edit.contains(field)
        {
            let message = if ja {
                "このタスクでは変更できません".to_string()
            } else {
                format!("task `{step}` may not change it")
            };
            push(&mut errors, field, message);
            continue;
        }
        let Some(spec) = flow.field(field) else { continue };
        if let Some(n) = value.as_f64() {
            if let Some(min) = spec.min.filter(|min| n < *min) {
                let message = if ja {
                    format!("{n} は小さすぎます。{min} 以上で入力してください")
                } else {
                    format!("{n} is less than the smallest allowed, {min}")
                };
                push(&mut errors, field, message);
            }
            if let Some(max) = spec.max.filter(|max| n > *max) {
                let message = if ja {
                    format!("{n} は大きすぎます。{max} 以下で入力してください")
                } else {
                    format!("{n} is more than the largest allowed, {max}")
                };
                push(&mut errors, field, message);
            }
        }
        if let Some(text) = value.as_str() {
            let length = text.chars().count();
            if let Some(most) = spec.max_len.filter(|most| length > *most as usize) {
                let message = if ja {
                    format!("{length}文字あります。{most}文字以内で入力してください")
                } else {
                    format!("{length} characters; at most {most} are allowed")
                };
                push(&mut errors, field, message);
            }
            if let Some(pattern) = &spec.pattern
                && !text.is_empty()
                && !matches(pattern, text)
            {
                let message = match reader {
                    Reader::Japanese => format!("「{text}」は入力の形式に合いません"),
                    Reader::English => format!("\"{text}\" is not in the expected form"),
                    Reader::Api => format!("\"{text}\" is not in the expected form ({pattern})"),
                };
                push(&mut errors, field, message);
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
                let message =
                    if ja { "入力してください".to_string() } else { format!("task `{step}` requires it") };
                push(&mut errors, field, message);
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

#[cfg(test)]
mod tests {
    use super::*;
    use junro_engine::compile::NodeKind;
    use std::sync::Arc;

    fn flow() -> Arc<CompiledFlow> {
        let text = r#"
lane front "フロント" front
role operator "オペレーター"
flow f "F" {
  data {
    phone "電話番号" text pattern "^0[0-9]{9,10}$"
    floors "階数" integer min 1 max 99
    note "メモ" text maxlen 3
  }
  start -> entry
  task entry "入力" {
    lane front
    role operator
    edit phone, floors, note
    require phone
    -> done
  }
  end done "完了" completed
}
"#;
        let mut program = junro_engine::dsl::Program::new();
        program.add("f.flow", text.as_bytes());
        let report = program.check();
        assert_eq!(report.errors(), 0, "{}", report.render(&program));
        let catalog = junro_engine::compile::compile(&program, &report).expect("compiles");
        catalog.get("f").expect("the flow").clone()
    }

    /// A person reads plain Japanese, never a regular expression; the API keeps naming the rule.
    #[test]
    fn a_person_reads_japanese_and_a_program_reads_the_rule() {
        let flow = flow();
        let Some(NodeKind::Task(spec)) = flow.node("entry").map(|n| &n.kind) else { panic!("entry is a task") };
        let data: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"phone": "12345", "floors": 120, "note": "長いメモ"}))
                .expect("data");
        let ja = problems(&flow, &data, Some(("entry", spec)), &Map::new(), Reader::Japanese);
        let api = problems(&flow, &data, Some(("entry", spec)), &Map::new(), Reader::Api);
        let say = |errors: &[FieldError], field: &str| {
            errors.iter().find(|e| e.field == field).map(|e| e.message.clone()).unwrap_or_default()
        };
        assert_eq!(say(&ja, "phone"), "「12345」は入力の形式に合いません");
        let en = problems(&flow, &data, Some(("entry", spec)), &Map::new(), Reader::English);
        assert_eq!(say(&en, "phone"), "\"12345\" is not in the expected form");
        assert!(say(&api, "phone").contains("^0[0-9]{9,10}$"));
        assert_eq!(say(&ja, "floors"), "120 は大きすぎます。99 以下で入力してください");
        assert_eq!(say(&ja, "note"), "4文字あります。3文字以内で入力してください");
        let empty = problems(&flow, &Map::new(), Some(("entry", spec)), &Map::new(), Reader::Japanese);
        assert_eq!(say(&empty, "phone"), "入力してください");
    }
}
