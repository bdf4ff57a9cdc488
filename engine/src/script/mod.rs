//! Conditions and rules, evaluated with Rhai in a sandbox.
//!
//! One [`rhai::Engine`] is configured for the whole process: operation, call-depth, expression
//! and size limits; no `eval`; no module imports; `print` and `debug` silenced. Rules files are
//! compiled once per deployment; each condition of a flow is translated from the flow language's
//! AST into Rhai source, compiled once, and merged with the rules it may call.
//!
//! Rules called directly on fields (the common condition) run natively when
//! [`native`] can translate them, with Rhai's semantics, and in Rhai otherwise.
//!
//! Data fields are Rhai variables named `v_<field>`, so a field may be called `type` or `match`
//! without clashing with Rhai's keywords. Builtins (`today()`, `days_until(d)`, …) read the
//! order's clock from variables the evaluator sets, never from the system clock.

use junro_dsl::Program;
use junro_dsl::ast::{BinaryOp, Expr, ExprKind, Type, UnaryOp, Value};
use junro_dsl::check::Scope;
use rhai::{AST, Dynamic, Engine, Scope as RhaiScope};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

mod native;
#[cfg(test)]
mod native_tests;

use native::NativeRule;

/// A rules file or condition that does not compile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// A `.rhai` file has a syntax error.
    #[error("{path}:{line}:{column}: {message}")]
    Rules {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Rhai's message.
        message: String,
    },
    /// A condition did not compile (a bug: checked conditions are valid Rhai).
    #[error("condition `{source_text}` does not compile: {message}")]
    Condition {
        /// The condition as written.
        source_text: String,
        /// Rhai's message.
        message: String,
    },
}

/// A condition or rule failed while running: it names what failed and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{expression}` failed: {message}")]
pub struct EvalError {
    /// The expression as written in the flow.
    pub expression: String,
    /// What went wrong (Rhai's message, with the rule's line where Rhai gives one).
    pub message: String,
}

/// The process-wide sandboxed Rhai engine.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut engine = Engine::new();
        // Scripts may not load modules (no file access).
        engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
        engine.set_max_operations(200_000);
        engine.set_max_call_levels(32);
        engine.set_max_expr_depths(64, 32);
        engine.set_max_string_size(64 * 1024);
        engine.set_max_array_size(10_000);
        engine.set_max_map_size(10_000);
        engine.disable_symbol("eval");
        engine.on_print(|_| {});
        engine.on_debug(|_, _, _| {});
        engine.register_fn("__len", |x: Dynamic| -> i64 {
            if let Some(s) = x.clone().try_cast::<String>() {
                return s.chars().count() as i64;
            }
            x.try_cast::<rhai::Array>().map_or(0, |a| a.len() as i64)
        });
        engine.register_fn("__is_empty", |x: Dynamic| -> bool {
            if x.is_unit() {
                return true;
            }
            if let Some(s) = x.clone().try_cast::<String>() {
                return s.is_empty();
            }
            x.try_cast::<rhai::Array>().is_some_and(|a| a.is_empty())
        });
        engine.register_fn("__contains", |list: Dynamic, value: Dynamic| -> bool {
            if let Some(s) = list.clone().try_cast::<String>() {
                return value.try_cast::<String>().is_some_and(|v| s.contains(&v));
            }
            let text = value.to_string();
            list.try_cast::<rhai::Array>()
                .is_some_and(|a| a.iter().any(|x| x.type_name() == value.type_name() && x.to_string() == text))
        });
        engine.register_fn("__days_between", |from: Dynamic, to: Dynamic| -> Dynamic {
            let day = |d: &Dynamic| {
                d.clone()
                    .try_cast::<String>()
                    .and_then(|s| s.get(..10).and_then(|s| s.parse::<jiff::civil::Date>().ok()))
            };
            match (day(&from), day(&to)) {
                (Some(a), Some(b)) => Dynamic::from((b - a).get_days() as i64),
                _ => Dynamic::UNIT,
            }
        });
        engine
    })
}

/// The compiled rules visible from one file, ready to be merged into its conditions.
#[derive(Debug, Clone)]
pub struct Scripts {
    rules: Arc<AST>,
    /// The rules file of each rule, to name it when the rule fails.
    files: Arc<BTreeMap<String, String>>,
}

