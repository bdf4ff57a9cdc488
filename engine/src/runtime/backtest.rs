//! What-if for rules and tables: re-evaluates a changed rule or table over the decisions recorded
//! in a database and estimates how the one-stop rate per flow and per vendor would move.
//!
//! Each deployed program that holds the changed file is compiled again with the new text. For
//! every recorded decision (and every back-office task with a `skip when` rule) that uses the rule
//! or table, the order's data at that moment is rebuilt from its history, and the decision is
//! evaluated with the deployed version and with the new one, at the time it was taken. The
//! one-stop estimate assumes the rest of the order goes as it did: a changed decision that now
//! leads into a back-office task makes a one-stop order not one-stop; one that now avoids the
//! back-office task the order went through (or a task now skipped by its rule) makes it one-stop
//! when that was the only back-office work in it.

use super::{Engine, EngineError};
use crate::compile::{CompiledFlow, NodeKind, compile};
use crate::kpi::OrderFacts;
use crate::machine::decide;
use crate::machine::{Event, Status};
use crate::replay::Projection;
use crate::store::{HistoryEntry, OrderFilter};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// The new version of a rule or table.
#[derive(Debug, Clone)]
pub struct RuleChange {
    /// The rule (Rhai function) or table id.
    pub name: String,
    /// The file it lives in, as named in the flows (`onestop.rhai`, `tables.flow`); matched by
    /// file name against the deployed programs' files.
    pub file: String,
    /// The file's new text.
    pub text: String,
}

/// Which orders to look at.
#[derive(Debug, Clone, Default)]
pub struct BacktestScope {
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only orders received from this moment.
    pub since: Option<Timestamp>,
}

/// One decision that comes out differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedDecision {
    /// The order number (or id).
    pub order: String,
    /// The flow of the order (or subflow) that decided.
    pub flow: String,
    /// The step.
    pub step: String,
    /// What was decided, and what would be now.
    pub before: String,
    /// What the new version decides.
    pub after: String,
}

/// One-stop figures of a group of orders, before and after the change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OneStopMove {
    /// Completed orders of flows eligible for one-stop (the denominator).
    pub completed: usize,
    /// One-stop among them as recorded.
    pub before: usize,
    /// One-stop among them with the new version (estimated).
    pub after: usize,
}

/// What a backtest found.
#[derive(Debug, Clone, Default)]
pub struct BacktestReport {
    /// Orders looked at.
    pub orders: usize,
    /// Decisions that use the rule or table, re-evaluated.
    pub decisions: usize,
    /// Of those, decisions the new version takes differently.
    pub changed: usize,
    /// Decisions whose recorded result the deployed version did not reproduce from the rebuilt
    /// data (left out of the counts).
    pub unreproduced: usize,
    /// Up to 20 changed decisions, as examples.
    pub examples: Vec<ChangedDecision>,
    /// One-stop figures by root flow.
    pub by_flow: BTreeMap<String, OneStopMove>,
    /// One-stop figures by vendor (as `../shared/kpi.md` attributes orders).
    pub by_vendor: BTreeMap<String, OneStopMove>,
}

/// Whether a condition's text calls `name`.
fn calls(source: &str, name: &str) -> bool {
    source.match_indices(name).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + name.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after == Some('(')
    })
}

/// Whether the decision or task at `step` uses the rule or table `name`.
fn uses(flow: &CompiledFlow, step: &str, name: &str) -> bool {
    match flow.node(step).map(|n| &n.kind) {
        Some(NodeKind::Decide { table, branches, .. }) => {
            table.as_ref().is_some_and(|t| t.id == name) || branches.iter().any(|(c, _)| calls(c.source(), name))
        }
        Some(NodeKind::Task(task)) => task.skip.as_ref().is_some_and(|(c, _)| calls(c.source(), name)),
        _ => false,
    }
}

/// The outcome of a decision or skip rule at `step`, on `data`, at `at`: a text to compare.
fn outcome(
    flow: &CompiledFlow,
    step: &str,
    data: &crate::script::Data,
    at: Timestamp,
    zone: &jiff::tz::TimeZone,
) -> Result<String, String> {
    match flow.node(step).map(|n| &n.kind) {
        Some(NodeKind::Decide { table, branches, default }) => {
            let decision = decide(table.as_deref(), branches, default, &mut data.clone(), at, zone)?;
            let outputs = decision.table.map(|t| format!(" (table sets {})", Data(&t.outputs))).unwrap_or_default();
            Ok(format!("-> {}{outputs}", decision.next))
        }
        Some(NodeKind::Task(task)) => match &task.skip {
            Some((rule, _)) => Ok(if rule.test(data, at, zone).map_err(|e| e.to_string())? {
                "skipped by its rule".into()
            } else {
                "worked by a person".into()
            }),
            None => Err(format!("step `{step}` has no skip rule")),
        },
        _ => Err(format!("step `{step}` is not a decision")),
    }
}

