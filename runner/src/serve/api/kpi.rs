//! What managers read: the KPI report (every view of `junro kpi`, as JSON or as a CSV, XLSX or
//! HTML download), the reminder list (`junro stalled`), and the event log for process-mining
//! tools (`junro export`: XES, OCEL, CSV), streamed as it is written.
//!
//! Managers and administrators only. A vendor's manager reads only that vendor's orders: the
//! vendor filter is forced, so their figures, their reminder list and their exports are computed
//! from that vendor's orders alone. No figure is computed here: the engine's KPI code computes
//! them and `crate::report` renders them, as for the command line. Every download and every
//! export is recorded in the audit trail.

use super::Params;
use crate::report::{self, ReportFormat};
use crate::serve::auth::Identity;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{ApiResult, FieldError, Problem};
use crate::serve::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use junro_engine::calendar::{Calendar, Calendars};
use junro_engine::export::{self, Case};
use junro_engine::kpi::{KpiConfig, KpiReport, View};
use junro_engine::runtime::{KpiData, KpiQuery};
use serde::Deserialize;
use std::io::Write;
use tokio::sync::mpsc;
use utoipa::IntoParams;

/// What `GET /api/v1/kpi` reports: the options of `junro kpi`, narrowed by flow and vendor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// One breakdown instead of the whole report, as `junro kpi --by`: `order`, `vendor`,
    /// `flow`, `step`, `channel`, `day`, `week` or `month`.
    pub by: Option<String>,
    /// Only the view with this id (`summary`, `vendors`, `orders`, …). CSV holds one view: the
    /// first of the selection unless this names one.
    pub view: Option<String>,
    /// Orders received from this day (YYYY-MM-DD, in the calendars' zone).
    pub from: Option<String>,
    /// Orders received before this day.
    pub to: Option<String>,
    /// "Now" for queues, WIP and alerts (RFC 3339); default the later of the clock and the last
    /// recorded event.
    pub now: Option<String>,
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only orders attributed to this vendor (a vendor's managers read only their own).
    pub vendor: Option<String>,
    /// Only orders received through this channel (`phone`, `web`, …).
    pub channel: Option<String>,
    /// `json` (default), or a download: `csv`, `xlsx` or `html`.
    pub format: Option<String>,
    /// The language of the HTML page and the workbook's headers: `ja` (default) or `en`.
    pub lang: Option<String>,
}

/// What `GET /api/v1/stalled` lists: the options of `junro stalled`, narrowed by flow and vendor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StalledParams {
    /// Business hours without an event before an open order counts as stalled (overrides the
    /// configuration's `stalled_after_hours`).
    pub business_hours: Option<String>,
    /// Only the view with this id: `follow_up`, `stalled` or `tasks_due`.
    pub view: Option<String>,
    /// "Now" (RFC 3339); default the later of the clock and the last recorded event.
    pub now: Option<String>,
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only orders attributed to this vendor (a vendor's managers read only their own).
    pub vendor: Option<String>,
    /// `json` (default), or a download: `csv`, `xlsx` or `html`.
    pub format: Option<String>,
    /// The language of the HTML page and the workbook's headers: `ja` (default) or `en`.
    pub lang: Option<String>,
}

/// What `GET /api/v1/export` writes: the options of `junro export`, narrowed by flow and vendor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `xes` (IEEE 1849), `ocel` (OCEL 2.0 JSON) or `csv` (one row per event).
    pub format: Option<String>,
    /// Only orders received from this day (YYYY-MM-DD, in the calendars' zone).
    pub from: Option<String>,
    /// Only orders received before this day.
    pub to: Option<String>,
    /// Only orders of this flow.
    pub flow: Option<String>,
    /// Only orders attributed to this vendor (a vendor's managers export only their own).
    pub vendor: Option<String>,
}

