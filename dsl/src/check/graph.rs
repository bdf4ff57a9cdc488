//! Checks of the flow as a graph (petgraph): every step reachable from the start, every step
//! able to reach an end, no loop without a way out, parallel and inclusive splits matched by exactly one join,
//! and send-backs that go to an earlier task.

use super::flow::FlowCtx;
use crate::ast::{Step, StepKind};
use crate::diagnostic::Diagnostic;
use petgraph::Direction;
use petgraph::algo::{has_path_connecting, tarjan_scc};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, Reversed};
use std::collections::{BTreeMap, BTreeSet};

/// The steps of a flow as a directed graph; node weights index into `flow.steps`.
pub(crate) struct StepGraph {
    pub(crate) graph: DiGraph<usize, ()>,
    pub(crate) nodes: BTreeMap<String, NodeIndex>,
}

impl StepGraph {
    /// Builds the graph; successors that name no step are left out (they are reported elsewhere).
    pub(crate) fn new(steps: &[Step]) -> StepGraph {
        let mut graph = DiGraph::new();
        let mut nodes = BTreeMap::new();
        for (i, step) in steps.iter().enumerate() {
            nodes.entry(step.name.text.clone()).or_insert_with(|| graph.add_node(i));
        }
        for step in steps {
            let from = nodes[&step.name.text];
            for next in step.successors() {
                if let Some(&to) = nodes.get(&next.text) {
                    graph.update_edge(from, to, ());
                }
            }
        }
        StepGraph { graph, nodes }
    }
}

pub(crate) fn check_graph(ctx: &mut FlowCtx<'_, '_>) {
    let steps = &ctx.flow.steps;
    let g = StepGraph::new(steps);
    let Some(start) = ctx.flow.start.as_ref().and_then(|s| g.nodes.get(&s.text)).copied() else {
        return;
    };
    // With an undefined successor the graph has a hole: every step behind it would look
    // unreachable. The undefined name is reported already; one mistake, one diagnostic.
    let has_hole = steps.iter().flat_map(Step::successors).any(|n| !g.nodes.contains_key(&n.text));
    if has_hole {
        return;
    }

    let mut reachable = BTreeSet::new();
    let mut dfs = Dfs::new(&g.graph, start);
    while let Some(n) = dfs.next(&g.graph) {
        reachable.insert(n);
    }
    for n in g.graph.node_indices() {
        if !reachable.contains(&n) {
            let step = &steps[g.graph[n]];
            ctx.out.push(
                Diagnostic::error("E0301", step.name.span, format!("step `{}` can never be reached", step.name.text))
                    .with_label("no step leads here")
                    .with_help(format!("add `-> {}` to an earlier step, or remove this step", step.name.text)),
            );
        }
    }

    let mut finishing = BTreeSet::new();
    let reversed = Reversed(&g.graph);
    for n in g.graph.node_indices() {
        if matches!(steps[g.graph[n]].kind, StepKind::End(_)) {
            let mut dfs = Dfs::new(reversed, n);
            while let Some(m) = dfs.next(reversed) {
                finishing.insert(m);
            }
        }
    }
    no_way_out(ctx, &g, &reachable, &finishing);
    parallels(ctx, &g);
    sendbacks(ctx, &g);
}

