//! The typed syntax tree of one `.flow` file.
//!
//! Every name carries its [`Span`] so that checks can point at it. The tree is what the analyst
//! wrote, not yet resolved: names are strings, and whether they refer to anything is the job of
//! `check`. Items that failed to parse are absent, but their names are kept in
//! [`Module::broken_names`] so that references to them do not produce a second, misleading error.

use crate::span::Span;
use serde::Serialize;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// The identifier text.
    pub text: String,
    /// Where it stands in the file.
    pub span: Span,
}

/// One parsed file: its imports and the definitions it contains.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Module {
    /// `import "path"` lines, in order.
    pub imports: Vec<Import>,
    /// `rules "file.rhai" { ... }` declarations.
    pub rules: Vec<RulesDecl>,
    /// Lanes declared at the top level of the file.
    pub lanes: Vec<LaneDecl>,
    /// Roles declared at the top level of the file.
    pub roles: Vec<RoleDecl>,
    /// Signals (messages from outside) the file declares.
    pub signals: Vec<SignalDecl>,
    /// Actions (automatic work done by the embedding application) the file declares.
    pub actions: Vec<ActionDecl>,
    /// Decision tables.
    pub tables: Vec<TableDecl>,
    /// Flows and subflows.
    pub flows: Vec<Flow>,
    /// Names of items that did not parse; references to them are not reported again.
    pub broken_names: Vec<String>,
    /// The comments of the file, in order, kept for the formatter.
    pub comments: Vec<Comment>,
}

/// A `# ...` comment.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// The comment's text including the leading `#`.
    pub text: String,
    /// Where it stands.
    pub span: Span,
}

/// `import "path"`: brings the definitions of another `.flow` file into scope.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    /// The path as written, relative to the importing file.
    pub path: String,
    /// The span of the string literal.
    pub span: Span,
}

/// `rules "file.rhai" { name -> type ... }`: the rules a Rhai file provides, with their result types.
#[derive(Debug, Clone, Serialize)]
pub struct RulesDecl {
    /// The `.rhai` path as written, relative to the declaring file.
    pub path: String,
    /// The span of the path literal.
    pub path_span: Span,
    /// The declared rules.
    pub rules: Vec<RuleSig>,
    /// Test cases of the rules, run by `junro test`.
    pub examples: Vec<RuleExample>,
}

/// `example rule(arg, …) => value`: calling the rule with these arguments must return the value.
#[derive(Debug, Clone, Serialize)]
pub struct RuleExample {
    /// The rule called.
    pub rule: Name,
    /// Its arguments, in order.
    pub args: Vec<Literal>,
    /// The value it must return.
    pub expected: Literal,
    /// The whole line.
    pub span: Span,
}

/// One rule of a [`RulesDecl`].
#[derive(Debug, Clone, Serialize)]
pub struct RuleSig {
    /// The rule (Rhai function) name.
    pub name: Name,
    /// The type of the value it returns.
    pub ty: Type,
}

/// Whether a lane is worked by the front operator or by the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LaneKind {
    /// The operator who took the order (often at an outsourcing vendor).
    Front,
    /// The back office; a human step here breaks one-stop.
    Back,
}

/// `lane id "label" front|back`.
#[derive(Debug, Clone, Serialize)]
pub struct LaneDecl {
    /// Lane id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
    /// Front or back.
    pub kind: LaneKind,
}

/// `role id "label"`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleDecl {
    /// Role id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
}

/// `signal id "label" [customer]`.
#[derive(Debug, Clone, Serialize)]
pub struct SignalDecl {
    /// Signal id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
    /// Waiting for this signal is waiting for the customer: the KPI clock stops.
    pub customer_wait: bool,
    /// `keep D`: how long one that arrives before the order waits for it is kept for it.
    pub keep: Option<Duration>,
    /// `correlate on F`: senders address it by the value of field `F` of the waiting order.
    pub correlate: Option<Name>,
}

/// `action id "label"`.
#[derive(Debug, Clone, Serialize)]
pub struct ActionDecl {
    /// Action id, as registered by the embedding application.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
}

/// How a decision table picks among matching rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitPolicy {
    /// The first matching row, in order.
    First,
    /// Exactly one row may match.
    Unique,
    /// The matching row with the highest-priority output.
    Priority,
    /// All matching rows.
    Collect,
}

