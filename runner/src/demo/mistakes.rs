//! Keying mistakes of front operators. A wrong entry is one a rule notices: of the values the
//! operator keyed in, one that a skip rule reads is changed (a digit too many, a typo, the wrong
//! choice) so that the rule no longer lets the order past the back office — the way a real
//! mistake costs one-stop. When no rule can notice, a field a decision reads is changed instead.

use super::catalog::FlowInfo;
use super::rng::Rng;
use super::values::Sample;
use super::world::tokyo;
use jiff::{Timestamp, ToSpan};
use junro_engine::compile::NodeKind;
use junro_engine::dsl::ast::Type;
use junro_engine::script::Data;
use serde_json::{Value, json};

/// Changes one value of `form` as a careless operator would.
pub(crate) fn key_wrong(info: &FlowInfo, form: &mut Data, sample: &Sample, now: Timestamp, rng: &mut Rng) {
    let zone = tokyo();
    let nothing = Data::new();
    let mut noticed: Vec<(String, Value)> = Vec::new();
    for node in info.flow.graph.node_weights() {
        let NodeKind::Task(spec) = &node.kind else { continue };
        let Some((rule, _)) = &spec.skip else { continue };
        let inputs: Vec<String> = rule.inputs(&nothing).into_iter().map(|(f, _)| f).collect();
        // What the rule sees: the form, else the customer's data as it came in.
        let mut data = Data::new();
        for field in &inputs {
            let Some(f) = info.flow.field(field) else { continue };
            match form.get(field) {
                Some(v) => data.insert(field.clone(), v.clone()),
                None if !info.computed.contains(field) => data.insert(field.clone(), sample.value(field, &f.ty)),
                None => None,
            };
        }
        if rule.eval(&data, now, &zone).ok() != Some(Value::Bool(true)) {
            continue; // the correct entry goes to the back office anyway
        }
        for field in inputs.iter().filter(|f| form.contains_key(*f)) {
            let (Some(f), Some(value)) = (info.flow.field(field), form.get(field)) else { continue };
            for wrong in variants(value, &f.ty, sample) {
                let mut seen = data.clone();
                seen.insert(field.clone(), wrong.clone());
                if rule.eval(&seen, now, &zone).ok() == Some(Value::Bool(false)) {
                    noticed.push((field.clone(), wrong));
                }
            }
        }
    }
    if noticed.is_empty() {
        let decided: Vec<String> = form.keys().filter(|f| info.rule_fields.contains(*f)).cloned().collect();
        if decided.is_empty() {
            return;
        }
        let field = rng.pick(&decided).clone();
        let (Some(f), Some(value)) = (info.flow.field(&field), form.get(&field)) else { return };
        if let Some(wrong) = variants(value, &f.ty, sample).into_iter().next() {
            noticed.push((field, wrong));
        }
    }
    if noticed.is_empty() {
        return;
    }
    let (field, wrong) = rng.pick(&noticed).clone();
    form.insert(field, wrong);
}

/// Wrong values an operator might key instead of `value`.
fn variants(value: &Value, ty: &Type, sample: &Sample) -> Vec<Value> {
    match (ty, value) {
        (Type::Integer | Type::Money, Value::Number(n)) => {
            let n = n.as_i64().unwrap_or(0);
            vec![json!(n * 10 + 10), json!(n / 10), json!(n + 1)]
        }
        (Type::Decimal, Value::Number(n)) => vec![json!(n.as_f64().unwrap_or(0.0) * 10.0 + 1.0)],
        (Type::Text, Value::String(s)) => vec![json!(format!("{s}0")), json!(format!("{s} "))],
        (Type::Date, _) => {
            let day = sample.day();
            vec![json!(day.to_string()), json!(day.checked_add(1.day()).unwrap_or(day).to_string())]
        }
        (Type::Boolean, Value::Bool(b)) => vec![json!(!b)],
        (Type::Enum(variants), Value::String(s)) => variants.iter().filter(|v| *v != s).map(|v| json!(v)).collect(),
        _ => Vec::new(),
    }
}
