//! Flows (administrators): every deployed flow with its versions and from when each applies,
//! and deploying the service's flows folder again; one version's picture (drawn on the
//! server), its source files as deployed, the difference from another version, and moving
//! open orders to it (checked first, then done). The same engine calls and checks as
//! `POST /api/v1/flows` and `POST /api/v1/flows/{flow}/migrate`.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{FieldError, Problem};
use crate::serve::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use junro_engine::runtime::migrate::MigrationVerdict;
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};
use std::collections::BTreeSet;

/// One version of a flow in the list.
pub(crate) struct Version {
    pub(crate) flow: String,
    pub(crate) label: String,
    pub(crate) version: u32,
    pub(crate) effective: String,
}

#[derive(Template)]
#[template(path = "flows.html")]
struct FlowsPage {
    chrome: Chrome,
    versions: Vec<Version>,
    /// The folder `junro serve` deploys from, if any.
    folder: Option<String>,
    /// What the last deployment made (`flow vN`), after deploying.
    deployed: Option<Vec<String>>,
}

async fn versions(state: &AppState, signed: &Signed) -> Result<Vec<Version>, super::Failure> {
    let mut deployments = state.engine.deployments().await.in_lang(signed.chrome.lang)?;
    deployments.sort_by(|a, b| a.flow.cmp(&b.flow).then(b.version.cmp(&a.version)));
    Ok(deployments
        .into_iter()
        .map(|d| Version {
            effective: d.effective_from.map(|t| local_time(state, t)).unwrap_or_else(|| "—".into()),
            flow: d.flow,
            label: d.label,
            version: d.version,
        })
        .collect())
}

fn folder(state: &AppState) -> Option<String> {
    state.config.flows.as_ref().map(|p| p.display().to_string())
}

/// The list, newest version of each flow first.
pub(crate) async fn list(State(state): State<AppState>, signed: Signed) -> PageResult {
    signed.identity.require_admin().in_lang(signed.chrome.lang)?;
    let versions = versions(&state, &signed).await?;
    Ok(render(&FlowsPage { chrome: signed.chrome, versions, folder: folder(&state), deployed: None }))
}

/// The deploy form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeployForm {
    /// The day the new versions apply from (`YYYY-MM-DD` in the calendar's zone); empty: now.
    #[serde(default)]
    effective_from: String,
}

/// Deploys the service's flows folder again: each changed flow becomes a new version (flows
/// with errors are refused with their diagnostics, and nothing is deployed).
pub(crate) async fn deploy(State(state): State<AppState>, signed: Signed, Form(form): Form<DeployForm>) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let Some(path) = state.config.flows.clone() else {
        let problem = Problem::conflict("no_folder", "the service has no flows folder (JUNRO_FLOWS is empty)");
        return Err(super::Failure(lang, problem.into()));
    };
    let effective_from = match form.effective_from.trim() {
        "" => None,
        day => {
            let invalid = || {
                Problem::invalid(vec![FieldError {
                    field: "effective_from".into(),
                    message: format!("a day as YYYY-MM-DD, not `{day}`"),
                }])
            };
            let date: jiff::civil::Date = day.parse().map_err(|_| invalid()).in_lang(lang)?;
            Some(date.to_zoned(state.engine.zone()).map_err(|_| invalid()).in_lang(lang)?.timestamp())
        }
    };
    let deployed = state.engine.deploy(&[&path], effective_from).await.in_lang(lang)?;
    let made: Vec<String> = deployed.iter().filter(|d| d.new).map(|d| format!("{} v{}", d.flow, d.version)).collect();
    let detail = if made.is_empty() { "nothing changed".to_string() } else { made.join(", ") };
    let versions = versions(&state, &signed).await?;
    let mut response =
        render(&FlowsPage { chrome: signed.chrome, versions, folder: folder(&state), deployed: Some(made) });
    response.extensions_mut().insert(AuditNote::about("flows", Some(detail)));
    Ok(response)
}

/// One line of a difference.
pub(crate) struct Line {
    /// `+`, `-` or ` `.
    sign: char,
    text: String,
}

/// The difference of one file between two versions.
pub(crate) struct FileDiff {
    path: String,
    lines: Vec<Line>,
}

/// How `from`'s files became `to`'s, file by file (a file only one has is all added or all
/// removed); unchanged files are left out, and unchanged lines far from a change folded.
fn differences(from: &[(String, String)], to: &[(String, String)]) -> Vec<FileDiff> {
    let paths: BTreeSet<&str> = from.iter().chain(to).map(|(p, _)| p.as_str()).collect();
    let text = |files: &[(String, String)], path: &str| {
        files.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone()).unwrap_or_default()
    };
    let mut diffs = Vec::new();
    for path in paths {
        let (old, new) = (text(from, path), text(to, path));
        if old == new {
            continue;
        }
        let diff = TextDiff::from_lines(&old, &new);
        let mut lines = Vec::new();
        for (i, group) in diff.grouped_ops(3).iter().enumerate() {
            if i > 0 {
                lines.push(Line { sign: '…', text: String::new() });
            }
            for op in group {
                for change in diff.iter_changes(op) {
                    let sign = match change.tag() {
                        ChangeTag::Delete => '-',
                        ChangeTag::Insert => '+',
                        ChangeTag::Equal => ' ',
                    };
                    lines.push(Line { sign, text: change.value().trim_end_matches(['\n', '\r']).to_string() });
                }
            }
        }
        diffs.push(FileDiff { path: path.to_string(), lines });
    }
    diffs
}

