//! The orders behind a dashboard chart's bar: the KPI report's own order rows (the API's
//! `GET /api/v1/kpi?view=orders`, same scope, same window), narrowed to what the bar counts, each
//! linking to its order page. A vendor's one-stop bar lists the orders its rate counts, those
//! that were not one-stop first; a lead-time column the completed orders in that range; a day
//! the orders received that day; a waiting step its flow's orders, most waiting first.

use super::dashboard::Filters;
use super::i18n::Lang;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::report::Language;
use crate::serve::api::kpi::kpi_computed;
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{FieldError, Problem};
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use jiff::tz::TimeZone;
use junro_engine::kpi::OrderKpi;
use junro_engine::kpi::view::local_time;
use serde::Deserialize;

/// The most rows a page lists; the CSV download has them all.
const MOST_ROWS: usize = 500;

/// The report's filters and what the bar counts.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BehindQuery {
    /// The report's own filters.
    #[serde(flatten)]
    filters: Filters,
    /// `one_stop`: only the orders a one-stop rate counts.
    #[serde(default)]
    counted: String,
    /// Completed orders with a lead time of at least this many hours…
    #[serde(default)]
    lead_from: String,
    /// …and less than this many.
    #[serde(default)]
    lead_to: String,
    /// Orders received on this day.
    #[serde(default)]
    received: String,
    /// The waiting step the bar is (its flow's orders, most waiting first).
    #[serde(default)]
    step: String,
}

/// The criteria, checked.
struct Criteria {
    one_stop_counted: bool,
    lead: Option<(f64, Option<f64>)>,
    received: Option<jiff::civil::Date>,
    by_waiting: bool,
}

impl BehindQuery {
    fn criteria(&self) -> Result<Criteria, Problem> {
        let number = |field: &str, text: &str| -> Result<Option<f64>, Problem> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            match text.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(invalid(field, format!("a number of hours, not `{text}`"))),
            }
        };
        let lead = match (number("lead_from", &self.lead_from)?, number("lead_to", &self.lead_to)?) {
            (None, None) => None,
            (from, to) => Some((from.unwrap_or(0.0), to)),
        };
        let received = match self.received.trim() {
            "" => None,
            day => Some(day.parse().map_err(|_| invalid("received", format!("a day as YYYY-MM-DD, not `{day}`")))?),
        };
        let one_stop_counted = match self.counted.trim() {
            "" => false,
            "one_stop" => true,
            other => return Err(invalid("counted", format!("only `one_stop`, not `{other}`"))),
        };
        Ok(Criteria { one_stop_counted, lead, received, by_waiting: !self.step.trim().is_empty() })
    }

    /// The dashboard with the same filters.
    fn dashboard(&self) -> String {
        let query = self.filters.query();
        if query.is_empty() { "/dashboard".to_string() } else { format!("/dashboard?{query}") }
    }

    /// What the list holds, in words.
    fn describe(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        let mut parts: Vec<String> = Vec::new();
        if !self.filters.vendor.trim().is_empty() {
            parts.push(if ja {
                format!("委託先 {}", self.filters.vendor.trim())
            } else {
                format!("vendor {}", self.filters.vendor.trim())
            });
        }
        if !self.filters.flow.trim().is_empty() {
            parts.push(if ja {
                format!("フロー {}", self.filters.flow.trim())
            } else {
                format!("flow {}", self.filters.flow.trim())
            });
        }
        if !self.filters.channel.trim().is_empty() {
            let channel = self.filters.channel.trim();
            parts.push(if ja { format!("受付チャネル {channel}") } else { format!("channel {channel}") });
        }
        if self.counted.trim() == "one_stop" {
            parts.push(
                (if ja {
                    "ワンストップ率の対象の完了案件（ワンストップでなかった案件が先）"
                } else {
                    "completed orders its one-stop rate counts (those not one-stop first)"
                })
                .to_string(),
            );
        }
        if !self.lead_from.trim().is_empty() || !self.lead_to.trim().is_empty() {
            let (from, to) = (self.lead_from.trim(), self.lead_to.trim());
            parts.push(match (ja, to.is_empty()) {
                (true, false) => format!("リードタイム {from}〜{to}時間の完了案件"),
                (true, true) => format!("リードタイム {from}時間以上の完了案件"),
                (false, false) => format!("completed with a lead time of {from} to {to} h"),
                (false, true) => format!("completed with a lead time of {from} h or more"),
            });
        }
        if !self.received.trim().is_empty() {
            let day = self.received.trim();
            parts.push(if ja { format!("{day} 受付") } else { format!("received on {day}") });
        }
        if !self.step.trim().is_empty() {
            let step = self.step.trim();
            parts.push(if ja {
                format!("待ち時間の長い順（ステップ {step} のボトルネックから）")
            } else {
                format!("most waiting first (from the bottleneck at step {step})")
            });
        }
        for (name, day) in [("from", &self.filters.from), ("to", &self.filters.to)] {
            let day = day.trim();
            if !day.is_empty() {
                parts.push(match (ja, name) {
                    (true, "from") => format!("{day} 以降の受付"),
                    (true, _) => format!("{day} より前の受付"),
                    (false, "from") => format!("received from {day}"),
                    (false, _) => format!("received before {day}"),
                });
            }
        }
        parts.join(" · ")
    }
}

