//! The month in a few lines: orders by outcome, and per vendor the orders closed, the one-stop
//! rate with its numerator and denominator, and the median lead time — computed as
//! `../shared/kpi.md` defines them, from the engine's public API (orders and their histories).
//! Subflow orders roll up into their root order; the engine cannot list them yet, so the caller
//! passes the ones whose tasks people worked (the only ones that can break one-stop or give an
//! order its vendor).

use super::staff::VENDORS;
use junro_engine::kpi::OrderFacts;
use junro_engine::store::{HistoryEntry, OrderFilter};
use junro_engine::{Engine, EngineError};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

pub(crate) use junro_engine::kpi::SELF_SERVICE;

/// Figures of one vendor's closed orders.
#[derive(Debug, Default)]
pub(crate) struct VendorFigures {
    /// Closed orders.
    pub(crate) closed: usize,
    /// Completed orders.
    pub(crate) completed: usize,
    /// Rejected orders.
    pub(crate) rejected: usize,
    /// Cancelled orders.
    pub(crate) cancelled: usize,
    /// Completed orders of flows eligible for one-stop (the denominator).
    pub(crate) eligible: usize,
    /// Of those, the one-stop ones (the numerator).
    pub(crate) onestop: usize,
    /// Lead times of completed orders, in seconds.
    pub(crate) lead_times: Vec<i64>,
}

/// The month's figures.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// Orders received.
    pub(crate) orders: usize,
    /// Closed orders by outcome.
    pub(crate) outcomes: BTreeMap<String, usize>,
    /// By vendor (including [`SELF_SERVICE`]).
    pub(crate) vendors: BTreeMap<String, VendorFigures>,
}

/// Computes the figures; `children` are subflow orders to roll up into their roots.
pub(crate) async fn compute(engine: &Engine, children: &[String]) -> Result<Summary, EngineError> {
    let rows = engine.orders(&OrderFilter { limit: Some(u32::MAX), ..OrderFilter::default() }).await?;
    let roots: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut below: BTreeMap<String, Vec<Vec<HistoryEntry>>> = BTreeMap::new();
    for child in children {
        let view = engine.order(child).await?;
        let mut parent = view.state.parent.clone().map(|(p, _)| p);
        // A subflow may call another: climb to the root.
        for _ in 0..8 {
            match parent {
                Some(p) if !roots.contains(p.as_str()) => parent = engine.order(&p).await?.state.parent.map(|(p, _)| p),
                _ => break,
            }
        }
        if let Some(root) = parent {
            below.entry(root).or_default().push(view.history);
        }
    }
    let mut summary = Summary { orders: rows.len(), ..Summary::default() };
    for row in &rows {
        let (Some(outcome), Some(closed)) = (&row.outcome, row.closed_at) else { continue };
        *summary.outcomes.entry(outcome.clone()).or_default() += 1;
        let view = engine.order(&row.id).await?;
        let mut histories: Vec<&[HistoryEntry]> = vec![&view.history];
        histories.extend(below.get(&row.id).into_iter().flatten().map(Vec::as_slice));
        let facts = OrderFacts::of(&histories);
        let vendor = facts.vendor_name().to_string();
        let figures = summary.vendors.entry(vendor).or_default();
        figures.closed += 1;
        match outcome.as_str() {
            "completed" => {
                figures.completed += 1;
                figures.lead_times.push(closed.as_second() - row.received_at.as_second());
                if engine.flow(&row.flow, row.version).is_some_and(|f| f.onestop_eligible) {
                    figures.eligible += 1;
                    if !facts.back_started {
                        figures.onestop += 1;
                    }
                }
            }
            "rejected" => figures.rejected += 1,
            "cancelled" => figures.cancelled += 1,
            _ => {}
        }
    }
    Ok(summary)
}

/// The median by the nearest-rank method, in hours with one decimal.
fn median_hours(values: &[i64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = sorted.len().div_ceil(2);
    let value = *sorted.get(rank.checked_sub(1)?)?;
    Some((value as f64 / 360.0).round() / 10.0)
}

fn rate(numerator: usize, denominator: usize) -> String {
    if denominator == 0 {
        return "–".to_string();
    }
    format!("{:.1}% ({numerator}/{denominator})", 100.0 * numerator as f64 / denominator as f64)
}

/// Prints the figures.
pub(crate) fn print(out: &mut impl Write, summary: &Summary) -> std::io::Result<()> {
    let closed: usize = summary.outcomes.values().sum();
    writeln!(out, "Orders: {} received, {closed} closed, {} still open", summary.orders, summary.orders - closed)?;
    let mut outcomes: Vec<(&String, &usize)> = summary.outcomes.iter().collect();
    outcomes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (outcome, count) in outcomes {
        writeln!(out, "  {outcome:<12}{count:>6}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "By vendor (closed orders; one-stop = completed with no back-office task taken by a person, kpi.md):"
    )?;
    writeln!(
        out,
        "  {:<14}{:>7}{:>11}{:>10}{:>11}  {:<22}{:>18}",
        "vendor", "closed", "completed", "rejected", "cancelled", "one-stop", "median lead time"
    )?;
    let mut order: Vec<&str> = VENDORS.iter().map(|v| v.id).collect();
    order.push(SELF_SERVICE);
    order.extend(
        summary
            .vendors
            .keys()
            .map(String::as_str)
            .filter(|v| !VENDORS.iter().any(|x| x.id == *v) && *v != SELF_SERVICE),
    );
    let empty = VendorFigures::default();
    for vendor in order {
        let f = summary.vendors.get(vendor).unwrap_or(&empty);
        let median = median_hours(&f.lead_times).map_or("–".to_string(), |h| format!("{h:.1} h"));
        writeln!(
            out,
            "  {vendor:<14}{:>7}{:>11}{:>10}{:>11}  {:<22}{median:>18}",
            f.closed,
            f.completed,
            f.rejected,
            f.cancelled,
            rate(f.onestop, f.eligible)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::median_hours;

    #[test]
    fn median_is_nearest_rank() {
        assert_eq!(median_hours(&[]), None);
        assert_eq!(median_hours(&[3_600]), Some(1.0));
        // n = 4: rank ceil(2) = 2 → the second smallest.
        assert_eq!(median_hours(&[4 * 3_600, 3_600, 2 * 3_600, 3 * 3_600]), Some(2.0));
        assert_eq!(median_hours(&[5_400, 3_600, 7_200]), Some(1.5));
    }
}
