//! What the simulation needs to know about the deployed flows: how often each kind of order
//! arrives, which steps may leave an order waiting for a signal, which fields are the customer's
//! input, and the result keys each action must return (with the types of the fields they fill).

use junro_engine::compile::{CompiledFlow, NodeKind, TaskSpec, WaitArmSpec};
use junro_engine::dsl::ast::Type;
use junro_engine::script::Data;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Fields written by the shared decision tables (see `examples/flows/_shared/README.md`).
const TABLE_OUTPUTS: &[&str] = &["construction_kind", "penalty_amount", "review_route", "campaigns", "fault_route"];

/// One deployed flow, prepared for the simulation.
pub(crate) struct FlowInfo {
    /// The compiled flow.
    pub(crate) flow: Arc<CompiledFlow>,
    /// Steps after which the order may wait for a signal (without a person or an action between).
    pub(crate) waits_after: BTreeSet<String>,
    /// Whether the order may wait for a signal at all (then the simulation watches it).
    pub(crate) has_signal_wait: bool,
    /// Fields that steps compute (actions, subflows, tables, the back office): not customer input.
    pub(crate) computed: BTreeSet<String>,
    /// Fields that decisions read (a keying mistake there changes the path).
    pub(crate) rule_fields: BTreeSet<String>,
}

impl FlowInfo {
    /// The task spec of step `step`.
    pub(crate) fn task(&self, step: &str) -> Option<&TaskSpec> {
        match self.flow.node(step).map(|n| &n.kind) {
            Some(NodeKind::Task(spec)) => Some(spec),
            _ => None,
        }
    }
}

/// The deployed catalogue, as the simulation sees it.
pub(crate) struct Catalog {
    /// Every flow and subflow by id.
    pub(crate) flows: BTreeMap<String, FlowInfo>,
    /// Flows that orders start, with their arrival weights.
    pub(crate) arrivals: Vec<(String, f64)>,
    /// Action → result key → the type of the field it fills.
    pub(crate) results: BTreeMap<String, BTreeMap<String, Type>>,
    /// Actions whose every step retries at least once (a failed first attempt shows a retry).
    pub(crate) retried: BTreeSet<String>,
    /// Automatic steps after which an order may wait for a signal, by [`signature`].
    pub(crate) wait_actions: BTreeSet<String>,
}

impl Catalog {
    /// Prepares the newest version of every deployed flow.
    pub(crate) fn new(flows: &[Arc<CompiledFlow>]) -> Catalog {
        let mut catalog = Catalog {
            flows: BTreeMap::new(),
            arrivals: Vec::new(),
            results: BTreeMap::new(),
            retried: BTreeSet::new(),
            wait_actions: BTreeSet::new(),
        };
        let mut once: BTreeMap<String, bool> = BTreeMap::new();
        for flow in flows {
            let waits_after = waits_after(flow);
            let mut computed: BTreeSet<String> = TABLE_OUTPUTS.iter().map(|s| (*s).to_string()).collect();
            let mut rule_fields = BTreeSet::new();
            let nothing = Data::new();
            for node in flow.graph.node_weights() {
                match &node.kind {
                    NodeKind::Decide { branches, .. } | NodeKind::Inclusive { branches, .. } => {
                        rule_fields
                            .extend(branches.iter().flat_map(|(c, _)| c.inputs(&nothing).into_iter().map(|(f, _)| f)));
                    }
                    NodeKind::Auto(auto) => {
                        let results = catalog.results.entry(auto.action.clone()).or_default();
                        for (field, key) in &auto.outputs {
                            computed.insert(field.clone());
                            if let Some(spec) = flow.field(field) {
                                results.entry(key.clone()).or_insert_with(|| spec.ty.clone());
                            }
                        }
                        let all = once.entry(auto.action.clone()).or_insert(true);
                        *all &= auto.retries > 0;
                        if waits_after.contains(&node.id) {
                            let template = auto
                                .inputs
                                .iter()
                                .find(|(name, _)| name == "template")
                                .map(|(_, value)| value.source().trim_matches('"').to_string());
                            let inputs = auto.inputs.iter().map(|(name, _)| name.as_str());
                            catalog.wait_actions.insert(signature(&auto.action, inputs, template.as_deref()));
                        }
                    }
                    NodeKind::Call { outputs, .. } => computed.extend(outputs.iter().map(|(f, _)| f.clone())),
                    NodeKind::Task(spec) if spec.lane.back => computed.extend(spec.edit.iter().cloned()),
                    _ => {}
                }
            }
            let has_signal_wait = flow.graph.node_weights().any(|n| signal_wait(&n.kind));
            if !flow.is_subflow {
                let weight = arrival_weight(&flow.id, flow.channel.as_deref());
                if weight > 0.0 {
                    catalog.arrivals.push((flow.id.clone(), weight));
                }
            }
            let info = FlowInfo { flow: flow.clone(), waits_after, has_signal_wait, computed, rule_fields };
            catalog.flows.insert(flow.id.clone(), info);
        }
        catalog.retried = once.into_iter().filter(|(_, all)| *all).map(|(a, _)| a).collect();
        catalog
    }
}