impl Scripts {
    /// Compiles every `.rhai` file whose rules the file at `path` can see.
    pub fn for_scope(program: &Program, path: &str, scope: &Scope<'_>) -> Result<Scripts, ScriptError> {
        let mut files: Vec<String> = Vec::new();
        for def in scope.rules.values() {
            let Some(file) = program.file(def.file) else { continue };
            for decl in &file.module.rules {
                if decl.rules.iter().any(|r| std::ptr::eq(r, def.item)) {
                    let rhai = junro_dsl::resolve_path(&file.path, &decl.path);
                    if !files.contains(&rhai) {
                        files.push(rhai);
                    }
                }
            }
        }
        let _ = path;
        let mut rules = AST::empty();
        let mut files_of = BTreeMap::new();
        for file in files {
            let Some(source) = program.file(&file) else { continue };
            for name in source.rhai_functions.iter().flatten() {
                files_of.insert(name.clone(), file.clone());
            }
            let mut ast = engine().compile(&source.text).map_err(|e| {
                let position = e.position();
                ScriptError::Rules {
                    path: file.clone(),
                    line: position.line().unwrap_or(0),
                    column: position.position().unwrap_or(0),
                    message: e.err_type().to_string(),
                }
            })?;
            ast.set_source(file.as_str());
            rules = rules.merge(&ast);
        }
        Ok(Scripts { rules: Arc::new(rules), files: Arc::new(files_of) })
    }

    /// Compiles one expression of a flow whose fields have the given types.
    pub fn condition(&self, expr: &Expr, fields: &BTreeMap<&str, &Type>) -> Result<Condition, ScriptError> {
        let shown = junro_dsl::graph::expr_text(expr);
        let mut rhai = String::new();
        translate(expr, &mut rhai);
        let ast = engine()
            .compile_expression(&rhai)
            .map_err(|e| ScriptError::Condition { source_text: shown.clone(), message: e.to_string() })?;
        let merged = self.rules.merge(&ast);
        let mut used = Vec::new();
        fields_used(expr, &mut used);
        let used = used
            .into_iter()
            .filter_map(|f| fields.get(f.as_str()).map(|t| (f.clone(), (*t).clone(), format!("v_{f}"))))
            .collect();
        let reads_clock = rhai.contains("__today") || rhai.contains("__now");
        // The rules file a failure inside a rule is in: that of the one rule the expression calls.
        let mut called = Vec::new();
        rules_called(expr, &mut called);
        called.sort();
        called.dedup();
        let rule_file = match called.as_slice() {
            [one] => self.files.get(one).cloned(),
            _ => None,
        };
        // The common condition, one rule called on fields (`credit_ok(credit_score, fee)`), calls
        // the rule directly: no scope to fill, no variables to look up by name; natively when the
        // rule can be translated (here, once per deployment, and only for rules called so).
        let direct = match &expr.kind {
            ExprKind::Call(name, args)
                if self.rules.iter_functions().any(|f| f.name == name.text && f.params.len() == args.len()) =>
            {
                args.iter()
                    .map(|a| match &a.kind {
                        ExprKind::Field(f) => fields.get(f.as_str()).map(|t| (f.clone(), (*t).clone())),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|args| {
                        let native = NativeRule::translate(&self.rules, &name.text, args.len());
                        Direct { rule: name.text.clone(), args, native }
                    })
            }
            _ => None,
        };
        Ok(Condition {
            inner: Arc::new(ConditionInner { shown, ast: merged, fields: used, reads_clock, direct, rule_file }),
        })
    }
}

/// The names of the functions an expression calls.
fn rules_called(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Call(name, args) => {
            out.push(name.text.clone());
            args.iter().for_each(|a| rules_called(a, out));
        }
        ExprKind::Array(args) => args.iter().for_each(|a| rules_called(a, out)),
        ExprKind::Unary(_, e) => rules_called(e, out),
        ExprKind::Binary(_, l, r) => {
            rules_called(l, out);
            rules_called(r, out);
        }
        ExprKind::Field(_) | ExprKind::Literal(_) => {}
    }
}

fn fields_used(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Field(f) => {
            if !out.contains(f) {
                out.push(f.clone());
            }
        }
        ExprKind::Literal(_) => {}
        ExprKind::Call(_, args) | ExprKind::Array(args) => args.iter().for_each(|a| fields_used(a, out)),
        ExprKind::Unary(_, e) => fields_used(e, out),
        ExprKind::Binary(_, l, r) => {
            fields_used(l, out);
            fields_used(r, out);
        }
    }
}

