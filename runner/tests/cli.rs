//! The `junro` command as a user runs it: exit codes, the located error format, the summary line,
//! JSON output, diagrams and formatting.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn junro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_junro")).args(args).current_dir(root()).output().expect("junro runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn temp_flow(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("junro-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.flow"));
    std::fs::write(&path, text).expect("write flow");
    path
}

/// One mistake (a misspelt step) that must give exactly one error, not a cascade.
const BROKEN: &str = "lane front \"フロント\" front\nrole operator \"オペレーター\"\nflow broken \"壊れたフロー\" {\n  start -> intake\n  task intake \"受付\" {\n    lane front\n    role operator\n    sla 1h\n    -> reveiw\n  }\n  task review \"確認\" {\n    lane front\n    role operator\n    sla 1h\n    -> done\n  }\n  end done \"完了\" completed\n  scenario \"s\" {\n    complete intake\n    expect completed\n  }\n}\n";

#[test]
fn check_reports_a_located_helpful_error_and_exits_1() {
    let path = temp_flow("broken", BROKEN);
    let out = junro(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let location = format!("{}:9:8: error[E0201]: no step named `reveiw` in flow `broken`", path.display());
    assert!(stdout.contains(&location), "{stdout}");
    assert!(stdout.contains("    -> reveiw\n") && stdout.contains("^^^^^^"), "{stdout}");
    assert!(stdout.contains("help: did you mean `review`?"), "{stdout}");
    assert!(stdout.contains("1 flow, 1 error, 0 warnings"), "{stdout}");
}

#[test]
fn check_json_is_machine_readable() {
    let path = temp_flow("json", BROKEN);
    let out = junro(&["check", "--format", "json", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(value["summary"]["errors"], 1);
    let first = &value["diagnostics"][0];
    assert_eq!(
        (first["code"].as_str(), first["line"].as_u64(), first["column"].as_u64()),
        (Some("E0201"), Some(9), Some(8))
    );
}

#[test]
fn check_of_a_clean_flow_exits_0_with_a_summary() {
    let out = junro(&["check", "examples/flows/bench"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("2 flows, 0 errors, 0 warnings"));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let out = junro(&["check", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/folder"));
}

#[test]
fn graph_draws_lanes_and_decisions() {
    let out = junro(&["graph", "examples/flows/bench/standard_order.flow", "--format", "mermaid"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("subgraph lane_back[\"バックオフィス (back)\"]"), "{text}");
    assert!(text.contains("s_construction{\"工事要否\"}"), "{text}");
    let dot = junro(&["graph", "examples/flows/bench/standard_order.flow", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&dot.stdout).contains("subgraph cluster_front"));
}

#[test]
fn fmt_rewrites_a_messy_file_and_check_mode_then_passes() {
    let path = temp_flow("messy", &BROKEN.replace("    lane front\n", "lane   front\n").replace("-> done", "->done"));
    let p = path.to_str().expect("utf-8 path");
    assert_eq!(junro(&["fmt", "--check", p]).status.code(), Some(1));
    assert!(junro(&["fmt", p]).status.success());
    assert_eq!(std::fs::read_to_string(&path).expect("read"), BROKEN);
    assert!(junro(&["fmt", "--check", p]).status.success());
}

/// Regression: `junro test … | head -1` panicked with "failed printing to stdout: Broken pipe".
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead as _, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_junro"))
        .args(["test", "examples/flows"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("junro runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("one line");
    // Dropping the reader closed the pipe.
    let out = child.wait_with_output().expect("junro ends");
    assert!(first.starts_with("test "), "{first}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_rules_file_that_does_not_compile_is_reported_at_its_line() {
    let flow = "lane front \"フロント\" front\nrole operator \"オペレーター\"\nrules \"rules.rhai\" {\n  ok -> boolean\n}\nflow r \"ルール\" {\n  data {\n    n \"数\" integer\n  }\n  start -> d\n  decide d \"判定\" {\n    when ok(n) -> e\n    else -> e\n  }\n  end e \"完了\" completed\n  scenario \"s\" {\n    expect completed\n  }\n}\n";
    let path = temp_flow("rules", flow);
    let rules = path.with_file_name("rules.rhai");
    std::fs::write(&rules, "// 与信の判定\nfn ok(n) {\n    n > 10 &&\n}\n").expect("write rules");
    let out = junro(&["check", path.parent().and_then(|p| p.to_str()).expect("folder")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}:4:1: error[E0215]: this rules file does not compile", rules.display())),
        "{stdout}"
    );
}

#[test]
fn the_engine_bench_prints_its_figures_as_one_json_object() {
    // Two drivers of small waves: every order must end, or the bench fails.
    let out = junro(&["bench", "engine", "--orders", "60", "--batch", "20", "--drivers", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in ["seconds", "orders_per_s", "transitions_per_s", "commits", "p50_ms", "p99_ms", "max_rss_mb"] {
        assert!(report[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {report}");
    }
    assert_eq!(report["orders"], 60);
    // Each order is four transitions: start, intake, provisioning or review, confirmation.
    assert!(report["transitions_per_s"].as_f64() > report["orders_per_s"].as_f64().map(|v| v * 3.0));
    assert_eq!((report["db"].as_str(), report["sync"].as_str()), (Some("sqlite"), Some("full")));
    assert!(report["bytes_per_order"].as_u64().is_some_and(|b| b > 0 && b < 64 * 1024), "{report}");
}

#[test]
fn an_error_names_each_cause_once() {
    let out = junro(&["bench", "engine", "--orders", "1", "--flows", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read no/such/folder"), "{stderr}");
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

/// Scenarios exercising the durable path: an action retried after a failure, a wait's timer, and
/// one expectation that does not hold.
const SCENARIOS: &str = "lane front \"フロント\" front\nrole operator \"オペレーター\"\naction provision_line \"回線開通\"\nsignal ok_signal \"完了連絡\"\n\nflow retry_demo \"再試行\" {\n  start -> provision\n  auto provision \"開通\" {\n    action provision_line\n    retry 1 backoff 1h\n    -> follow_up\n  }\n  wait follow_up \"待ち\" {\n    on ok_signal -> done\n    after 2d -> call\n  }\n  task call \"電話\" {\n    lane front\n    role operator\n    sla 1h\n    -> done\n  }\n  end done \"完了\" completed\n  scenario \"a failed action is retried, then the signal ends the wait\" {\n    action provision_line fails\n    signal ok_signal\n    expect completed via provision, follow_up\n  }\n  scenario \"the wait's timer opens the call\" {\n    wait 3d\n    complete call\n    expect completed via provision, follow_up, call\n  }\n  scenario \"a wrong expectation fails\" {\n    expect completed\n  }\n}\n";

#[test]
fn test_runs_scenarios_on_the_engine_and_reports_like_cargo_test() {
    let path = temp_flow("retry_demo", SCENARIOS);
    let out = junro(&["test", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1), "a failing scenario fails the run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("test retry_demo::a failed action is retried, then the signal ends the wait ... ok"),
        "{stdout}"
    );
    assert!(stdout.contains("test retry_demo::the wait's timer opens the call ... ok"), "{stdout}");
    assert!(stdout.contains("test retry_demo::a wrong expectation fails ... FAILED"), "{stdout}");
    assert!(stdout.contains("line 35: expected completed, but the order is open at follow_up"), "{stdout}");
    assert!(stdout.trim_end().ends_with("2 passed, 1 failed"), "{stdout}");
}

/// Rules with examples (one wrong, one looping forever) and tables with examples.
const RULES_FLOW: &str = "rules \"credit.rhai\" {\n  credit_ok -> boolean\n  fee_band -> enum(low, high)\n  spin -> integer\n  example credit_ok(400, 8000) => true\n  example credit_ok(400, 12000) => false\n  example fee_band(4999) => low\n  example fee_band(5000) => low\n  example spin(1) => 1\n}\n\ntable work_fee_table \"工事費の判定\" {\n  hit first\n  in building_type, speed_gbps\n  out work_fee, work_type\n  row house, - => 26400, \"full\"\n  row apartment, >= 10 => 22000, \"full\"\n  row apartment, 2..9 => 2200, \"light\"\n  row -, - => 0, \"none\"\n  example house, 1 => 26400, full\n  example apartment, 10 => 22000, \"full\"\n  example apartment, 1 => 2200, light\n}\n\ntable campaigns \"キャンペーン\" {\n  hit collect\n  in plan\n  out codes\n  row premium => \"P1\"\n  row - => \"ALL\"\n  example premium => \"P1\", \"ALL\"\n  example basic => \"ALL\"\n}\n\nflow f \"f\" {\n  data {\n    building_type \"建物\" enum(house, apartment) required\n    speed_gbps \"速度\" integer = 1\n    work_fee \"工事費\" money\n    work_type \"種別\" enum(none, light, full) = none\n    plan \"プラン\" enum(basic, premium) = basic\n    codes \"コード\" list of text\n  }\n  start -> d\n  decide d \"判定\" {\n    table work_fee_table\n    when work_type == \"full\" -> d2\n    else -> d2\n  }\n  decide d2 \"判定2\" {\n    table campaigns\n    when credit_ok(speed_gbps, work_fee) -> e\n    else -> e\n  }\n  end e \"完了\" completed\n  scenario \"s\" {\n    given building_type = house\n    expect completed\n  }\n}\n";
const RULES_RHAI: &str = "fn credit_ok(score, monthly_fee) {\n    if monthly_fee <= 10000 { score >= 400 } else { score >= 650 }\n}\nfn fee_band(monthly_fee) {\n    if monthly_fee < 5000 { \"low\" } else { \"high\" }\n}\nfn spin(n) {\n    let x = 0;\n    loop { x += 1; }\n}\n";

#[test]
fn test_runs_the_examples_of_rules_and_tables() {
    let path = temp_flow("rule_examples", RULES_FLOW);
    std::fs::write(path.with_file_name("credit.rhai"), RULES_RHAI).expect("write rules");
    let out = junro(&["test", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for passing in [
        "test credit_ok(400, 8000) => true ... ok",
        "test fee_band(4999) => low ... ok",
        "test work_fee_table: house, 1 => 26400, full ... ok",
        "test campaigns: premium => \"P1\", \"ALL\" ... ok",
    ] {
        assert!(stdout.contains(passing), "{passing} in {stdout}");
    }
    assert!(stdout.contains("line 8: expected \"low\", got \"high\""), "{stdout}");
    assert!(
        stdout.contains("line 9: rule `spin` failed: Too many operations"),
        "a runaway rule fails its example: {stdout}"
    );
    assert!(stdout.contains("line 22: expected work_fee = 2200, got 0 (row 4)"), "{stdout}");
    assert!(stdout.trim_end().ends_with("8 passed, 3 failed"), "{stdout}");
}

#[test]
fn the_rules_bench_prints_evaluation_rates() {
    let out = junro(&["bench", "rules", "--evaluations", "2000", "--rounds", "1", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in ["rule_ns", "rule_per_s", "table_ns", "table_per_s", "standard_order_decision_ns"] {
        assert!(report[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {report}");
    }
}

#[test]
fn orders_and_an_order_history_with_its_decisions_explained() {
    let db = std::env::temp_dir().join(format!("junro-cli-{}-orders.db", std::process::id()));
    let url = format!("sqlite:{}", db.display());
    let demo = junro(&["demo", "--db", &url, "--days", "2", "--quiet"]);
    assert_eq!(demo.status.code(), Some(0), "{}", String::from_utf8_lossy(&demo.stderr));
    let list = junro(&["orders", "--db", &url, "--limit", "1000"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("ORD-20261102-0001"), "{listed}");
    let order = junro(&["order", "ORD-20261102-0001", "--db", &url]);
    assert_eq!(order.status.code(), Some(0), "{}", String::from_utf8_lossy(&order.stderr));
    let shown = String::from_utf8_lossy(&order.stdout);
    assert!(shown.starts_with("order ") && shown.contains("(ORD-20261102-0001)"), "{shown}");
    assert!(shown.contains("order started: flow "), "{shown}");
    // Every decision names what decided and on which values.
    let decisions: Vec<&str> =
        shown.lines().filter(|l| l.split("  ").any(|part| part.starts_with("decision "))).collect();
    assert!(!decisions.is_empty(), "{shown}");
    assert!(decisions.iter().all(|l| l.contains(" held with ") || l.contains("no condition held (")), "{shown}");
    let json = junro(&["order", "ORD-20261102-0001", "--db", &url, "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(view["state"]["business_key"], "ORD-20261102-0001");
    assert!(view["history"].as_array().is_some_and(|h| !h.is_empty()));
    let unknown = junro(&["order", "ORD-19990101-0001", "--db", &url]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("ORD-19990101-0001"));
    let missing = junro(&["orders", "--db", "sqlite:/no/such/junro.db"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no database at /no/such/junro.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn backtest_re_evaluates_a_changed_rule_over_recorded_decisions() {
    let dir = std::env::temp_dir().join(format!("junro-cli-{}-backtest", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("demo.db").display());
    let demo = junro(&["demo", "--db", &url, "--days", "3", "--quiet"]);
    assert_eq!(demo.status.code(), Some(0), "{}", String::from_utf8_lossy(&demo.stderr));
    // The new version refuses credit to everyone: every decision credit_ok took the other way turns.
    let deployed = std::fs::read_to_string(root().join("examples/flows/_shared/rules/onestop.rhai")).expect("rules");
    let strict = deployed.replace("credit_score >= 700", "false").replace("credit_score >= 600", "false");
    assert_ne!(strict, deployed);
    let new = dir.join("onestop.rhai");
    std::fs::write(&new, strict).expect("write the new version");
    let new = new.to_str().expect("utf-8 path");
    let out = junro(&["backtest", "--rule", "credit_ok", "--from", new, "--db", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    let counts = report.lines().find(|l| l.contains("decisions re-evaluated: ")).expect("counts line");
    let number = |label: &str| -> usize {
        let rest = &counts[counts.find(label).expect(label) + label.len()..];
        rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).expect("a number")
    };
    let (evaluated, changed) = (number("re-evaluated: "), number("changed: "));
    assert!(evaluated > 0 && changed > 0 && changed <= evaluated, "{report}");
    assert!(
        report.contains("not reproducible from their history: 0"),
        "the deployed version reproduces every decision: {report}"
    );
    assert!(report.contains("one-stop rate by vendor") && report.contains("vendor_a"), "{report}");
    assert!(report.contains("changed decisions (first "), "{report}");
    // Asking about a rule no decision uses, or a file no program holds, is a clear error.
    let unknown = junro(&["backtest", "--rule", "no_such_rule", "--from", new, "--db", &url]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no deployed decision or skip rule uses a rule or table named `no_such_rule`")
    );
    let renamed = dir.join("other.rhai");
    std::fs::write(&renamed, "fn credit_ok(a, b) { false }").expect("write");
    let wrong_file =
        junro(&["backtest", "--rule", "credit_ok", "--from", renamed.to_str().expect("utf-8"), "--db", &url]);
    assert!(String::from_utf8_lossy(&wrong_file.stderr).contains("no deployed program has a file named `other.rhai`"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An administrator names a deputy from the command line, the engine refuses one of another
/// vendor with a reason, and ending it is in the list and the audit trail.
#[test]
fn deputies_are_named_listed_and_ended_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("junro-cli-deputies-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    let db = format!("sqlite:{}", dir.join("d.db").display());
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--db", &db]);
        let out = junro(&all);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    for (id, vendor) in [("tanaka", "vendor-a"), ("sato", "vendor-a"), ("suzuki", "vendor-b")] {
        assert_eq!(run(&["users", "add", id, "--role", "operator", "--vendor", vendor]).0, Some(0));
    }
    let (code, out, err) = run(&["deputies", "name", "tanaka", "sato", "--until", "2030-01-01"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("named 1 sato for tanaka from ") && out.contains("until 2030-01-01 00:00 (in force"),
        "{out}"
    );
    let (code, _, err) = run(&["deputies", "name", "tanaka", "suzuki", "--until", "2030-01-01"]);
    assert_eq!(code, Some(2), "another vendor's deputy is refused");
    assert!(err.contains("same vendor"), "{err}");
    let (_, listed, _) = run(&["deputies", "list"]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    let (code, ended, err) = run(&["deputies", "end", "1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(ended.contains("ended by cli:"), "{ended}");
    assert_eq!(run(&["deputies", "list"]).1, "", "none in force");
    assert!(run(&["deputies", "list", "--all"]).1.contains("ended by"));
    let (_, audit, _) = run(&["audit"]);
    assert!(audit.contains("deputies name 1") && audit.contains("deputies end 1"), "{audit}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The quoted text after `# … "` on the README's line for `command`.
fn readme_quote(command: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let line = readme.lines().find(|l| l.starts_with(command)).unwrap_or_else(|| panic!("README: {command}"));
    let quoted = line.split('"').nth(1).unwrap_or_else(|| panic!("no quoted output: {line}"));
    quoted.to_string()
}

/// The README tells a newcomer what `junro check` and `junro test` print for the catalogue;
/// those counts move as flows and scenarios are added, so they are checked here.
#[test]
fn the_readme_quotes_what_check_and_test_print_for_the_catalogue() {
    let checked = junro(&["check", "examples/flows"]);
    let summary = String::from_utf8_lossy(&checked.stdout).lines().last().unwrap_or_default().to_string();
    let quoted = readme_quote("junro check examples/flows");
    assert!(summary.starts_with(&quoted), "README says {quoted:?}, junro check says {summary:?}");

    let tested = junro(&["test", "examples/flows"]);
    let summary = String::from_utf8_lossy(&tested.stdout).lines().last().unwrap_or_default().to_string();
    assert_eq!(summary, readme_quote("junro test examples/flows"), "README's count of scenario and example tests");
}
