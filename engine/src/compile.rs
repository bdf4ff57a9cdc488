//! Compiles a checked program into immutable flow graphs (petgraph), once per deployment.
//!
//! A [`CompiledFlow`] holds everything the state machine needs at run time, resolved: each node's
//! lane with its kind (front/back), the actions, waits and subflows it names, its conditions
//! compiled to Rhai, the decision tables it evaluates. Nothing here is mutable after compilation.

use crate::script::{Condition, ScriptError, Scripts};
use crate::table::Table;
use junro_dsl::ast::{self, Flow, LaneKind, StepKind, Type, VendorScope};
use junro_dsl::check::Scope;
use junro_dsl::{Program, Report};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a program could not be compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The program has errors; `junro check` shows them.
    #[error("the flows have errors ({0}); run `junro check` to see them")]
    Invalid(String),
    /// A condition or rules file did not compile as Rhai.
    #[error(transparent)]
    Script(#[from] ScriptError),
}

/// All flows and subflows of a program, by id.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    flows: BTreeMap<String, Arc<CompiledFlow>>,
}

impl Catalog {
    /// A flow by id.
    pub fn get(&self, id: &str) -> Option<&Arc<CompiledFlow>> {
        self.flows.get(id)
    }

    /// Every flow, by id.
    pub fn flows(&self) -> impl Iterator<Item = &Arc<CompiledFlow>> {
        self.flows.values()
    }
}

/// A lane, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// Lane id.
    pub id: String,
    /// Display label.
    pub label: String,
    /// Whether human steps here are back-office work (they break one-stop).
    pub back: bool,
}

/// A data field of a flow.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// Field id.
    pub id: String,
    /// Display label.
    pub label: String,
    /// Type.
    pub ty: Type,
    /// Whether it must have a value at start.
    pub required: bool,
    /// Default value, as JSON.
    pub default: Option<serde_json::Value>,
    /// `min n`: the smallest number allowed.
    pub min: Option<f64>,
    /// `max n`: the largest number allowed.
    pub max: Option<f64>,
    /// `maxlen n`: the most characters a text may have.
    pub max_len: Option<u32>,
    /// `pattern "regex"`: what a text must match (checked where data comes in, such as the
    /// service's forms; the state machine checks types only).
    pub pattern: Option<String>,
}

/// A human task, resolved.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// Lane.
    pub lane: Lane,
    /// Role that may work it.
    pub role: String,
    /// Whose staff may work it (default: the same vendor in a front lane, any in a back lane).
    pub vendor: VendorScope,
    /// Fields shown read-only.
    pub show: Vec<String>,
    /// Fields it may edit (including the required ones).
    pub edit: Vec<String>,
    /// Fields it must fill in.
    pub require: Vec<String>,
    /// Priority.
    pub priority: ast::Priority,
    /// SLA in seconds of business time.
    pub sla: Option<u64>,
    /// Reminder this many seconds before due.
    pub remind_before: Option<u64>,
    /// Escalation to a role this many seconds after due.
    pub escalate: Option<(String, u64)>,
    /// Earlier tasks it may send the order back to.
    pub sendback: Vec<String>,
    /// Auto-complete when this holds, recording this outcome.
    pub skip: Option<(Condition, Option<String>)>,
    /// Outcomes and where each leads (empty: a single `next`).
    pub outcomes: Vec<(String, String)>,
    /// The outcomes' labels (`承認`), by outcome; the id when it has none.
    pub outcome_labels: BTreeMap<String, String>,
}

/// An automatic step, resolved.
#[derive(Debug, Clone)]
pub struct AutoSpec {
    /// Action id.
    pub action: String,
    /// Input parameters: name and value expression.
    pub inputs: Vec<(String, Condition)>,
    /// Outputs: field ← result key.
    pub outputs: Vec<(String, String)>,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First retry delay in seconds (doubles each time).
    pub backoff: u64,
    /// Timeout of one attempt in seconds.
    pub timeout: Option<u64>,
}

