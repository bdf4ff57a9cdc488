//! `junro backtest`: what a changed rule or table would have decided for the orders already in a
//! database, and how the one-stop rate per flow and per vendor would move.

use super::orders::DEMO_DB;
use anyhow::Context as _;
use junro_engine::runtime::{BacktestScope, OneStopMove, RuleChange};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `junro backtest`.
#[derive(clap::Args)]
pub(crate) struct BacktestArgs {
    /// The rule (Rhai function) or decision table that changed.
    #[arg(long)]
    rule: String,
    /// The file of the new version (the `.rhai` file or the `.flow` file holding the table);
    /// it replaces the deployed file of the same name.
    #[arg(long)]
    from: PathBuf,
    /// Database URL.
    #[arg(long, default_value = DEMO_DB)]
    db: String,
    /// Only orders of this flow.
    #[arg(long)]
    flow: Option<String>,
    /// Only orders received from this date (`2026-11-15`, Japan time) or moment (RFC 3339).
    #[arg(long)]
    since: Option<String>,
}

fn since(text: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    let date: jiff::civil::Date =
        text.parse().with_context(|| format!("--since `{text}` is neither a date (2026-11-15) nor a moment"))?;
    Ok(date.in_tz("Asia/Tokyo")?.timestamp())
}

fn rate(part: usize, whole: usize) -> String {
    if whole == 0 { "-".into() } else { format!("{:.1}%", 100.0 * part as f64 / whole as f64) }
}

fn change(figures: &OneStopMove) -> String {
    if figures.completed == 0 {
        return "-".into();
    }
    let points = 100.0 * (figures.after as f64 - figures.before as f64) / figures.completed as f64;
    format!("{points:+.1} pt")
}

fn table(
    out: &mut impl std::io::Write,
    title: &str,
    rows: &BTreeMap<String, OneStopMove>,
    all: bool,
) -> std::io::Result<()> {
    writeln!(out, "\none-stop rate by {title}")?;
    writeln!(out, "  {:<40} {:>9} {:>8} {:>8} {:>10}", title, "completed", "before", "after", "change")?;
    let mut total = OneStopMove::default();
    let mut hidden = 0;
    for (key, figures) in rows {
        total.completed += figures.completed;
        total.before += figures.before;
        total.after += figures.after;
        if !all && figures.before == figures.after {
            hidden += 1;
            continue;
        }
        writeln!(
            out,
            "  {key:<40} {:>9} {:>8} {:>8} {:>10}",
            figures.completed,
            rate(figures.before, figures.completed),
            rate(figures.after, figures.completed),
            change(figures)
        )?;
    }
    if hidden > 0 {
        writeln!(out, "  ({hidden} {title}s unchanged)")?;
    }
    writeln!(
        out,
        "  {:<40} {:>9} {:>8} {:>8} {:>10}",
        "all",
        total.completed,
        rate(total.before, total.completed),
        rate(total.after, total.completed),
        change(&total)
    )
}

pub(crate) fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.from).with_context(|| format!("reading {}", args.from.display()))?;
    let change = RuleChange { name: args.rule.clone(), file: args.from.display().to_string(), text };
    let scope = BacktestScope { flow: args.flow.clone(), since: args.since.as_deref().map(since).transpose()? };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let engine = super::orders::open(&args.db).await?;
        let report = engine.backtest(&change, &scope).await?;
        engine.close().await;
        let mut out = std::io::stdout().lock();
        writeln!(out, "backtest of `{}` from {} over {} orders in {}", args.rule, args.from.display(), report.orders, args.db)?;
        writeln!(
            out,
            "  decisions re-evaluated: {}; changed: {} ({}); not reproducible from their history: {}",
            report.decisions,
            report.changed,
            rate(report.changed, report.decisions),
            report.unreproduced
        )?;
        writeln!(
            out,
            "  one-stop counts completed orders of eligible flows; the estimate assumes the rest of each order goes as it did"
        )?;
        table(&mut out, "flow", &report.by_flow, false)?;
        table(&mut out, "vendor", &report.by_vendor, true)?;
        if !report.examples.is_empty() {
            writeln!(out, "\nchanged decisions (first {})", report.examples.len())?;
            for d in &report.examples {
                writeln!(out, "  {} {} {}: {}  =>  {}", d.order, d.flow, d.step, d.before, d.after)?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
