//! `junro export` as a user runs it, on a SQLite file built with the engine's API: the three
//! formats, `--out`, the `--from/--to` window in Tokyo days, and the usage errors.

use jiff::Timestamp;
use junro_engine::clock::VirtualClock;
use junro_engine::machine::Actor;
use junro_engine::store::{Durability, TaskFilter};
use junro_engine::{Engine, EngineOptions, StartOrder};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

const FLOW: &str = r#"
lane front "フロント" front
role operator "オペレーター"

flow intake_only "受付だけのフロー" {
  start -> intake
  task intake "申込受付" {
    lane front
    role operator
    -> done
  }
  end done "完了" completed
  scenario "s" {
    expect at intake
  }
}
"#;

fn junro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_junro")).args(args).output().expect("junro runs")
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("junro-export-cli-{}-{name}", std::process::id()))
}

/// Two orders: `EARLY` received 2026-11-01 10:00 Tokyo and completed; `LATE` received
/// 2026-11-02 08:00 Tokyo, which is still 2026-11-01 in UTC, and open.
async fn database(path: &Path) {
    let t0: Timestamp = "2026-11-02T00:00:00Z".parse().expect("time");
    let clock = Arc::new(VirtualClock::new(t0));
    let options = EngineOptions { durability: Durability::Normal, clock: clock.clone(), ..EngineOptions::default() };
    let engine = Engine::open_with(&format!("sqlite:{}", path.display()), options).await.expect("engine opens");
    let dir = temp("flows");
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("intake.flow"), FLOW).expect("flow written");
    engine.deploy(&[dir], None).await.expect("deploys");
    for (key, received) in [("EARLY", "2026-11-01T01:00:00Z"), ("LATE", "2026-11-01T23:00:00Z")] {
        let start = StartOrder {
            business_key: Some(key.into()),
            received_at: Some(received.parse().expect("time")),
            ..StartOrder::default()
        };
        engine.start("intake_only", start).await.expect("starts");
    }
    clock.advance(600);
    let operator = Actor::person("op-1", &["operator"], Some("vendor_a"));
    let early = engine.resolve("EARLY").await.expect("EARLY");
    let tasks = engine.tasks(&TaskFilter { order: Some(early.clone()), ..TaskFilter::default() }).await.expect("tasks");
    let task = tasks.first().expect("EARLY's intake");
    engine.complete(&early, task.instance, &operator, None, Default::default()).await.expect("completes");
    engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_each_format_and_windows_by_tokyo_days() {
    let db = temp("db.sqlite");
    database(&db).await;
    let url = format!("sqlite:{}", db.display());

    // CSV into a file, only orders received on 2026-11-02 in Tokyo: LATE, not EARLY.
    let csv = temp("out.csv");
    let out = junro(&[
        "export",
        "--db",
        &url,
        "--format",
        "csv",
        "--out",
        csv.to_str().expect("utf-8"),
        "--from",
        "2026-11-02",
        "--to",
        "2026-11-03",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 case, 1 event written"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&csv).expect("the CSV file");
    let text =
        std::str::from_utf8(bytes.strip_prefix("\u{feff}".as_bytes()).expect("a byte-order mark")).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "case_id,activity,timestamp,lifecycle,resource,vendor,lane,flow,version,step,order_id");
    assert_eq!(lines.len(), 2, "LATE is open and untouched: only its receipt: {lines:?}");
    assert!(lines[1].starts_with("LATE,order received,2026-11-01T23:00:00.000Z,complete,"), "{}", lines[1]);

    // XES to standard output: both orders, EARLY's step under its Japanese label.
    let out = junro(&["export", "--db", &url, "--format", "xes"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let xes = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(xes.starts_with("<?xml"), "{xes}");
    assert_eq!(xes.matches("<trace>").count(), 2);
    assert!(xes.contains("<string key=\"concept:name\" value=\"申込受付\"/>"), "{xes}");
    assert!(xes.contains("<string key=\"org:group\" value=\"vendor_a\"/>"), "{xes}");

    // OCEL: EARLY only (received 2026-11-01 in Tokyo).
    let out = junro(&["export", "--db", &url, "--format", "ocel", "--to", "2026-11-02"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let orders: Vec<&str> = log["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "order")
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(orders, vec!["order:EARLY"]);

    // Usage errors: an empty window, a malformed date, a missing database.
    let out = junro(&["export", "--db", &url, "--format", "csv", "--from", "2026-11-03", "--to", "2026-11-02"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must be before"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = junro(&["export", "--db", &url, "--format", "csv", "--from", "2026/11/03"]);
    assert_eq!(out.status.code(), Some(2));
    let missing = format!("sqlite:{}", temp("missing.sqlite").display());
    let out = junro(&["export", "--db", &missing, "--format", "xes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"), "{}", String::from_utf8_lossy(&out.stderr));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let _ = std::fs::remove_file(csv);
}
