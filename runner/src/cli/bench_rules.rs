//! `junro bench rules`: how fast decisions evaluate. A typical rule (`auto_accept` in
//! `examples/flows/bench/decisions.rhai`: about ten conditions over eight fields) and a 20-row
//! decision table (`install_fee_table`) are evaluated against varied orders on one core, as the
//! engine evaluates them when an order reaches a decision; so is the standard order's own
//! decision, to compare with `junro bench engine`.

use anyhow::Context as _;
use junro_engine::compile::{CompiledFlow, NodeKind, compile};
use junro_engine::script::{Condition, Data};
use junro_engine::source;
use junro_engine::table::Table;
use serde_json::json;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Options of `junro bench rules`.
#[derive(clap::Args)]
pub(crate) struct RulesBench {
    /// Evaluations per timed round.
    #[arg(long, default_value_t = 200_000)]
    evaluations: usize,
    /// Timed rounds (after a warm-up round); the median is reported.
    #[arg(long, default_value_t = 7)]
    rounds: usize,
    /// The folder holding `decisions.flow` and `standard_order.flow`.
    #[arg(long, default_value = "examples/flows/bench")]
    flows: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// A small deterministic generator (xorshift), so every run evaluates the same orders.
struct Orders(u64);

impl Orders {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[self.next(choices.len() as u64) as usize]
    }

    /// One order's data, varied so that every branch of the rule and most table rows are taken.
    fn order(&mut self) -> Data {
        let value = json!({
            "credit_score": 450 + self.next(400),
            "monthly_fee": 3000 + self.next(18_000),
            "building_type": self.pick(&["house", "apartment", "office"]),
            "has_existing_line": self.next(2) == 0,
            "area_status": self.pick(&["available", "available", "available", "no_capacity"]),
            "is_duplicate": self.next(20) == 0,
            "age": 16 + self.next(60),
            "plan": self.pick(&["basic", "premium", "ten_giga"]),
            "speed_gbps": self.next(11),
        });
        value.as_object().cloned().unwrap_or_default()
    }
}

/// The first decision of `flow`: its table and its first condition.
fn decision(flow: &CompiledFlow) -> Option<(Option<Arc<Table>>, Condition)> {
    flow.graph.node_weights().find_map(|node| match &node.kind {
        NodeKind::Decide { table, branches, .. } => Some((table.clone(), branches.first()?.0.clone())),
        _ => None,
    })
}

/// Nanoseconds per evaluation of each timed round of `evaluate` over `orders`.
fn rounds(rounds: usize, orders: &[Data], mut evaluate: impl FnMut(&Data) -> bool) -> Vec<f64> {
    let mut taken = 0usize;
    let mut per_round = Vec::new();
    for round in 0..=rounds {
        let started = Instant::now();
        for order in orders {
            taken += usize::from(evaluate(order));
        }
        let ns = started.elapsed().as_nanos() as f64 / orders.len().max(1) as f64;
        // Round 0 warms caches up and is not counted.
        if round > 0 {
            per_round.push(ns);
        }
    }
    // Keeps the evaluations from being optimised away.
    std::hint::black_box(taken);
    per_round
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn run(options: RulesBench) -> anyhow::Result<ExitCode> {
    let loaded = source::load(&[&options.flows]).context("reading the bench flows")?;
    let report = source::check(&loaded.program);
    anyhow::ensure!(report.errors() == 0, "{}", report.render(&loaded.program));
    let catalog = compile(&loaded.program, &report)?;
    let flow =
        |id: &str| catalog.get(id).cloned().with_context(|| format!("no flow `{id}` in {}", options.flows.display()));
    let (table, rule) = decision(&*flow("decision_bench")?).context("decision_bench has no decision")?;
    let table = table.context("decision_bench's decision has no table")?;
    let (_, standard) = decision(&*flow("standard_order")?).context("standard_order has no decision")?;

    let mut generator = Orders(0x9e37_79b9_7f4a_7c15);
    let orders: Vec<Data> = (0..options.evaluations.max(1)).map(|_| generator.order()).collect();
    let now = jiff::Timestamp::now();
    let zone = jiff::tz::TimeZone::UTC;
    let rule_ns = median(rounds(options.rounds.max(1), &orders, |o| rule.test(o, now, &zone).unwrap_or(false)));
    let table_ns =
        median(rounds(options.rounds.max(1), &orders, |o| table.evaluate(o).is_ok_and(|r| !r.rows.is_empty())));
    let standard_ns = median(rounds(options.rounds.max(1), &orders, |o| standard.test(o, now, &zone).unwrap_or(false)));
    let per_s = |ns: f64| if ns > 0.0 { (1e9 / ns).round() } else { 0.0 };
    let report = json!({
        "evaluations": options.evaluations,
        "rounds": options.rounds,
        "rule": "auto_accept (10 conditions, 8 fields)",
        "rule_ns": (rule_ns * 10.0).round() / 10.0,
        "rule_per_s": per_s(rule_ns),
        "table": "install_fee_table (20 rows, 4 inputs, hit first)",
        "table_ns": (table_ns * 10.0).round() / 10.0,
        "table_per_s": per_s(table_ns),
        "standard_order_decision_ns": (standard_ns * 10.0).round() / 10.0,
    });
    let mut out = std::io::stdout().lock();
    if options.json {
        writeln!(out, "{report}")?;
    } else {
        writeln!(out, "one core, median of {} rounds of {} varied orders", options.rounds, options.evaluations)?;
        writeln!(
            out,
            "  rule  auto_accept        {rule_ns:>8.1} ns/evaluation  {:>12.0} evaluations/s",
            per_s(rule_ns)
        )?;
        writeln!(
            out,
            "  table install_fee_table  {table_ns:>8.1} ns/evaluation  {:>12.0} evaluations/s",
            per_s(table_ns)
        )?;
        writeln!(out, "  standard_order's decision (construction_needed) {standard_ns:.1} ns/evaluation")?;
    }
    Ok(ExitCode::SUCCESS)
}
