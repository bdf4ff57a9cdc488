//! What a file can see: its own definitions and those of every file it imports, directly or not.

use crate::ast::{ActionDecl, Flow, LaneDecl, Name, RoleDecl, RuleSig, SignalDecl, TableDecl};
use crate::diagnostic::Diagnostic;
use crate::program::{Program, resolve};
use std::collections::{BTreeMap, BTreeSet};

/// A definition and the file it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Def<'a, T> {
    /// The definition.
    pub item: &'a T,
    /// The file that defines it.
    pub file: &'a str,
}

/// The definitions visible from one file.
#[derive(Debug, Default)]
pub struct Scope<'a> {
    /// Lanes by id.
    pub lanes: BTreeMap<&'a str, Def<'a, LaneDecl>>,
    /// Roles by id.
    pub roles: BTreeMap<&'a str, Def<'a, RoleDecl>>,
    /// Signals by id.
    pub signals: BTreeMap<&'a str, Def<'a, SignalDecl>>,
    /// Actions by id.
    pub actions: BTreeMap<&'a str, Def<'a, ActionDecl>>,
    /// Decision tables by id.
    pub tables: BTreeMap<&'a str, Def<'a, TableDecl>>,
    /// Rules by name.
    pub rules: BTreeMap<&'a str, Def<'a, RuleSig>>,
    /// Flows and subflows by id.
    pub flows: BTreeMap<&'a str, Def<'a, Flow>>,
    /// Names of items that failed to parse in visible files.
    pub broken: BTreeSet<&'a str>,
}

impl<'a> Scope<'a> {
    /// The scope of the file at `path`; duplicate definitions involving that file are reported.
    pub fn build(program: &'a Program, path: &str, out: &mut Vec<Diagnostic>) -> Scope<'a> {
        let mut scope = Scope::default();
        let mut seen = BTreeSet::new();
        let mut visible = Vec::new();
        let mut queue = vec![path.to_string()];
        while let Some(current) = queue.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let Some(file) = program.files.get(&current) else {
                continue;
            };
            for import in &file.module.imports {
                queue.push(resolve(&current, &import.path));
            }
            visible.push(file);
        }
        // Imported definitions go in first, so that a clash is reported at this file's own one.
        for file in visible.into_iter().rev() {
            let current = file.path.as_str();
            let own = current == path;
            let m = &file.module;
            let f = file.path.as_str();
            let mut report = |what: &str, name: &Name, other: &str| {
                if own {
                    let message = if other == f {
                        format!("{what} `{}` is defined twice in this file", name.text)
                    } else {
                        format!("{what} `{}` is already defined in {other}", name.text)
                    };
                    out.push(
                        Diagnostic::error("E0202", name.span, message).with_help("remove one of them, or rename it"),
                    );
                }
            };
            for x in &m.lanes {
                insert(&mut scope.lanes, &x.name, x, f, |o| report("lane", &x.name, o));
            }
            for x in &m.roles {
                insert(&mut scope.roles, &x.name, x, f, |o| report("role", &x.name, o));
            }
            for x in &m.signals {
                insert(&mut scope.signals, &x.name, x, f, |o| report("signal", &x.name, o));
            }
            for x in &m.actions {
                insert(&mut scope.actions, &x.name, x, f, |o| report("action", &x.name, o));
            }
            for x in &m.tables {
                insert(&mut scope.tables, &x.name, x, f, |o| report("table", &x.name, o));
            }
            for decl in &m.rules {
                for x in &decl.rules {
                    insert(&mut scope.rules, &x.name, x, f, |o| report("rule", &x.name, o));
                }
            }
            for x in &m.flows {
                // Flow ids are checked program-wide; here a flow only needs to be callable.
                scope.flows.entry(&x.name.text).or_insert(Def { item: x, file: f });
            }
            scope.broken.extend(m.broken_names.iter().map(String::as_str));
        }
        scope
    }
}

/// Inserts a definition; when the name is taken by another definition, calls `duplicate` with the
/// file of the first one. The same definition reached through two imports is not a duplicate.
fn insert<'a, T>(
    map: &mut BTreeMap<&'a str, Def<'a, T>>,
    name: &'a Name,
    item: &'a T,
    file: &'a str,
    duplicate: impl FnOnce(&str),
) {
    match map.get(name.text.as_str()) {
        Some(existing) if !std::ptr::eq(existing.item, item) => duplicate(existing.file),
        Some(_) => {}
        None => {
            map.insert(&name.text, Def { item, file });
        }
    }
}