/// A decision table.
#[derive(Debug, Clone, Serialize)]
pub struct TableDecl {
    /// Table id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
    /// Hit policy.
    pub hit: HitPolicy,
    /// Input fields (of the flow that uses the table).
    pub inputs: Vec<Name>,
    /// Output fields (written into the flow's data).
    pub outputs: Vec<Name>,
    /// Rows, in order.
    pub rows: Vec<TableRow>,
    /// Test cases, run by `junro test`.
    pub examples: Vec<TableExample>,
}

/// `example v1, v2 => out1, …`: for these input values the table must give these outputs (for a
/// `collect` table, one output value per matching row, in row order, written as a list of the
/// values of the first output column when there is one output).
#[derive(Debug, Clone, Serialize)]
pub struct TableExample {
    /// One value per input.
    pub inputs: Vec<Literal>,
    /// One value per output.
    pub outputs: Vec<Literal>,
    /// The whole line.
    pub span: Span,
}

/// One row of a decision table.
#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    /// One condition per input.
    pub cells: Vec<Cell>,
    /// One value per output.
    pub outputs: Vec<Literal>,
    /// The whole row.
    pub span: Span,
}

/// An input condition of a table row.
#[derive(Debug, Clone, Serialize)]
pub enum Cell {
    /// `-`: any value.
    Any(Span),
    /// `lo..hi`, inclusive at both ends.
    Range(Literal, Literal),
    /// `< 10`, `>= 3`, `!= "x"`.
    Compare(CompareOp, Literal),
    /// `a | b | c` (one value is the common case).
    OneOf(Vec<Literal>),
}

/// A comparison in a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `!=`
    Ne,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    /// The value.
    pub value: Value,
    /// Where it stands.
    pub span: Span,
}

/// A literal's value. Bare identifiers are enum variants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    /// `"text"`
    Text(String),
    /// `42`
    Integer(i64),
    /// `3.5` kept as written, so money never goes through a float.
    Decimal(String),
    /// `true` / `false`
    Boolean(bool),
    /// A bare identifier, such as an enum variant.
    Symbol(String),
}

/// A data type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Type {
    /// Free text.
    Text,
    /// Whole number.
    Integer,
    /// Decimal number.
    Decimal,
    /// An amount of yen (or other currency), exact.
    Money,
    /// true / false.
    Boolean,
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// One of the listed variants.
    Enum(Vec<String>),
    /// A list of values of one type.
    List(Box<Type>),
}

/// A flow or a subflow.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// `flow` (an order flow) or `subflow` (called from other flows).
    pub is_subflow: bool,
    /// Flow id.
    pub name: Name,
    /// Display label (title).
    pub label: Option<String>,
    /// `category "..."`.
    pub category: Option<String>,
    /// `owner "..."`.
    pub owner: Option<String>,
    /// `channel phone|web|paper|...`.
    pub channel: Option<Name>,
    /// `calendar "..."`: the business calendar for SLAs.
    pub calendar: Option<String>,
    /// `sla 5d`: target business lead time of the whole order.
    pub sla: Option<Duration>,
    /// `onestop off` opts the flow out of the one-stop KPI.
    pub onestop: Option<bool>,
    /// Data fields.
    pub fields: Vec<Field>,
    /// Lanes declared inside the flow.
    pub lanes: Vec<LaneDecl>,
    /// Roles declared inside the flow.
    pub roles: Vec<RoleDecl>,
    /// `start -> step`.
    pub start: Option<Name>,
    /// Steps in the order written.
    pub steps: Vec<Step>,
    /// Scenario tests.
    pub scenarios: Vec<Scenario>,
    /// The `flow ... {` head.
    pub span: Span,
    /// Whether some item of this flow failed to parse (graph checks are then skipped).
    pub has_syntax_errors: bool,
}

/// A data field of a flow.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Field id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
    /// Type.
    pub ty: Type,
    /// Where the type is written.
    pub ty_span: Span,
    /// `required` (default: optional).
    pub required: bool,
    /// `= value`.
    pub default: Option<Literal>,
    /// `min n`.
    pub min: Option<Literal>,
    /// `max n`.
    pub max: Option<Literal>,
    /// `maxlen n`.
    pub max_len: Option<u32>,
    /// `pattern "regex"`.
    pub pattern: Option<Literal>,
    /// The attributes that do not apply to the field's type, for the checker to report.
    pub attr_spans: Vec<(String, Span)>,
}

/// A duration such as `4h` or `1d12h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Duration {
    /// Length in seconds.
    pub seconds: u64,
    /// Where it stands.
    pub span: Span,
}

