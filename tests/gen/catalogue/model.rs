//! The flow model the recipes build and [`super::render`] writes, and the [`Builder`] that chains
//! stages together.
//!
//! Recipes write stages in reading order. A stage does not know which stage follows it, so where
//! it continues "to whatever comes next" it asks the builder for a placeholder ([`Builder::next`]);
//! the first step of the following stage ([`Builder::stage`] then [`Builder::add`]) fills in every
//! open placeholder, and [`Builder::finish`] sends the rest to the flow's successful end.

use std::collections::BTreeMap;
use std::rc::Rc;

/// A literal value as written in scenarios, defaults and table cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lit {
    Text(String),
    Int(i64),
    Bool(bool),
    /// An enum variant, written bare.
    Sym(String),
    /// A date, written `"YYYY-MM-DD"`.
    Date(String),
}

impl Lit {
    pub(crate) fn text(s: &str) -> Lit {
        Lit::Text(s.to_string())
    }

    pub(crate) fn sym(s: &str) -> Lit {
        Lit::Sym(s.to_string())
    }

    pub(crate) fn date(s: &str) -> Lit {
        Lit::Date(s.to_string())
    }

    /// The literal as the flow language writes it.
    pub(crate) fn write(&self) -> String {
        match self {
            Lit::Text(s) | Lit::Date(s) => format!("\"{s}\""),
            Lit::Int(n) => n.to_string(),
            Lit::Bool(b) => b.to_string(),
            Lit::Sym(s) => s.clone(),
        }
    }
}

/// Values of the data fields while a scenario is walked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub(crate) values: BTreeMap<String, Lit>,
}

impl Env {
    pub(crate) fn get(&self, field: &str) -> Option<&Lit> {
        self.values.get(field)
    }

    pub(crate) fn set(&mut self, field: &str, value: Lit) {
        self.values.insert(field.to_string(), value);
    }

    /// A number field (0 when unset).
    pub(crate) fn int(&self, field: &str) -> i64 {
        match self.values.get(field) {
            Some(Lit::Int(n)) => *n,
            _ => 0,
        }
    }

    /// A boolean field (false when unset).
    pub(crate) fn flag(&self, field: &str) -> bool {
        matches!(self.values.get(field), Some(Lit::Bool(true)))
    }

    /// An enum or text field ("" when unset).
    pub(crate) fn word(&self, field: &str) -> &str {
        match self.values.get(field) {
            Some(Lit::Sym(s) | Lit::Text(s) | Lit::Date(s)) => s,
            _ => "",
        }
    }
}

/// A condition: the expression written in the flow and its meaning, for the scenario walker.
/// The meaning mirrors the shared Rhai rules (`_shared/rules/*.rhai`) exactly.
#[derive(Clone)]
pub(crate) struct Cond {
    pub(crate) expr: String,
    pub(crate) eval: Rc<dyn Fn(&Env) -> bool>,
}

impl Cond {
    pub(crate) fn new(expr: impl Into<String>, eval: impl Fn(&Env) -> bool + 'static) -> Cond {
        Cond { expr: expr.into(), eval: Rc::new(eval) }
    }

    /// `!x` of a condition; parenthesised unless it is a single name or call.
    pub(crate) fn not(&self) -> Cond {
        let e = &self.expr;
        let name_end = e.find('(').unwrap_or(e.len());
        let name_ok = name_end > 0 && e[..name_end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let call_ok = name_end == e.len() || (e.ends_with(')') && !e[name_end + 1..e.len() - 1].contains(['(', ')']));
        let expr = if name_ok && call_ok { format!("!{e}") } else { format!("!({e})") };
        let eval = self.eval.clone();
        Cond { expr, eval: Rc::new(move |env| !eval(env)) }
    }
}

/// A decision table used by a `decide` step, with what it writes.
#[derive(Clone)]
pub(crate) struct TableUse {
    pub(crate) name: &'static str,
    /// Inputs then outputs: every one must be a field of the flow.
    pub(crate) fields: &'static [&'static str],
    pub(crate) apply: Rc<dyn Fn(&mut Env)>,
}

/// The shared subflows a flow can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sub {
    CreditCheck,
    Construction,
    Confirmation,
    Shipping,
    Return,
    Penalty,
    Identity,
}

impl Sub {
    pub(crate) fn flow_name(self) -> &'static str {
        match self {
            Sub::CreditCheck => "credit_check",
            Sub::Construction => "construction_schedule",
            Sub::Confirmation => "customer_confirmation",
            Sub::Shipping => "equipment_shipping",
            Sub::Return => "equipment_return",
            Sub::Penalty => "cancellation_penalty",
            Sub::Identity => "identity_check",
        }
    }
}