fn invalid(field: &str, message: String) -> Problem {
    Problem::invalid(vec![FieldError { field: field.to_string(), message }])
}

impl Criteria {
    fn keeps(&self, order: &OrderKpi, zone: &TimeZone) -> bool {
        if self.one_stop_counted && order.one_stop.is_none() {
            return false;
        }
        if let Some((from, to)) = self.lead {
            let Some(seconds) = order.lead_time.filter(|_| order.outcome == "completed") else { return false };
            let hours = seconds as f64 / 3600.0;
            if hours < from || to.is_some_and(|to| hours >= to) {
                return false;
            }
        }
        if let Some(day) = self.received
            && order.received.to_zoned(zone.clone()).date() != day
        {
            return false;
        }
        true
    }
}

/// An order's outcome in the reader's words (an outcome the flow names itself stays as written).
pub(crate) fn outcome(outcome: &str, lang: Lang) -> String {
    let language = if lang == Lang::Ja { Language::Ja } else { Language::En };
    language.outcome(outcome).map_or_else(|| outcome.to_string(), str::to_string)
}

/// One order of the list, as shown.
struct Row {
    id: String,
    business_key: String,
    flow: String,
    vendor: String,
    outcome: String,
    received: String,
    lead_time: String,
    one_stop: &'static str,
    waiting: String,
}

#[derive(Template)]
#[template(path = "behind.html")]
struct BehindPage {
    chrome: Chrome,
    what: String,
    total: usize,
    rows: Vec<Row>,
    dashboard: String,
}

