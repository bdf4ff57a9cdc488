//! Parsing and checking never panic, whatever the input: arbitrary bytes, and catalogue flows with
//! random edits (deleted ranges, inserted tokens, duplicated slices). Each case also renders its
//! diagnostics and draws its flows, since both read spans the parser produced.

use junro_dsl::Program;
use junro_dsl::graph::{Format, draw};
use proptest::prelude::*;

const SEED_FLOW: &str = include_str!("../../examples/flows/bench/standard_order.flow");

/// Every `.flow` file of the catalogue (and the seed), as starting points for random edits.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "flow") {
                    out.extend(std::fs::read(&path));
                }
            }
        }
        let mut out = vec![SEED_FLOW.as_bytes().to_vec()];
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/flows"), &mut out);
        out
    })
}

/// Fragments that are likely to confuse a parser: keywords, braces, arrows, quotes, wide text.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "->",
    "\"",
    "#",
    "\n",
    "task",
    "flow",
    "end",
    "wait",
    "join",
    "parallel",
    "decide",
    "when",
    "else",
    "import \"x.flow\"",
    "受付",
    "\u{3000}",
    "\r\n",
    "0",
    "-",
    "..",
    "=>",
    "(",
    ")",
    "[",
    "]",
    "&&",
    "==",
    "9999999999999999999999d",
    "start -> ",
    "subflow",
    "scenario \"s\" {",
    "\\",
    "\u{0}",
    "\u{FEFF}",
];

fn exercise(bytes: &[u8]) {
    let (_module, diagnostics) = junro_dsl::parse(bytes);
    let mut program = Program::new();
    program.add("case.flow", bytes);
    // Imports of the case resolve to files that do not exist.
    for wanted in program.wanted() {
        program.mark_missing(&wanted);
    }
    let report = program.check();
    let rendered = report.render(&program);
    assert!(report.errors() == 0 || !rendered.is_empty());
    if let Some(file) = program.file("case.flow") {
        for flow in &file.module.flows {
            let _ = draw(&program, "case.flow", Some(&flow.name.text), Format::Mermaid);
            let _ = draw(&program, "case.flow", Some(&flow.name.text), Format::Dot);
        }
    }
    let _ = junro_dsl::format::format(bytes);
    let _ = diagnostics;
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 0usize..80, any::<usize>()).prop_map(|(from, len, to)| Edit::Duplicate(from, len, to)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Delete(at, len) => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::Insert(at, t) => {
                let at = (at % n).min(bytes.len());
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Duplicate(from, len, to) => {
                let from = from % n;
                let end = (from + len).min(bytes.len());
                let slice = bytes.get(from..end).unwrap_or_default().to_vec();
                let to = (to % n).min(bytes.len());
                bytes.splice(to..to, slice);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn edited_catalogue_flows_never_panic(seed in any::<usize>(), edits in proptest::collection::vec(edit(), 1..8)) {
        let seeds = seeds();
        exercise(&apply(seeds[seed % seeds.len()].clone(), &edits));
    }
}

#[test]
fn the_seed_flow_itself_is_clean() {
    let mut program = Program::new();
    program.add("standard_order.flow", SEED_FLOW.as_bytes());
    program.add("standard_order.rhai", include_bytes!("../../examples/flows/bench/standard_order.rhai"));
    let report = program.check();
    assert_eq!(report.errors() + report.warnings(), 0, "{}", report.render(&program));
}
