//! A catalogue flow changed and its running orders migrated, as an administrator does it with
//! `junro deploy` and `junro migrate`: the fixed-IP flow's usage review is replaced by a risk
//! review and a field is added; the dry run says, order by order, which move and why one cannot
//! (it stands at the removed step); the move is recorded in each order's history, and a moved
//! order goes on under the new version.

use junro_engine::calendar::Calendars;
use junro_engine::machine::{Actor, Event};
use junro_engine::store::TaskFilter;
use junro_engine::{Engine, EngineOptions, StartOrder};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn junro(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_junro")).args(args).current_dir(root()).output().expect("junro runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copied");
        }
    }
}

async fn open_engine(db: &str) -> Engine {
    let yaml = std::fs::read_to_string(root().join("examples/calendars.yaml")).expect("calendars");
    let options = EngineOptions { calendars: Calendars::from_yaml(&yaml).expect("valid"), ..EngineOptions::default() };
    Engine::open_with(db, options).await.expect("opens")
}

async fn open_step(engine: &Engine, order: &str) -> (String, u64) {
    let filter = TaskFilter { order: Some(order.into()), ..TaskFilter::default() };
    let tasks = engine.tasks(&filter).await.expect("tasks");
    tasks.first().map(|t| (t.step.clone(), t.instance)).unwrap_or_default()
}

fn form(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_catalogue_flow_migrates_the_orders_that_fit_and_names_why_the_others_cannot() {
    let dir = std::env::temp_dir().join(format!("junro-migration-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("examples/flows/_shared"), &dir.join("_shared"));
    let flow = dir.join("options/options_fixed_ip_mail.flow");
    std::fs::create_dir_all(flow.parent().expect("folder")).expect("folder");
    let v1 = std::fs::read_to_string(root().join("examples/flows/options/options_fixed_ip_mail.flow")).expect("flow");
    std::fs::write(&flow, &v1).expect("written");
    let db = format!("sqlite:{}", dir.join("junro.db").display());
    let flow_path = flow.to_str().expect("utf-8 path");
    let out = junro(&["deploy", flow_path, "--db", &db]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let engine = open_engine(&db).await;
    let operator = Actor::person("yamada", &["operator"], None);
    let reviewer = Actor::person("suzuki", &["reviewer"], None);
    let start = |key: &str| StartOrder { business_key: Some(key.into()), ..StartOrder::default() };
    let entry = json!({"customer_id": "C00012345", "company_name": "株式会社サンプル", "contact_email": "it@example.jp",
        "line_id": "L-200100", "usage_purpose": "vpn"});
    // At the entry, at the usage review, and past it in the credit check.
    let at_entry = engine.start("options_fixed_ip_mail", start("FIP-1")).await.expect("starts");
    let at_review = engine.start("options_fixed_ip_mail", start("FIP-2")).await.expect("starts");
    let past_review = engine.start("options_fixed_ip_mail", start("FIP-3")).await.expect("starts");
    for order in [&at_review, &past_review] {
        let (_, task) = open_step(&engine, order).await;
        engine.complete(order, task, &operator, None, form(entry.clone())).await.expect("entry done");
    }
    let (step, review) = open_step(&engine, &past_review).await;
    assert_eq!(step, "usage_review");
    let note = form(json!({"abuse_note": "社内VPN用途。問題なし"}));
    engine.complete(&past_review, review, &reviewer, Some("approve"), note).await.expect("approved");
    engine.close().await;

    // Version 2: the usage review becomes a risk review, and the sales channel is recorded.
    let v2 = v1.replace("usage_review", "risk_review").replace("利用目的審査", "不正利用リスク審査").replace(
        "    ip_block        \"払出IPブロック\"     text\n",
        "    ip_block        \"払出IPブロック\"     text\n    sales_channel   \"販売経路\"           text\n",
    );
    assert!(
        v2.contains("sales_channel") && v2.contains("task risk_review"),
        "the change applies to the catalogue flow"
    );
    std::fs::write(&flow, &v2).expect("written");
    let out = junro(&["deploy", flow_path, "--db", &db]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("deployed options_fixed_ip_mail v2"), "{out:?}");

    let out = junro(&["migrate", "options_fixed_ip_mail", "--to", "2", "--dry-run", "--db", &db]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "an order that cannot move makes the exit code 1: {text}");
    assert!(text.contains(&format!("{at_entry}: moves from version 1 to 2")), "{text}");
    assert!(text.contains(&format!("{past_review}: moves from version 1 to 2")), "{text}");
    assert!(text.contains(&format!("{at_review}: cannot move: step `usage_review` is removed")), "{text}");
    assert!(text.contains("2 would move, 1 cannot move"), "{text}");

    let out = junro(&["migrate", "options_fixed_ip_mail", "--to", "2", "--orders", "FIP-1,FIP-3", "--db", &db]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("2 moved, 0 cannot move"), "{text}");

    let engine = open_engine(&db).await;
    engine.deploy(&[&flow], None).await.expect("the same program again: nothing new");
    for (order, version) in [(&at_entry, 2), (&past_review, 2), (&at_review, 1)] {
        let view = engine.order(order).await.expect("order");
        assert_eq!(view.state.version, version, "{order}");
        let moved = view.history.iter().any(|h| matches!(&h.event, Event::FlowMigrated { from: 1, to: 2, .. }));
        assert_eq!(moved, version == 2, "{order}: the move is in the history");
    }
    // The moved order goes on under version 2: its entry now leads to the risk review.
    let (_, task) = open_step(&engine, &at_entry).await;
    engine.complete(&at_entry, task, &operator, None, form(entry)).await.expect("entry done");
    assert_eq!(open_step(&engine, &at_entry).await.0, "risk_review");
    engine.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
