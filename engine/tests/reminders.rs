//! A reminder comes in business time, and with notices on it is in the outbox the moment it
//! comes: a task due Thursday 09:00 (`sla 1d` from Wednesday 09:00 on the 09:00–18:00 office
//! calendar) with `remind 4h before` is reminded Wednesday 14:00, not a minute earlier.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_due_thursday_nine_is_reminded_wednesday_two_in_the_afternoon() {
    let path = std::env::temp_dir().join(format!("junro-reminders-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // Wednesday 2026-12-09, 09:00 in Tokyo: a working day.
    let clock = Arc::new(VirtualClock::new(tokyo("2026-12-09T09:00")));
    let options = EngineOptions {
        durability: Durability::Normal,
        clock: clock.clone(),
        notices: true,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(&format!("sqlite:{}", path.display()), options).await.expect("opens");
    engine.deploy_files(&[("callback.flow".into(), FLOW.as_bytes().to_vec())], None).await.expect("deploys");
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