/// The page.
pub(crate) async fn page(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<BehindQuery>,
) -> PageResult {
    let lang = signed.chrome.lang;
    let criteria = query.criteria().in_lang(lang)?;
    let computed = kpi_computed(&state, &signed.identity, query.filters.params(None)).await.in_lang(lang)?;
    let zone = &computed.zone;
    let mut orders: Vec<&OrderKpi> = computed.report.orders.iter().filter(|o| criteria.keeps(o, zone)).collect();
    if criteria.by_waiting {
        orders.sort_by(|a, b| b.waiting.cmp(&a.waiting).then_with(|| a.id.cmp(&b.id)));
    } else if criteria.one_stop_counted {
        orders.sort_by(|a, b| a.one_stop.cmp(&b.one_stop).then_with(|| b.lead_time.cmp(&a.lead_time)));
    } else {
        orders.sort_by(|a, b| b.lead_time.cmp(&a.lead_time).then_with(|| a.id.cmp(&b.id)));
    }
    let hours = |s: i64| format!("{:.1}", s as f64 / 3600.0);
    let (yes, no) = if lang == Lang::Ja { ("はい", "いいえ") } else { ("yes", "no") };
    let total = orders.len();
    let flows = state.engine.latest_flows();
    let labels: std::collections::HashMap<&str, &str> =
        flows.iter().map(|f| (f.id.as_str(), f.label.as_str())).collect();
    let rows = orders
        .into_iter()
        .take(MOST_ROWS)
        .map(|o| Row {
            id: o.id.clone(),
            business_key: o.business_key.clone().unwrap_or_default(),
            flow: labels.get(o.flow.as_str()).map_or_else(|| o.flow.clone(), |l| (*l).to_string()),
            vendor: o.vendor.clone(),
            outcome: outcome(&o.outcome, lang),
            received: local_time(o.received, zone),
            lead_time: o.lead_time.map(hours).unwrap_or_default(),
            one_stop: match o.one_stop {
                Some(true) => yes,
                Some(false) => no,
                None => "",
            },
            waiting: hours(o.waiting),
        })
        .collect();
    let note = format!("orders behind a chart{}", computed.describe());
    let page =
        BehindPage { what: query.describe(lang), total, rows, dashboard: query.dashboard(), chrome: signed.chrome };
    let mut response = render(&page);
    response.extensions_mut().insert(AuditNote::read(note));
    Ok(response.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(outcome: &str, lead_hours: Option<i64>, one_stop: Option<bool>, received: &str) -> OrderKpi {
        let received: jiff::Timestamp = received.parse().expect("a moment");
        OrderKpi {
            id: "o".into(),
            business_key: None,
            flow: "f".into(),
            version: 1,
            vendor: "v".into(),
            channel: None,
            outcome: outcome.into(),
            received,
            closed: None,
            lead_time: lead_hours.map(|h| h * 3600),
            business_lead_time: None,
            stopped: 0,
            touch: 0,
            waiting: 0,
            flow_efficiency: None,
            handoffs: 0,
            handoffs_lane: 0,
            handoffs_vendor: 0,
            rework: 0,
            one_stop,
            not_one_stop: None,
            sla_met: None,
            time: Default::default(),
            business_time: Default::default(),
        }
    }

    fn query(pairs: &str) -> BehindQuery {
        serde_urlencoded::from_str(pairs).expect("a query")
    }

    #[test]
    fn a_bar_keeps_exactly_the_orders_it_counts() {
        let tokyo = TimeZone::get("Asia/Tokyo").expect("zone");
        let keeps = |q: &str, o: &OrderKpi| query(q).criteria().expect("valid").keeps(o, &tokyo);
        let done = order("completed", Some(12), Some(false), "2026-11-02T01:00:00Z");
        assert!(keeps("lead_from=10&lead_to=20", &done));
        assert!(!keeps("lead_from=12.5&lead_to=20", &done), "below the range");
        assert!(!keeps("lead_from=0&lead_to=12", &done), "the end is not in the range");
        assert!(keeps("lead_from=12", &done), "the last column has no end");
        assert!(!keeps("lead_from=0", &order("cancelled", Some(1), None, "2026-11-02T01:00:00Z")));
        assert!(keeps("counted=one_stop", &done));
        assert!(!keeps("counted=one_stop", &order("open", None, None, "2026-11-02T01:00:00Z")));
        // 2026-11-01T20:00Z is the 2nd in Tokyo: days are the calendar's.
        assert!(keeps("received=2026-11-02", &order("open", None, None, "2026-11-01T20:00:00Z")));
        assert!(!keeps("received=2026-11-01", &order("open", None, None, "2026-11-01T20:00:00Z")));
        // The report's filters ride along, for the report and the way back to the dashboard.
        let q = query("vendor=A%E7%A4%BE&channel=web&lead_from=1");
        assert_eq!((q.filters.vendor.as_str(), q.filters.channel.as_str()), ("A社", "web"));
        assert_eq!(q.dashboard(), "/dashboard?vendor=A%E7%A4%BE&channel=web");
    }

    #[test]
    fn a_malformed_criterion_is_named() {
        for (q, field) in [
            ("lead_from=abc", "lead_from"),
            ("lead_to=-1", "lead_to"),
            ("received=11/02", "received"),
            ("counted=all", "counted"),
        ] {
            let Err(problem) = query(q).criteria() else { panic!("{q} is refused") };
            let text = format!("{problem:?}");
            assert!(text.contains(field), "{q}: {text}");
        }
    }
}