#[derive(Template)]
#[template(path = "flow_version.html")]
struct VersionPage {
    chrome: Chrome,
    flow: String,
    label: String,
    version: u32,
    diagram: Option<String>,
    files: Vec<(String, String)>,
    /// The flow's other versions, to compare with.
    others: Vec<u32>,
    /// The version compared with, and how it became this one.
    compared: Option<(u32, Vec<FileDiff>)>,
    /// What moving open orders here did (or would do), and whether it was only checked.
    verdicts: Option<(Vec<MigrationVerdict>, bool)>,
}

/// `?compare=N`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Compare {
    #[serde(default)]
    compare: Option<u32>,
}

async fn version_page(
    state: &AppState,
    signed: Signed,
    flow: String,
    version: u32,
    compare: Option<u32>,
    verdicts: Option<(Vec<MigrationVerdict>, bool)>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let missing = |v: u32| Problem::not_found(format!("no version {v} of flow `{flow}`"));
    let compiled = state.engine.flow(&flow, version).ok_or_else(|| missing(version)).in_lang(lang)?;
    let files =
        state.engine.flow_sources(&flow, version).await.in_lang(lang)?.ok_or_else(|| missing(version)).in_lang(lang)?;
    let compared = match compare {
        Some(other) => {
            let theirs = state
                .engine
                .flow_sources(&flow, other)
                .await
                .in_lang(lang)?
                .ok_or_else(|| missing(other))
                .in_lang(lang)?;
            Some((other, differences(&theirs, &files)))
        }
        None => None,
    };
    let others = state
        .engine
        .deployments()
        .await
        .in_lang(lang)?
        .into_iter()
        .filter(|d| d.flow == flow && d.version != version)
        .map(|d| d.version)
        .collect();
    let diagram = super::diagram::svg(&compiled, &BTreeSet::new(), &BTreeSet::new());
    let page = VersionPage {
        label: compiled.label.clone(),
        flow,
        version,
        diagram,
        files,
        others,
        compared,
        verdicts,
        chrome: signed.chrome,
    };
    Ok(render(&page))
}

/// One version: its picture and its sources, and with `?compare=N` how version N became it.
pub(crate) async fn version(
    State(state): State<AppState>,
    signed: Signed,
    Path((flow, version)): Path<(String, u32)>,
    Query(compare): Query<Compare>,
) -> PageResult {
    version_page(&state, signed, flow, version, compare.compare, None).await
}

/// The migrate form: which button was pressed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MigrateForm {
    /// `check` (say what would happen) or `move`.
    #[serde(default)]
    mode: String,
}

/// Moves the flow's open orders to this version, or only says which would move and why the
/// others cannot.
pub(crate) async fn migrate(
    State(state): State<AppState>,
    signed: Signed,
    Path((flow, version)): Path<(String, u32)>,
    Form(form): Form<MigrateForm>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let dry_run = match form.mode.as_str() {
        "check" => true,
        "move" => false,
        other => {
            let problem = Problem::invalid(vec![FieldError {
                field: "mode".into(),
                message: format!("`check` or `move`, not `{other}`"),
            }]);
            return Err(super::Failure(lang, problem.into()));
        }
    };
    let verdicts = state.engine.migrate(&flow, version, None, dry_run, &signed.identity.actor()).await.in_lang(lang)?;
    let moved = verdicts.iter().filter(|v| v.blocked.is_none()).count();
    let what = if dry_run { "dry run" } else { "moved" };
    let note = AuditNote::about(flow.clone(), Some(format!("to version {version}: {moved} {what}")));
    let mut response = version_page(&state, signed, flow, version, None, Some((verdicts, dry_run))).await?;
    response.extensions_mut().insert(note);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_shows_what_changed_in_each_file_and_only_that() {
        let old = vec![
            ("a.flow".to_string(), "flow a {\n  step x\n  step y\n}\n".to_string()),
            ("same.flow".to_string(), "unchanged\n".to_string()),
            ("gone.flow".to_string(), "old\n".to_string()),
        ];
        let new = vec![
            ("a.flow".to_string(), "flow a {\n  step x\n  step z\n}\n".to_string()),
            ("same.flow".to_string(), "unchanged\n".to_string()),
        ];
        let diffs = differences(&old, &new);
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["a.flow", "gone.flow"]);
        let a: Vec<String> = diffs[0].lines.iter().map(|l| format!("{}{}", l.sign, l.text)).collect();
        assert_eq!(a, [" flow a {", "   step x", "-  step y", "+  step z", " }"]);
        assert!(diffs[1].lines.iter().all(|l| l.sign == '-'));
    }
}
