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
    // The joins an inclusive split names are marked ○ like their split, as in `junro graph`.
    let inclusive_joins: BTreeSet<&str> = flow
        .graph
        .node_weights()
        .filter_map(|n| match &n.kind {
            NodeKind::Inclusive { join, .. } => join.as_deref(),
            _ => None,
        })
        .collect();
    for index in flow.graph.node_indices() {
        let node = &flow.graph[index];
        let (shape, mark) = match &node.kind {
            NodeKind::Task(_) => ("Mrecord", ""),
            NodeKind::Auto(_) => ("box", "⚙ "),
            NodeKind::Call { .. } => ("box", "⇒ "),
            NodeKind::Decide { .. } => ("box", "◇ "),
            NodeKind::Join { .. } if inclusive_joins.contains(node.id.as_str()) => ("box", "○ "),
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

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"lane back "バックオフィス" back
role reviewer "審査担当"
flow opts "オプション" {
  data {
    tv "テレビ" boolean = false
  }
  start -> pick
  inclusive pick "選択" {
    when tv -> setup
    else -> ask
  }
  task setup "テレビ手配" {
    lane back
    role reviewer
    sla 1d
    -> arranged
  }
  task ask "確認" {
    lane back
    role reviewer
    sla 1d
    -> arranged
  }
  join arranged "手配完了" -> done
  end done "完了" completed
}
"#;

    #[test]
    fn an_inclusive_split_and_its_join_are_marked_and_the_position_is_filled() {
        let mut program = junro_engine::dsl::Program::new();
        program.add("opts.flow", FLOW.as_bytes());
        let report = program.check();
        assert_eq!(report.errors(), 0, "{}", report.render(&program));
        let catalog = junro_engine::compile::compile(&program, &report).expect("compiles");
        let flow = catalog.get("opts").expect("the flow");
        let passed = BTreeSet::from(["pick".to_string()]);
        let current = BTreeSet::from(["setup".to_string()]);
        let text = dot(flow, &passed, &current);
        assert!(text.contains("label=\"○ 選択\"") && text.contains("label=\"○ 手配完了\""), "{text}");
        assert!(
            text.contains(&format!("label=\"テレビ手配\", shape=Mrecord, style=filled, fillcolor=\"{CURRENT}\"")),
            "{text}"
        );
        assert!(svg(flow, &passed, &current).is_some_and(|s| s.starts_with("<svg")));
    }
}