/// Writes `expr` as Rhai source: fields become `v_<field>` and builtins their native forms.
fn translate(expr: &Expr, out: &mut String) {
    match &expr.kind {
        ExprKind::Literal(v) => match v {
            Value::Text(t) | Value::Symbol(t) => {
                out.push('"');
                for c in t.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::Integer(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Decimal(d) => out.push_str(d),
            Value::Boolean(b) => {
                let _ = write!(out, "{b}");
            }
        },
        ExprKind::Field(f) => {
            let _ = write!(out, "v_{f}");
        }
        ExprKind::Array(items) => {
            out.push('[');
            list(items, out);
            out.push(']');
        }
        ExprKind::Call(name, args) => match (name.text.as_str(), args.as_slice()) {
            ("today", []) => out.push_str("__today"),
            ("now", []) => out.push_str("__now"),
            ("days_until", [d]) => call("__days_between", &[], Some(("__today", d, false)), out),
            ("days_since", [d]) => call("__days_between", &[], Some(("__today", d, true)), out),
            ("len", _) => call("__len", args, None, out),
            ("is_empty", _) => call("__is_empty", args, None, out),
            ("contains", _) => call("__contains", args, None, out),
            (rule, _) => call(rule, args, None, out),
        },
        ExprKind::Unary(op, inner) => {
            out.push_str(match op {
                UnaryOp::Not => "!(",
                UnaryOp::Neg => "-(",
            });
            translate(inner, out);
            out.push(')');
        }
        ExprKind::Binary(op, l, r) => {
            out.push('(');
            translate(l, out);
            let _ = write!(out, " {} ", if *op == BinaryOp::In { "in" } else { op.symbol() });
            translate(r, out);
            out.push(')');
        }
    }
}

/// `name(args)`, or for date differences `name(today, d)` / `name(d, today)`.
fn call(name: &str, args: &[Expr], dates: Option<(&str, &Expr, bool)>, out: &mut String) {
    out.push_str(name);
    out.push('(');
    match dates {
        Some((today, d, reversed)) => {
            if reversed {
                translate(d, out);
                let _ = write!(out, ", {today}");
            } else {
                let _ = write!(out, "{today}, ");
                translate(d, out);
            }
        }
        None => list(args, out),
    }
    out.push(')');
}

fn list(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        translate(item, out);
    }
}

#[derive(Debug)]
struct ConditionInner {
    shown: String,
    ast: AST,
    /// The fields the expression reads (directly or as rule arguments), with their types and
    /// their names in Rhai's scope (`v_<field>`, made once here rather than per evaluation).
    fields: Vec<(String, Type, String)>,
    /// Whether the expression reads the clock (`today()`, `days_until(…)`…).
    reads_clock: bool,
    /// For a condition that only calls a rule on fields: the rule and its argument fields.
    direct: Option<Direct>,
    /// The rules file of the one rule the expression calls, if it calls one.
    rule_file: Option<String>,
}

/// A condition that only calls a rule on fields.
#[derive(Debug)]
struct Direct {
    rule: String,
    args: Vec<(String, Type)>,
    /// The rule translated for the native evaluator, when it could be.
    native: Option<NativeRule>,
}

/// A compiled expression of a flow: a branch condition, a skip rule, a mapping.
#[derive(Debug, Clone)]
pub struct Condition {
    inner: Arc<ConditionInner>,
}

thread_local! {
    /// The scope rules are called in, emptied after each call and reused by the next.
    static RULE_SCOPE: std::cell::RefCell<RhaiScope<'static>> = std::cell::RefCell::new(RhaiScope::with_capacity(16));
}

/// The order's data: field → JSON value.
pub type Data = serde_json::Map<String, serde_json::Value>;

/// A JSON value as Rhai sees it; scalars directly (the common case, and much faster than
/// going through serde), lists and maps through serde.
fn dynamic(value: &serde_json::Value) -> Result<Dynamic, String> {
    Ok(match value {
        serde_json::Value::Null => Dynamic::UNIT,
        serde_json::Value::Bool(b) => Dynamic::from_bool(*b),
        // One shared-string allocation (short texts are stored inline), no intermediate `String`.
        serde_json::Value::String(s) => Dynamic::from(rhai::ImmutableString::from(s.as_str())),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Dynamic::from_int(i),
            (None, Some(f)) => Dynamic::from_float(f),
            (None, None) => return Err(format!("the number {n} is out of range")),
        },
        other => rhai::serde::to_dynamic(other).map_err(|e| e.to_string())?,
    })
}

