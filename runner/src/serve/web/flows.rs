//! Flows (administrators): every deployed flow with its versions and from when each applies;
//! one version's picture (drawn on the server) and its source files, as deployed.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::problem::Problem;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
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
}

/// The list, newest version of each flow first.
pub(crate) async fn list(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let mut deployments = state.engine.deployments().await.in_lang(lang)?;
    deployments.sort_by(|a, b| a.flow.cmp(&b.flow).then(b.version.cmp(&a.version)));
    let versions = deployments
        .into_iter()
        .map(|d| Version {
            effective: d.effective_from.map(|t| local_time(&state, t)).unwrap_or_else(|| "—".into()),
            flow: d.flow,
            label: d.label,
            version: d.version,
        })
        .collect();
    Ok(render(&FlowsPage { chrome: signed.chrome, versions }))
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
}

/// One version: its picture and its sources.
pub(crate) async fn version(
    State(state): State<AppState>,
    signed: Signed,
    Path((flow, version)): Path<(String, u32)>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let missing = || Problem::not_found(format!("no version {version} of flow `{flow}`"));
    let compiled = state.engine.flow(&flow, version).ok_or_else(missing).in_lang(lang)?;
    let files = state.engine.flow_sources(&flow, version).await.in_lang(lang)?.ok_or_else(missing).in_lang(lang)?;
    let diagram = super::diagram::svg(&compiled, &BTreeSet::new(), &BTreeSet::new());
    let page = VersionPage { label: compiled.label.clone(), flow, version, diagram, files, chrome: signed.chrome };
    Ok(render(&page))
}
