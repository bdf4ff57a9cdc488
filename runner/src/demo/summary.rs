//! The month in a few lines, from the engine's KPI report (`../shared/kpi.md`): orders by
//! outcome, and per vendor the closed orders, the one-stop rate with its numerator and
//! denominator against the vendor's target, and the median lead times.

use super::staff::VENDORS;
use junro_engine::kpi::{GroupKpi, KpiReport};
use std::io::Write;

pub(crate) use junro_engine::kpi::SELF_SERVICE;

/// Hours with one decimal, or a dash.
fn hours(seconds: Option<i64>) -> String {
    seconds.map_or("–".to_string(), |s| format!("{:.1} h", s as f64 / 3600.0))
}

fn rate(numerator: u64, denominator: u64) -> String {
    if denominator == 0 {
        return "–".to_string();
    }
    format!("{:.1}% ({numerator}/{denominator})", 100.0 * numerator as f64 / denominator as f64)
}

fn target(g: &GroupKpi) -> String {
    match (g.target, g.target_met) {
        (Some(t), Some(met)) => format!("{:.0}% {}", t * 100.0, if met { "met" } else { "missed" }),
        (Some(t), None) => format!("{:.0}%", t * 100.0),
        _ => "–".to_string(),
    }
}

/// One line of the vendor table.
fn row(out: &mut impl Write, name: &str, g: &GroupKpi) -> std::io::Result<()> {
    writeln!(
        out,
        "  {name:<14}{:>7}{:>11}{:>11}{:>10}{:>11}{:>8}  {:<22}{:<12}{:>13}{:>13}",
        g.closed,
        g.completed,
        g.cancelled,
        g.rejected,
        g.withdrawn,
        g.failed,
        rate(g.one_stop, g.eligible_completed),
        target(g),
        hours(g.lead_time.p50),
        hours(g.business_lead_time.p50)
    )
}

/// Prints the figures.
pub(crate) fn print(out: &mut impl Write, report: &KpiReport) -> std::io::Result<()> {
    let all = &report.overall;
    writeln!(
        out,
        "Orders: {} received, {} closed, {} still open",
        all.received,
        all.closed,
        all.received - all.closed
    )?;
    // Every outcome by its own name (kpi.md), the most first.
    let mut outcomes = [
        ("completed", all.completed),
        ("cancelled", all.cancelled),
        ("rejected", all.rejected),
        ("withdrawn", all.withdrawn),
        ("failed", all.failed),
    ];
    outcomes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (outcome, count) in outcomes.into_iter().filter(|(name, count)| *count > 0 || *name == "completed") {
        writeln!(out, "  {outcome:<15}{count:>6}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "By vendor (closed orders; one-stop = completed with no back-office task taken by a person, kpi.md):"
    )?;
    writeln!(
        out,
        "  {:<14}{:>7}{:>11}{:>11}{:>10}{:>11}{:>8}  {:<22}{:<12}{:>13}{:>13}",
        "vendor",
        "closed",
        "completed",
        "cancelled",
        "rejected",
        "withdrawn",
        "failed",
        "one-stop",
        "target",
        "median LT",
        "business LT"
    )?;
    let mut order: Vec<&str> = VENDORS.iter().map(|v| v.id).collect();
    order.push(SELF_SERVICE);
    order.extend(report.vendors.iter().map(|v| v.key.as_str()).filter(|v| !order.contains(v)).collect::<Vec<_>>());
    let empty = GroupKpi::default();
    for vendor in order {
        row(out, vendor, report.vendors.iter().find(|g| g.key == vendor).unwrap_or(&empty))?;
    }
    row(out, "all", all)?;
    top_reasons(out, report)?;
    if let Some(top) = report.bottlenecks_overall.first() {
        writeln!(
            out,
            "Longest waits: {} ({}) holds {:.0}% of its flow's waiting; {} steps flagged as bottlenecks.",
            top.label,
            top.flow,
            top.waiting_share * 100.0,
            report.bottlenecks.iter().filter(|b| b.flagged).count()
        )?;
    }
    Ok(())
}

/// Per vendor, the decision that sent the most of its completed orders to the back office
/// (kpi.md, why not one-stop), with the flow, of how many that were not one-stop.
fn top_reasons(out: &mut impl Write, report: &KpiReport) -> std::io::Result<()> {
    if report.not_one_stop.is_empty() {
        return Ok(());
    }
    writeln!(out, "Why not one-stop (the decision that sent the most completed orders to the back office):")?;
    let mut vendors: Vec<&str> = report.not_one_stop.iter().map(|r| r.vendor.as_str()).collect();
    vendors.dedup();
    vendors.sort_unstable();
    vendors.dedup();
    for vendor in vendors {
        // The same decision of a shared subflow counts once across the flows that call it.
        let mut by_reason: std::collections::BTreeMap<&str, (u64, Vec<&str>)> = std::collections::BTreeMap::new();
        let mut total = 0;
        for r in report.not_one_stop.iter().filter(|r| r.vendor == vendor) {
            let (orders, flows) = by_reason.entry(r.reason.as_str()).or_default();
            *orders += r.orders;
            flows.push(&r.flow);
            total += r.orders;
        }
        let Some((reason, (orders, flows))) =
            by_reason.into_iter().max_by(|a, b| (a.1.0).cmp(&b.1.0).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        let place = if flows.len() == 1 { flows[0].to_string() } else { format!("{} flows", flows.len()) };
        writeln!(out, "  {vendor:<14}{reason} ({orders} of {total}; {place})")?;
    }
    if let Some((rule, orders)) = &report.rule_to_revisit {
        writeln!(
            out,
            "  The rule to revisit first: {rule} ({orders} orders); try a change: junro backtest --rule {rule} --from <changed rules>.rhai"
        )?;
    }
    Ok(())
}

/// What people were told during the month (`junro demo --smtp`): inbox messages and mails by
/// kind, and the customers' reminders mailed.
pub(crate) fn notifications(
    out: &mut impl Write,
    sent: &[crate::serve::sent::SentCount],
    customers: i64,
    smtp: &str,
) -> std::io::Result<()> {
    let (inbox, mailed) = sent.iter().fold((0, 0), |(i, m), s| (i + s.inbox, m + s.mailed));
    writeln!(out)?;
    writeln!(
        out,
        "Notifications: {inbox} inbox messages, {mailed} of them mailed to {smtp}; {customers} reminders mailed to customers:"
    )?;
    let kinds: Vec<String> = sent.iter().map(|s| format!("{} {} ({} mailed)", s.kind, s.inbox, s.mailed)).collect();
    writeln!(out, "  {}", kinds.join(", "))
}
