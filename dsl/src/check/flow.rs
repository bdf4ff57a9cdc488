//! Checks of one flow: its header, data fields, start, steps (see `steps.rs`), graph (see
//! `graph.rs`), scenarios (see `scenario.rs`), and the warnings for unused fields, tasks without
//! an SLA and flows without a scenario.

use super::scope::Scope;
use crate::ast::{Field, Flow, LaneDecl, Name, RoleDecl, Step, StepKind, Type};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::suggest::closest;
use std::collections::{BTreeMap, BTreeSet};

/// Everything the checks of one flow need.
pub(crate) struct FlowCtx<'a, 'o> {
    pub(crate) flow: &'a Flow,
    pub(crate) scope: &'a Scope<'a>,
    pub(crate) fields: BTreeMap<&'a str, &'a Field>,
    pub(crate) steps: BTreeMap<&'a str, &'a Step>,
    pub(crate) lanes: BTreeMap<&'a str, &'a LaneDecl>,
    pub(crate) roles: BTreeMap<&'a str, &'a RoleDecl>,
    pub(crate) used_fields: BTreeSet<String>,
    pub(crate) out: &'o mut Vec<Diagnostic>,
}

/// Runs every check of `flow`.
pub(crate) fn check_flow(flow: &Flow, scope: &Scope<'_>, out: &mut Vec<Diagnostic>) {
    let mut ctx = FlowCtx {
        flow,
        scope,
        fields: BTreeMap::new(),
        steps: BTreeMap::new(),
        lanes: scope.lanes.iter().map(|(k, d)| (*k, d.item)).collect(),
        roles: scope.roles.iter().map(|(k, d)| (*k, d.item)).collect(),
        used_fields: BTreeSet::new(),
        out,
    };
    for lane in &flow.lanes {
        if ctx.lanes.insert(&lane.name.text, lane).is_some() {
            ctx.duplicate("lane", &lane.name);
        }
    }
    for role in &flow.roles {
        if ctx.roles.insert(&role.name.text, role).is_some() {
            ctx.duplicate("role", &role.name);
        }
    }
    for field in &flow.fields {
        if ctx.fields.insert(&field.name.text, field).is_some() {
            ctx.duplicate("field", &field.name);
        }
        ctx.field_attributes(field);
    }
    for step in &flow.steps {
        if ctx.steps.insert(&step.name.text, step).is_some() {
            ctx.duplicate("step", &step.name);
        }
    }
    match &flow.start {
        Some(start) => ctx.step_ref(start),
        None if !flow.has_syntax_errors => ctx.out.push(
            Diagnostic::error("E0308", flow.name.span, format!("flow `{}` has no `start`", flow.name.text))
                .with_help_opt(flow.steps.first().map(|s| format!("add `start -> {}`", s.name.text))),
        ),
        None => {}
    }
    if let Some(channel) = &flow.channel {
        const CHANNELS: &[&str] = &["phone", "web", "paper", "store", "app", "mail"];
        if !CHANNELS.contains(&channel.text.as_str()) {
            ctx.out.push(
                Diagnostic::error("E0101", channel.span, format!("unknown channel `{}`", channel.text))
                    .with_help(format!("channels are {}", CHANNELS.join(", "))),
            );
        }
    }
    for step in &flow.steps {
        ctx.step(step);
    }
    for scenario in &flow.scenarios {
        ctx.scenario(scenario);
    }
    if !flow.has_syntax_errors {
        super::graph::check_graph(&mut ctx);
    }
    ctx.warnings();
}

impl FlowCtx<'_, '_> {
    pub(crate) fn duplicate(&mut self, what: &str, name: &Name) {
        self.out.push(
            Diagnostic::error(
                "E0202",
                name.span,
                format!("{what} `{}` is defined twice in flow `{}`", name.text, self.flow.name.text),
            )
            .with_help("remove one of them, or rename it"),
        );
    }

    pub(crate) fn use_field(&mut self, name: &str) {
        if !self.used_fields.contains(name) {
            self.used_fields.insert(name.to_string());
        }
    }

    pub(crate) fn undefined_field(&mut self, name: &str, span: Span) {
        if self.scope.broken.contains(name) {
            return;
        }
        // A value of an enum field written bare (`plan == basic`): it needs quotes, not a field.
        let of_enum = self.fields.iter().find_map(|(field, decl)| match &decl.ty {
            Type::Enum(values) if values.iter().any(|v| v == name) => Some(*field),
            _ => None,
        });
        if let Some(field) = of_enum {
            self.out.push(
                Diagnostic::error(
                    "E0203",
                    span,
                    format!("`{name}` is a value of the field `{field}`, not a field: write it in double quotes"),
                )
                .with_label(format!("write `\"{name}\"`"))
                .with_help(format!("compare with the value in quotes: `{field} == \"{name}\"`")),
            );
            return;
        }
        let near = closest(name, self.fields.keys().copied());
        self.out.push(
            Diagnostic::error("E0203", span, format!("no field named `{name}` in flow `{}`", self.flow.name.text))
                .with_help(near.map_or_else(
                    || format!("declare it in the `data {{ }}` block: `{name} \"label\" text`"),
                    |n| format!("did you mean `{n}`?"),
                )),
        );
        // The misspelt reference was meant for the suggested field: do not also call it unused.
        if let Some(near) = near.map(str::to_string) {
            self.use_field(&near);
        }
    }