/// A human task.
#[derive(Clone, Default)]
pub(crate) struct Task {
    pub(crate) lane: &'static str,
    pub(crate) role: &'static str,
    pub(crate) vendor: Option<&'static str>,
    pub(crate) show: Vec<&'static str>,
    pub(crate) edit: Vec<&'static str>,
    pub(crate) require: Vec<&'static str>,
    pub(crate) priority: Option<&'static str>,
    pub(crate) sla: &'static str,
    pub(crate) remind: Option<&'static str>,
    pub(crate) escalate: Option<(&'static str, &'static str)>,
    pub(crate) sendback: Vec<String>,
    pub(crate) skip: Option<(Cond, Option<&'static str>)>,
    /// (id, label, next)
    pub(crate) outcomes: Vec<(&'static str, &'static str, String)>,
    pub(crate) next: Option<String>,
}

impl Task {
    pub(crate) fn new(lane: &'static str, role: &'static str, sla: &'static str) -> Task {
        Task { lane, role, sla, ..Task::default() }
    }

    pub(crate) fn vendor(mut self, v: &'static str) -> Task {
        self.vendor = Some(v);
        self
    }

    pub(crate) fn show(mut self, f: &[&'static str]) -> Task {
        push_unique(&mut self.show, f);
        self
    }

    pub(crate) fn edit(mut self, f: &[&'static str]) -> Task {
        push_unique(&mut self.edit, f);
        self
    }

    pub(crate) fn require(mut self, f: &[&'static str]) -> Task {
        push_unique(&mut self.require, f);
        self
    }

    pub(crate) fn priority(mut self, p: Option<&'static str>) -> Task {
        self.priority = p;
        self
    }

    pub(crate) fn remind(mut self, d: &'static str) -> Task {
        self.remind = Some(d);
        self
    }

    pub(crate) fn escalate(mut self, role: &'static str, after: &'static str) -> Task {
        self.escalate = Some((role, after));
        self
    }

    pub(crate) fn sendback(mut self, to: Option<String>) -> Task {
        self.sendback.extend(to);
        self
    }

    pub(crate) fn skip(mut self, cond: Cond, outcome: Option<&'static str>) -> Task {
        self.skip = Some((cond, outcome));
        self
    }

    pub(crate) fn outcome(mut self, id: &'static str, label: &'static str, next: impl Into<String>) -> Task {
        self.outcomes.push((id, label, next.into()));
        self
    }

    pub(crate) fn then(mut self, next: impl Into<String>) -> Task {
        self.next = Some(next.into());
        self
    }
}

fn push_unique(list: &mut Vec<&'static str>, items: &[&'static str]) {
    for item in items {
        if !list.contains(item) {
            list.push(item);
        }
    }
}

/// An automatic step.
#[derive(Clone)]
pub(crate) struct Auto {
    pub(crate) action: &'static str,
    /// (action parameter, expression)
    pub(crate) inputs: Vec<(&'static str, String)>,
    /// (field, result key)
    pub(crate) outputs: Vec<(&'static str, &'static str)>,
    pub(crate) retry: Option<(u32, Option<&'static str>)>,
    pub(crate) timeout: Option<&'static str>,
    pub(crate) next: String,
}

impl Auto {
    pub(crate) fn new(action: &'static str) -> Auto {
        Auto { action, inputs: Vec::new(), outputs: Vec::new(), retry: None, timeout: None, next: String::new() }
    }

    /// An input; `expr` is written as is (a field name, a "quoted" literal, a call).
    pub(crate) fn input(mut self, param: &'static str, expr: impl Into<String>) -> Auto {
        self.inputs.push((param, expr.into()));
        self
    }

    /// Inputs that pass fields of the same name.
    pub(crate) fn pass(mut self, fields: &[&'static str]) -> Auto {
        for f in fields {
            self.inputs.push((f, (*f).to_string()));
        }
        self
    }

    pub(crate) fn output(mut self, field: &'static str, key: &'static str) -> Auto {
        self.outputs.push((field, key));
        self
    }

    pub(crate) fn retry(mut self, times: u32, backoff: Option<&'static str>) -> Auto {
        self.retry = Some((times, backoff));
        self
    }

    pub(crate) fn timeout(mut self, d: &'static str) -> Auto {
        self.timeout = Some(d);
        self
    }

    pub(crate) fn then(mut self, next: impl Into<String>) -> Auto {
        self.next = next.into();
        self
    }
}

/// An exclusive decision.
#[derive(Clone)]
pub(crate) struct Decide {
    pub(crate) table: Option<TableUse>,
    pub(crate) branches: Vec<(Cond, String)>,
    pub(crate) default: String,
}

impl Decide {
    pub(crate) fn new() -> Decide {
        Decide { table: None, branches: Vec::new(), default: String::new() }
    }

    pub(crate) fn table(mut self, t: TableUse) -> Decide {
        self.table = Some(t);
        self
    }

    pub(crate) fn when(mut self, cond: Cond, next: impl Into<String>) -> Decide {
        self.branches.push((cond, next.into()));
        self
    }

    pub(crate) fn otherwise(mut self, next: impl Into<String>) -> Decide {
        self.default = next.into();
        self
    }
}

/// One arm of a wait.
#[derive(Clone)]
pub(crate) enum Arm {
    Signal(&'static str, String),
    After(&'static str, String),
}

/// A subflow call.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) sub: Sub,
    /// (child field, expression)
    pub(crate) inputs: Vec<(&'static str, String)>,
    /// (field, child field)
    pub(crate) outputs: Vec<(&'static str, &'static str)>,
    pub(crate) next: String,
}

impl Call {
    pub(crate) fn new(sub: Sub) -> Call {
        Call { sub, inputs: Vec::new(), outputs: Vec::new(), next: String::new() }
    }

    pub(crate) fn input(mut self, child: &'static str, expr: impl Into<String>) -> Call {
        self.inputs.push((child, expr.into()));
        self
    }

    pub(crate) fn pass(mut self, fields: &[&'static str]) -> Call {
        for f in fields {
            self.inputs.push((f, (*f).to_string()));
        }
        self
    }

    pub(crate) fn output(mut self, field: &'static str, child: &'static str) -> Call {
        self.outputs.push((field, child));
        self
    }

    pub(crate) fn then(mut self, next: impl Into<String>) -> Call {
        self.next = next.into();
        self
    }
}

/// What a step does.
#[derive(Clone)]
pub(crate) enum Kind {
    Task(Task),
    Auto(Auto),
    Decide(Decide),
    Parallel(Vec<String>),
    Join(String),
    Wait(Vec<Arm>),
    Call(Call),
    End(&'static str),
}

impl From<Task> for Kind {
    fn from(t: Task) -> Kind {
        Kind::Task(t)
    }
}
impl From<Auto> for Kind {
    fn from(a: Auto) -> Kind {
        Kind::Auto(a)
    }
}
impl From<Decide> for Kind {
    fn from(d: Decide) -> Kind {
        Kind::Decide(d)
    }
}
impl From<Call> for Kind {
    fn from(c: Call) -> Kind {
        Kind::Call(c)
    }
}

/// A step of the flow.
#[derive(Clone)]
pub(crate) struct Step {
    pub(crate) id: String,
    pub(crate) label: String,
    /// A `#` comment written above the step.
    pub(crate) note: Option<String>,
    pub(crate) kind: Kind,
}

impl Step {
    /// Every step this one can lead to.
    pub(crate) fn successors_mut(&mut self) -> Vec<&mut String> {
        match &mut self.kind {
            Kind::Task(t) => {
                let mut v: Vec<&mut String> = t.outcomes.iter_mut().map(|o| &mut o.2).collect();
                v.extend(t.next.as_mut());
                v.extend(t.sendback.iter_mut());
                v
            }
            Kind::Auto(a) => vec![&mut a.next],
            Kind::Decide(d) => {
                let mut v: Vec<&mut String> = d.branches.iter_mut().map(|b| &mut b.1).collect();
                v.push(&mut d.default);
                v
            }
            Kind::Parallel(branches) => branches.iter_mut().collect(),
            Kind::Join(next) => vec![next],
            Kind::Wait(arms) => arms
                .iter_mut()
                .map(|a| match a {
                    Arm::Signal(_, n) | Arm::After(_, n) => n,
                })
                .collect(),
            Kind::Call(c) => vec![&mut c.next],
            Kind::End(_) => Vec::new(),
        }
    }
}

/// A scenario, described by its data and the choices made along the way.
#[derive(Clone, Debug)]
pub(crate) struct Play {
    pub(crate) title: String,
    /// Field values (given, returned by actions, or entered in tasks, as the walker decides).
    pub(crate) data: Vec<(&'static str, Lit)>,
    /// Choices by step, used in order on repeated visits: a task's outcome id,
    /// `sendback:<task>`, a wait's signal name, or `timeout` for a wait's timer.
    pub(crate) choices: Vec<(&'static str, &'static str)>,
}

impl Play {
    pub(crate) fn new(title: impl Into<String>) -> Play {
        Play { title: title.into(), data: Vec::new(), choices: Vec::new() }
    }

    pub(crate) fn with(mut self, field: &'static str, value: Lit) -> Play {
        self.data.retain(|(f, _)| *f != field);
        self.data.push((field, value));
        self
    }

    pub(crate) fn choose(mut self, step: &'static str, choice: &'static str) -> Play {
        self.choices.push((step, choice));
        self
    }
}

/// A whole flow, ready to render.
pub(crate) struct FlowModel {
    /// Comment lines describing the flow (without `#`).
    pub(crate) description: Vec<String>,
    pub(crate) steps: Vec<Step>,
    pub(crate) plays: Vec<Play>,
    /// Field values the recipe wants in every scenario unless a play says otherwise.
    pub(crate) defaults: Vec<(&'static str, Lit)>,
}

const TOKEN: char = '\u{1}';

/// Collects steps and chains stages.
pub(crate) struct Builder {
    steps: Vec<Step>,
    ends: Vec<Step>,
    pending: Vec<String>,
    resolving: Vec<String>,
    resolved: BTreeMap<String, String>,
    counter: usize,
    pub(crate) description: Vec<String>,
    pub(crate) plays: Vec<Play>,
    pub(crate) defaults: Vec<(&'static str, Lit)>,
    next_note: Option<String>,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            steps: Vec::new(),
            ends: Vec::new(),
            pending: Vec::new(),
            resolving: Vec::new(),
            resolved: BTreeMap::new(),
            counter: 0,
            description: Vec::new(),
            plays: Vec::new(),
            defaults: Vec::new(),
            next_note: None,
        }
    }

    /// A placeholder for "the first step of the next stage".
    pub(crate) fn next(&mut self) -> String {
        self.counter += 1;
        let token = format!("{TOKEN}{}", self.counter);
        self.pending.push(token.clone());
        token
    }

    /// A placeholder that is not open yet: it leads to the stage that follows [`Builder::release`].
    /// Used to jump over an optional stage.
    pub(crate) fn hold(&mut self) -> String {
        self.counter += 1;
        format!("{TOKEN}{}", self.counter)
    }

    /// Opens a placeholder made by [`Builder::hold`].
    pub(crate) fn release(&mut self, token: String) {
        self.pending.push(token);
    }

    /// Starts a stage: the next step added is where the open placeholders lead.
    pub(crate) fn stage(&mut self) {
        self.resolving.append(&mut self.pending);
    }

    /// A comment for the next step added.
    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.next_note = Some(text.into());
    }

    /// Whether a step with this id exists already.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.steps.iter().chain(&self.ends).any(|s| s.id == id)
    }

    /// Adds a step.
    pub(crate) fn add(&mut self, id: &str, label: &str, kind: impl Into<Kind>) {
        for token in self.resolving.drain(..) {
            self.resolved.insert(token, id.to_string());
        }
        let note = self.next_note.take();
        self.steps.push(Step { id: id.to_string(), label: label.to_string(), note, kind: kind.into() });
    }

    /// Adds a wait.
    pub(crate) fn wait(&mut self, id: &str, label: &str, arms: Vec<Arm>) {
        self.add(id, label, Kind::Wait(arms));
    }

    /// Adds a parallel split.
    pub(crate) fn parallel(&mut self, id: &str, label: &str, branches: Vec<String>) {
        self.add(id, label, Kind::Parallel(branches));
    }

    /// Adds a join.
    pub(crate) fn join(&mut self, id: &str, label: &str, next: String) {
        self.add(id, label, Kind::Join(next));
    }

    /// An end with this outcome (added once, written after the steps); returns its id.
    pub(crate) fn end(&mut self, id: &str, label: &str, outcome: &'static str) -> String {
        if !self.ends.iter().any(|e| e.id == id) {
            self.ends.push(Step { id: id.to_string(), label: label.to_string(), note: None, kind: Kind::End(outcome) });
        }
        id.to_string()
    }

    /// Sends the open placeholders to the end `done` and returns the finished model.
    pub(crate) fn finish(mut self, done_label: &str) -> Result<FlowModel, String> {
        let open: Vec<String> = self.resolving.drain(..).chain(self.pending.drain(..)).collect();
        if !open.is_empty() {
            let done = self.end("done", done_label, "completed");
            // The successful end comes first among the ends.
            let i = self.ends.iter().position(|e| e.id == done).unwrap_or(0);
            let end = self.ends.remove(i);
            self.ends.insert(0, end);
            for token in open {
                self.resolved.insert(token, done.clone());
            }
        }
        let mut steps = self.steps;
        steps.append(&mut self.ends);
        for step in &mut steps {
            for next in step.successors_mut() {
                if next.starts_with(TOKEN) {
                    match self.resolved.get(next.as_str()) {
                        Some(id) => *next = id.clone(),
                        None => return Err(format!("step `{}` leads nowhere (internal: open placeholder)", step.id)),
                    }
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for step in &steps {
            if !seen.insert(step.id.as_str()) {
                return Err(format!("step id `{}` is used twice", step.id));
            }
        }
        Ok(FlowModel { description: self.description, steps, plays: self.plays, defaults: self.defaults })
    }
}
