//! Webhooks as a receiving system sees them: a send-back is POSTed as JSON signed with
//! HMAC-SHA256 under the webhook's secret, retried after the receiver fails, carrying the same
//! delivery key each time; a webhook that wants only incidents hears nothing of it.

use crate::common::Service;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{KeyInit, Mac};
use junro::serve::config::Webhook;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What a receiver got: each POST's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on loopback that fails its first `failures` POSTs with 500.
async fn receiver(failures: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let kept = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let mut all = kept.lock().expect("lock");
                all.push((headers, body));
                if all.len() <= failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_back_is_posted_signed_and_retried_until_received() {
    let (chat, to_chat) = receiver(1).await;
    let (ops, to_ops) = receiver(0).await;
    // A receiver that is gone: nothing listens on its port.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let dead = format!("http://{}/hook", gone.local_addr().expect("address"));
    drop(gone);
    let service = Service::start_with(|config| {
        config.notify_retry_ms = 50;
        config.webhooks = vec![
            Webhook { name: "chat".into(), url: chat, secret: "合言葉-1".into(), kinds: Vec::new() },
            Webhook { name: "ops".into(), url: ops, secret: "s2".into(), kinds: vec!["incident".into()] },
            Webhook { name: "dead".into(), url: dead, secret: "s3".into(), kinds: vec!["sent_back".into()] },
        ];
    })
    .await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let back = service.user("back-1", &["reviewer"], None, &[]).await;
    let id = service.sent_back_order(&op_a, &back, "ORD-WH-1", "住所を確認してください").await;

    let mut posts = Vec::new();
    for _ in 0..300 {
        posts = to_chat.lock().expect("lock").clone();
        if posts.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(posts.len(), 2, "refused once with 500, then delivered: {posts:?}");
    let (headers, body) = &posts[1];
    let notice: Value = serde_json::from_slice(body).expect("a JSON body");
    assert_eq!((notice["kind"].as_str(), notice["order"].as_str()), (Some("sent_back"), Some(id.as_str())));
    assert_eq!(notice["business_key"], "ORD-WH-1");
    assert_eq!(notice["detail"], "住所を確認してください");
    assert!(notice["message"].as_str().is_some_and(|m| m.contains("差戻し")), "{notice}");
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("x-junro-signature-256"), format!("sha256={}", hmac_hex("合言葉-1", body)));
    assert_eq!(header("x-junro-delivery"), notice["id"].as_str().expect("its key"));
    assert_eq!(posts[0].1, posts[1].1, "the retry sends the same notice");
    assert_eq!(
        header("x-junro-delivery"),
        posts[0].0.get("x-junro-delivery").and_then(|v| v.to_str().ok()).unwrap_or_default()
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(to_chat.lock().expect("lock").len(), 2, "nothing more once delivered");
    assert!(to_ops.lock().expect("lock").is_empty(), "the incidents-only webhook heard nothing");

    // The administrators see which receiver keeps failing, and why; nobody else does.
    let (status, standing) = service.call("GET", "/api/v1/deliveries", Some(&admin), None).await;
    assert_eq!(status, 200, "{standing}");
    let of =
        |name: &str| standing.as_array().and_then(|a| a.iter().find(|s| s["target"] == name)).cloned().expect(name);
    let (chat, dead) = (of("chat"), of("dead"));
    assert_eq!((&chat["delivered"], &chat["pending"], &chat["failing"]), (&json!(1), &json!(0), &json!(0)), "{chat}");
    assert_eq!(
        (&dead["channel"], &dead["delivered"], &dead["pending"], &dead["failing"]),
        (&json!("webhook"), &json!(0), &json!(1), &json!(1))
    );
    assert!(
        dead["most_attempts"].as_i64().is_some_and(|n| n >= 1)
            && dead["last_error"].as_str().is_some_and(|e| e.contains("POST")),
        "{dead}"
    );
    assert_eq!(standing[0]["target"], "dead", "failing ones first");
    let (status, _) = service.call("GET", "/api/v1/deliveries", Some(&op_a), None).await;
    assert_eq!(status, 403);

    // The order's history names the webhook that took the notice (not the dead one) to the
    // company's staff; the vendor's operator sees only the people it reached.
    let reached = |order: Value| -> Vec<(String, String)> {
        let history = order["history"].as_array().cloned().unwrap_or_default();
        let line = history.into_iter().find(|h| h["event"]["event"] == "sent_back").expect("the send-back");
        line["sent"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| (s["to"].as_str().unwrap_or("").to_string(), s["channel"].as_str().unwrap_or("").to_string()))
            .collect()
    };
    let path = format!("/api/v1/orders/{id}");
    let (_, order) = service.call("GET", &path, Some(&admin), None).await;
    let inbox = ("op-aさん".to_string(), "inbox".to_string());
    assert_eq!(reached(order), vec![inbox.clone(), ("chat".to_string(), "webhook".to_string())]);
    let (_, order) = service.call("GET", &path, Some(&op_a), None).await;
    assert_eq!(reached(order), vec![inbox]);
}
