//! Signature help: while the analyst types a rule's arguments in a condition
//! (`credit_ok(credit_score, |`), the rule's parameters from its `fn` in the `.rhai` file, the
//! one being typed marked, its result type and its comment.

use junro_engine::dsl::Program;
use lsp_types as lsp;

/// The rule call around byte `at` of `text`: the rule's name and the index of the argument
/// the cursor is in. Only the cursor's line is read, as conditions are written on one line.
pub(crate) fn call_at(text: &str, at: usize) -> Option<(String, u32)> {
    let at = text.floor_char_boundary(at.min(text.len()));
    let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at];
    // Walk back to the innermost `(` not yet closed, counting the commas at its level.
    let mut depth = 0_i32;
    let mut commas = 0_u32;
    let mut in_text = false;
    for (i, c) in line.char_indices().rev() {
        match c {
            '"' => in_text = !in_text,
            _ if in_text => {}
            ')' | ']' => depth += 1,
            '[' if depth > 0 => depth -= 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                // A call's name touches its `(`; `when (a || b)` is a grouping.
                let before = &line[..i];
                let name = &before[before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_').len()..];
                let starts_well = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
                return starts_well.then(|| (name.to_string(), commas));
            }
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    None
}

/// The signature help for a call of the rule `name` with the cursor in argument `active`.
pub(crate) fn help(program: &Program, name: &str, active: u32) -> Option<lsp::SignatureHelp> {
    let (params, returns, doc) = super::analysis::rule_signature(program, name)?;
    let label = format!("{name}({}) -> {returns}", params.join(", "));
    let parameters = params
        .iter()
        .map(|p| lsp::ParameterInformation { label: lsp::ParameterLabel::Simple(p.clone()), documentation: None })
        .collect();
    let documentation = (!doc.is_empty()).then_some(lsp::Documentation::String(doc));
    let signature =
        lsp::SignatureInformation { label, documentation, parameters: Some(parameters), active_parameter: None };
    Some(lsp::SignatureHelp { signatures: vec![signature], active_signature: Some(0), active_parameter: Some(active) })
}

#[cfg(test)]
mod tests {
    use super::call_at;

    #[test]
    fn the_call_and_argument_around_the_cursor_are_found() {
        let cases = [
            ("    when credit_ok(", Some(("credit_ok", 0))),
            ("    when credit_ok(score, ", Some(("credit_ok", 1))),
            ("    when credit_ok(score, \"a, b\", ", Some(("credit_ok", 2))),
            ("    when ok(len([a, b]), ", Some(("ok", 1))),
            ("    when ok(x) && other(y, ", Some(("other", 1))),
            ("    when ok(x) ", None),
            ("    when (plan == ", None),
            ("  // 受付 ok(", Some(("ok", 0))),
        ];
        for (text, expected) in cases {
            let found = call_at(text, text.len());
            assert_eq!(found.as_ref().map(|(n, a)| (n.as_str(), *a)), expected, "{text:?}");
        }
    }
}
