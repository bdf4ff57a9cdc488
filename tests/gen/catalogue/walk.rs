//! The scenario walker: follows a flow the way the engine will, for one [`Play`], and writes the
//! scenario's statements.
//!
//! It starts at the first step with the play's data, evaluates skips, decisions and tables with
//! the meanings in [`super::conds`], completes tasks with the play's choices (the first outcome
//! otherwise), takes a wait's signal (or its timer when the play says `timeout`), and runs the
//! shared subflows along their automatic paths (a caller's scenario cannot complete a subflow's
//! tasks). Action stubs are written after the statement that sets the order moving and before the
//! next one, as in the canonical example. Every field a play sets goes where a person would put
//! it: into `given`, into the `with` of the task that enters it, or into an action's result.

use super::conds;
use super::fields::FieldDef;
use super::model::{Arm, Env, FlowModel, Kind, Lit, Play, Step, Sub};
use std::collections::{BTreeMap, BTreeSet};

/// One statement of a scenario, before rendering.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    Stub(&'static str, Vec<(&'static str, Lit)>),
    Complete { task: String, outcome: Option<&'static str>, with: Vec<(String, Lit)> },
    SendBack { task: String, to: String },
    Signal(&'static str),
    Advance(&'static str),
}

/// A walked scenario.
pub(crate) struct Walked {
    pub(crate) given: Vec<(String, Lit)>,
    pub(crate) events: Vec<Event>,
    pub(crate) outcome: &'static str,
    /// `None` when the path went through a parallel split (the order of branches is the
    /// engine's business, so the steps are not listed).
    pub(crate) via: Option<Vec<String>>,
    pub(crate) onestop: bool,
}

struct Walker<'a> {
    steps: BTreeMap<&'a str, &'a Step>,
    fields: &'a BTreeMap<&'static str, FieldDef>,
    env: Env,
    /// The values the play wants (its data, then the recipe's defaults, then samples).
    data: BTreeMap<&'static str, Lit>,
    /// Fields some step of the flow writes (action results, subflow outputs, table outputs).
    produced: BTreeSet<&'static str>,
    events: Vec<Event>,
    via: Vec<String>,
    parallel: bool,
    onestop: bool,
    choices: Vec<(&'static str, &'static str)>,
    /// Play data waiting to be entered by a task: field → (event index of first entry).
    entered_at: BTreeMap<&'static str, usize>,
    /// Fields read before any task entered them.
    read_early: BTreeSet<&'static str>,
    /// Fields read without any value: given their sample.
    sampled: BTreeSet<&'static str>,
    /// First completion (event index) of a task that edits each field.
    edited_at: BTreeMap<&'static str, usize>,
    /// Values read after a task entered them: (event, field, value) for that task's `with`.
    late_entries: Vec<(usize, &'static str, Lit)>,
    /// Fields written by the steps walked so far.
    written: BTreeSet<&'static str>,
    /// Fields a step writes later but that were read before: the order must come with them.
    read_before_written: BTreeSet<&'static str>,
    visits: usize,
}

enum Stop {
    End(&'static str),
    Join(String),
}

/// Walks `play` through `model`.
pub(crate) fn walk(
    model: &FlowModel,
    fields: &BTreeMap<&'static str, FieldDef>,
    play: &Play,
) -> Result<Walked, String> {
    let steps: BTreeMap<&str, &Step> = model.steps.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut produced = BTreeSet::new();
    for step in &model.steps {
        match &step.kind {
            Kind::Auto(a) => produced.extend(a.outputs.iter().map(|o| o.0)),
            Kind::Call(c) => produced.extend(c.outputs.iter().map(|o| o.0)),
            Kind::Decide(d) => {
                if let Some(t) = &d.table {
                    produced.extend(t.fields.last().copied());
                }
            }
            _ => {}
        }
    }
    let mut data: BTreeMap<&'static str, Lit> = BTreeMap::new();
    for (field, value) in model.defaults.iter().chain(&play.data) {
        if !fields.contains_key(field) {
            if play.data.iter().any(|(f, _)| f == field) {
                return Err(format!("scenario \"{}\" sets `{field}`, which the flow does not have", play.title));
            }
            continue;
        }
        data.insert(field, value.clone());
    }
    let mut env = Env::default();
    for (name, def) in fields {
        if let Some(default) = &def.default {
            env.set(name, default.clone());
        }
    }
    for (name, def) in fields {
        if def.required && !produced.contains(name) {
            env.set(name, data.get(name).cloned().unwrap_or_else(|| def.sample.clone()));
        }
    }
    for (name, def) in fields {
        // A default the scenarios should not rely on (eKYC): the happy path uses the sample.
        if def.default.is_some() && def.default.as_ref() != Some(&def.sample) && !produced.contains(name) {
            data.entry(name).or_insert_with(|| def.sample.clone());
        }
    }
    for (name, value) in &data {
        env.set(name, value.clone());
    }
    let mut w = Walker {
        steps,
        fields,
        env,
        data,
        produced,
        events: Vec::new(),
        via: Vec::new(),
        parallel: false,
        onestop: true,
        choices: play.choices.clone(),
        entered_at: BTreeMap::new(),
        read_early: BTreeSet::new(),
        sampled: BTreeSet::new(),
        edited_at: BTreeMap::new(),
        late_entries: Vec::new(),
        written: BTreeSet::new(),
        read_before_written: BTreeSet::new(),
        visits: 0,
    };
    let first = model.steps.first().ok_or("the flow has no steps")?.id.clone();
    let outcome = match w.run(&first).map_err(|e| format!("scenario \"{}\": {e}", play.title))? {
        Stop::End(outcome) => outcome,
        Stop::Join(j) => return Err(format!("scenario \"{}\": reached join `{j}` outside a parallel", play.title)),
    };
    if let Some((step, choice)) = w.choices.first() {
        return Err(format!("scenario \"{}\": choice `{choice}` for `{step}` was never used", play.title));
    }

    // Where each value goes: required inputs and values read before entry are given; values a
    // task enters go into that task's `with`.
    let mut given = Vec::new();
    let mut with_by_event: BTreeMap<usize, Vec<(String, Lit)>> = BTreeMap::new();
    for (at, field, value) in std::mem::take(&mut w.late_entries) {
        with_by_event.entry(at).or_default().push((field.to_string(), value));
    }
    let ordered = super::fields::ORDER.iter().filter_map(|name| fields.get_key_value(name));
    for (name, def) in ordered {
        if w.produced.contains(name) {
            if w.read_before_written.contains(name) {
                given.push((name.to_string(), w.data.get(name).cloned().unwrap_or_else(|| def.sample.clone())));
            }
            continue;
        }
        let value = w.data.get(name).cloned();
        if def.required {
            given.push((name.to_string(), value.unwrap_or_else(|| def.sample.clone())));
        } else if let Some(value) = value {
            match w.entered_at.get(name) {
                Some(&at) if !w.read_early.contains(name) => {
                    with_by_event.entry(at).or_default().push((name.to_string(), value))
                }
                _ => given.push((name.to_string(), value)),
            }
        } else if w.sampled.contains(name) {
            given.push((name.to_string(), def.sample.clone()));
        }
    }
    let mut events = w.events;
    for (at, extra) in with_by_event {
        if let Some(Event::Complete { with, .. }) = events.get_mut(at) {
            for (f, v) in extra {
                if !with.iter().any(|(g, _)| *g == f) {
                    with.push((f, v));
                }
            }
        }
    }
    let via = if w.parallel { None } else { Some(w.via) };
    Ok(Walked { given, events, outcome, via, onestop: w.onestop })
}

impl<'a> Walker<'a> {
    fn step(&self, id: &str) -> Result<&'a Step, String> {
        self.steps.get(id).copied().ok_or_else(|| format!("no step `{id}`"))
    }

    fn choice(&mut self, step: &str) -> Option<&'static str> {
        let i = self.choices.iter().position(|(s, _)| *s == step)?;
        Some(self.choices.remove(i).1)
    }

    /// The value the play wants for a field that a step produces.
    fn desired(&self, field: &str) -> Lit {
        self.data
            .get(field)
            .cloned()
            .or_else(|| self.fields.get(field).map(|d| d.sample.clone()))
            .unwrap_or(Lit::text("x"))
    }

    /// Notes that an expression reads these fields.
    fn read(&mut self, expr: &str) {
        for name in super::render::idents(expr) {
            let Some((&key, def)) = self.fields.get_key_value(name.as_str()) else { continue };
            if !self.entered_at.contains_key(key) && self.data.contains_key(key) && !self.produced.contains(key) {
                self.read_early.insert(key);
            }
            if self.produced.contains(key) && !self.written.contains(key) {
                self.read_before_written.insert(key);
                if self.env.get(key).is_none() {
                    self.env.set(key, def.sample.clone());
                }
            }
            if self.env.get(key).is_none() && !self.produced.contains(key) {
                self.env.set(key, def.sample.clone());
                match self.edited_at.get(key) {
                    Some(&at) => self.late_entries.push((at, key, def.sample.clone())),
                    None => {
                        self.sampled.insert(key);
                    }
                }
            }
        }
    }

    fn run(&mut self, from: &str) -> Result<Stop, String> {
        let mut current = from.to_string();
        loop {
            self.visits += 1;
            if self.visits > 400 {
                return Err("the path does not end (loop?)".into());
            }
            let step = self.step(&current)?;
            if !matches!(step.kind, Kind::End(_) | Kind::Join(_)) {
                self.via.push(step.id.clone());
            }
            current = match &step.kind {
                Kind::End(outcome) => return Ok(Stop::End(outcome)),
                Kind::Join(_) => return Ok(Stop::Join(step.id.clone())),
                Kind::Task(task) => {
                    if let Some((cond, as_outcome)) = &task.skip {
                        self.read(&cond.expr);
                        if (cond.eval)(&self.env) {
                            match (as_outcome, &task.next) {
                                (Some(o), _) => task
                                    .outcomes
                                    .iter()
                                    .find(|x| x.0 == *o)
                                    .map(|x| x.2.clone())
                                    .ok_or("bad skip outcome")?,
                                (None, Some(next)) => next.clone(),
                                (None, None) => return Err(format!("task `{}` skips to nowhere", step.id)),
                            }
                        } else {
                            self.complete(step)?
                        }
                    } else {
                        self.complete(step)?
                    }
                }
                Kind::Auto(auto) => {
                    if !auto.outputs.is_empty() {
                        let mut returns = Vec::new();
                        for (field, key) in &auto.outputs {
                            self.written.insert(field);
                            let value = self.desired(field);
                            self.env.set(field, value.clone());
                            returns.push((*key, value));
                        }
                        self.events.push(Event::Stub(auto.action, returns));
                    }
                    auto.next.clone()
                }
                Kind::Decide(decide) => {
                    if let Some(table) = &decide.table {
                        let inputs = &table.fields[..table.fields.len() - 1];
                        self.read(&inputs.join(", "));
                        (table.apply)(&mut self.env);
                        self.written.extend(table.fields.last().copied());
                    }
                    let mut next = decide.default.clone();
                    for (cond, target) in &decide.branches {
                        self.read(&cond.expr);
                        if (cond.eval)(&self.env) {
                            next = target.clone();
                            break;
                        }
                    }
                    next
                }
                Kind::Parallel(branches) => {
                    self.parallel = true;
                    let mut join = None;
                    // Every branch starts at once: the stubs each branch needs before its first
                    // blocking statement are written before any branch's statements.
                    let start = self.events.len();
                    let mut leading = Vec::new();
                    let mut rest = Vec::new();
                    for branch in branches {
                        let from = self.events.len();
                        match self.run(branch)? {
                            Stop::Join(j) => join = Some(j),
                            Stop::End(_) => return Err(format!("a branch of `{}` ends before the join", step.id)),
                        }
                        let emitted: Vec<Event> = self.events.drain(from..).collect();
                        let split = emitted.iter().position(|e| !matches!(e, Event::Stub(..))).unwrap_or(emitted.len());
                        let mut emitted = emitted.into_iter();
                        leading.extend(emitted.by_ref().take(split));
                        rest.extend(emitted);
                    }
                    if self.events.len() != start || self.edited_at.values().any(|&at| at >= start) {
                        // Task completions inside branches would be renumbered; recipes do not
                        // put tasks in parallel branches.
                        return Err(format!(
                            "parallel `{}`: tasks inside parallel branches are not supported",
                            step.id
                        ));
                    }
                    self.events.extend(leading);
                    self.events.extend(rest);
                    let join = join.ok_or("parallel without branches")?;
                    match &self.step(&join)?.kind {
                        Kind::Join(next) => next.clone(),
                        _ => return Err("not a join".into()),
                    }
                }
                Kind::Wait(arms) => {
                    let choice = self.choice(&step.id);
                    let arm = match choice {
                        None => arms.first(),
                        Some("timeout") => arms.iter().find(|a| matches!(a, Arm::After(..))),
                        Some(signal) => arms.iter().find(|a| matches!(a, Arm::Signal(s, _) if *s == signal)),
                    };
                    match arm {
                        Some(Arm::Signal(signal, next)) => {
                            self.events.push(Event::Signal(signal));
                            next.clone()
                        }
                        Some(Arm::After(duration, next)) => {
                            self.events.push(Event::Advance(duration));
                            next.clone()
                        }
                        None => return Err(format!("wait `{}` has no arm `{}`", step.id, choice.unwrap_or("?"))),
                    }
                }
                Kind::Call(call) => {
                    let mut child = Env::default();
                    for (child_field, expr) in &call.inputs {
                        if let Some(text) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                            child.set(child_field, Lit::text(text));
                        } else {
                            self.read(expr);
                            if let Some(v) = self.env.get(expr) {
                                child.set(child_field, v.clone());
                            }
                        }
                    }
                    let mut outputs: BTreeMap<&str, Lit> = BTreeMap::new();
                    for (field, child_field) in &call.outputs {
                        outputs.insert(child_field, self.desired(field));
                    }
                    let choice = self.choice(&step.id);
                    match self.subflow(call.sub, &child, &mut outputs, choice)? {
                        Some(outcome) => return Ok(Stop::End(outcome)),
                        None => {
                            for (field, child_field) in &call.outputs {
                                self.written.insert(field);
                                if let Some(v) = outputs.get(child_field) {
                                    self.env.set(field, v.clone());
                                }
                            }
                            call.next.clone()
                        }
                    }
                }
            };
        }
    }

    /// A human completes the task; returns where the order goes.
    fn complete(&mut self, step: &Step) -> Result<String, String> {
        let Kind::Task(task) = &step.kind else { return Err("not a task".into()) };
        let choice = self.choice(&step.id);
        if let Some(to) = choice.and_then(|c| c.strip_prefix("sendback:")) {
            self.events.push(Event::SendBack { task: step.id.clone(), to: to.to_string() });
            if task.lane != "front" {
                self.onestop = false;
            }
            return Ok(to.to_string());
        }
        let (outcome, next) = match (choice, task.outcomes.first()) {
            (Some(c), _) => {
                let o = task
                    .outcomes
                    .iter()
                    .find(|o| o.0 == c)
                    .ok_or_else(|| format!("task `{}` has no outcome `{c}`", step.id))?;
                (Some(o.0), o.2.clone())
            }
            (None, Some(o)) => (Some(o.0), o.2.clone()),
            (None, None) => (None, task.next.clone().ok_or("task without next")?),
        };
        let index = self.events.len();
        let mut with = Vec::new();
        for field in &task.require {
            if self.env.get(field).is_none() && !self.data.contains_key(field) {
                let mut sample = self.fields.get(field).map(|d| d.sample.clone()).ok_or("unknown field")?;
                if outcome == Some("reject") && *field == "review_note" {
                    sample = Lit::text("要件を満たさないため否認");
                }
                self.env.set(field, sample.clone());
                with.push((field.to_string(), sample));
            }
        }
        for field in task.edit.iter().chain(&task.require) {
            self.edited_at.entry(field).or_insert(index);
            if self.data.contains_key(field) && !self.produced.contains(field) && !self.entered_at.contains_key(field) {
                self.entered_at.insert(field, index);
            }
        }
        self.events.push(Event::Complete {
            task: step.id.clone(),
            outcome: if task.outcomes.is_empty() { None } else { outcome },
            with,
        });
        if task.lane != "front" {
            self.onestop = false;
        }
        Ok(next)
    }

    /// Runs a shared subflow along its automatic path. Returns the outcome when the subflow
    /// ends the calling order (a customer declining), `None` when the order goes on.
    fn subflow(
        &mut self,
        sub: Sub,
        child: &Env,
        outputs: &mut BTreeMap<&str, Lit>,
        choice: Option<&str>,
    ) -> Result<Option<&'static str>, String> {
        let get = |f: &str| outputs.get(f).cloned();
        match sub {
            Sub::CreditCheck => {
                let score = get("credit_score").unwrap_or(Lit::Int(780));
                let mut probe = child.clone();
                probe.set("credit_score", score.clone());
                if !conds::credit_auto_approves(&probe) {
                    return Err("the credit_check subflow would need its credit officer".into());
                }
                self.events.push(Event::Stub(
                    "credit_check_api",
                    vec![("score", score.clone()), ("verdict", Lit::sym("approved"))],
                ));
                outputs.insert("credit_score", score);
                outputs.insert("credit_decision", Lit::sym("approved"));
                outputs.remove("review_note");
            }
            Sub::Construction => {
                if child.word("construction_kind") == "full" {
                    return Err("the construction subflow would need a site survey".into());
                }
                let id = get("construction_id").unwrap_or(Lit::text("K-20001"));
                let date = get("construction_date").unwrap_or(Lit::date("2026-12-10"));
                self.events
                    .push(Event::Stub("book_construction", vec![("construction_id", id), ("scheduled_date", date)]));
                self.events.push(Event::Signal("construction_done"));
                outputs.remove("followup_note");
            }
            Sub::Confirmation => {
                outputs.remove("contact_note");
                if choice == Some("customer_cancelled") {
                    self.events.push(Event::Signal("customer_cancelled"));
                    return Ok(Some("withdrawn"));
                }
                self.events.push(Event::Signal("customer_confirmed"));
            }
            Sub::Shipping => {
                let tracking = get("tracking_number").unwrap_or(Lit::text("4410-2233-0815"));
                self.events.push(Event::Stub("ship_equipment", vec![("tracking_number", tracking)]));
                self.events.push(Event::Signal("equipment_delivered"));
                outputs.remove("delivery_note");
            }
            Sub::Return => {
                let kit = get("return_kit_id").unwrap_or(Lit::text("R-0815"));
                self.events.push(Event::Stub("collect_equipment", vec![("return_kit_id", kit)]));
                self.events.push(Event::Signal("equipment_returned"));
            }
            Sub::Penalty => {
                let amount = if conds::is_penalty_free(child) {
                    0
                } else {
                    let base = conds::penalty_lookup(child.word("contract_kind"), child.int("contract_months"));
                    if base > 0 {
                        if child.flag("waive_requested") {
                            return Err("the penalty subflow would need a supervisor for the waiver".into());
                        }
                        self.events.push(Event::Stub("calc_penalty", vec![("amount", Lit::Int(base))]));
                    }
                    base
                };
                outputs.insert("penalty_amount", Lit::Int(amount));
                outputs.remove("waive_reason");
            }
            Sub::Identity => {
                if !child.flag("ekyc_passed") {
                    return Err("the identity_check subflow would need the documents reviewed".into());
                }
                outputs.remove("doc_note");
            }
        }
        Ok(None)
    }
}