/// A step of a flow.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Step id.
    pub name: Name,
    /// Display label.
    pub label: Option<String>,
    /// What kind of step, with its settings.
    pub kind: StepKind,
    /// `remind customer …` lines of a task or wait.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<CustomerReminder>,
    /// The whole step.
    pub span: Span,
}

/// `remind customer email 1d before construction_date`: while the order is at the step, the
/// customer is mailed at the address the first field holds, the given time (calendar time, not
/// business time) before the moment the date field holds.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerReminder {
    /// The text field holding the customer's e-mail address.
    pub address: Name,
    /// How long before the date.
    pub before: Duration,
    /// The `date` or `datetime` field holding the moment (a date stands for its start).
    pub date: Name,
    /// The whole line.
    pub span: Span,
}

/// The kinds of steps.
// A flow has tens of steps, read once; boxing the task would only add noise to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize)]
pub enum StepKind {
    /// A human task.
    Task(Task),
    /// An automatic step run by a registered action.
    Auto(Auto),
    /// An exclusive choice.
    Decide(Decide),
    /// A parallel split.
    Parallel(Vec<Name>),
    /// An inclusive (OR) split: every branch whose condition holds, else the default (never a
    /// table). Its join waits for exactly the branches taken.
    Inclusive(Decide),
    /// A parallel join.
    Join(Name),
    /// A wait for the first of signals and timers.
    Wait(Vec<WaitArm>),
    /// A subflow call.
    Call(Call),
    /// An end with an outcome.
    End(Name),
}

/// A task's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Low.
    Low,
    /// Normal (the default).
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// Which vendor's staff may work a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorScope {
    /// Only staff of the vendor that took the order.
    Same,
    /// Staff of any vendor with the role.
    Any,
}

/// A human task.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Task {
    /// `lane x`.
    pub lane: Option<Name>,
    /// `role x`.
    pub role: Option<Name>,
    /// `vendor same|any`.
    pub vendor: Option<VendorScope>,
    /// Fields shown read-only.
    pub show: Vec<Name>,
    /// Fields the task may edit.
    pub edit: Vec<Name>,
    /// Fields the task must fill in.
    pub require: Vec<Name>,
    /// `priority x`.
    pub priority: Option<Priority>,
    /// `sla 4h`: due time in business time after the task becomes ready.
    pub sla: Option<Duration>,
    /// `remind 1h before`.
    pub remind_before: Option<Duration>,
    /// `escalate to role after 2h`.
    pub escalate: Option<(Name, Duration)>,
    /// `sendback a, b`: the earlier tasks this task may send the order back to.
    pub sendback: Vec<Name>,
    /// `skip when expr [as outcome]`: auto-complete when the condition holds.
    pub skip: Option<Skip>,
    /// `outcome id "label" -> step`.
    pub outcomes: Vec<Outcome>,
    /// `-> step` for a task without outcomes.
    pub next: Option<Name>,
    /// Settings given twice, for the checker to report.
    pub repeated: Vec<(String, Span)>,
}

/// `skip when expr [as outcome]`.
#[derive(Debug, Clone, Serialize)]
pub struct Skip {
    /// The condition.
    pub when: Expr,
    /// The outcome to record, for a task with outcomes.
    pub outcome: Option<Name>,
}

/// A task outcome that routes the order.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Outcome id.
    pub name: Name,
    /// Display label (the button text).
    pub label: Option<String>,
    /// Where the order goes.
    pub next: Name,
}

/// An automatic step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Auto {
    /// `action x`.
    pub action: Option<Name>,
    /// `in param = expr, ...`.
    pub inputs: Vec<(Name, Expr)>,
    /// `out field = result_key, ...`.
    pub outputs: Vec<(Name, Name)>,
    /// `retry n [backoff d]`.
    pub retry: Option<Retry>,
    /// `timeout d`.
    pub timeout: Option<Duration>,
    /// `-> step`.
    pub next: Option<Name>,
    /// Settings given twice, for the checker to report.
    pub repeated: Vec<(String, Span)>,
}

/// A retry policy: `retry 3 backoff 30s` (the delay doubles each time).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Retry {
    /// Retries after the first attempt.
    pub count: u32,
    /// First delay.
    pub backoff: Option<Duration>,
}

/// An exclusive decision.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Decide {
    /// `table x`: evaluate a decision table first, writing its outputs into the data.
    pub table: Option<Name>,
    /// `when expr -> step`, in order.
    pub branches: Vec<(Expr, Name)>,
    /// `else -> step`.
    pub default: Option<Name>,
}