/// `a = 1, b = "x"` for messages.
struct Data<'a>(&'a crate::script::Data);

impl std::fmt::Display for Data<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        f.write_str(&parts.join(", "))
    }
}

/// Whether a step of `flow` is a task in a back lane (a person's back-office work).
fn back_task(flow: &CompiledFlow, step: &str) -> bool {
    matches!(flow.node(step).map(|n| &n.kind), Some(NodeKind::Task(t)) if t.lane.back)
}

/// Where a changed decision sends an order: (step it used to enter, step it enters now).
struct Route {
    flow: Arc<CompiledFlow>,
    before: Option<String>,
    after: Option<String>,
}

impl Engine {
    /// Re-evaluates a changed rule or table over the decisions recorded for the orders in `scope`.
    pub async fn backtest(&self, change: &RuleChange, scope: &BacktestScope) -> Result<BacktestReport, EngineError> {
        let new_flows = self.recompile_with(change).await?;
        if !new_flows.values().any(|f| f.graph.node_weights().any(|n| uses(f, &n.id, &change.name))) {
            return Err(EngineError::Backtest(format!(
                "no deployed decision or skip rule uses a rule or table named `{}`",
                change.name
            )));
        }
        let filter = OrderFilter { flow: scope.flow.clone(), limit: Some(u32::MAX), ..OrderFilter::default() };
        let mut report = BacktestReport::default();
        for row in self.store.orders(&filter).await? {
            if scope.since.is_some_and(|since| row.received_at < since) {
                continue;
            }
            report.orders += 1;
            let root = self.order(&row.id).await?;
            let mut views = vec![root];
            let mut i = 0;
            while i < views.len() {
                let parent = views[i].state.id.clone();
                let children = OrderFilter { parent: Some(parent), limit: Some(u32::MAX), ..OrderFilter::default() };
                for child in self.store.orders(&children).await? {
                    views.push(self.order(&child.id).await?);
                }
                i += 1;
            }
            let mut routes = Vec::new();
            for view in &views {
                let Some(old) = self.flow(&view.state.flow, view.state.version) else { continue };
                let Some(new) = new_flows.get(&(view.state.flow.clone(), view.state.version)) else { continue };
                let label = row.business_key.clone().unwrap_or_else(|| row.id.clone());
                self.replay_decisions(&label, &old, new, &view.history, &change.name, &mut report, &mut routes);
            }
            let histories: Vec<&[HistoryEntry]> = views.iter().map(|v| v.history.as_slice()).collect();
            let facts = OrderFacts::of(&histories);
            let Some(root_flow) = self.flow(&row.flow, row.version) else { continue };
            let completed = matches!(&views[0].state.status, Status::Closed { outcome, .. } if outcome == "completed");
            if !completed || !root_flow.onestop_eligible {
                continue;
            }
            let before = !facts.back_started;
            let mut back_steps = facts.back_steps.clone();
            let mut enters_back = false;
            for route in &routes {
                if let Some(step) = &route.before
                    && back_task(&route.flow, step)
                {
                    back_steps.remove(step);
                }
                if let Some(step) = &route.after {
                    enters_back |= back_task(&route.flow, step);
                }
            }
            let after = back_steps.is_empty() && !enters_back;
            for key in [row.flow.clone(), facts.vendor_name().to_string()] {
                let group = if key == row.flow { &mut report.by_flow } else { &mut report.by_vendor };
                let figures = group.entry(key).or_default();
                figures.completed += 1;
                figures.before += usize::from(before);
                figures.after += usize::from(after);
            }
        }
        Ok(report)
    }

