//! A customer reminded of a construction visit (`remind customer email 1d before visit_at`):
//! the mail reaches the address in the order's data through the SMTP sink, a day before the
//! visit, worded for the customer (the order's business key, the date in Japanese, no staff
//! link), not at night; nobody's inbox gets it, and the order's history says "お客様（メール）"
//! to the company's staff and nothing at all, not even the address, to the vendor's.

use crate::common::Service;
use crate::smtp_sink::{first_mails, header, sink, text};
use junro::serve::config::Mail;
use serde_json::json;
use std::sync::Arc;

const VISIT: &str = r#"
lane front "フロント" front
role operator "オペレーター"
signal visit_done "訪問完了"
flow visit_order "訪問工事" {
  data {
    customer_name "お客様名" text required
    email         "メールアドレス" text
    visit_at      "工事日時" datetime
  }
  start -> wait_visit
  wait wait_visit "工事待ち" {
    remind customer email 1d before visit_at
    on visit_done -> done
    after 30d -> done
  }
  end done "完了" completed
  scenario "工事して完了" {
    given customer_name = "山田太郎", email = "taro@example.jp", visit_at = "2026-12-11T08:00:00"
    signal visit_done
    expect completed via wait_visit
  }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_is_mailed_the_day_before_the_visit_in_daytime_and_only_they_are() {
    let (port, taken, _) = sink(0).await;
    // Wednesday 2026-12-09, 10:00 in Tokyo.
    let clock = Arc::new(junro_engine::clock::VirtualClock::new("2026-12-09T01:00:00Z".parse().expect("a time")));
    let service = Service::start_at_time(clock.clone(), |config| {
        config.mail = Some(Mail {
            server: "127.0.0.1".into(),
            port,
            sender: "光サービス <info@example.jp>".into(),
            ..Mail::default()
        });
    })
    .await;
    let files = [("visit.flow".into(), VISIT.as_bytes().to_vec())];
    service.state.engine.deploy_files(&files, None).await.expect("deploys");
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
    let back = service.user("back-1", &["reviewer"], None, &["email", "password"]).await;
    let start = json!({"flow": "visit_order", "business_key": "ORD-CU-1",
        "data": {"customer_name": "山田太郎", "email": "taro@example.jp", "visit_at": "2026-12-11T08:00:00"}});
    let (status, order) = service.call("POST", "/api/v1/orders", Some(&op_a), Some(start)).await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().expect("an id").to_string();

    // Thursday 07:59: not yet. 08:00, a day before the visit, is night for customers: the
    // mail waits for 09:00.
    clock.set("2026-12-09T22:59:00Z".parse().expect("a time"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    clock.set("2026-12-09T23:00:00Z".parse().expect("a time"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(taken.lock().expect("lock").is_empty(), "no mail to a customer before 09:00");
    let timers = service.page_as("back-1", &format!("/orders/{id}")).await;
    assert!(timers.contains("お客様に工事日時"), "the history says the reminder came: {timers}");

    clock.set("2026-12-10T00:00:00Z".parse().expect("a time"));
    let mails = first_mails(&taken).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, vec!["taro@example.jp".to_string()]);
    let subject = header(&mails[0].data, "Subject");
    assert_eq!(subject, "【訪問工事】工事日時のお知らせ");
    let words = text(&mails[0].data);
    assert!(words.contains("受付番号 ORD-CU-1") && words.contains("12月11日(金) 08:00"), "{words}");
    assert!(!words.contains("http") && !words.contains("Junro"), "no staff link or product name: {words}");
    assert!(header(&mails[0].data, "From").contains("info@example.jp"));

    // Nobody's inbox; the history names the customer, never the address, to the company's staff…
    for token in [&op_a, &back] {
        let (_, inbox) = service.call("GET", "/api/v1/inbox", Some(token), None).await;
        assert_eq!(inbox["messages"].as_array().map(Vec::len), Some(0), "{inbox}");
    }
    let mut sent = json!(null);
    for _ in 0..100 {
        let (_, order) = service.call("GET", &format!("/api/v1/orders/{id}"), Some(&back), None).await;
        let line = order["history"]
            .as_array()
            .expect("history")
            .iter()
            .find(|h| h["event"]["event"] == "customer_reminded")
            .cloned();
        sent = line.map(|l| l["sent"].clone()).unwrap_or_default();
        if sent.as_array().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(sent[0]["to"], "お客様", "{sent}");
    assert_eq!((sent[0]["channel"].clone(), sent[0]["user"].clone()), (json!("mail"), json!(null)), "{sent}");
    let html = service.page_as("back-1", &format!("/orders/{id}")).await;
    assert!(html.contains("送信: お客様（メール）"), "{html}");
    // …and nothing of the mail to the vendor's staff.
    let (_, seen) = service.call("GET", &format!("/api/v1/orders/{id}"), Some(&op_a), None).await;
    let line = seen["history"]
        .as_array()
        .expect("history")
        .iter()
        .find(|h| h["event"]["event"] == "customer_reminded")
        .cloned()
        .expect("the line");
    assert!(line["sent"].as_array().is_none_or(Vec::is_empty), "{line}");
    assert!(!line.to_string().contains("taro@example.jp"), "{line}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(taken.lock().expect("lock").len(), 1, "mailed once");
}
