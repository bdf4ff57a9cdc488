//! An order's flow as a picture, drawn on the server as SVG (layout-rs, no external service):
//! every step of the order's flow version, the steps the order passed through shaded, the steps
//! it stands at now marked. The flow comes from the compiled graph, so it is the version the
//! order runs.

use junro_engine::compile::{CompiledFlow, NodeKind};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Fill of a step the order passed through, of one it stands at, and of the others.
const PASSED: &str = "#dbe8fb";
const CURRENT: &str = "#ffd27a";
const OTHER: &str = "#ffffff";

/// A label safe inside a DOT string and a record shape (`|`, `{`, `}`, `<`, `>` are record
/// syntax there).
fn label(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            '|' | '{' | '}' | '<' | '>' => ' ',
            other => other,
        })
        .collect()
}

/// The DOT text layout-rs draws: one node per step, one edge per transition.
fn dot(flow: &CompiledFlow, passed: &BTreeSet<String>, current: &BTreeSet<String>) -> String {
    let mut out = String::from("digraph flow {\n");
    for index in flow.graph.node_indices() {
        let node = &flow.graph[index];
        let (shape, mark) = match &node.kind {
            NodeKind::Task(_) => ("Mrecord", ""),
            NodeKind::Auto(_) => ("box", "⚙ "),
            NodeKind::Call { .. } => ("box", "⇒ "),
            NodeKind::Decide { .. } => ("box", "◇ "),
            NodeKind::Parallel(_) | NodeKind::Join { .. } => ("box", "＋ "),
            NodeKind::Inclusive { .. } => ("box", "○ "),
            NodeKind::Wait(_) => ("box", "… "),
            NodeKind::End(_) => ("doublecircle", ""),
        };
        let fill = if current.contains(&node.id) {
            CURRENT
        } else if passed.contains(&node.id) {
            PASSED
        } else {
            OTHER
        };
        let _ = writeln!(
            out,
            "  s{} [label=\"{mark}{}\", shape={shape}, style=filled, fillcolor=\"{fill}\"];",
            index.index(),
            label(&node.label)
        );
    }
    for edge in flow.graph.edge_indices() {
        if let Some((from, to)) = flow.graph.edge_endpoints(edge) {
            let _ = writeln!(out, "  s{} -> s{};", from.index(), to.index());
        }
    }
    out.push_str("}\n");
    out
}

/// The flow as an SVG document, or `None` when it cannot be drawn.
pub(crate) fn svg(flow: &CompiledFlow, passed: &BTreeSet<String>, current: &BTreeSet<String>) -> Option<String> {
    let text = dot(flow, passed, current);
    let mut parser = layout::gv::DotParser::new(&text);
    let graph = parser.process().ok()?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut writer = layout::backends::svg::SVGWriter::new();
    visual.do_it(false, false, false, &mut writer);
    let svg = writer.finalize();
    // The document's XML header is not wanted inside a page.
    Some(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string()))
}