/// The value an unset field has in an expression: empty text, empty list, false, or nothing.
fn absent(ty: &Type) -> Dynamic {
    match ty {
        Type::Text => Dynamic::from(String::new()),
        Type::List(_) => Dynamic::from(rhai::Array::new()),
        Type::Boolean => Dynamic::FALSE,
        _ => Dynamic::UNIT,
    }
}

impl Condition {
    /// The expression as written in the flow.
    pub fn source(&self) -> &str {
        &self.inner.shown
    }

    /// The fields it reads, with the values they have in `data` (for the decision history).
    pub fn inputs(&self, data: &Data) -> Data {
        self.inner
            .fields
            .iter()
            .map(|(f, _, _)| (f.clone(), data.get(f).cloned().unwrap_or(serde_json::Value::Null)))
            .collect()
    }

    /// Evaluates the expression over `data` at time `now`.
    pub fn eval(
        &self,
        data: &Data,
        now: jiff::Timestamp,
        zone: &jiff::tz::TimeZone,
    ) -> Result<serde_json::Value, EvalError> {
        if let Some(direct) = &self.inner.direct {
            // The native evaluator gives Rhai's value or gives up; then Rhai runs the rule, so
            // errors and their messages are Rhai's.
            if let Some(value) = direct.native.as_ref().and_then(|native| native.run(&direct.args, data)) {
                return Ok(value);
            }
            return self.call_rule(&direct.rule, &direct.args, data);
        }
        let mut scope = RhaiScope::with_capacity(self.inner.fields.len() + 2);
        if self.inner.reads_clock {
            let local = now.to_zoned(zone.clone());
            scope.push("__today", local.date().to_string());
            scope.push("__now", local.datetime().to_string());
        }
        for (field, ty, name) in &self.inner.fields {
            let value = match data.get(field) {
                None | Some(serde_json::Value::Null) => absent(ty),
                Some(v) => dynamic(v).map_err(|e| self.error(e))?,
            };
            scope.push_dynamic(name.as_str(), value);
        }
        let result: Dynamic = engine()
            .eval_ast_with_scope(&mut scope, &self.inner.ast)
            .map_err(|e| self.error(describe(&e, self.inner.rule_file.as_deref())))?;
        self.json(result)
    }

    /// Calls `rule` with the values of `args` in `data`.
    fn call_rule(&self, rule: &str, args: &[(String, Type)], data: &Data) -> Result<serde_json::Value, EvalError> {
        let values = args
            .iter()
            .map(|(field, ty)| match data.get(field) {
                None | Some(serde_json::Value::Null) => Ok(absent(ty)),
                Some(v) => dynamic(v),
            })
            .collect::<Result<Vec<Dynamic>, String>>()
            .map_err(|e| self.error(e))?;
        // The rule's parameters and locals live in a scope kept per thread: its storage grows
        // once, instead of being reallocated on every call as a fresh scope fills up.
        let options = rhai::CallFnOptions::new().eval_ast(false).rewind_scope(true);
        let call = |scope: &mut RhaiScope<'static>| {
            let result = engine().call_fn_with_options::<Dynamic>(options, scope, &self.inner.ast, rule, values);
            scope.clear();
            result
        };
        let result = RULE_SCOPE
            .with(|scope| match scope.try_borrow_mut() {
                Ok(mut scope) => call(&mut scope),
                Err(_) => call(&mut RhaiScope::new()),
            })
            .map_err(|e| self.error(describe(&e, self.inner.rule_file.as_deref())))?;
        self.json(result)
    }

    /// A result as JSON: true/false and nothing directly, anything else through serde.
    fn json(&self, result: Dynamic) -> Result<serde_json::Value, EvalError> {
        if result.is_unit() {
            return Ok(serde_json::Value::Null);
        }
        if let Ok(b) = result.as_bool() {
            return Ok(serde_json::Value::Bool(b));
        }
        rhai::serde::from_dynamic(&result).map_err(|e| self.error(e.to_string()))
    }

    /// Evaluates a condition: it must give true or false.
    pub fn test(&self, data: &Data, now: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> Result<bool, EvalError> {
        match self.eval(data, now, zone)? {
            serde_json::Value::Bool(b) => Ok(b),
            other => Err(self.error(format!("expected true or false, got {other}"))),
        }
    }

    fn error(&self, message: String) -> EvalError {
        EvalError { expression: self.inner.shown.clone(), message }
    }
}

/// One `.rhai` rules file compiled on its own, to call its rules directly (their test cases, the
/// rule benchmark, backtests).
#[derive(Debug, Clone)]
pub struct RulesFile {
    ast: AST,
}