/// How long a signal that arrives before its wait is kept, unless its declaration says
/// (`keep D`): three days.
pub const DEFAULT_SIGNAL_KEEP: u64 = 3 * 86_400;

/// A wait arm, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitArmSpec {
    /// A signal; `customer` when waiting for it stops the KPI clock.
    Signal {
        /// Signal id.
        signal: String,
        /// Whether this is a wait for the customer.
        customer: bool,
        /// Seconds one that arrives before the order waits for it is kept for it.
        keep: u64,
        /// The field senders address the order by (`correlate on`), instead of its number.
        correlate: Option<String>,
    },
    /// A timer of this many seconds.
    After(u64),
    /// Until the date (or date-time) in this field.
    Until(String),
}

/// What a node does.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A human task.
    Task(Box<TaskSpec>),
    /// An automatic step.
    Auto(AutoSpec),
    /// An exclusive decision: optional table, then conditions in order, then the default.
    Decide {
        /// Table evaluated first, writing its outputs into the data.
        table: Option<Arc<Table>>,
        /// Conditions with their targets, in order.
        branches: Vec<(Condition, String)>,
        /// The `else` target.
        default: String,
    },
    /// A parallel split into these branches, in the order written.
    Parallel(Vec<String>),
    /// An inclusive split: every branch whose condition holds, in order, else the default.
    Inclusive {
        /// Conditions with their targets, in order.
        branches: Vec<(Condition, String)>,
        /// The `else` target.
        default: String,
        /// The join that closes it, told how many branches were taken.
        join: Option<String>,
    },
    /// A join waiting for this many arrivals (for an inclusive split's join, as many as the
    /// split took: the order's state says).
    Join {
        /// How many branches it waits for.
        expected: usize,
    },
    /// A wait for the first of its arms.
    Wait(Vec<(WaitArmSpec, String)>),
    /// A subflow call.
    Call {
        /// The subflow id.
        flow: String,
        /// Child field ← expression.
        inputs: Vec<(String, Condition)>,
        /// Parent field ← child field.
        outputs: Vec<(String, String)>,
    },
    /// The end, with its outcome.
    End(String),
}

/// One step of a compiled flow.
#[derive(Debug, Clone)]
pub struct Node {
    /// Step id.
    pub id: String,
    /// Display label (the id when none was written).
    pub label: String,
    /// What it does.
    pub kind: NodeKind,
    /// Where it leads when it has a single successor.
    pub next: Option<String>,
    /// The customer's reminders while the order is at this task or wait.
    pub customer_reminders: Vec<CustomerReminderSpec>,
}

/// `remind customer <address> <d> before <date>`: fields by id, the time in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerReminderSpec {
    /// The text field holding the customer's e-mail address.
    pub address: String,
    /// Seconds (calendar time) before the date.
    pub before: u64,
    /// The `date` or `datetime` field holding the moment.
    pub date: String,
}

/// A flow compiled for execution. Immutable.
#[derive(Debug)]
pub struct CompiledFlow {
    /// Flow id.
    pub id: String,
    /// Title.
    pub label: String,
    /// Whether it is a subflow (not started as an order on its own).
    pub is_subflow: bool,
    /// `channel`, when the flow is for one channel.
    pub channel: Option<String>,
    /// Business calendar name.
    pub calendar: Option<String>,
    /// Target business lead time in seconds.
    pub sla: Option<u64>,
    /// Whether the flow counts for the one-stop KPI (it has a front lane and did not opt out).
    pub onestop_eligible: bool,
    /// Data fields.
    pub fields: Vec<FieldSpec>,
    /// The steps as a graph; edges carry no data (the nodes say which edge is which).
    pub graph: DiGraph<Node, ()>,
    /// Step id → node.
    pub index: BTreeMap<String, NodeIndex>,
    /// The first step.
    pub start: String,
    /// A fingerprint of the source, so that deploying unchanged flows makes no new version.
    pub fingerprint: u64,
}