/// Tells automatic steps apart as a handler sees them: the action, its input names, and the
/// notice template when it has one (`send_notice` is used everywhere, but waits follow few).
pub(crate) fn signature<'a>(action: &str, inputs: impl Iterator<Item = &'a str>, template: Option<&str>) -> String {
    let mut names: Vec<&str> = inputs.collect();
    names.sort_unstable();
    format!("{action}|{}|{}", names.join(","), template.unwrap_or(""))
}

fn signal_wait(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Wait(arms) if arms.iter().any(|(arm, _)| matches!(arm, WaitArmSpec::Signal { .. })))
}

/// The task and automatic steps from which the order can reach a wait for a signal passing only
/// through decisions, splits and joins (so the wait begins in the same command).
fn waits_after(flow: &CompiledFlow) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for index in flow.graph.node_indices() {
        let node = &flow.graph[index];
        if !matches!(node.kind, NodeKind::Task(_) | NodeKind::Auto(_) | NodeKind::Wait(_)) {
            continue;
        }
        let mut queue: VecDeque<_> = flow.graph.neighbors(index).collect();
        let mut seen = BTreeSet::new();
        while let Some(next) = queue.pop_front() {
            if !seen.insert(next) {
                continue;
            }
            let kind = &flow.graph[next].kind;
            if signal_wait(kind) {
                found.insert(node.id.clone());
                break;
            }
            if matches!(
                kind,
                NodeKind::Decide { .. } | NodeKind::Inclusive { .. } | NodeKind::Parallel(_) | NodeKind::Join { .. }
            ) {
                queue.extend(flow.graph.neighbors(next));
            }
        }
    }
    found
}

/// How often orders of a flow arrive, relative to the others: the common kinds of order (new
/// fibre, plan changes, moves, options, cancellations) dominate; the benchmark flow never comes.
pub(crate) fn arrival_weight(id: &str, channel: Option<&str>) -> f64 {
    if id == "standard_order" {
        return 0.0;
    }
    const PRODUCTS: &[(&str, f64)] = &[
        ("fiber_home", 10.0),
        ("fiber_apartment", 7.0),
        ("mobile_sim", 7.0),
        ("mobile", 3.0),
        ("electricity", 4.0),
        ("tv", 2.5),
        ("phone", 2.5),
        ("options", 2.0),
        ("support", 2.0),
        ("router_rental", 1.5),
        ("security_pack", 1.5),
        ("fixed_ip", 1.0),
    ];
    const KINDS: &[(&str, f64)] = &[
        ("nonpayment", 0.6),
        ("option_add", 6.0),
        ("options_add", 6.0),
        ("option_remove", 4.0),
        ("options_remove", 4.0),
        ("plan_change", 8.0),
        ("relocation", 6.0),
        ("move_out", 4.0),
        ("cancel", 7.0),
        ("mnp_out", 3.0),
        ("port_out", 2.0),
        ("port_in", 3.0),
        ("switch", 4.0),
        ("_new", 10.0),
        ("add_line", 4.0),
        ("family_add", 3.0),
        ("data_add", 3.0),
        ("payment_change", 2.5),
        ("address_change", 2.0),
        ("fault_report", 2.5),
        ("complaint", 1.5),
        ("equipment_return", 1.5),
        ("ampere", 1.5),
        ("refund", 1.0),
        ("name_change", 1.0),
        ("suspend", 1.0),
        ("equipment_exchange", 1.0),
        ("onsite_support", 1.0),
        ("construction_schedule", 1.0),
        ("reissue", 1.0),
        ("resume", 0.8),
        ("construction_reschedule", 0.8),
        ("conversion", 0.8),
        ("directory", 0.4),
    ];
    let product = PRODUCTS.iter().find(|(p, _)| id.starts_with(p)).map_or(1.0, |(_, w)| *w);
    let kind = KINDS.iter().find(|(k, _)| id.contains(k)).map_or(1.0, |(_, w)| *w);
    let channel = match channel {
        Some("web") => 1.2,
        Some("phone") => 1.0,
        Some("app") => 0.8,
        Some("store") => 0.5,
        Some("paper") => 0.3,
        Some("mail") => 0.2,
        _ => 0.5,
    };
    product * kind * channel
}

#[cfg(test)]
mod tests {
    use super::arrival_weight;

    #[test]
    fn common_orders_dominate() {
        let new = arrival_weight("fiber_home_new_phone", Some("phone"));
        assert!(new > 10.0 * arrival_weight("fixed_ip_complaint_phone", Some("phone")));
        assert!(
            arrival_weight("fiber_home_plan_change_web", Some("web"))
                > arrival_weight("tv_refund_phone", Some("phone"))
        );
        assert_eq!(arrival_weight("standard_order", None), 0.0);
    }
}
