//! The names that fit where the cursor is: what the word before it asks for (`->` a step,
//! `role` a role, `on` a signal, `action` an action, …), else the flow's fields, steps and the
//! rules a condition may call.

use super::analysis::{flow_at, step_summary, type_text};
use junro_engine::dsl::Program;
use junro_engine::dsl::ast::{Module, StepKind, Type};
use lsp_types as lsp;
use lsp_types::CompletionItemKind as Kind;

/// What the words before the cursor ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Step,
    Role,
    Lane,
    Signal,
    Action,
    Table,
    Subflow,
    /// A value of the enum field compared with `==`.
    Value,
    /// A field of the subflow the call around the cursor calls (`in child = …`).
    CalledField,
    /// Fields, steps and rules.
    Anything,
}

/// What the text of the line before the cursor (the word being typed cut off) asks for.
fn wanted(before: &str, in_call: bool) -> Wanted {
    let before = before.trim_end();
    let words: Vec<&str> = before.split_whitespace().collect();
    let last = words.last().copied().unwrap_or("");
    let previous = words.len().checked_sub(2).and_then(|i| words.get(i)).copied().unwrap_or("");
    let indented = before.starts_with(char::is_whitespace);
    if before.ends_with("->") || last == "sendback" {
        return Wanted::Step;
    }
    if before.ends_with("==") || before.ends_with("== \"") {
        return Wanted::Value;
    }
    match last {
        "role" => Wanted::Role,
        "to" if previous == "escalate" => Wanted::Role,
        "lane" => Wanted::Lane,
        // `on signal -> step` in a wait; not `correlate on field` in a signal's declaration.
        "on" if previous != "correlate" => Wanted::Signal,
        // `signal x` in a scenario; at the left margin it declares a new one.
        "signal" if indented && words.len() == 1 => Wanted::Signal,
        "action" if indented => Wanted::Action,
        "table" if indented => Wanted::Table,
        "flow" if in_call => Wanted::Subflow,
        "in" if in_call => Wanted::CalledField,
        _ => Wanted::Anything,
    }
}

fn item(label: &str, kind: Kind, detail: String) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        ..lsp::CompletionItem::default()
    }
}

fn label(label: Option<&String>) -> String {
    label.cloned().unwrap_or_default()
}

/// The names declared in any file of the program, picked by `pick` as (name, detail).
fn declared(
    program: &Program,
    kind: Kind,
    pick: &dyn Fn(&Module) -> Vec<(String, String)>,
) -> Vec<lsp::CompletionItem> {
    program.files().flat_map(|f| pick(&f.module)).map(|(name, detail)| item(&name, kind, detail)).collect()
}

/// The rules a condition may call, with their return type.
fn rules(program: &Program) -> Vec<lsp::CompletionItem> {
    declared(program, Kind::FUNCTION, &|m| {
        m.rules
            .iter()
            .flat_map(|r| r.rules.iter().map(|s| (s.name.text.clone(), format!("rule -> {}", type_text(&s.ty)))))
            .collect()
    })
}

