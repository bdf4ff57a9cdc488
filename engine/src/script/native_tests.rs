//! The native evaluator against Rhai: every rule of the catalogue and a file of rules written
//! to probe Rhai's corners, called on random orders (absent fields, wrong types, boundary
//! numbers). Either path must give the same result, errors included; and where the native
//! evaluator answers at all, its answer must be Rhai's.

use super::*;
use proptest::prelude::*;
use serde_json::{Value as Json, json};

/// Rules written to probe Rhai's semantics where a native evaluator could go wrong.
const CORNERS: &str = r#"
fn shadow(a, b) { let x = a; if b { let x = 5; x } else { x } }
fn shadow_param(a) { let a = a + 1; { let a = a * 2; } a }
fn redeclare(a) { let x = a; let x = x - 1; x }
fn early(a) { let y = if a > 10 { return "big" } else { a }; y }
fn no_else(a) { if a { 1 } }
fn equal(a, b) { a == b }
fn not_equal(a, b) { a != b }
fn less(a, b) { a < b }
fn at_most(a, b) { a <= b }
fn greater(a, b) { a > b }
fn at_least(a, b) { a >= b }
fn arithmetic(a, b) { a + b * 2 - a / b % 3 }
fn product(a, b) { a * b }
fn negate(a) { -a }
fn minus_literal(a) { a - -5 }
fn not(a) { !a }
fn and_or(a, b, c) { a && b || !c }
fn guard(a) { if a { "yes" } else { "no" } }
fn semicolon(a) { a; }
fn last_let(a) { let b = a; }
fn bare_return(a) { if a { return; } 1 }
fn ladder(a, b) { if a > b { "gt" } else if a == b { "eq" } else { "lt" } }
fn texts(a) { a == "" || a < "m" }
fn mixed(a) { a == 1 || a == "1" || a == true }
fn constant() { const K = 3; K * 2 }
fn block_value(a) { let v = { let w = a; w }; v }
fn thrown(a) { if a { throw "no" } 1 }
fn looped(a) { let n = 0; while n < a { n += 1; } n }
fn assigned(a) { let n = a; n = 2; n }
fn calls_another(a) { equal(a, 1) }
fn floats(a) { a > 1.5 }
fn method(a) { a.len() }
"#;

/// The rules that must run natively (the others must stay in Rhai).
const NATIVE: &[&str] = &[
    "area_ok",
    "auto_accept",
    // In `onestop.rhai` and in the bench's `standard_order.rhai`.
    "construction_needed",
    "construction_needed",
    "credit_ok",
    "family_discount",
    "installment_ok",
    "minor_contract",
    "mnp_ok",
    "option_fee",
    "penalty_free",
    "refund_auto_ok",
    "remote_fix_possible",
    "suspension_due",
    "switch_auto_ok",
    "waiver_ok",
    // Corners.
    "shadow",
    "shadow_param",
    "redeclare",
    "early",
    "no_else",
    "equal",
    "not_equal",
    "less",
    "at_most",
    "greater",
    "at_least",
    "arithmetic",
    "product",
    "negate",
    "minus_literal",
    "not",
    "and_or",
    "guard",
    "semicolon",
    "last_let",
    "bare_return",
    "ladder",
    "texts",
    "mixed",
    "constant",
    "block_value",
];

/// One rule of a rules file, with the literals of its file (likely boundary values).
struct Rule {
    scripts: Scripts,
    name: String,
    arity: usize,
    ints: Vec<i64>,
    texts: Vec<String>,
}

fn rhai_files() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rhai") {
                let text = std::fs::read_to_string(&path).expect("readable rules file");
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"), &mut files);
    assert!(files.len() >= 6, "the catalogue's rules files: {files:?}");
    files.push(("corners.rhai".into(), CORNERS.into()));
    files
}

fn rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    for (path, text) in rhai_files() {
        let ast = engine().compile(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let ints = text
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|d| d.parse::<i64>().ok())
            .flat_map(|i| [i - 1, i, i + 1, -i])
            .collect();
        let texts = text.split('"').skip(1).step_by(2).map(str::to_owned).collect();
        let scripts = Scripts { rules: Arc::new(ast), files: Arc::default() };
        for f in scripts.rules.iter_functions() {
            rules.push(Rule {
                scripts: scripts.clone(),
                name: f.name.to_owned(),
                arity: f.params.len(),
                ints: Vec::clone(&ints),
                texts: Vec::clone(&texts),
            });
        }
    }
    rules
}

/// `rule(a0, a1, …)` as a flow's condition.
fn call(rule: &str, arity: usize) -> Expr {
    let args: Vec<String> = (0..arity).map(|i| format!("a{i}")).collect();
    let data: String = (0..arity).map(|i| format!("  a{i} \"a{i}\" text\n")).collect();
    let source = format!(
        "flow f {{\n data {{\n{data} }}\n start -> d\n decide d {{\n  when {rule}({}) -> e\n  else -> e\n }}\n end e completed\n}}\n",
        args.join(", ")
    );
    let (module, diagnostics) = junro_dsl::parse(source.as_bytes());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let junro_dsl::ast::StepKind::Decide(d) = &module.flows[0].steps[0].kind else { panic!("a decide step") };
    d.branches[0].0.clone()
}

fn types() -> impl Strategy<Value = Type> {
    prop_oneof![
        Just(Type::Text),
        Just(Type::Integer),
        Just(Type::Money),
        Just(Type::Boolean),
        Just(Type::Decimal),
        Just(Type::Date),
        Just(Type::Enum(vec!["a".into()])),
        Just(Type::List(Box::new(Type::Text))),
    ]
}

