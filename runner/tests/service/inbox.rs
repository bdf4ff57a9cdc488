//! The in-app inbox: a send-back reaches the front operators who may take the returned task
//! (of the order's vendor, not another's), an incident reaches the administrators, worded in
//! Japanese with the order number; each person reads and marks only their own messages.

use crate::common::Service;
use serde_json::{Value, json};

async fn inbox(service: &Service, token: &str) -> Value {
    let (status, page) = service.call("GET", "/api/v1/inbox", Some(token), None).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// Waits until the worker has put `count` messages in `token`'s inbox.
async fn messages(service: &Service, token: &str, count: usize) -> Vec<Value> {
    for _ in 0..300 {
        let page = inbox(service, token).await;
        let found = page["messages"].as_array().cloned().unwrap_or_default();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{count} messages never came")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_back_and_an_incident_reach_the_people_concerned() {
    let service = Service::start().await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    let op_b = service.user("op-b", &["operator"], Some("vendor-b"), &[]).await;
    let op_en = service.user("op-en", &["operator"], Some("vendor-a"), &["en"]).await;
    let back = service.user("back-1", &["reviewer"], None, &[]).await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let system = service.user("order-gw", &[], None, &[]).await;

    let id = service.sent_back_order(&op_a, &back, "ORD-IN-1", "建物種別を確認してください").await;

    let got = messages(&service, &op_a, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let message = &got[0];
    assert_eq!((message["kind"].as_str(), message["order"].as_str()), (Some("sent_back"), Some(id.as_str())));
    let text = message["message"].as_str().expect("words");
    assert!(text.contains("差戻し") && text.contains("ORD-IN-1") && text.contains("受付入力"), "{text}");
    assert!(text.contains("建物種別を確認してください"), "the reason: {text}");
    assert_eq!(message["link"], format!("/orders/{id}"));
    assert_eq!(inbox(&service, &op_a).await["unread"], 1);
    // A colleague who reads English gets the same notice in English.
    let english = messages(&service, &op_en, 1).await;
    let text = english[0]["message"].as_str().expect("words");
    assert_eq!(text, "Sent back: order ORD-IN-1 returned to \"受付入力\". Reason: 建物種別を確認してください");

    // The incident of another order reaches the administrator.
    let body = json!({"flow": "service_incident", "business_key": "INC-IN-1", "vendor": "vendor-a",
        "data": {"customer_name": "障害テスト"}});
    let (status, _) = service.call("POST", "/api/v1/orders", Some(&system), Some(body)).await;
    assert_eq!(status, 201);
    let got = messages(&service, &admin, 1).await;
    assert_eq!(got[0]["kind"], "incident", "{got:?}");
    assert!(got[0]["message"].as_str().is_some_and(|m| m.contains("INC-IN-1") && m.contains("設備障害")), "{got:?}");

    // Nobody else heard of either: not vendor B, not the reviewer who sent it back.
    for other in [&op_b, &back] {
        let page = inbox(&service, other).await;
        assert_eq!((page["messages"].as_array().map(Vec::len), &page["unread"]), (Some(0), &json!(0)), "{page}");
    }
    assert_eq!(messages(&service, &op_a, 1).await.len(), 1, "the incident is not the operator's");

    // Another person cannot mark it read, not even learn it exists.
    let read = format!("/api/v1/inbox/{}/read", message["id"]);
    let (status, _) = service.call("POST", &read, Some(&op_b), None).await;
    assert_eq!(status, 404);

    // On the pages: the header counts it, the inbox shows it with a link to the order, and
    // its reader marks it read there.
    let session = service
        .request("POST", "/api/v1/session", None)
        .json(&json!({"user": "op-a", "password": "op-a-password"}))
        .send()
        .await
        .expect("signs in");
    let cookie = session.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie");
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();
    let csrf = session.json::<Value>().await.expect("json")["csrf_token"].as_str().expect("csrf").to_string();
    let page = |path: &str| service.request("GET", path, None).header("cookie", &cookie).send();
    let html = page("/inbox").await.expect("the inbox").text().await.expect("html");
    assert!(html.contains("建物種別を確認してください") && html.contains(&format!("href=\"/orders/{id}\"")), "{html}");
    assert!(html.contains("1 未読のお知らせ"), "the header counts the unread message: {html}");
    let marked = service
        .request("POST", &format!("/inbox/{}/read", message["id"]), None)
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}"))
        .send()
        .await
        .expect("marks");
    assert!(marked.status().is_success() || marked.status().is_redirection(), "{}", marked.status());
    let html = page("/").await.expect("the work page").text().await.expect("html");
    assert!(!html.contains("未読のお知らせ"), "no unread count once read: {html}");

    // Mail preferences on the same page: saved, and a half-set quiet window is refused.
    let form = |body: String| {
        service
            .request("POST", "/inbox/preferences", None)
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let saved = form(format!("_csrf={csrf}&sent_back=on&quiet_from=22%3A00&quiet_to=07%3A00&language=en"))
        .await
        .expect("saves");
    assert!(saved.status().is_success() || saved.status().is_redirection(), "{}", saved.status());
    let (_, prefs) = service.call("GET", "/api/v1/me/notifications", Some(&op_a), None).await;
    assert_eq!(
        prefs,
        json!({"mail_kinds": ["sent_back"], "quiet_from": "22:00", "quiet_to": "07:00", "language": "en"})
    );
    let refused = form(format!("_csrf={csrf}&reminder=on&quiet_from=22%3A00")).await.expect("answers");
    assert_eq!(refused.status().as_u16(), 400);
    let html = refused.text().await.expect("html");
    assert!(html.contains("開始と終了の両方を時刻（例 22:00）で入力してください"), "in plain Japanese: {html}");
    let html = page("/inbox").await.expect("the inbox").text().await.expect("html");
    assert!(html.contains("name=\"sent_back\" checked") && html.contains("value=\"22:00\""), "{html}");
    assert!(html.contains("<option value=\"en\" selected>English</option>"), "the language chosen: {html}");
    let page = inbox(&service, &op_a).await;
    assert_eq!(page["unread"], 0);
    assert!(page["messages"][0]["read_at"].is_string(), "{page}");
    let (status, unread) = service.call("GET", "/api/v1/inbox?unread=true", Some(&op_a), None).await;
    assert_eq!((status, unread["messages"].as_array().map(Vec::len)), (200, Some(0)));
}
