//! "Why not one-stop" (`../shared/kpi.md`): for each completed eligible order that was not
//! one-stop, the decision that made its first back-office step ready, ranked per flow and
//! vendor; and the rule whose decisions sent the most orders there, the one an analyst makes
//! explicit next (`junro backtest --rule`).

use super::case::CaseFigures;
use super::compute::Span;
use super::report::{KpiReport, NotOneStop};
use super::view::{Cell, Column, Unit, View};
use std::collections::BTreeMap;

/// Functions of the expression language that are not rules.
const BUILT_IN: &[&str] = &["len", "contains", "is_empty", "days_between", "today", "now"];

/// The orders counted: completed eligible orders, closed in the window, not one-stop.
fn counted(cases: &[CaseFigures], span: Span) -> impl Iterator<Item = (&CaseFigures, &str)> {
    cases
        .iter()
        .filter(move |c| c.closed.is_some_and(|t| span.contains(t)))
        .filter_map(|c| Some((c, c.order.not_one_stop.as_deref()?)))
}

/// The ranking per flow and vendor, the most orders first.
pub(crate) fn ranking(cases: &[CaseFigures], span: Span) -> Vec<NotOneStop> {
    let mut counts: BTreeMap<(&str, &str), BTreeMap<&str, u64>> = BTreeMap::new();
    for (case, reason) in counted(cases, span) {
        *counts
            .entry((case.order.flow.as_str(), case.order.vendor.as_str()))
            .or_default()
            .entry(reason)
            .or_default() += 1;
    }
    let mut out = Vec::new();
    for ((flow, vendor), reasons) in counts {
        let total: u64 = reasons.values().sum();
        let mut ranked: Vec<(&str, u64)> = reasons.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (n, (reason, orders)) in ranked.into_iter().enumerate() {
            out.push(NotOneStop {
                rank: u32::try_from(n + 1).unwrap_or(u32::MAX),
                flow: flow.to_string(),
                vendor: vendor.to_string(),
                reason: reason.to_string(),
                rule: rule_of(reason),
                orders,
                share: orders as f64 / total as f64,
            });
        }
    }
    out
}

/// The rule that sent the most orders to the back office across flows and vendors.
pub(crate) fn rule_to_revisit(cases: &[CaseFigures], span: Span) -> Option<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (_, reason) in counted(cases, span) {
        if let Some(rule) = rule_of(reason) {
            *counts.entry(rule).or_default() += 1;
        }
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
}

/// The rule a decision's condition calls (`route: !area_ok(area_status) → 審査` → `area_ok`):
/// the first function named in the part before the arrow that is not a built-in.
pub(crate) fn rule_of(reason: &str) -> Option<String> {
    let condition = reason.split(" → ").next()?.split_once(": ")?.1;
    let bytes = condition.as_bytes();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_';
        match (word, start) {
            (true, None) if !b.is_ascii_digit() => start = Some(i),
            (false, Some(s)) => {
                let name = &condition[s..i];
                if b == b'(' && !BUILT_IN.contains(&name) {
                    return Some(name.to_string());
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

impl KpiReport {
    /// Why completed orders were not one-stop, per flow and vendor.
    pub(crate) fn not_one_stop_view(&self) -> View {
        let columns = vec![
            Column { key: "flow", label: "Flow", unit: Unit::Text },
            Column { key: "vendor", label: "Vendor", unit: Unit::Text },
            Column { key: "rank", label: "Rank", unit: Unit::Count },
            Column { key: "reason", label: "Decision → back-office step", unit: Unit::Text },
            Column { key: "rule", label: "Rule", unit: Unit::Text },
            Column { key: "orders", label: "Orders", unit: Unit::Count },
            Column { key: "share", label: "Share of not one-stop", unit: Unit::Ratio },
        ];
        let rows = self
            .not_one_stop
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.flow.clone()),
                    Cell::Text(r.vendor.clone()),
                    Cell::Int(i64::from(r.rank)),
                    Cell::Text(r.reason.clone()),
                    r.rule.clone().map_or(Cell::Empty, Cell::Text),
                    Cell::Int(i64::try_from(r.orders).unwrap_or(i64::MAX)),
                    Cell::Float(r.share),
                ]
            })
            .collect();
        View { id: "not_one_stop", title: "Why not one-stop (completed orders)", columns, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::rule_of;

    #[test]
    fn the_rule_is_the_function_a_decision_calls() {
        assert_eq!(rule_of("route: !area_ok(area_status) && !is_duplicate → 審査").as_deref(), Some("area_ok"));
        assert_eq!(rule_of("route: len(campaigns) > 0 && promo_ok(plan) → 審査").as_deref(), Some("promo_ok"));
        assert_eq!(rule_of("route: plan == \"premium\" → 審査"), None);
        assert_eq!(rule_of("intake: reject → 審査"), None);
        assert_eq!(rule_of("after intake → 審査"), None);
    }
}
