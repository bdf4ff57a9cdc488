//! The catalogue generator: one row of `examples/flows/catalogue.tsv` becomes one ordinary,
//! readable `.flow` file in `examples/flows/generated/<product>/<flow_id>.flow`.
//!
//! The table says *what* each flow is (product, operation, channel, title, owner, SLA) and which
//! realistic variant it takes (construction, credit check, penalty, equipment, documents, the
//! back-office review and the one-stop rule that may skip it, the customer confirmation). The
//! generator knows *how* such a flow looks: every flow is assembled from stages (intake by
//! channel, checks, review, construction, equipment, the operation's own work, confirmation) that
//! use only the names of `examples/flows/_shared/`.
//!
//! Scenarios are not written by hand either: each recipe names one or two paths by their data and
//! choices (a high credit score, the customer declines, no reply in 21 days), and `walk` follows
//! the flow the way the engine will, evaluating the shared rules and tables, to write the
//! `given`/`complete`/`action`/`signal` statements and the expected outcome, steps and one-stop.
//!
//! Modules: `table` reads the TSV; `product` holds what differs per product; `fields` is
//! the data dictionary; `model` the flow model and its builder; `conds` the conditions and
//! tables with their evaluation; `stages` the shared stages; `ops` one recipe per operation;
//! `walk` the scenario walker; `render` writes the text.

mod conds;
mod fields;
mod model;
mod ops;
mod product;
mod render;
mod stages;
mod table;
mod walk;

use std::collections::BTreeSet;

/// Where the generated files go, relative to `examples/flows`.
pub const GENERATED_DIR: &str = "generated";

/// Generates every catalogue flow from the text of `catalogue.tsv`.
///
/// Returns `(path relative to examples/flows, file text)` pairs sorted by path, or a message
/// naming the line of the table (or the flow) that could not be generated.
pub fn generate(table_tsv: &str) -> Result<Vec<(String, String)>, String> {
    let rows = table::parse(table_tsv)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = BTreeSet::new();
    for (index, row) in rows.iter().enumerate() {
        if !seen.insert(row.flow_id.clone()) {
            return Err(format!("line {}: flow id `{}` is used twice", row.line, row.flow_id));
        }
        let flow = ops::build(row, index).map_err(|e| format!("line {} ({}): {e}", row.line, row.flow_id))?;
        let text = render::flow_file(row, &flow).map_err(|e| format!("line {} ({}): {e}", row.line, row.flow_id))?;
        out.push((format!("{GENERATED_DIR}/{}/{}.flow", row.product.id, row.flow_id), text));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::generate;

    const HEADER: &str = "flow_id\tproduct\toperation\tchannel\ttitle\tcategory\towner\tsla\tconstruction\tcredit\tpenalty\tshipping\tdocuments\treview\tonestop_rule\tconfirm\tpriority\n";

    fn table(rows: &[&str]) -> String {
        format!("# comment\n{HEADER}{}\n", rows.join("\n"))
    }

    const ROW: &str = "tv_plan_change_web\ttv\tplan_change\tweb\t光テレビ プラン変更(Web)\t光テレビ\t映像サービス部\t5d\tnone\tnone\tnone\tnone\tnone\tnone\t-\tnotice\tnormal";

    #[test]
    fn a_row_becomes_a_file_under_its_product() {
        let files = generate(&table(&[ROW])).expect("generates");
        assert_eq!(files.len(), 1);
        let (path, text) = &files[0];
        assert_eq!(path, "generated/tv/tv_plan_change_web.flow");
        assert!(text.starts_with("# Generated from examples/flows/catalogue.tsv"));
        assert!(text.contains("flow tv_plan_change_web \"光テレビ プラン変更(Web)\" {"));
        assert!(text.contains("  scenario \""));
    }

    #[test]
    fn mistakes_in_the_table_name_their_line() {
        let unknown = ROW.replace("\ttv\t", "\tradio\t");
        assert_eq!(generate(&table(&[&unknown])).expect_err("unknown product"), "line 3: unknown product `radio`");
        let twice = generate(&table(&[ROW, ROW])).expect_err("duplicate id");
        assert!(twice.contains("line 4") && twice.contains("used twice"), "{twice}");
        let unused = ROW.replace("\t5d\tnone", "\t5d\talways");
        let err = generate(&table(&[&unused])).expect_err("unused column");
        assert!(err.contains("column `construction`"), "{err}");
        assert!(generate("flow_id\tproduct\n").expect_err("bad header").contains("header"));
    }
}
