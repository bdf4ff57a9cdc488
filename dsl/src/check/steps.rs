//! Checks of each step's settings: required settings present and given once, every name defined,
//! mappings between fields of matching types, and decision tables used with fitting fields.

use super::expr::Ty;
use super::flow::FlowCtx;
use crate::ast::{Cell, Expr, Name, Step, StepKind, TableDecl, Task, Type};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// The outcomes an `end` may have.
pub(crate) const OUTCOMES: &[&str] = &["completed", "cancelled", "rejected", "withdrawn", "failed"];

/// A table's rows have one cell per input and one value per output.
pub(crate) fn table_shape(table: &TableDecl, out: &mut Vec<Diagnostic>) {
    for row in &table.rows {
        if row.cells.len() != table.inputs.len() || row.outputs.len() != table.outputs.len() {
            out.push(
                Diagnostic::error(
                    "E0407",
                    row.span,
                    format!(
                        "this row has {} condition{} and {} output{}, but table `{}` has {} input{} and {} output{}",
                        row.cells.len(),
                        plural(row.cells.len()),
                        row.outputs.len(),
                        plural(row.outputs.len()),
                        table.name.text,
                        table.inputs.len(),
                        plural(table.inputs.len()),
                        table.outputs.len(),
                        plural(table.outputs.len())
                    ),
                )
                .with_help("write `-` for an input that does not matter in this row"),
            );
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl FlowCtx<'_, '_> {
    pub(crate) fn step(&mut self, step: &Step) {
        for next in step.successors() {
            self.step_ref(next);
        }
        for reminder in &step.reminders {
            self.customer_reminder(reminder);
        }
        match &step.kind {
            StepKind::Task(task) => self.task(step, task),
            StepKind::Auto(auto) => {
                self.repeated(&auto.repeated);
                match &auto.action {
                    Some(action) => {
                        let known = self.scope.actions.keys().copied().collect();
                        self.defined("E0206", "action", action, known);
                    }
                    None => self.missing(step, "`action`", "action provision_line"),
                }
                for (_, value) in &auto.inputs {
                    self.infer(value);
                }
                for (field, _) in &auto.outputs {
                    self.field_ref(field);
                }
                if auto.next.is_none() {
                    self.no_next(step);
                }
            }
            StepKind::Decide(decide) => {
                if let Some(table) = &decide.table {
                    self.use_table(table);
                }
                for (condition, _) in &decide.branches {
                    self.condition(condition);
                }
                if decide.default.is_none() {
                    self.out.push(
                        Diagnostic::error(
                            "E0304",
                            step.name.span,
                            format!("decision `{}` has no `else` branch", step.name.text),
                        )
                        .with_label("when no condition holds, the order would stop here")
                        .with_help("add `else -> step` for the remaining cases"),
                    );
                }
            }
            StepKind::Inclusive(split) => {
                for (condition, _) in &split.branches {
                    self.condition(condition);
                }
                if split.branches.is_empty() {
                    self.out.push(
                        Diagnostic::error(
                            "E0311",
                            step.name.span,
                            format!("inclusive `{}` has no `when` branch", step.name.text),
                        )
                        .with_help(
                            "list each branch as `when condition -> step`; every branch whose condition holds runs",
                        ),
                    );
                }
                if split.default.is_none() {
                    self.out.push(
                        Diagnostic::error(
                            "E0304",
                            step.name.span,
                            format!("inclusive `{}` has no `else` branch", step.name.text),
                        )
                        .with_label("when no condition holds, the order would stop here")
                        .with_help("add `else -> step` for the case where no branch applies"),
                    );
                }
            }
            StepKind::Parallel(branches) => {
                if branches.len() < 2 {
                    self.out.push(
                        Diagnostic::error(
                            "E0311",
                            step.name.span,
                            format!("parallel `{}` needs at least two branches", step.name.text),
                        )
                        .with_help("list each branch as `-> step`"),
                    );
                }
            }
            StepKind::Join(_) | StepKind::End(_) => {
                if let StepKind::End(outcome) = &step.kind {
                    self.outcome_name(outcome);
                }
            }
            StepKind::Wait(arms) => {
                for arm in arms {
                    match arm {
                        crate::ast::WaitArm::Signal(signal, _) => {
                            let known = self.scope.signals.keys().copied().collect();
                            self.defined("E0210", "signal", signal, known);
                            let correlate =
                                self.scope.signals.get(signal.text.as_str()).and_then(|d| d.item.correlate.as_ref());
                            if let Some(field) = correlate
                                && !self.fields.contains_key(field.text.as_str())
                            {
                                self.out.push(Diagnostic::error(
                                    "E0411",
                                    signal.span,
                                    format!(
                                        "signal `{}` is addressed by field `{}` (`correlate on`), which this flow does not have",
                                        signal.text, field.text
                                    ),
                                )
                                .with_help(format!("add a field `{}` to the flow's data, set before the wait", field.text)));
                            }
                        }
                        crate::ast::WaitArm::Until(field, _) => {
                            if let Some(ty) = self.field_ref(field)
                                && !matches!(ty, Type::Date | Type::DateTime)
                            {
                                let described = Ty::of(ty).describe();
                                self.out.push(Diagnostic::error(
                                    "E0401",
                                    field.span,
                                    format!("`until` needs a date field, but `{}` is {described}", field.text),
                                ));
                            }
                        }
                        crate::ast::WaitArm::After(..) => {}
                    }
                }
            }
            StepKind::Call(call) => self.call_step(step, call),
        }
    }

    /// Checks an end outcome or an expected outcome.
    pub(crate) fn outcome_name(&mut self, outcome: &Name) {
        if !OUTCOMES.contains(&outcome.text.as_str()) {
            let near = crate::suggest::closest(&outcome.text, OUTCOMES.iter().copied());
            self.out.push(
                Diagnostic::error("E0408", outcome.span, format!("`{}` is not an outcome", outcome.text)).with_help(
                    near.map_or_else(
                        || format!("outcomes are {}", OUTCOMES.join(", ")),
                        |n| format!("did you mean `{n}`?"),
                    ),
                ),
            );
        }
    }

    fn repeated(&mut self, repeated: &[(String, Span)]) {
        for (what, span) in repeated {
            self.out.push(
                Diagnostic::error("E0312", *span, format!("`{what}` is given twice in this step"))
                    .with_help("keep one; a step's settings are not added up"),
            );
        }
    }

    fn missing(&mut self, step: &Step, what: &str, example: &str) {
        self.out.push(
            Diagnostic::error(
                "E0311",
                step.name.span,
                format!("{} `{}` has no {what}", step.keyword(), step.name.text),
            )
            .with_help(format!("add `{example}`")),
        );
    }

    fn no_next(&mut self, step: &Step) {
        self.out.push(
            Diagnostic::error(
                "E0310",
                step.name.span,
                format!("{} `{}` does not say where the order goes next", step.keyword(), step.name.text),
            )
            .with_help("add `-> next_step`"),
        );
    }

    /// `remind customer <address> <d> before <date>`: a text field holding the address, a date
    /// or date-time field holding the moment.
    fn customer_reminder(&mut self, reminder: &crate::ast::CustomerReminder) {
        if let Some(ty) = self.field_ref(&reminder.address)
            && !matches!(ty, Type::Text)
        {
            let described = Ty::of(ty).describe();
            self.out.push(
                Diagnostic::error(
                    "E0401",
                    reminder.address.span,
                    format!(
                        "`remind customer` needs a text field holding the customer's e-mail address, but `{}` is {described}",
                        reminder.address.text
                    ),
                )
                .with_help("name the field that holds the address, e.g. `remind customer email 1d before visit_date`"),
            );
        }
        if let Some(ty) = self.field_ref(&reminder.date)
            && !matches!(ty, Type::Date | Type::DateTime)
        {
            let described = Ty::of(ty).describe();
            self.out.push(Diagnostic::error(
                "E0401",
                reminder.date.span,
                format!("`remind customer … before` needs a date field, but `{}` is {described}", reminder.date.text),
            ));
        }
    }

    fn task(&mut self, step: &Step, task: &Task) {
        self.repeated(&task.repeated);
        match &task.lane {
            Some(lane) => {
                let known = self.lanes.keys().copied().collect();
                self.defined("E0204", "lane", lane, known);
            }
            None => self.missing(step, "`lane`", "lane back"),
        }
        match &task.role {
            Some(role) => {
                let known = self.roles.keys().copied().collect();
                self.defined("E0205", "role", role, known);
            }
            None => self.missing(step, "`role`", "role operator"),
        }
        if let Some((role, _)) = &task.escalate {
            let known = self.roles.keys().copied().collect();
            self.defined("E0205", "role", role, known);
        }
        for field in task.show.iter().chain(&task.edit).chain(&task.require) {
            self.field_ref(field);
        }
        let mut outcomes: Vec<&str> = Vec::new();
        for outcome in &task.outcomes {
            if outcomes.contains(&outcome.name.text.as_str()) {
                self.out.push(
                    Diagnostic::error(
                        "E0202",
                        outcome.name.span,
                        format!("outcome `{}` is defined twice in task `{}`", outcome.name.text, step.name.text),
                    )
                    .with_help("remove one of them, or rename it"),
                );
            }
            outcomes.push(&outcome.name.text);
        }
        match (&task.next, task.outcomes.is_empty()) {
            (None, true) => self.no_next(step),
            (Some(next), false) => self.out.push(
                Diagnostic::error(
                    "E0409",
                    next.span,
                    format!("task `{}` has outcomes, so it cannot also have `-> step`", step.name.text),
                )
                .with_help("each outcome says where it goes; remove this line or make it an outcome"),
            ),
            _ => {}
        }
        if let Some(skip) = &task.skip {
            self.condition(&skip.when);
            match (&skip.outcome, task.outcomes.is_empty()) {
                (Some(outcome), _) if !outcomes.contains(&outcome.text.as_str()) => {
                    self.unknown_outcome(&step.name.text, outcome, &outcomes)
                }
                (None, false) => self.out.push(
                    Diagnostic::error(
                        "E0409",
                        skip.when.span,
                        format!("task `{}` has outcomes: say which one a skip records", step.name.text),
                    )
                    .with_help(format!("write `skip when … as {}`", outcomes.first().copied().unwrap_or("approve"))),
                ),
                _ => {}
            }
        }
        for target in &task.sendback {
            self.step_ref(target);
            if let Some(other) = self.steps.get(target.text.as_str())
                && !matches!(other.kind, StepKind::Task(_))
            {
                self.out.push(Diagnostic::error(
                    "E0309",
                    target.span,
                    format!(
                        "`{}` is a {} step; an order can only be sent back to a task",
                        target.text,
                        other.keyword()
                    ),
                ));
            }
        }
    }

    pub(crate) fn unknown_outcome(&mut self, task: &str, outcome: &Name, outcomes: &[&str]) {
        let near = crate::suggest::closest(&outcome.text, outcomes.iter().copied());
        let help = match near {
            Some(n) => format!("did you mean `{n}`?"),
            None if outcomes.is_empty() => {
                format!("task `{task}` has no outcomes; leave out `as …`")
            }
            None => format!("its outcomes are {}", outcomes.join(", ")),
        };
        self.out.push(
            Diagnostic::error("E0211", outcome.span, format!("task `{task}` has no outcome `{}`", outcome.text))
                .with_help(help),
        );
    }

    fn use_table(&mut self, name: &Name) {
        let known = self.scope.tables.keys().copied().collect();
        if !self.defined("E0208", "table", name, known) {
            return;
        }
        let Some(def) = self.scope.tables.get(name.text.as_str()) else {
            return;
        };
        let table = def.item;
        let mut input_types = Vec::new();
        for input in table.inputs.iter().chain(&table.outputs) {
            self.use_field(&input.text);
            let ty = self.fields.get(input.text.as_str()).map(|f| f.ty.clone());
            if ty.is_none() && !self.scope.broken.contains(input.text.as_str()) {
                self.out.push(
                    Diagnostic::error(
                        "E0203",
                        name.span,
                        format!(
                            "table `{}` reads or writes field `{}`, which flow `{}` does not have",
                            table.name.text, input.text, self.flow.name.text
                        ),
                    )
                    .with_help(format!("add `{} \"label\" …` to the data block", input.text)),
                );
            }
            input_types.push(ty);
        }
        let (inputs, outputs) = input_types.split_at(table.inputs.len().min(input_types.len()));
        for row in &table.rows {
            for (cell, ty) in row.cells.iter().zip(inputs) {
                let Some(ty) = ty else { continue };
                let literals: Vec<&crate::ast::Literal> = match cell {
                    Cell::Any(_) => Vec::new(),
                    Cell::Range(lo, hi) => vec![lo, hi],
                    Cell::Compare(_, v) => vec![v],
                    Cell::OneOf(vs) => vs.iter().collect(),
                };
                for literal in literals {
                    if let Some(problem) = super::expr::literal_problem(ty, &literal.value) {
                        self.table_value_error(name, table, literal.span, problem);
                    }
                }
            }
            for (value, ty) in row.outputs.iter().zip(outputs) {
                let Some(ty) = ty else { continue };
                // A `collect` table gathers one value per matching row into a list field.
                let ty = match (table.hit, ty) {
                    (crate::ast::HitPolicy::Collect, Type::List(element)) => element.as_ref(),
                    _ => ty,
                };
                if let Some(problem) = super::expr::literal_problem(ty, &value.value) {
                    self.table_value_error(name, table, value.span, problem);
                }
            }
        }
        // Overlapping rows and uncovered inputs are reported at the table's rows, in its own
        // file (`table_cover::of_table`).
    }

    fn table_value_error(&mut self, used_at: &Name, table: &TableDecl, _cell: Span, problem: String) {
        // The cell lives in another file when the table is imported; point at the use.
        self.out.push(Diagnostic::error(
            "E0404",
            used_at.span,
            format!("a value in table `{}` does not fit flow `{}`: it {problem}", table.name.text, self.flow.name.text),
        ));
    }

    fn call_step(&mut self, step: &Step, call: &crate::ast::Call) {
        if call.next.is_none() {
            self.no_next(step);
        }
        let Some(flow_name) = &call.flow else {
            self.missing(step, "`flow`", "flow credit_check");
            return;
        };
        let known = self.scope.flows.keys().copied().filter(|f| *f != self.flow.name.text).collect();
        if !self.defined("E0209", "subflow", flow_name, known) {
            for (_, value) in &call.inputs {
                self.infer(value);
            }
            for (field, _) in &call.outputs {
                self.field_ref(field);
            }
            return;
        }
        let Some(child) = self.scope.flows.get(flow_name.text.as_str()).map(|d| d.item) else {
            return;
        };
        for (child_field, value) in &call.inputs {
            let ty = self.infer(value);
            self.child_field(child, child_field, &ty, value);
        }
        // A required field of the subflow without a default must be given: the subflow would
        // start without it and fail.
        for field in child.fields.iter().filter(|f| f.required && f.default.is_none()) {
            if !call.inputs.iter().any(|(name, _)| name.text == field.name.text) {
                self.out.push(
                    Diagnostic::error(
                        "E0412",
                        step.name.span,
                        format!(
                            "`{}` calls `{}` without its required field `{}`",
                            step.name.text, child.name.text, field.name.text
                        ),
                    )
                    .with_label(format!("no `in {} = …`", field.name.text))
                    .with_help(format!("add `in {} = …` (a field or value of this flow) to the call", field.name.text)),
                );
            }
        }
        for (field, child_field) in &call.outputs {
            let parent = self.field_ref(field).map(Ty::of);
            let child_ty = child.fields.iter().find(|f| f.name.text == child_field.text).map(|f| Ty::of(&f.ty));
            match (parent, child_ty) {
                (_, None) => self.no_child_field(child, child_field),
                (Some(p), Some(c)) if !p.compatible(&c) => self.out.push(Diagnostic::error(
                    "E0401",
                    child_field.span,
                    format!(
                        "`{}` of `{}` is {}, but `{}` is {}",
                        child_field.text,
                        child.name.text,
                        c.describe(),
                        field.text,
                        p.describe()
                    ),
                )),
                _ => {}
            }
        }
    }

    fn child_field(&mut self, child: &crate::ast::Flow, name: &Name, ty: &Ty, value: &Expr) {
        match child.fields.iter().find(|f| f.name.text == name.text) {
            None => self.no_child_field(child, name),
            Some(f) => {
                let expected = Ty::of(&f.ty);
                if !expected.compatible(ty) {
                    self.out.push(Diagnostic::error(
                        "E0401",
                        value.span,
                        format!(
                            "`{}` of `{}` is {}, but this is {}",
                            name.text,
                            child.name.text,
                            expected.describe(),
                            ty.describe()
                        ),
                    ));
                }
            }
        }
    }

    fn no_child_field(&mut self, child: &crate::ast::Flow, name: &Name) {
        let near = crate::suggest::closest(&name.text, child.fields.iter().map(|f| f.name.text.as_str()));
        self.out.push(
            Diagnostic::error(
                "E0203",
                name.span,
                format!("subflow `{}` has no field `{}`", child.name.text, name.text),
            )
            .with_help_opt(near.map(|n| format!("did you mean `{n}`?"))),
        );
    }
}