impl CompiledFlow {
    /// The node of step `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.graph[i])
    }

    /// A field by id.
    pub fn field(&self, id: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.id == id)
    }
}

/// Compiles every flow of a checked program. Fails when the program has errors.
pub fn compile(program: &Program, report: &Report) -> Result<Catalog, CompileError> {
    if report.errors() > 0 {
        return Err(CompileError::Invalid(report.summary()));
    }
    let mut catalog = Catalog::default();
    for file in program.files() {
        if file.module.flows.is_empty() {
            continue;
        }
        let mut ignored = Vec::new();
        let scope = Scope::build(program, &file.path, &mut ignored);
        let scripts = Scripts::for_scope(program, &file.path, &scope)?;
        for flow in &file.module.flows {
            let compiled = compile_flow(flow, &scope, &scripts, &file.text)?;
            catalog.flows.insert(compiled.id.clone(), Arc::new(compiled));
        }
    }
    Ok(catalog)
}

fn lane(scope: &Scope<'_>, flow: &Flow, id: &str) -> Lane {
    let decl = flow.lanes.iter().find(|l| l.name.text == id).or_else(|| scope.lanes.get(id).map(|d| d.item));
    Lane {
        id: id.to_string(),
        label: decl.and_then(|d| d.label.clone()).unwrap_or_else(|| id.to_string()),
        back: decl.is_some_and(|d| d.kind == LaneKind::Back),
    }
}

fn literal_json(value: &ast::Value) -> serde_json::Value {
    match value {
        ast::Value::Text(t) | ast::Value::Symbol(t) => serde_json::Value::String(t.clone()),
        ast::Value::Integer(i) => serde_json::Value::from(*i),
        ast::Value::Decimal(d) => d.parse::<f64>().map_or(serde_json::Value::Null, serde_json::Value::from),
        ast::Value::Boolean(b) => serde_json::Value::Bool(*b),
    }
}

/// The JSON form of a literal written in a flow (defaults, table cells, scenario data).
pub fn literal_value(value: &ast::Value) -> serde_json::Value {
    literal_json(value)
}

