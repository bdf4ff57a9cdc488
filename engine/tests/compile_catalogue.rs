//! Every catalogue flow compiles for execution: its rules files are valid Rhai, its conditions
//! translate, and every join knows how many branches it waits for (a parallel's from the
//! flow, an inclusive split's from the split, which must know its join).

use junro_engine::compile::{NodeKind, compile};
use junro_engine::source;
use std::path::Path;

#[test]
fn the_catalogue_compiles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows");
    let loaded = source::load(&[root]).expect("catalogue loads");
    let report = loaded.program.check();
    let catalog = compile(&loaded.program, &report).expect("catalogue compiles");
    assert!(catalog.flows().count() >= 30);
    for flow in catalog.flows() {
        assert!(flow.node(&flow.start).is_some(), "{}: start step exists", flow.id);
        let told: Vec<&str> = flow
            .graph
            .node_weights()
            .filter_map(|node| match &node.kind {
                NodeKind::Inclusive { join, .. } => {
                    Some(join.as_deref().unwrap_or_else(|| panic!("{}: `{}` knows no join", flow.id, node.id)))
                }
                _ => None,
            })
            .collect();
        for node in flow.graph.node_weights() {
            if let NodeKind::Join { expected } = node.kind {
                assert!(
                    expected >= 2 || told.contains(&node.id.as_str()),
                    "{}: join `{}` waits for {expected} branches",
                    flow.id,
                    node.id
                );
            }
        }
    }
}
