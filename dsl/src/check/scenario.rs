//! Checks of scenario tests: every task, outcome, field, action, signal and step they name exists,
//! and the data they give fits the fields. Running them is the engine's job.

use super::flow::FlowCtx;
use crate::ast::{Assign, Name, Scenario, ScenarioStmt, StepKind};
use crate::diagnostic::Diagnostic;

impl FlowCtx<'_, '_> {
    pub(crate) fn scenario(&mut self, scenario: &Scenario) {
        for stmt in &scenario.statements {
            match stmt {
                ScenarioStmt::Given(assigns) => self.data(assigns),
                ScenarioStmt::StubAction { action, .. } => {
                    let known = self.scope.actions.keys().copied().collect();
                    self.defined("E0206", "action", action, known);
                }
                ScenarioStmt::Complete { task, outcome, with } => {
                    if let Some(outcomes) = self.task_outcomes(task)
                        && let Some(outcome) = outcome
                        && !outcomes.contains(&outcome.text)
                    {
                        let list: Vec<&str> = outcomes.iter().map(String::as_str).collect();
                        self.unknown_outcome(&task.text, outcome, &list);
                    }
                    self.data(with);
                }
                ScenarioStmt::SendBack { task, to } => {
                    self.task_outcomes(task);
                    self.task_outcomes(to);
                }
                ScenarioStmt::Signal(signal) => {
                    let known = self.scope.signals.keys().copied().collect();
                    self.defined("E0210", "signal", signal, known);
                }
                ScenarioStmt::Advance(_)
                | ScenarioStmt::Hold { .. }
                | ScenarioStmt::Resume(_)
                | ScenarioStmt::ExpectOneStop { .. } => {}
                ScenarioStmt::ExpectEnd { outcome, via } => {
                    self.outcome_name(outcome);
                    for step in via {
                        self.step_ref(step);
                    }
                }
                ScenarioStmt::ExpectAt(step) => self.step_ref(step),
            }
        }
    }

    /// The outcomes of the task named `name`, or `None` (reported) when it is not a task.
    fn task_outcomes(&mut self, name: &Name) -> Option<Vec<String>> {
        self.step_ref(name);
        let step = self.steps.get(name.text.as_str())?;
        match &step.kind {
            StepKind::Task(task) => Some(task.outcomes.iter().map(|o| o.name.text.clone()).collect()),
            _ => {
                let keyword = step.keyword();
                self.out.push(Diagnostic::error(
                    "E0201",
                    name.span,
                    format!("`{}` is a {keyword} step, not a task; only tasks are completed in a scenario", name.text),
                ));
                None
            }
        }
    }

    /// Data given by a scenario: the fields must exist and the values fit. Giving a value in a
    /// test does not count as the flow using the field (W0501 still applies).
    fn data(&mut self, assigns: &[Assign]) {
        for assign in assigns {
            let already_used = self.used_fields.contains(&assign.name.text);
            if let Some(ty) = self.field_ref(&assign.name).cloned() {
                self.literal_fits(&ty, &assign.value, &format!("`{}`", assign.name.text));
            }
            if !already_used {
                self.used_fields.remove(&assign.name.text);
            }
        }
    }
}