/// Reports loops with no way out, and the first step from which an end can no longer be reached.
fn no_way_out(
    ctx: &mut FlowCtx<'_, '_>,
    g: &StepGraph,
    reachable: &BTreeSet<NodeIndex>,
    finishing: &BTreeSet<NodeIndex>,
) {
    let steps = &ctx.flow.steps;
    let stuck: BTreeSet<NodeIndex> = reachable.iter().copied().filter(|n| !finishing.contains(n)).collect();
    if stuck.is_empty() {
        return;
    }
    let mut in_loop = BTreeSet::new();
    for scc in tarjan_scc(&g.graph) {
        let cyclic = scc.len() > 1 || g.graph.contains_edge(scc[0], scc[0]);
        if !cyclic || !scc.iter().all(|n| stuck.contains(n)) {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let leaves = scc.iter().any(|&n| g.graph.neighbors(n).any(|m| !members.contains(&m)));
        if leaves {
            continue;
        }
        in_loop.extend(members.iter().copied());
        let mut names: Vec<(usize, &str)> =
            scc.iter().map(|&n| (g.graph[n], steps[g.graph[n]].name.text.as_str())).collect();
        names.sort_unstable();
        let first = &steps[names[0].0];
        let cycle: Vec<&str> = names.iter().map(|(_, n)| *n).chain(std::iter::once(names[0].1)).collect();
        ctx.out.push(
            Diagnostic::error("E0303", first.name.span, format!("loop with no way out: {}", cycle.join(" → ")))
                .with_label("an order that gets here never ends")
                .with_help("give one of these steps an outcome, branch or timeout that leaves the loop"),
        );
    }
    for &n in &stuck {
        if in_loop.contains(&n) {
            continue;
        }
        let step = &steps[g.graph[n]];
        let is_entry = g.nodes.get(ctx.flow.start.as_ref().map_or("", |s| s.text.as_str())) == Some(&n)
            || g.graph.neighbors_directed(n, Direction::Incoming).any(|p| !stuck.contains(&p));
        let missing_next = g.graph.neighbors(n).next().is_none() && !matches!(step.kind, StepKind::End(_));
        // A step that is stuck only because it leads into a loop already reported is not news.
        let mut into_loop = false;
        let mut dfs = Dfs::new(&g.graph, n);
        while let Some(m) = dfs.next(&g.graph) {
            into_loop |= in_loop.contains(&m);
        }
        if is_entry && !missing_next && !into_loop {
            ctx.out.push(
                Diagnostic::error("E0302", step.name.span, format!("no path from step `{}` to an end", step.name.text))
                    .with_label("an order that gets here can never finish")
                    .with_help("make sure every branch after this step leads to an `end`"),
            );
        }
    }
}

/// What a parallel branch runs into when followed forward.
#[derive(Debug, Default)]
struct BranchWalk {
    joins: BTreeSet<NodeIndex>,
    ends: BTreeSet<NodeIndex>,
    region: BTreeSet<NodeIndex>,
}

fn walk_branch(
    g: &StepGraph,
    steps: &[Step],
    split: NodeIndex,
    from: NodeIndex,
    joins_of: &BTreeMap<NodeIndex, NodeIndex>,
) -> BranchWalk {
    let mut walk = BranchWalk::default();
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == split || !walk.region.insert(n) {
            continue;
        }
        match steps[g.graph[n]].kind {
            StepKind::Join(_) => {
                walk.joins.insert(n);
                continue;
            }
            StepKind::End(_) => {
                walk.ends.insert(n);
                continue;
            }
            StepKind::Parallel(_) | StepKind::Inclusive(_) => {
                // A nested split is a unit: continue after its own join.
                if let Some(&inner) = joins_of.get(&n) {
                    walk.region.insert(inner);
                    stack.extend(g.graph.neighbors(inner));
                    continue;
                }
            }
            _ => {}
        }
        stack.extend(g.graph.neighbors(n));
    }
    walk
}