/// A field's value: absent, or JSON of any kind, biased towards the rule's own literals.
fn values(ints: Vec<i64>, texts: Vec<String>) -> impl Strategy<Value = Option<Json>> {
    let ints = if ints.is_empty() { vec![0] } else { ints };
    let texts = if texts.is_empty() { vec![String::new()] } else { texts };
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Json::Null)),
        2 => any::<bool>().prop_map(|b| Some(json!(b))),
        4 => prop::sample::select(ints).prop_map(|i| Some(json!(i))),
        2 => prop_oneof![Just(0i64), Just(1), Just(-1), Just(2), Just(i64::MAX), Just(i64::MIN), -100_000i64..100_000]
            .prop_map(|i| Some(json!(i))),
        1 => Just(Some(json!(u64::MAX))),
        1 => prop_oneof![Just(1.5f64), Just(-0.0), Just(700.0)].prop_map(|f| Some(json!(f))),
        4 => prop::sample::select(texts).prop_map(|t| Some(json!(t))),
        1 => "[a-z]{0,3}".prop_map(|t| Some(json!(t))),
        1 => Just(Some(json!(["ten_giga"]))),
        1 => Just(Some(json!({"k": 1}))),
    ]
}

/// Evaluates `rule` on `fields` natively (when it can) and in Rhai alone; both must agree, and
/// the native answer, when there is one, must be Rhai's. Returns whether it answered.
fn compare(rule: &Rule, fields: &[(Type, Option<Json>)]) -> bool {
    let types: Vec<(String, Type)> =
        fields.iter().enumerate().map(|(i, (t, _))| (format!("a{i}"), t.clone())).collect();
    let field_types: BTreeMap<&str, &Type> = types.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let condition = rule.scripts.condition(&call(&rule.name, rule.arity), &field_types).expect("compiles");
    let data: Data = fields.iter().enumerate().filter_map(|(i, (_, v))| Some((format!("a{i}"), v.clone()?))).collect();
    let now: jiff::Timestamp = "2026-04-01T00:00:00Z".parse().expect("timestamp");
    let direct = condition.inner.direct.as_ref().expect("a direct rule call");
    let rhai = condition.call_rule(&direct.rule, &direct.args, &data);
    let native = direct.native.as_ref().and_then(|n| n.run(&direct.args, &data));
    let both = condition.eval(&data, now, &jiff::tz::TimeZone::UTC);
    assert_eq!(both, rhai, "{}({fields:?})", rule.name);
    if let Some(native) = &native {
        assert_eq!(Ok(native), rhai.as_ref(), "{}({fields:?}) natively", rule.name);
    }
    native.is_some()
}

#[test]
fn the_rules_that_run_natively() {
    let rules = rules();
    let mut native: Vec<&str> = rules
        .iter()
        .filter(|r| NativeRule::translate(&r.scripts.rules, &r.name, r.arity).is_some())
        .map(|r| r.name.as_str())
        .collect();
    native.sort_unstable();
    let mut expected = NATIVE.to_vec();
    expected.sort_unstable();
    assert_eq!(native, expected);
}

#[test]
fn the_bench_rule_runs_natively_on_well_typed_orders() {
    let rules = rules();
    let rule = rules.iter().find(|r| r.name == "auto_accept").expect("auto_accept");
    let order = |score: i64, fee: i64, building: &str, line: bool, area: &str, dup: bool, age: i64, plan: &str| {
        [
            (Type::Integer, Some(json!(score))),
            (Type::Money, Some(json!(fee))),
            (Type::Enum(vec![]), Some(json!(building))),
            (Type::Boolean, Some(json!(line))),
            (Type::Text, Some(json!(area))),
            (Type::Boolean, Some(json!(dup))),
            (Type::Integer, Some(json!(age))),
            (Type::Enum(vec![]), Some(json!(plan))),
        ]
    };
    for fields in [
        order(720, 5000, "apartment", true, "available", false, 30, "basic"),
        order(720, 5000, "apartment", true, "available", true, 30, "basic"),
        order(640, 5000, "apartment", true, "available", false, 30, "premium"),
        order(720, 9000, "house", false, "available", false, 30, "basic"),
        order(760, 16000, "office", false, "available", false, 17, "ten_giga"),
    ] {
        assert!(compare(rule, &fields), "{fields:?}");
    }
}

#[test]
fn every_native_rule_answers_natively_for_some_orders() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below.max(1) as u64) as usize
    };
    for rule in rules().iter().filter(|r| NativeRule::translate(&r.scripts.rules, &r.name, r.arity).is_some()) {
        let mut answered = 0;
        for _ in 0..200 {
            let fields: Vec<(Type, Option<Json>)> = (0..rule.arity)
                .map(|_| match next(3) {
                    0 if !rule.ints.is_empty() => (Type::Integer, Some(json!(rule.ints[next(rule.ints.len())]))),
                    1 if !rule.texts.is_empty() => (Type::Text, Some(json!(rule.texts[next(rule.texts.len())]))),
                    _ => (Type::Boolean, Some(json!(next(2) == 0))),
                })
                .collect();
            answered += usize::from(compare(rule, &fields));
        }
        assert!(answered > 0, "{} never answered natively", rule.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn native_rules_give_rhai_s_result_or_give_up(
        (index, fields) in (0..rules_count()).prop_flat_map(|index| {
            let (arity, ints, texts) = RULES.with(|r| (r[index].arity, r[index].ints.clone(), r[index].texts.clone()));
            (Just(index), prop::collection::vec((types(), values(ints, texts)), arity))
        })
    ) {
        RULES.with(|rules| compare(&rules[index], &fields));
    }
}

thread_local! {
    static RULES: Vec<Rule> = rules();
}

fn rules_count() -> usize {
    RULES.with(Vec::len)
}