fn compile_flow(flow: &Flow, scope: &Scope<'_>, scripts: &Scripts, source: &str) -> Result<CompiledFlow, CompileError> {
    let fields: Vec<FieldSpec> = flow
        .fields
        .iter()
        .map(|f| FieldSpec {
            id: f.name.text.clone(),
            label: f.label.clone().unwrap_or_else(|| f.name.text.clone()),
            ty: f.ty.clone(),
            required: f.required,
            default: f.default.as_ref().map(|d| literal_json(&d.value)),
            min: f.min.as_ref().and_then(|l| literal_json(&l.value).as_f64()),
            max: f.max.as_ref().and_then(|l| literal_json(&l.value).as_f64()),
            max_len: f.max_len,
            pattern: f.pattern.as_ref().and_then(|l| literal_json(&l.value).as_str().map(str::to_string)),
        })
        .collect();
    let field_types: BTreeMap<&str, &Type> = flow.fields.iter().map(|f| (f.name.text.as_str(), &f.ty)).collect();
    let condition = |expr: &ast::Expr| scripts.condition(expr, &field_types);
    let mut graph = DiGraph::new();
    let mut index = BTreeMap::new();
    let mut has_front = false;
    for step in &flow.steps {
        let (kind, next) = match &step.kind {
            StepKind::Task(t) => {
                let lane = lane(scope, flow, t.lane.as_ref().map_or("", |l| l.text.as_str()));
                has_front |= !lane.back;
                let vendor = t.vendor.unwrap_or(if lane.back { VendorScope::Any } else { VendorScope::Same });
                let skip = match &t.skip {
                    Some(s) => Some((condition(&s.when)?, s.outcome.as_ref().map(|o| o.text.clone()))),
                    None => None,
                };
                let names = |v: &[ast::Name]| v.iter().map(|n| n.text.clone()).collect::<Vec<_>>();
                let mut edit = names(&t.edit);
                edit.extend(names(&t.require));
                let spec = TaskSpec {
                    lane,
                    role: t.role.as_ref().map(|r| r.text.clone()).unwrap_or_default(),
                    vendor,
                    show: names(&t.show),
                    edit,
                    require: names(&t.require),
                    priority: t.priority.unwrap_or(ast::Priority::Normal),
                    sla: t.sla.map(|d| d.seconds),
                    remind_before: t.remind_before.map(|d| d.seconds),
                    escalate: t.escalate.as_ref().map(|(r, d)| (r.text.clone(), d.seconds)),
                    sendback: names(&t.sendback),
                    skip,
                    outcomes: t.outcomes.iter().map(|o| (o.name.text.clone(), o.next.text.clone())).collect(),
                    outcome_labels: t
                        .outcomes
                        .iter()
                        .map(|o| (o.name.text.clone(), o.label.clone().unwrap_or_else(|| o.name.text.clone())))
                        .collect(),
                };
                (NodeKind::Task(Box::new(spec)), t.next.as_ref().map(|n| n.text.clone()))
            }
            StepKind::Auto(a) => {
                let inputs = a
                    .inputs
                    .iter()
                    .map(|(n, e)| Ok((n.text.clone(), condition(e)?)))
                    .collect::<Result<Vec<_>, CompileError>>()?;
                let spec = AutoSpec {
                    action: a.action.as_ref().map(|n| n.text.clone()).unwrap_or_default(),
                    inputs,
                    outputs: a.outputs.iter().map(|(f, k)| (f.text.clone(), k.text.clone())).collect(),
                    retries: a.retry.map_or(0, |r| r.count),
                    backoff: a.retry.and_then(|r| r.backoff).map_or(30, |d| d.seconds),
                    timeout: a.timeout.map(|d| d.seconds),
                };
                (NodeKind::Auto(spec), a.next.as_ref().map(|n| n.text.clone()))
            }
            StepKind::Decide(d) => {
                let table = d
                    .table
                    .as_ref()
                    .and_then(|t| scope.tables.get(t.text.as_str()))
                    .map(|t| Arc::new(Table::new(t.item, &field_types)));
                let branches = d.branches.iter().map(|(c, n)| Ok((condition(c)?, n.text.clone()))).collect::<Result<
                    Vec<_>,
                    CompileError,
                >>(
                )?;
                let default = d.default.as_ref().map(|n| n.text.clone()).unwrap_or_default();
                (NodeKind::Decide { table, branches, default }, None)
            }
            StepKind::Parallel(branches) => {
                (NodeKind::Parallel(branches.iter().map(|b| b.text.clone()).collect()), None)
            }
            StepKind::Inclusive(split) => {
                let branches = split
                    .branches
                    .iter()
                    .map(|(c, n)| Ok((condition(c)?, n.text.clone())))
                    .collect::<Result<Vec<_>, CompileError>>()?;
                let default = split.default.as_ref().map(|n| n.text.clone()).unwrap_or_default();
                (NodeKind::Inclusive { branches, default, join: None }, None)
            }
            StepKind::Join(next) => (NodeKind::Join { expected: 0 }, Some(next.text.clone())),
            StepKind::Wait(arms) => {
                let arms = arms
                    .iter()
                    .map(|arm| match arm {
                        ast::WaitArm::Signal(s, n) => {
                            let declared = scope.signals.get(s.text.as_str());
                            let customer = declared.is_some_and(|d| d.item.customer_wait);
                            let keep = declared.and_then(|d| d.item.keep).map_or(DEFAULT_SIGNAL_KEEP, |k| k.seconds);
                            let correlate = declared.and_then(|d| d.item.correlate.as_ref()).map(|c| c.text.clone());
                            (WaitArmSpec::Signal { signal: s.text.clone(), customer, keep, correlate }, n.text.clone())
                        }
                        ast::WaitArm::After(d, n) => (WaitArmSpec::After(d.seconds), n.text.clone()),
                        ast::WaitArm::Until(f, n) => (WaitArmSpec::Until(f.text.clone()), n.text.clone()),
                    })
                    .collect();
                (NodeKind::Wait(arms), None)
            }
            StepKind::Call(c) => {
                let inputs = c
                    .inputs
                    .iter()
                    .map(|(n, e)| Ok((n.text.clone(), condition(e)?)))
                    .collect::<Result<Vec<_>, CompileError>>()?;
                let kind = NodeKind::Call {
                    flow: c.flow.as_ref().map(|f| f.text.clone()).unwrap_or_default(),
                    inputs,
                    outputs: c.outputs.iter().map(|(f, k)| (f.text.clone(), k.text.clone())).collect(),
                };
                (kind, c.next.as_ref().map(|n| n.text.clone()))
            }
            StepKind::End(outcome) => (NodeKind::End(outcome.text.clone()), None),
        };
        let node = Node {
            id: step.name.text.clone(),
            label: step.label.clone().unwrap_or_else(|| step.name.text.clone()),
            kind,
            next,
            customer_reminders: step
                .reminders
                .iter()
                .map(|r| CustomerReminderSpec {
                    address: r.address.text.clone(),
                    before: r.before.seconds,
                    date: r.date.text.clone(),
                })
                .collect(),
        };
        let i = graph.add_node(node);
        index.insert(step.name.text.clone(), i);
    }
    for step in &flow.steps {
        let from = index[&step.name.text];
        for next in step.successors() {
            if let Some(&to) = index.get(&next.text) {
                graph.add_edge(from, to, ());
            }
        }
    }
    // A join waits for as many arrivals as its parallel has branches (the checker guarantees one
    // split per join and that every branch reaches it exactly once); an inclusive split tells
    // its join, when it runs, how many of its branches it took.
    for step in &flow.steps {
        let split = index[&step.name.text];
        match &step.kind {
            StepKind::Parallel(branches) => {
                if let Some(join) = find_join(&graph, split)
                    && let NodeKind::Join { expected } = &mut graph[join].kind
                {
                    *expected = branches.len();
                }
            }
            StepKind::Inclusive(_) => {
                let closing = find_join(&graph, split).map(|j| graph[j].id.clone());
                if let NodeKind::Inclusive { join, .. } = &mut graph[split].kind {
                    *join = closing;
                }
            }
            _ => {}
        }
    }
    Ok(CompiledFlow {
        id: flow.name.text.clone(),
        label: flow.label.clone().unwrap_or_else(|| flow.name.text.clone()),
        is_subflow: flow.is_subflow,
        channel: flow.channel.as_ref().map(|c| c.text.clone()),
        calendar: flow.calendar.clone(),
        sla: flow.sla.map(|d| d.seconds),
        onestop_eligible: has_front && flow.onestop != Some(false),
        fields,
        graph,
        index,
        start: flow.start.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
        fingerprint: fingerprint(source, &flow.name.text),
    })
}

/// The join that closes the parallel at `split`: the first join met walking forward at the same
/// nesting depth (a nested parallel opens a level, its join closes it).
fn find_join(graph: &DiGraph<Node, ()>, split: NodeIndex) -> Option<NodeIndex> {
    let mut seen = std::collections::BTreeSet::new();
    let mut frontier = vec![(split, 0usize)];
    while let Some((n, depth)) = frontier.pop() {
        if !seen.insert((n, depth)) {
            continue;
        }
        for m in graph.neighbors(n) {
            match graph[m].kind {
                NodeKind::Join { .. } if depth == 0 => return Some(m),
                NodeKind::Join { .. } => frontier.push((m, depth - 1)),
                NodeKind::Parallel(_) | NodeKind::Inclusive { .. } => frontier.push((m, depth + 1)),
                _ => frontier.push((m, depth)),
            }
        }
    }
    None
}

/// FNV-1a over the file text and flow id: stable across runs and platforms.
fn fingerprint(source: &str, id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in source.bytes().chain(id.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
