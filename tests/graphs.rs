//! Pictures of a few catalogue flows, as golden files in `tests/graphs/`: a change to the
//! drawing shows up as a diff. Run with `JUNRO_BLESS=1` to rewrite them after a deliberate change.

use junro_engine::dsl::graph::{Format, draw};
use junro_engine::source;
use std::path::Path;

/// Flows drawn, relative to `examples/flows`.
const FLOWS: &[&str] = &[
    "bench/standard_order.flow",
    "fiber_home/fiber_home_new_phone.flow",
    "fiber_home/fiber_home_relocation_phone.flow",
    "options/options_bundle_web.flow",
];

#[test]
fn catalogue_flows_draw_as_their_golden_pictures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("JUNRO_BLESS").is_some();
    let mut failures = Vec::new();
    for flow in FLOWS {
        let file = root.join("../examples/flows").join(flow);
        let loaded = source::load(&[&file]).expect("flow loads");
        let path = loaded.roots.first().expect("one root");
        let stem = Path::new(flow).file_stem().and_then(|s| s.to_str()).expect("stem");
        for (format, extension) in [(Format::Mermaid, "mmd"), (Format::Dot, "dot")] {
            let drawn = draw(&loaded.program, path, None, format).expect("draws");
            let golden = root.join("graphs").join(format!("{stem}.{extension}"));
            if bless {
                std::fs::create_dir_all(root.join("graphs")).expect("graphs folder");
                std::fs::write(&golden, &drawn).expect("writable");
                continue;
            }
            match std::fs::read_to_string(&golden) {
                Ok(expected) if expected == drawn => {}
                Ok(expected) => failures
                    .push(format!("{}: differs\n--- expected\n{expected}\n--- actual\n{drawn}", golden.display())),
                Err(_) => failures.push(format!("{}: missing; run with JUNRO_BLESS=1", golden.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_catalogue_flow_can_be_drawn() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows");
    let loaded = source::load(&[root]).expect("catalogue loads");
    let mut drawn = 0;
    for path in &loaded.roots {
        let file = loaded.program.file(path).expect("file");
        for flow in &file.module.flows {
            for format in [Format::Mermaid, Format::Dot] {
                let picture = draw(&loaded.program, path, Some(&flow.name.text), format).expect("draws");
                // Every step appears as a node.
                for step in &flow.steps {
                    assert!(
                        picture.contains(&format!("s_{}", step.name.text)),
                        "{path}: {} lacks {}",
                        flow.name.text,
                        step.name.text
                    );
                }
                drawn += 1;
            }
        }
    }
    assert!(drawn >= 600, "drew {drawn} pictures");
}