/// An arm of a wait.
#[derive(Debug, Clone, Serialize)]
pub enum WaitArm {
    /// `on signal -> step`.
    Signal(Name, Name),
    /// `after 3d -> step`.
    After(Duration, Name),
    /// `until date_field -> step`.
    Until(Name, Name),
}

impl WaitArm {
    /// The step the arm leads to.
    pub fn next(&self) -> &Name {
        match self {
            WaitArm::Signal(_, n) | WaitArm::After(_, n) | WaitArm::Until(_, n) => n,
        }
    }
}

/// A subflow call.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Call {
    /// `flow x`.
    pub flow: Option<Name>,
    /// `in child_field = expr`.
    pub inputs: Vec<(Name, Expr)>,
    /// `out field = child_field`.
    pub outputs: Vec<(Name, Name)>,
    /// `-> step`.
    pub next: Option<Name>,
}

/// A scenario test written next to a flow.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// The scenario's title.
    pub title: String,
    /// Where the scenario starts.
    pub span: Span,
    /// Its statements, in order.
    pub statements: Vec<ScenarioStmt>,
}

/// `name = literal` in a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Assign {
    /// Field (or action result key).
    pub name: Name,
    /// Value.
    pub value: Literal,
}

/// One statement of a scenario.
#[derive(Debug, Clone, Serialize)]
pub enum ScenarioStmt {
    /// `given f = v, ...`: the order's starting data.
    Given(Vec<Assign>),
    /// `action x returns k = v, ...` or `action x fails`.
    StubAction {
        /// The action.
        action: Name,
        /// `None` when the action fails.
        returns: Option<Vec<Assign>>,
    },
    /// `complete task [as outcome] [with f = v, ...]`.
    Complete {
        /// The task.
        task: Name,
        /// The outcome chosen.
        outcome: Option<Name>,
        /// Data entered.
        with: Vec<Assign>,
    },
    /// `sendback task to earlier_task`.
    SendBack {
        /// The task that sends back.
        task: Name,
        /// Where to.
        to: Name,
    },
    /// `signal x`.
    Signal(Name),
    /// `wait 3d`: advance the virtual clock.
    Advance(Duration),
    /// `hold ["reason"]`: an administrator puts the order on hold.
    Hold {
        /// Why.
        reason: Option<String>,
        /// The statement.
        span: Span,
    },
    /// `resume`: the order is taken off hold.
    Resume(Span),
    /// `expect outcome [via a, b, ...]`.
    ExpectEnd {
        /// The expected outcome.
        outcome: Name,
        /// The steps expected to have run, in order.
        via: Vec<Name>,
    },
    /// `expect [not] onestop`.
    ExpectOneStop {
        /// Whether the order should be one-stop.
        onestop: bool,
        /// Where it is written.
        span: Span,
    },
    /// `expect at step`: the order waits at this step.
    ExpectAt(Name),
}

/// An expression (a subset of Rhai).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it stands.
    pub span: Span,
}

/// Kinds of expressions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// A literal.
    Literal(Value),
    /// A data field.
    Field(String),
    /// `f(args)`: a builtin or a rule.
    Call(Name, Vec<Expr>),
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `!x`, `-x`.
    Unary(UnaryOp, Box<Expr>),
    /// `a op b`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
}

impl Step {
    /// Every step this step can lead to, with the span where the target is named.
    pub fn successors(&self) -> Vec<&Name> {
        match &self.kind {
            StepKind::Task(t) => t.outcomes.iter().map(|o| &o.next).chain(t.next.iter()).collect(),
            StepKind::Auto(a) => a.next.iter().collect(),
            StepKind::Decide(d) | StepKind::Inclusive(d) => {
                d.branches.iter().map(|(_, n)| n).chain(d.default.iter()).collect()
            }
            StepKind::Parallel(targets) => targets.iter().collect(),
            StepKind::Join(next) => vec![next],
            StepKind::Wait(arms) => arms.iter().map(WaitArm::next).collect(),
            StepKind::Call(c) => c.next.iter().collect(),
            StepKind::End(_) => Vec::new(),
        }
    }

    /// The keyword that introduces this kind of step.
    pub fn keyword(&self) -> &'static str {
        match self.kind {
            StepKind::Task(_) => "task",
            StepKind::Auto(_) => "auto",
            StepKind::Decide(_) => "decide",
            StepKind::Parallel(_) => "parallel",
            StepKind::Inclusive(_) => "inclusive",
            StepKind::Join(_) => "join",
            StepKind::Wait(_) => "wait",
            StepKind::Call(_) => "call",
            StepKind::End(_) => "end",
        }
    }
}
