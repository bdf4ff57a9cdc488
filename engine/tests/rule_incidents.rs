//! A rule that fails while an order moves becomes an incident with Rhai's message, the rule's
//! expression and where in its `.rhai` file (file:line:column), whether or not the native evaluator could translate the rule: the
//! native evaluator gives up on anything Rhai would report, and Rhai runs the call.

use junro_engine::calendar::Calendar;
use junro_engine::compile::compile;
use junro_engine::machine::{self, Activity, Actor, Command, Context, Event};
use junro_engine::script::Data;
use serde_json::json;

/// Starts an order of a flow deciding on `rule(n)` (rules in `rules.rhai`) with `n`, and
/// returns the incident's step and message, or the branch taken.
fn decide(rules: &str, n: serde_json::Value) -> Result<String, (String, String)> {
    let source = r#"
lane front "F" front
role op "op"
rules "rules.rhai" {
  check -> boolean
}
flow r "R" {
  data {
    n "n" integer
  }
  start -> d
  decide d "判定" {
    when check(n) -> yes
    else -> no
  }
  end yes "はい" completed
  end no "いいえ" rejected
  scenario "s" {
    expect at d
  }
}
"#;
    let mut program = junro_dsl::Program::new();
    program.add("r.flow", source.as_bytes());
    program.add("rules.rhai", rules.as_bytes());
    let report = program.check();
    let catalog = compile(&program, &report).expect("compiles");
    let flow = catalog.get("r").expect("r");
    let calendar = Calendar::default_japan();
    let ctx = Context { now: "2026-11-24T00:00:00Z".parse().expect("timestamp"), calendar: &calendar };
    let mut data = Data::new();
    data.insert("n".into(), n);
    let start = Command::Start {
        id: "o".into(),
        version: 1,
        business_key: None,
        data,
        vendor: None,
        channel: None,
        received_at: None,
        parent: None,
    };
    let tr = machine::apply(flow, &machine::blank_state(), &Actor::system(), &start, &ctx).expect("starts");
    for event in &tr.events {
        match event {
            Event::IncidentRaised { step, message, .. } => {
                assert!(matches!(tr.state.tokens.values().next().map(|t| &t.activity), Some(Activity::Stuck { .. })));
                return Err((step.clone(), message.clone()));
            }
            Event::Decided { branch, .. } => return Ok(branch.clone()),
            _ => {}
        }
    }
    panic!("neither a decision nor an incident: {:?}", tr.events)
}

#[test]
fn an_overflow_in_a_native_rule_is_rhai_s_incident() {
    let rules = "fn check(n) {\n    let m = n + 1;\n    m > 0\n}\n";
    assert_eq!(decide(rules, json!(5)), Ok("check(n)".into()));
    assert_eq!(decide(rules, json!(-5)), Ok("else".into()));
    assert_eq!(
        decide(rules, json!(i64::MAX)),
        Err(("d".into(), "`check(n)` failed: Addition overflow: 9223372036854775807 + 1 (rules.rhai:2:15)".into()))
    );
}

#[test]
fn a_guard_that_is_not_a_boolean_is_rhai_s_incident() {
    let rules = "fn check(n) {\n    if n { true } else { false }\n}\n";
    assert_eq!(
        decide(rules, json!(3)),
        Err(("d".into(), "`check(n)` failed: Data type incorrect: i64 (expecting bool) (rules.rhai:2:8)".into()))
    );
}

/// A rule written as said, `and` for `&&`, is reported at the word with what Rhai writes.
#[test]
fn a_rule_that_says_and_is_told_to_write_double_ampersand() {
    let mut program = junro_dsl::Program::new();
    program.add("rules.rhai", b"fn adult(age) {\n  age >= 20 and age < 120\n}\n");
    let report = junro_engine::source::check(&program);
    let found: Vec<_> = report.files.iter().flat_map(|f| &f.diagnostics).collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "E0215");
    assert_eq!(found[0].message, "Rhai writes `and` as `&&`; write `&&`");
    let text = "fn adult(age) {\n  age >= 20 and age < 120\n}\n";
    assert_eq!(&text[found[0].span.start..found[0].span.end], "and");
}
