//! The supervisors' daily digest, on a virtual Monday: after 08:30 each supervisor gets one
//! message of their scope's overdue work (a vendor's supervisor only their vendor's; the
//! company's, everyone's), and a supervisor with nothing to follow up gets none.

use crate::common::Service;
use junro_engine::clock::VirtualClock;
use serde_json::{Value, json};
use std::sync::Arc;

async fn messages(service: &Service, token: &str) -> Vec<Value> {
    let (status, page) = service.call("GET", "/api/v1/inbox", Some(token), None).await;
    assert_eq!(status, 200, "{page}");
    page["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_supervisor_gets_the_digest_of_their_scope_on_a_working_morning() {
    // Monday 2026-12-07, 08:00 in Tokyo.
    let monday = "2026-12-06T23:00:00Z".parse().expect("a time");
    let clock = Arc::new(VirtualClock::new(monday));
    let service = Service::start_at_time(clock.clone(), |config| config.digest_at = Some("08:30".into())).await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let sup_a = service.user("sup-a", &[], Some("vendor-a"), &["supervisor"]).await;
    let sup_b = service.user("sup-b", &[], Some("vendor-b"), &["supervisor"]).await;
    let sup_all = service.user("sup-all", &[], None, &["supervisor"]).await;
    let sup_en = service.user("sup-en", &[], Some("vendor-a"), &["supervisor", "en"]).await;
    let start = json!({"flow": "service_order", "business_key": "ORD-DG-1",
        "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (status, order) = service.call("POST", "/api/v1/orders", Some(&op_a), Some(start)).await;
    assert_eq!(status, 201, "{order}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(messages(&service, &sup_a).await.is_empty(), "not before 08:30");

    // 10:00: the intake (30 business minutes from 09:00) is overdue, and the digest is due.
    clock.advance(2 * 3600);
    let mut got = Vec::new();
    for _ in 0..300 {
        got = messages(&service, &sup_a).await;
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((got[0]["kind"].as_str(), got[0]["link"].as_str()), (Some("digest"), Some("/stalled")));
    let text = got[0]["message"].as_str().expect("words");
    assert!(text.starts_with("本日の要対応（12月7日（月）・vendor-a）: 期限超過 1 件"), "{text}");
    assert!(text.contains("注文 ORD-DG-1「受付入力」") && text.contains("未着手"), "{text}");
    let all = messages(&service, &sup_all).await;
    assert_eq!(all.len(), 1, "the company's supervisor sees every vendor's: {all:?}");
    assert!(all[0]["message"].as_str().is_some_and(|m| m.contains("・全体）") && m.contains("ORD-DG-1")));
    assert!(messages(&service, &sup_b).await.is_empty(), "vendor B has nothing to follow up");
    let english = messages(&service, &sup_en).await;
    let text = english[0]["message"].as_str().expect("words");
    assert!(text.starts_with("To follow up today (2026-12-07 Mon, vendor-a): 1 overdue, 0 at risk"), "{text}");
    assert!(
        text.contains("■ Overdue and at-risk tasks\n・order ORD-DG-1 \"受付入力\" due 12/7 09:30 (unclaimed) overdue"),
        "{text}"
    );

    // Later rounds that day send nothing more.
    clock.advance(3600);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(messages(&service, &sup_a).await.len(), 1, "one digest a day");
}