/// The names that fit at byte `at` of the file at `path`.
pub(crate) fn completions(program: &Program, path: &str, at: usize) -> Vec<lsp::CompletionItem> {
    let Some(file) = program.file(path) else { return Vec::new() };
    let text = &file.text;
    let at = text.floor_char_boundary(at.min(text.len()));
    let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    let before = line.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').trim_end();
    let flow = flow_at(&file.module, at);
    let call = flow.and_then(|f| {
        f.steps.iter().find_map(|s| match &s.kind {
            StepKind::Call(call) if s.span.start <= at && at <= s.span.end => Some(call),
            _ => None,
        })
    });
    match wanted(before, call.is_some()) {
        Wanted::Step => flow.map_or_else(Vec::new, |f| {
            f.steps.iter().map(|s| item(&s.name.text, Kind::FUNCTION, step_summary(s))).collect()
        }),
        Wanted::Role => declared(program, Kind::CLASS, &|m| {
            m.roles.iter().map(|d| (d.name.text.clone(), label(d.label.as_ref()))).collect()
        }),
        Wanted::Lane => declared(program, Kind::CLASS, &|m| {
            m.lanes.iter().map(|d| (d.name.text.clone(), label(d.label.as_ref()))).collect()
        }),
        Wanted::Signal => declared(program, Kind::EVENT, &|m| {
            m.signals.iter().map(|d| (d.name.text.clone(), label(d.label.as_ref()))).collect()
        }),
        Wanted::Action => declared(program, Kind::METHOD, &|m| {
            m.actions.iter().map(|d| (d.name.text.clone(), label(d.label.as_ref()))).collect()
        }),
        Wanted::Table => declared(program, Kind::STRUCT, &|m| {
            m.tables.iter().map(|d| (d.name.text.clone(), label(d.label.as_ref()))).collect()
        }),
        Wanted::Subflow => declared(program, Kind::MODULE, &|m| {
            m.flows.iter().filter(|f| f.is_subflow).map(|f| (f.name.text.clone(), label(f.label.as_ref()))).collect()
        }),
        Wanted::CalledField => {
            let called = call.and_then(|c| c.flow.as_ref()).map(|n| n.text.as_str()).unwrap_or("");
            declared(program, Kind::FIELD, &|m| {
                m.flows
                    .iter()
                    .filter(|f| f.is_subflow && f.name.text == called)
                    .flat_map(|f| &f.fields)
                    .map(|d| (d.name.text.clone(), format!("{} {}", label(d.label.as_ref()), type_text(&d.ty))))
                    .collect()
            })
        }
        Wanted::Value => {
            let compared = before.trim_end_matches('"').trim_end().trim_end_matches("==").trim_end();
            let name = compared.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
            let field = flow.and_then(|f| f.fields.iter().find(|d| d.name.text == name));
            let Some(Type::Enum(values)) = field.map(|f| &f.ty) else { return Vec::new() };
            values
                .iter()
                .map(|v| lsp::CompletionItem {
                    insert_text: Some(format!("\"{v}\"")),
                    ..item(v, Kind::ENUM_MEMBER, format!("a value of {name}"))
                })
                .collect()
        }
        Wanted::Anything => {
            let Some(flow) = flow else { return Vec::new() };
            let fields = flow
                .fields
                .iter()
                .map(|f| item(&f.name.text, Kind::FIELD, format!("{} {}", label(f.label.as_ref()), type_text(&f.ty))));
            let steps = flow.steps.iter().map(|s| item(&s.name.text, Kind::FUNCTION, step_summary(s)));
            fields.chain(steps).chain(rules(program)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Wanted, wanted};

    #[test]
    fn the_words_before_the_cursor_say_what_fits() {
        let cases = [
            ("    -> ", false, Wanted::Step),
            ("    sendback ", false, Wanted::Step),
            ("    role ", false, Wanted::Role),
            ("    escalate to ", false, Wanted::Role),
            ("    lane ", false, Wanted::Lane),
            ("    on ", false, Wanted::Signal),
            ("    signal ", false, Wanted::Signal),
            ("    action ", false, Wanted::Action),
            ("    table ", false, Wanted::Table),
            ("    flow ", true, Wanted::Subflow),
            ("    in ", true, Wanted::CalledField),
            ("    when plan ==", false, Wanted::Value),
            ("    when plan == \"", false, Wanted::Value),
            ("    when ", false, Wanted::Anything),
            ("signal moved \"移転\" correlate on ", false, Wanted::Anything),
            ("signal ", false, Wanted::Anything),
            ("    start->", false, Wanted::Step),
        ];
        for (before, in_call, expected) in cases {
            assert_eq!(wanted(before, in_call), expected, "{before:?}");
        }
    }
}