    /// Every deployed flow version compiled again, with the changed file's new text where its
    /// program holds that file (the others as deployed).
    async fn recompile_with(
        &self,
        change: &RuleChange,
    ) -> Result<BTreeMap<(String, u32), Arc<CompiledFlow>>, EngineError> {
        let wanted = Path::new(&change.file).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let mut compiled: BTreeMap<String, Option<crate::compile::Catalog>> = BTreeMap::new();
        let mut flows = BTreeMap::new();
        for deployment in self.store.deployments().await? {
            if !compiled.contains_key(&deployment.program_hash) {
                let files = self.store.program(&deployment.program_hash).await?.unwrap_or_default();
                let mut files: Vec<(String, String)> = serde_json::from_str(&files).unwrap_or_default();
                let target = files
                    .iter_mut()
                    .find(|(path, _)| Path::new(path).file_name().is_some_and(|n| n.to_string_lossy() == wanted));
                let catalog = match target {
                    Some((_, text)) => {
                        text.clone_from(&change.text);
                        let mut program = junro_dsl::Program::new();
                        let bytes: Vec<(String, Vec<u8>)> =
                            files.into_iter().map(|(p, t)| (p, t.into_bytes())).collect();
                        program.add_all(&bytes);
                        let report = crate::source::check(&program);
                        if report.errors() > 0 {
                            return Err(EngineError::Invalid(format!(
                                "{}{}",
                                report.render(&program),
                                report.summary()
                            )));
                        }
                        Some(compile(&program, &report)?)
                    }
                    None => None,
                };
                compiled.insert(deployment.program_hash.clone(), catalog);
            }
            let key = (deployment.flow.clone(), deployment.version);
            let new = match compiled.get(&deployment.program_hash) {
                Some(Some(catalog)) => catalog.get(&deployment.flow).cloned(),
                _ => self.flow(&deployment.flow, deployment.version),
            };
            if let Some(flow) = new {
                flows.insert(key, flow);
            }
        }
        if compiled.values().all(Option::is_none) {
            return Err(EngineError::Backtest(format!(
                "no deployed program has a file named `{wanted}`; name the new version like the deployed file"
            )));
        }
        Ok(flows)
    }

    /// Re-evaluates the decisions of one order (or subflow) history that use `name`.
    #[allow(clippy::too_many_arguments)]
    fn replay_decisions(
        &self,
        order: &str,
        old: &Arc<CompiledFlow>,
        new: &Arc<CompiledFlow>,
        history: &[HistoryEntry],
        name: &str,
        report: &mut BacktestReport,
        routes: &mut Vec<Route>,
    ) {
        let mut taken: BTreeSet<(String, u64)> = BTreeSet::new();
        let zone = self.calendar_for(new).zone().clone();
        for (i, entry) in history.iter().enumerate() {
            let (step, recorded_next) = match &entry.event {
                Event::Decided { step, next, instance, .. } => (step, Some((next.clone(), *instance))),
                Event::TaskSkipped { step, .. } | Event::TaskReady { step, .. } => (step, None),
                _ => continue,
            };
            if !uses(new, step, name) && !uses(old, step, name) {
                continue;
            }
            if let Event::TaskReady { instance, .. } = &entry.event
                && !taken.insert((step.clone(), *instance))
            {
                continue;
            }
            let data = Projection::of_history(&history[..i]).data;
            let (Ok(before), Ok(after)) =
                (outcome(old, step, &data, entry.at, &zone), outcome(new, step, &data, entry.at, &zone))
            else {
                report.unreproduced += 1;
                continue;
            };
            // The deployed version must give what was recorded, or the rebuilt data is not right.
            let reproduced = match (&entry.event, &recorded_next) {
                (Event::Decided { .. }, Some((next, _))) => before.starts_with(&format!("-> {next}")),
                (Event::TaskSkipped { .. }, _) => before == "skipped by its rule",
                _ => before == "worked by a person",
            };
            if !reproduced {
                report.unreproduced += 1;
                continue;
            }
            report.decisions += 1;
            if before == after {
                continue;
            }
            report.changed += 1;
            if report.examples.len() < 20 {
                report.examples.push(ChangedDecision {
                    order: order.to_string(),
                    flow: new.id.clone(),
                    step: step.clone(),
                    before: before.clone(),
                    after: after.clone(),
                });
            }
            let target = |text: &str| text.strip_prefix("-> ").map(|t| t.split(' ').next().unwrap_or(t).to_string());
            let route = match &entry.event {
                Event::Decided { .. } => Route { flow: new.clone(), before: target(&before), after: target(&after) },
                // A back-office task the rule now skips (or no longer skips).
                _ if after == "skipped by its rule" => {
                    Route { flow: new.clone(), before: Some(step.clone()), after: None }
                }
                _ => Route { flow: new.clone(), before: None, after: Some(step.clone()) },
            };
            routes.push(route);
        }
    }
}