/// The KPI report as `junro kpi` makes it (managers and administrators; a vendor's manager
/// reads only that vendor's orders). JSON is `{ "<view id>": [rows] }`; the other formats are
/// downloads, recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/kpi", tag = "kpi", params(KpiParams),
    responses((status = 200, description = "the report's views", content(
            (Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/html"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn kpi(
    State(state): State<AppState>,
    identity: Identity,
    Params(params): Params<KpiParams>,
) -> ApiResult<Response> {
    let (rendered, format) = kpi_rendered(&state, &identity, params, None).await?;
    Ok(answer(rendered, format))
}

/// The KPI report as `GET /api/v1/kpi` renders it (bytes, file stem, filters in words), for
/// the manager's scope; the dashboard page shows the HTML one, its bars leading to
/// `orders_link`.
pub(crate) async fn kpi_rendered(
    state: &AppState,
    identity: &Identity,
    params: KpiParams,
    orders_link: Option<report::OrdersLink>,
) -> ApiResult<((Vec<u8>, String, String), ReportFormat)> {
    identity.require_manager()?;
    let format = report_format(params.format.as_deref())?;
    let how = report::Presentation { language: language(params.lang.as_deref())?, orders_link };
    let (by, view) = (params.by.clone(), params.view.clone());
    let Computed { report, zone, filters } = kpi_computed(state, identity, params).await?;
    let rendered = blocking(move || {
        let views = match by.as_deref() {
            Some(name) => report.views_by(name).ok_or_else(|| {
                invalid("by", "use order, vendor, flow, step, channel, day, week or month".to_string())
            })?,
            None => report.views(),
        };
        let views = pick(views, view.as_deref())?;
        let mut name = String::from("junro-kpi");
        if let Some(by) = &by {
            // Known to the engine by now: a plain word.
            name = format!("{name}-{by}");
        }
        if view.is_some()
            && let Some(first) = views.first()
        {
            name = format!("{name}-{}", first.id);
        }
        let bytes = render(&views, Some(&report), format, &zone, &how)?;
        Ok((bytes, name, filters.describe()))
    })
    .await?;
    Ok((rendered, format))
}

/// A KPI report computed for a caller's scope: the figures, the zone its days are taken in,
/// and the filters that made it.
pub(crate) struct Computed {
    /// The figures.
    pub(crate) report: KpiReport,
    /// The calendars' zone.
    pub(crate) zone: TimeZone,
    filters: Filters,
}

impl Computed {
    /// The filters in words, for the audit trail.
    pub(crate) fn describe(&self) -> String {
        self.filters.describe()
    }
}

/// The KPI report of `params`' window, flow and vendor, within what the caller may read
/// (managers and administrators; a vendor's manager reads only that vendor's orders).
pub(crate) async fn kpi_computed(state: &AppState, identity: &Identity, params: KpiParams) -> ApiResult<Computed> {
    identity.require_manager()?;
    let (from, to) = (day("from", params.from.as_deref())?, day("to", params.to.as_deref())?);
    in_order(from, to)?;
    let now = moment("now", params.now.as_deref())?;
    let vendor = scope(identity, params.vendor)?;
    let config = kpi_config(state)?;
    let mut data = state.engine.kpi_data(now).await?;
    let zone = data.zone();
    let query = KpiQuery { from: start_of("from", from, &zone)?, to: start_of("to", to, &zone)?, now: None };
    let filters = Filters { from, to, flow: params.flow, vendor, channel: params.channel };
    blocking(move || {
        filters.narrow(&mut data);
        let report = data.report(&query, &config);
        Ok(Computed { report, zone, filters })
    })
    .await
}

/// The reminder list as `junro stalled` makes it: what to follow up by vendor and step, stalled
/// orders, and overdue or at-risk tasks (supervisors, managers and administrators; a vendor's
/// people read only that vendor's orders). Downloads are recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/stalled", tag = "kpi", params(StalledParams),
    responses((status = 200, description = "the reminder list's views", content(
            (Object = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/html"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn stalled(
    State(state): State<AppState>,
    identity: Identity,
    Params(params): Params<StalledParams>,
) -> ApiResult<Response> {
    let (rendered, format) = stalled_rendered(&state, &identity, params).await?;
    Ok(answer(rendered, format))
}

/// The reminder list as `GET /api/v1/stalled` renders it, for the caller's scope (supervisors
/// follow up their team's orders, managers read it too); the pages show the HTML one.
pub(crate) async fn stalled_rendered(
    state: &AppState,
    identity: &Identity,
    params: StalledParams,
) -> ApiResult<((Vec<u8>, String, String), ReportFormat)> {
    if !(identity.user.supervisor || identity.user.manager || identity.user.admin) {
        return Err(Problem::forbidden("only supervisors, managers and administrators may read the reminder list"));
    }
    let format = report_format(params.format.as_deref())?;
    let now = moment("now", params.now.as_deref())?;
    let mut config = kpi_config(state)?;
    if let Some(text) = params.business_hours.as_deref() {
        config.stalled_after_hours = match text.trim().parse::<f64>() {
            Ok(hours) if hours.is_finite() && hours >= 0.0 => hours,
            _ => return Err(invalid("business_hours", format!("a number of hours, 0 or more, not `{text}`"))),
        };
    }
    let vendor = scope(identity, params.vendor)?;
    let mut data = state.engine.kpi_data(now).await?;
    let zone = data.zone();
    let filters = Filters { from: None, to: None, flow: params.flow, vendor, channel: None };
    let view = params.view;
    let how = report::Presentation::in_language(language(params.lang.as_deref())?);
    let rendered = blocking(move || {
        filters.narrow(&mut data);
        let views = pick(data.stalled(&config).views(), view.as_deref())?;
        let name = match (&view, views.first()) {
            (Some(_), Some(first)) => format!("junro-stalled-{}", first.id),
            _ => "junro-stalled".to_string(),
        };
        Ok((render(&views, None, format, &zone, &how)?, name, filters.describe()))
    })
    .await?;
    Ok((rendered, format))
}

/// The event log for process-mining tools, as `junro export` writes it (managers and
/// administrators; a vendor's manager exports only that vendor's orders). Streamed as it is
/// written; recorded in the audit trail.
#[utoipa::path(get, path = "/api/v1/export", tag = "kpi", params(ExportParams),
    responses((status = 200, description = "the event log, as a download", content(
            (String = "application/xml"), (Object = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn export(
    State(state): State<AppState>,
    identity: Identity,
    Params(params): Params<ExportParams>,
) -> ApiResult<Response> {
    identity.require_manager()?;
    let format = match params.format.as_deref() {
        Some("xes") => LogFormat::Xes,
        Some("ocel") => LogFormat::Ocel,
        Some("csv") => LogFormat::Csv,
        Some(other) => return Err(invalid("format", format!("use xes, ocel or csv, not `{other}`"))),
        None => return Err(invalid("format", "name the event log's format: xes, ocel or csv".to_string())),
    };
    let (from, to) = (day("from", params.from.as_deref())?, day("to", params.to.as_deref())?);
    in_order(from, to)?;
    let vendor = scope(&identity, params.vendor)?;
    let zone = calendar_zone(&state)?;
    let window = export::Window { from: start_of("from", from, &zone)?, to: start_of("to", to, &zone)? };
    let mut cases = export::read_cases(&state.engine, &window).await.map_err(Problem::internal)?;
    let filters = Filters { from, to, flow: params.flow, vendor, channel: None };
    cases.retain(|case| filters.keeps(&case.flow, &case.vendor));
    let (content_type, extension) = match format {
        LogFormat::Xes => ("application/xml", "xes"),
        LogFormat::Ocel => ("application/json", "ocel.json"),
        LogFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let what = format!("event log junro-events.{extension}{}", filters.describe());
    Ok(download(stream(format, cases), content_type, &format!("junro-events.{extension}"), what))
}

/// The event-log formats.
#[derive(Debug, Clone, Copy)]
enum LogFormat {
    Xes,
    Ocel,
    Csv,
}

/// Which orders an answer covers: the window (for its description; the engine applies it), the
/// flow and the vendor.
struct Filters {
    from: Option<Date>,
    to: Option<Date>,
    flow: Option<String>,
    vendor: Option<String>,
    /// Only orders of this channel (the KPI report; the reminder list and exports do not take one).
    channel: Option<String>,
}

impl Filters {
    fn keeps(&self, flow: &str, vendor: &str) -> bool {
        self.flow.as_deref().is_none_or(|f| f == flow) && self.vendor.as_deref().is_none_or(|v| v == vendor)
    }

    /// Keeps in `data` only the orders of the flow and the vendor asked for.
    fn narrow(&self, data: &mut KpiData) {
        if self.flow.is_some() || self.vendor.is_some() || self.channel.is_some() {
            data.retain(|order| {
                self.keeps(&order.flow, &order.vendor)
                    && self.channel.as_deref().is_none_or(|c| order.channel.as_deref() == Some(c))
            });
        }
    }

    /// The filters in words, for the audit trail (empty without any).
    fn describe(&self) -> String {
        let parts: Vec<String> = [
            self.from.map(|d| format!("from {d}")),
            self.to.map(|d| format!("to {d}")),
            self.flow.as_ref().map(|f| format!("flow {f}")),
            self.vendor.as_ref().map(|v| format!("vendor {v}")),
            self.channel.as_ref().map(|c| format!("channel {c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
    }
}

/// A 400 naming the parameter.
fn invalid(field: &str, message: String) -> Problem {
    Problem::invalid(vec![FieldError { field: field.to_string(), message }])
}

/// The vendor whose orders the caller may read: their own for a vendor's manager (asking for
/// another answers 403), else the one asked for, if any.
fn scope(identity: &Identity, asked: Option<String>) -> Result<Option<String>, Problem> {
    match (&identity.user.vendor, asked) {
        (Some(own), Some(asked)) if !identity.user.admin && *own != asked => {
            Err(Problem::forbidden(format!("you manage vendor `{own}`: you may read only its orders")))
        }
        (Some(own), _) if !identity.user.admin => Ok(Some(own.clone())),
        (_, asked) => Ok(asked),
    }
}

fn report_format(asked: Option<&str>) -> Result<ReportFormat, Problem> {
    match asked {
        None | Some("json") => Ok(ReportFormat::Json),
        Some("csv") => Ok(ReportFormat::Csv),
        Some("xlsx") => Ok(ReportFormat::Xlsx),
        Some("html") => Ok(ReportFormat::Html),
        Some(other) => Err(invalid("format", format!("use json, csv, xlsx or html, not `{other}`"))),
    }
}

fn language(asked: Option<&str>) -> Result<report::Language, Problem> {
    match asked {
        None => Ok(report::Language::Ja),
        Some(code) => {
            report::Language::parse(code).ok_or_else(|| invalid("lang", format!("use ja or en, not `{code}`")))
        }
    }
}

fn day(field: &str, text: Option<&str>) -> Result<Option<Date>, Problem> {
    text.map(|t| t.trim().parse::<Date>().map_err(|_| invalid(field, format!("a day as YYYY-MM-DD, not `{t}`"))))
        .transpose()
}

fn in_order(from: Option<Date>, to: Option<Date>) -> Result<(), Problem> {
    match (from, to) {
        (Some(from), Some(to)) if from >= to => {
            Err(invalid("to", format!("{to} must be after from {from} (the window is [from, to))")))
        }
        _ => Ok(()),
    }
}

fn moment(field: &str, text: Option<&str>) -> Result<Option<Timestamp>, Problem> {
    text.map(|t| t.trim().parse::<Timestamp>().map_err(|_| invalid(field, format!("a moment in RFC 3339, not `{t}`"))))
        .transpose()
}

/// Midnight at the start of `day` in `zone`.
fn start_of(field: &str, day: Option<Date>, zone: &TimeZone) -> Result<Option<Timestamp>, Problem> {
    day.map(|d| {
        d.to_zoned(zone.clone()).map(|z| z.timestamp()).map_err(|e| invalid(field, format!("the start of {d}: {e}")))
    })
    .transpose()
}

/// The targets and thresholds of the settings' `kpi` file, or the defaults without one.
pub(crate) fn kpi_config(state: &AppState) -> Result<KpiConfig, Problem> {
    let Some(path) = &state.config.kpi_file() else { return Ok(KpiConfig::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| Problem::internal(format!("{}: {e}", path.display())))?;
    KpiConfig::from_yaml(&text).map_err(|e| Problem::internal(format!("{}: {e}", path.display())))
}

/// The zone of the default business calendar (the settings' `calendars`, as the engine was
/// opened with), in which export days are taken.
fn calendar_zone(state: &AppState) -> Result<TimeZone, Problem> {
    let Some(path) = &state.config.calendars_file() else { return Ok(Calendar::japan_office().zone().clone()) };
    let text = std::fs::read_to_string(path).map_err(|e| Problem::internal(format!("{}: {e}", path.display())))?;
    let calendars = Calendars::from_yaml(&text).map_err(|e| Problem::internal(format!("{}: {e}", path.display())))?;
    Ok(calendars.default_calendar().zone().clone())
}

/// Only the view `id` of `views`, when one is asked for.
fn pick(views: Vec<View>, id: Option<&str>) -> Result<Vec<View>, Problem> {
    let Some(id) = id else { return Ok(views) };
    let ids: Vec<&str> = views.iter().map(|v| v.id).collect();
    if !ids.contains(&id) {
        return Err(invalid("view", format!("no view `{id}` here: use one of {}", ids.join(", "))));
    }
    Ok(views.into_iter().filter(|v| v.id == id).collect())
}

fn render(
    views: &[View],
    report: Option<&KpiReport>,
    format: ReportFormat,
    zone: &TimeZone,
    how: &report::Presentation,
) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    report::render(views, report, format, zone, how, &mut bytes).map_err(Problem::internal)?;
    Ok(bytes)
}

/// Runs CPU-bound work (computing and rendering a report) off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(Problem::internal)?
}

/// A rendered report: JSON as an answer, other formats as a download recorded in the audit trail.
fn answer((bytes, name, filters): (Vec<u8>, String, String), format: ReportFormat) -> Response {
    let (content_type, extension) = match format {
        ReportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ReportFormat::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        ReportFormat::Html => ("text/html; charset=utf-8", "html"),
        ReportFormat::Json | ReportFormat::Table => {
            return ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response();
        }
    };
    let file = format!("{name}.{extension}");
    let what = format!("{file}{filters}");
    download(Body::from(bytes), content_type, &file, what)
}

/// A download: its type, its file name, and its audit record.
fn download(body: Body, content_type: &'static str, file: &str, what: String) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The name is ours (a fixed stem, view ids, an extension): plain ASCII.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response.extensions_mut().insert(AuditNote::read(what));
    response
}

/// The size of the chunks an export is sent in.
const CHUNK: usize = 64 * 1024;

/// Writes the event log on a blocking thread into a channel of chunks the body reads, a few
/// chunks ahead of the client at most: the export is never held whole as bytes. A failure after
/// the first chunk ends the body with an error, so the client sees a broken download rather
/// than a short one.
fn stream(format: LogFormat, cases: Vec<Case>) -> Body {
    let (sender, mut receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter { chunks: sender.clone(), buffer: Vec::with_capacity(CHUNK) };
        let written = match format {
            LogFormat::Xes => export::xes::write(&mut out, cases),
            LogFormat::Ocel => export::ocel::write(&mut out, cases),
            LogFormat::Csv => export::csv::write(&mut out, cases),
        };
        let result = written.map_err(std::io::Error::other).and_then(|_| out.flush());
        if let Err(error) = result {
            // A client that went away needs no word; anything else ends the body with an error.
            if !sender.is_closed() {
                tracing::error!(%error, "the event-log export failed");
                let _ = sender.blocking_send(Err(error));
            }
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |context| receiver.poll_recv(context)))
}

/// A writer that hands what it is given to a channel in chunks of [`CHUNK`] bytes.
struct ChunkWriter {
    chunks: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.chunks
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() { Ok(()) } else { self.send() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_handed_over_in_chunks_and_stops_when_the_client_goes() {
        let (sender, mut receiver) = mpsc::channel(8);
        let mut out = ChunkWriter { chunks: sender, buffer: Vec::new() };
        out.write_all(&vec![b'x'; CHUNK + 10]).expect("written");
        out.write_all(b"tail").expect("written");
        out.flush().expect("flushed");
        let mut sizes = Vec::new();
        while let Ok(chunk) = receiver.try_recv() {
            sizes.push(chunk.expect("bytes").len());
        }
        assert_eq!(sizes, [CHUNK + 10, 4], "a full chunk as soon as it fills, the rest on flush");
        drop(receiver);
        let error = out.write_all(&vec![b'x'; CHUNK]).expect_err("nobody reads");
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    }
}