fn parallels(ctx: &mut FlowCtx<'_, '_>, g: &StepGraph) {
    let steps = &ctx.flow.steps;
    // Parallel and inclusive splits pair with joins alike; the words name which one it is.
    let splits: Vec<NodeIndex> = g
        .graph
        .node_indices()
        .filter(|&n| matches!(steps[g.graph[n]].kind, StepKind::Parallel(_) | StepKind::Inclusive(_)))
        .collect();
    // Inner parallels first: those from which fewer other parallels can be reached.
    let mut ordered = splits.clone();
    ordered.sort_by_key(|&p| splits.iter().filter(|&&q| q != p && has_path_connecting(&g.graph, p, q, None)).count());
    let mut joins_of: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    // Joins already named in an error about their parallel; not reported again on their own.
    let mut explained: BTreeSet<NodeIndex> = BTreeSet::new();
    let mut split_of: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut regions: BTreeMap<NodeIndex, BTreeSet<NodeIndex>> = BTreeMap::new();
    for &p in &ordered {
        let step = &steps[g.graph[p]];
        let walks: Vec<BranchWalk> = g.graph.neighbors(p).map(|b| walk_branch(g, steps, p, b, &joins_of)).collect();
        let joins: BTreeSet<NodeIndex> = walks.iter().flat_map(|w| w.joins.iter().copied()).collect();
        let name = |n: NodeIndex| steps[g.graph[n]].name.text.clone();
        let kind = step.keyword();
        if joins.is_empty() {
            ctx.out.push(
                Diagnostic::error(
                    "E0305",
                    step.name.span,
                    format!("the branches of {kind} `{}` never meet at a `join`", step.name.text),
                )
                .with_help(if kind == "parallel" {
                    "lead every branch to one `join` step, which continues when all have arrived"
                } else {
                    "lead every branch, `else` too, to one `join` step, which continues when the branches taken have arrived"
                }),
            );
            continue;
        }
        if joins.len() > 1 {
            let list: Vec<String> = joins.iter().map(|&j| format!("`{}`", name(j))).collect();
            ctx.out.push(
                Diagnostic::error(
                    "E0307",
                    step.name.span,
                    format!("the branches of {kind} `{}` meet at different joins: {}", step.name.text, list.join(", ")),
                )
                .with_help(format!("lead every branch of `{}` to the same join", step.name.text)),
            );
            explained.extend(joins.iter().copied());
            continue;
        }
        let join = *joins.iter().next().unwrap_or(&p);
        for walk in &walks {
            if let Some(&end) = walk.ends.iter().next() {
                // Point at the branch's `-> end`, where the mistake is; the split is named.
                let end_name = name(end);
                let at = walk
                    .region
                    .iter()
                    .filter(|&&m| m != end)
                    .flat_map(|&m| steps[g.graph[m]].successors())
                    .find(|n| n.text == end_name)
                    .map_or(step.name.span, |n| n.span);
                ctx.out.push(
                    Diagnostic::error(
                        "E0305",
                        at,
                        format!("a branch of {kind} `{}` can reach end `{}` without passing join `{}`, so the join can never fire", step.name.text, end_name, name(join)),
                    )
                    .with_label(format!("leaves {kind} `{}` here", step.name.text))
                    .with_help("end the order after the join, not inside a branch"),
                );
                break;
            }
        }
        if let Some(other) = split_of.insert(join, p) {
            ctx.out.push(Diagnostic::error(
                "E0306",
                steps[g.graph[join]].name.span,
                format!(
                    "join `{}` closes both {} `{}` and {kind} `{}`; it would fire twice",
                    name(join),
                    steps[g.graph[other]].keyword(),
                    name(other),
                    step.name.text
                ),
            ));
        }
        joins_of.insert(p, join);
        regions.insert(p, walks.into_iter().flat_map(|w| w.region).collect());
    }
    for n in g.graph.node_indices() {
        let StepKind::Join(_) = steps[g.graph[n]].kind else {
            continue;
        };
        let join = &steps[g.graph[n]];
        if explained.contains(&n) {
            continue;
        }
        let Some(&p) = split_of.get(&n) else {
            ctx.out.push(
                Diagnostic::error(
                    "E0306",
                    join.name.span,
                    format!("join `{}` does not close any parallel or inclusive split", join.name.text),
                )
                .with_help("a join waits for the branches of one `parallel` or `inclusive`; use `->` directly instead"),
            );
            continue;
        };
        let region = &regions[&p];
        for pred in g.graph.neighbors_directed(n, Direction::Incoming) {
            if pred != p && !region.contains(&pred) {
                ctx.out.push(Diagnostic::error(
                    "E0306",
                    join.name.span,
                    format!(
                        "join `{}` is also reached from `{}`, outside {} `{}`; it could fire twice or never",
                        join.name.text,
                        steps[g.graph[pred]].name.text,
                        steps[g.graph[p]].keyword(),
                        steps[g.graph[p]].name.text
                    ),
                ));
            }
        }
    }
}

/// `sendback x` in task `t`: `x` must be able to lead to `t`.
fn sendbacks(ctx: &mut FlowCtx<'_, '_>, g: &StepGraph) {
    let steps = &ctx.flow.steps;
    for step in steps {
        let StepKind::Task(task) = &step.kind else {
            continue;
        };
        let Some(&here) = g.nodes.get(&step.name.text) else {
            continue;
        };
        for target in &task.sendback {
            let Some(&there) = g.nodes.get(&target.text) else {
                continue;
            };
            if !matches!(steps[g.graph[there]].kind, StepKind::Task(_)) {
                continue;
            }
            if there == here || !has_path_connecting(&g.graph, there, here, None) {
                ctx.out.push(
                    Diagnostic::error(
                        "E0309",
                        target.span,
                        format!(
                            "task `{}` does not come before `{}`, so the order cannot be sent back to it",
                            target.text, step.name.text
                        ),
                    )
                    .with_help("send back only to a task the order passed through on its way here"),
                );
            }
        }
    }
}