    /// A field named in a form, mapping or wait: it must exist; returns its type.
    pub(crate) fn field_ref(&mut self, name: &Name) -> Option<&Type> {
        self.use_field(&name.text);
        match self.fields.get(name.text.as_str()) {
            Some(f) => Some(&f.ty),
            None => {
                self.undefined_field(&name.text, name.span);
                None
            }
        }
    }

    /// A step named as a successor or target: it must exist.
    pub(crate) fn step_ref(&mut self, name: &Name) {
        if self.steps.contains_key(name.text.as_str()) || self.scope.broken.contains(name.text.as_str()) {
            return;
        }
        let candidates = self.steps.keys().copied().chain(self.scope.broken.iter().copied());
        let near = closest(&name.text, candidates);
        self.out.push(
            Diagnostic::error(
                "E0201",
                name.span,
                format!("no step named `{}` in flow `{}`", name.text, self.flow.name.text),
            )
            .with_label("not defined")
            .with_help_opt(near.map(|n| format!("did you mean `{n}`?"))),
        );
    }

    /// A name that must be defined in scope (lane, role, action, signal, table, subflow).
    pub(crate) fn defined(&mut self, code: &'static str, what: &str, name: &Name, known: Vec<&str>) -> bool {
        if known.contains(&name.text.as_str()) {
            return true;
        }
        if !self.scope.broken.contains(name.text.as_str()) {
            let near = closest(&name.text, known.iter().copied());
            self.out.push(Diagnostic::error(code, name.span, format!("no {what} named `{}`", name.text)).with_help(
                near.map_or_else(
                    || format!("define it (`{what} {} …`) here or in an imported file", name.text),
                    |n| format!("did you mean `{n}`?"),
                ),
            ));
        }
        false
    }

    fn field_attributes(&mut self, field: &Field) {
        let numeric = matches!(field.ty, Type::Integer | Type::Decimal | Type::Money | Type::Date | Type::DateTime);
        for (attribute, span) in &field.attr_spans {
            let applies = match attribute.as_str() {
                "min" | "max" => numeric,
                "maxlen" | "pattern" => matches!(field.ty, Type::Text),
                _ => true,
            };
            if !applies {
                let fits = match attribute.as_str() {
                    "min" | "max" => "integer, decimal, money, date and datetime",
                    _ => "text",
                };
                self.out.push(
                    Diagnostic::error(
                        "E0405",
                        *span,
                        format!("`{attribute}` does not apply to field `{}`", field.name.text),
                    )
                    .with_help(format!("`{attribute}` applies to {fits} fields")),
                );
            }
        }
        if let Some(default) = &field.default {
            self.literal_fits(&field.ty, default, &format!("the default of `{}`", field.name.text));
        }
        for bound in [&field.min, &field.max].into_iter().flatten() {
            if matches!(field.ty, Type::Integer | Type::Decimal | Type::Money) {
                self.literal_fits(&field.ty, bound, &format!("a bound of `{}`", field.name.text));
            }
        }
    }

    fn warnings(&mut self) {
        // In a flow with a syntax error, the lost part may have used the field.
        let unused_known = !self.flow.has_syntax_errors;
        for field in &self.flow.fields {
            if unused_known && !self.used_fields.contains(&field.name.text) {
                self.out.push(
                    Diagnostic::warning("W0501", field.name.span, format!("field `{}` is never used", field.name.text))
                        .with_help("show it in a task form, use it in a condition or mapping, or remove it"),
                );
            }
        }
        for step in &self.flow.steps {
            if let StepKind::Task(task) = &step.kind
                && task.sla.is_none()
            {
                self.out.push(
                    Diagnostic::warning("W0502", step.name.span, format!("task `{}` has no `sla`", step.name.text))
                        .with_help("add `sla 4h` (business time) so overdue work is visible"),
                );
            }
        }
        if !self.flow.is_subflow && self.flow.scenarios.is_empty() && !self.flow.has_syntax_errors {
            self.out.push(
                Diagnostic::warning(
                    "W0503",
                    self.flow.name.span,
                    format!("flow `{}` has no scenario", self.flow.name.text),
                )
                .with_help("add a `scenario \"…\" { … }` block: `given` data, `complete` tasks, `expect completed`"),
            );
        }
    }
}