impl RulesFile {
    /// Compiles the rules file `path` with text `text`; the error is Rhai's, with its line.
    pub fn compile(path: &str, text: &str) -> Result<RulesFile, String> {
        let mut ast = engine().compile(text).map_err(|e| e.to_string())?;
        ast.set_source(path);
        Ok(RulesFile { ast })
    }

    /// Calls rule `name` with `args` (enum values as texts, as in a flow) and returns its value.
    pub fn call(&self, name: &str, args: &[serde_json::Value]) -> Result<serde_json::Value, String> {
        let args = args.iter().map(rhai::serde::to_dynamic).collect::<Result<Vec<Dynamic>, _>>();
        let args = args.map_err(|e| e.to_string())?;
        let result: Dynamic =
            engine().call_fn(&mut RhaiScope::new(), &self.ast, name, args).map_err(|e| describe(&e, None))?;
        if result.is_unit() {
            return Ok(serde_json::Value::Null);
        }
        rhai::serde::from_dynamic(&result).map_err(|e| e.to_string())
    }
}

/// Rhai's error in words, with the rules file, line and column when it happened inside a rule
/// (`rule_file`: the file of the rule the condition calls; Rhai names it when it wraps the
/// error in the rule's call).
fn describe(error: &rhai::EvalAltResult, rule_file: Option<&str>) -> String {
    let mut inner = error;
    let mut file = rule_file.map(str::to_string);
    while let rhai::EvalAltResult::ErrorInFunctionCall(_, source, wrapped, _) = inner {
        if !source.is_empty() {
            file = Some(source.clone());
        }
        inner = wrapped;
    }
    let position = inner.position();
    let mut text = inner.to_string();
    // Rhai ends its text with " (line 2, position 15)": said once, as file:line:column.
    if let Some(at) = text.rfind(" (line ") {
        text.truncate(at);
    }
    match (file, position.line(), position.position()) {
        (Some(file), Some(line), Some(column)) => {
            let _ = write!(text, " ({file}:{line}:{column})");
        }
        (None, Some(line), _) => {
            let _ = write!(text, " (line {line})");
        }
        _ => {}
    }
    text.replace("v_", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_condition(flow_expr: &str) -> Expr {
        let source = format!(
            "flow f {{\n data {{\n  plan \"p\" enum(basic, premium)\n  fee \"f\" money\n  options \"o\" list of text\n  due \"d\" date\n }}\n start -> d\n decide d {{\n  when {flow_expr} -> e\n  else -> e\n }}\n end e completed\n}}\n"
        );
        let (module, diagnostics) = junro_dsl::parse(source.as_bytes());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let junro_dsl::ast::StepKind::Decide(d) = &module.flows[0].steps[0].kind else { panic!("a decide step") };
        d.branches[0].0.clone()
    }

    fn eval(flow_expr: &str, data: serde_json::Value) -> Result<serde_json::Value, EvalError> {
        let types: BTreeMap<&str, &Type> = BTreeMap::from([
            ("plan", &Type::Text),
            ("fee", &Type::Money),
            ("options", &Type::Text),
            ("due", &Type::Date),
        ]);
        let scripts = Scripts { rules: Arc::new(AST::empty()), files: Arc::default() };
        let condition = scripts.condition(&parse_condition(flow_expr), &types).expect("compiles");
        let data = data.as_object().cloned().unwrap_or_default();
        let now: jiff::Timestamp = "2026-04-01T00:00:00Z".parse().expect("timestamp");
        condition.eval(&data, now, &jiff::tz::TimeZone::UTC)
    }

    #[test]
    fn conditions_read_fields_and_builtins() {
        let data = serde_json::json!({"plan": "premium", "fee": 5500, "options": ["router"], "due": "2026-04-11"});
        assert_eq!(eval("plan == \"premium\" && fee >= 5000", data.clone()), Ok(serde_json::json!(true)));
        assert_eq!(eval("plan in [\"basic\"]", data.clone()), Ok(serde_json::json!(false)));
        assert_eq!(eval("days_until(due) == 10", data.clone()), Ok(serde_json::json!(true)));
        assert_eq!(eval("len(plan) == 7 && !is_empty(plan)", data), Ok(serde_json::json!(true)));
    }

    #[test]
    fn unset_fields_have_empty_values() {
        assert_eq!(eval("plan == \"\" && !(fee > 0)", serde_json::json!({})), Ok(serde_json::json!(true)));
    }
}
