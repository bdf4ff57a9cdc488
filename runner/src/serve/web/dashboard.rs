//! The manager's dashboard: the KPI report of the manager's scope (a vendor's manager sees
//! that vendor's orders only) with filters by dates, flow and vendor, shown as the report's own
//! HTML page (its charts and tables), with the downloads beside it. The figures and the
//! rendering are the API's (`GET /api/v1/kpi`), so page and API never disagree.

use super::{Chrome, InLang, PageResult, Signed, render};
use crate::report::OrdersLink;
use crate::serve::api::kpi::{KpiParams, StalledParams, kpi_rendered, stalled_rendered};
use crate::serve::middleware::AuditNote;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use serde::Deserialize;

/// The dashboard's filters (the orders behind a bar keep them too).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
    #[serde(default)]
    pub(crate) flow: String,
    #[serde(default)]
    pub(crate) vendor: String,
    #[serde(default)]
    pub(crate) channel: String,
}

impl Filters {
    /// The filters given, trimmed, by name.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("flow", &self.flow),
            ("vendor", &self.vendor),
            ("channel", &self.channel),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim()))
        .collect()
    }

    /// The KPI report's parameters for these filters.
    pub(crate) fn params(&self, format: Option<&str>) -> KpiParams {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        KpiParams {
            from: some(&self.from),
            to: some(&self.to),
            flow: some(&self.flow),
            vendor: some(&self.vendor),
            channel: some(&self.channel),
            format: format.map(str::to_string),
            ..KpiParams::default()
        }
    }

    /// The filters as a query string.
    pub(crate) fn query(&self) -> String {
        serde_urlencoded::to_string(self.pairs()).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    /// The follow-up list instead of the KPI report.
    stalled: bool,
    filter: Filters,
    query: String,
    flows: Vec<(String, String)>,
    /// The channels the deployed flows take orders through.
    channels: Vec<String>,
    vendor_fixed: Option<String>,
}

/// The channels of the deployed flows, sorted.
fn channels(state: &AppState) -> Vec<String> {
    let mut channels: Vec<String> = state.engine.latest_flows().iter().filter_map(|f| f.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    channels
}

/// The page: filters, downloads, and the report in a frame.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed, Query(filter): Query<Filters>) -> PageResult {
    signed.identity.require_manager().in_lang(signed.chrome.lang)?;
    let flows = state.engine.latest_flows().iter().map(|f| (f.id.clone(), f.label.clone())).collect();
    let page = DashboardPage {
        channels: channels(&state),
        stalled: false,
        vendor_fixed: signed.identity.user.vendor.clone(),
        query: filter.query(),
        filter,
        flows,
        chrome: signed.chrome,
    };
    Ok(render(&page))
}

/// The report itself, as HTML shown in the page (not a download).
pub(crate) async fn report(State(state): State<AppState>, signed: Signed, Query(filter): Query<Filters>) -> PageResult {
    let lang = signed.chrome.lang;
    let mut params = filter.params(Some("html"));
    params.lang = Some(lang.code().to_string());
    let link = OrdersLink::new("/dashboard/orders", &filter.pairs());
    let ((bytes, _, filters), _) = kpi_rendered(&state, &signed.identity, params, Some(link)).await.in_lang(lang)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response.extensions_mut().insert(AuditNote::read(format!("dashboard{filters}")));
    Ok(response)
}

/// The follow-up list (`junro stalled`): stalled orders and overdue or at-risk tasks of the
/// person's scope, for supervisors and managers.
pub(crate) async fn stalled_page(
    State(state): State<AppState>,
    signed: Signed,
    Query(filter): Query<Filters>,
) -> PageResult {
    let user = &signed.identity.user;
    if !(user.supervisor || user.manager || user.admin) {
        let problem = crate::serve::problem::Problem::forbidden("supervisors, managers and administrators only");
        return Err(super::Failure(signed.chrome.lang, problem.into()));
    }
    let flows = state.engine.latest_flows().iter().map(|f| (f.id.clone(), f.label.clone())).collect();
    let page = DashboardPage {
        channels: Vec::new(),
        stalled: true,
        vendor_fixed: user.vendor.clone(),
        query: filter.query(),
        filter,
        flows,
        chrome: signed.chrome,
    };
    Ok(render(&page))
}

/// The follow-up list itself, as HTML shown in the page.
pub(crate) async fn stalled_report(
    State(state): State<AppState>,
    signed: Signed,
    Query(filter): Query<Filters>,
) -> PageResult {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let params = StalledParams {
        flow: some(&filter.flow),
        vendor: some(&filter.vendor),
        format: Some("html".into()),
        lang: Some(signed.chrome.lang.code().to_string()),
        ..StalledParams::default()
    };
    let ((bytes, _, filters), _) =
        stalled_rendered(&state, &signed.identity, params).await.in_lang(signed.chrome.lang)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response.extensions_mut().insert(AuditNote::read(format!("follow-up list{filters}")));
    Ok(response)
}
