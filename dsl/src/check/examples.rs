//! Test cases written next to rules and tables (`example …` lines): each names something that
//! exists and has the right shape, so `junro test` can run it.

use crate::ast::{HitPolicy, RulesDecl, TableDecl};
use crate::diagnostic::Diagnostic;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `example rule(args) => value` in a `rules` block: the rule is declared in that block and the
/// expected value fits the rule's result type.
pub(crate) fn rule_examples(decl: &RulesDecl, out: &mut Vec<Diagnostic>) {
    for example in &decl.examples {
        let Some(rule) = decl.rules.iter().find(|r| r.name.text == example.rule.text) else {
            let declared: Vec<&str> = decl.rules.iter().map(|r| r.name.text.as_str()).collect();
            out.push(
                Diagnostic::error(
                    "E0207",
                    example.rule.span,
                    format!("no rule named `{}` in this rules block", example.rule.text),
                )
                .with_help(
                    match crate::suggest::closest(&example.rule.text, declared.iter().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None if declared.is_empty() => "declare the rule first: `name -> type`".to_string(),
                        None => format!("the block declares {}", declared.join(", ")),
                    },
                ),
            );
            continue;
        };
        if let Some(problem) = super::expr::literal_problem(&rule.ty, &example.expected.value) {
            out.push(Diagnostic::error(
                "E0404",
                example.expected.span,
                format!(
                    "rule `{}` returns {}; this expected value {problem}",
                    rule.name.text,
                    super::expr::Ty::of(&rule.ty).describe()
                ),
            ));
        }
    }
}

/// `example v1, v2 => out1, …` in a table: one value per input and one per output.
pub(crate) fn table_examples(table: &TableDecl, out: &mut Vec<Diagnostic>) {
    for example in &table.examples {
        // A `collect` example lists the values the first output column collects.
        let outputs_fit = table.hit == HitPolicy::Collect || example.outputs.len() == table.outputs.len();
        if example.inputs.len() != table.inputs.len() || !outputs_fit {
            out.push(
                Diagnostic::error(
                    "E0407",
                    example.span,
                    format!(
                        "this example has {} input{} and {} output{}, but table `{}` has {} input{} and {} output{}",
                        example.inputs.len(),
                        plural(example.inputs.len()),
                        example.outputs.len(),
                        plural(example.outputs.len()),
                        table.name.text,
                        table.inputs.len(),
                        plural(table.inputs.len()),
                        table.outputs.len(),
                        plural(table.outputs.len())
                    ),
                )
                .with_help("write one value per `in` field, `=>`, then one value per `out` field"),
            );
        }
    }
}
