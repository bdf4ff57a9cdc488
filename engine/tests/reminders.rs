//! A reminder comes in business time, and with notices on it is in the outbox the moment it
//! comes: a task due Thursday 09:00 (`sla 1d` from Wednesday 09:00 on the 09:00–18:00 office
//! calendar) with `remind 4h before` is reminded Wednesday 14:00, not a minute earlier.
//!
//! A customer is reminded a day before the visit the flow waits for (`remind customer`), at
//! the address in the order's data, only while the order still waits; the event never holds
//! the address.

use jiff::Timestamp;
use junro_engine::clock::VirtualClock;
use junro_engine::machine::Event;
use junro_engine::store::{Durability, NoticeKind};
use junro_engine::{Engine, EngineOptions, StartOrder};
use std::sync::Arc;

const FLOW: &str = r#"
lane front "フロント" front
role operator "オペレーター"
flow callback "折り返し連絡" {
  start -> call
  task call "折り返し" {
    lane front
    role operator
    sla 1d
    remind 4h before
    -> done
  }
  end done "完了" completed
  scenario "連絡して完了" {
    complete call
    expect completed via call
  }
}
"#;

/// A moment in Tokyo.
fn tokyo(text: &str) -> Timestamp {
    let zone = jiff::tz::TimeZone::get("Asia/Tokyo").expect("zone");
    text.parse::<jiff::civil::DateTime>().expect("a time").to_zoned(zone).expect("zoned").timestamp()
}

/// A fresh engine on a SQLite file named after `name`, notices on, its clock at Wednesday
/// 2026-12-09 09:00 in Tokyo, with `flow` deployed as `file`.
async fn open(name: &str, file: &str, flow: &str) -> (std::path::PathBuf, Arc<VirtualClock>, Engine) {
    let path = std::env::temp_dir().join(format!("{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let clock = Arc::new(VirtualClock::new(tokyo("2026-12-09T09:00")));
    let options = EngineOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        notices: true,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&format!("sqlite:{}", path.display()), options).await.expect("opens");
    engine.deploy_files(&[(file.into(), flow.as_bytes().to_vec())], None).await.expect("deploys");
    (path, clock, engine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_due_thursday_nine_is_reminded_wednesday_two_in_the_afternoon() {
    // Wednesday 2026-12-09, 09:00 in Tokyo: a working day.
    let (path, clock, engine) = open("junro-reminders", "callback.flow", FLOW).await;
    let id = engine.start("callback", StartOrder::default()).await.expect("starts");
    let reminded = async |engine: &Engine| {
        while engine.run_due().await.expect("a round") > 0 {}
        engine.order(&id).await.expect("order").history.iter().any(|h| matches!(h.event, Event::Reminded { .. }))
    };

    clock.set(tokyo("2026-12-09T13:59"));
    assert!(!reminded(&engine).await, "not before Wednesday 14:00");
    assert!(engine.claim_notices(10, 60).await.expect("claims").is_empty());

    clock.set(tokyo("2026-12-09T14:00"));
    assert!(reminded(&engine).await, "Wednesday 14:00: four business hours before Thursday 09:00");
    let notices = engine.claim_notices(10, 60).await.expect("claims");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, NoticeKind::Reminder);
    assert_eq!(notices[0].due_at, Some(tokyo("2026-12-10T09:00")), "due Thursday 09:00");
    assert_eq!(notices[0].at, tokyo("2026-12-09T14:00"));
    engine.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

const VISIT: &str = r#"
lane back "バックオフィス" back
role coordinator "工事調整"
signal visit_done "訪問完了"
flow visit "訪問工事" {
  data {
    email      "メールアドレス" text
    visit_date "訪問日" datetime
  }
  start -> wait_visit
  wait wait_visit "訪問待ち" {
    remind customer email 1d before visit_date
    on visit_done -> done
    after 30d -> follow
  }
  task follow "フォロー" {
    lane back
    role coordinator
    sla 1d
    -> done
  }
  end done "完了" completed
  scenario "訪問して完了" {
    given email = "taro@example.jp", visit_date = "2026-12-11T10:00:00"
    signal visit_done
    expect completed via wait_visit
  }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_is_mailed_a_day_before_the_visit_while_the_order_waits_for_it() {
    let (path, clock, engine) = open("junro-customer-reminders", "visit.flow", VISIT).await;
    let start = |visit: &str| StartOrder {
        data: serde_json::json!({"email": "taro@example.jp", "visit_date": visit})
            .as_object()
            .cloned()
            .expect("object"),
        ..StartOrder::default()
    };
    // Visit Friday 10:00; another order's visit is Friday too, but it is done before.
    let waiting = engine.start("visit", start("2026-12-11T10:00:00")).await.expect("starts");
    let visited = engine.start("visit", start("2026-12-11T10:00:00")).await.expect("starts");
    engine.signal(&visited, "visit_done", Default::default()).await.expect("signal");
    let reminded = async |engine: &Engine, id: &str| {
        while engine.run_due().await.expect("a round") > 0 {}
        engine.order(id).await.expect("order").history.iter().any(|h| matches!(h.event, Event::CustomerReminded { .. }))
    };

    clock.set(tokyo("2026-12-10T09:59"));
    assert!(!reminded(&engine, &waiting).await, "not before Thursday 10:00");
    clock.set(tokyo("2026-12-10T10:00"));
    assert!(reminded(&engine, &waiting).await, "Thursday 10:00: 24 hours before the visit");
    assert!(!reminded(&engine, &visited).await, "an order no longer waiting reminds nobody");
    let notices = engine.claim_notices(10, 60).await.expect("claims");
    let customer: Vec<_> = notices.iter().filter(|n| n.kind == NoticeKind::CustomerReminder).collect();
    assert_eq!(customer.len(), 1, "{notices:?}");
    assert_eq!(customer[0].order, waiting);
    assert_eq!(customer[0].detail.as_deref(), Some("taro@example.jp"));
    assert_eq!(customer[0].field.as_deref(), Some("visit_date"));
    assert_eq!(customer[0].due_at, Some(tokyo("2026-12-11T10:00")), "the visit");
    assert_eq!(customer[0].step.as_deref(), Some("wait_visit"));
    let history = serde_json::to_string(
        &engine.order(&waiting).await.expect("order").history.iter().map(|h| &h.event).collect::<Vec<_>>(),
    )
    .expect("json");
    assert_eq!(history.matches("taro@example.jp").count(), 1, "only the start's data holds the address: {history}");
    engine.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
