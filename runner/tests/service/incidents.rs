//! Incidents through the API, as an administrator fixes them: listed with their flow, step,
//! attempts and message; a retry that fails again stays listed; a resolution lacking the
//! step's output is refused naming it; a resolution with the result finishes the order, which
//! the order list then finds by that data field. Only administrators see or act on incidents.

use crate::common::Service;
use serde_json::{Value, json};

async fn incidents(service: &Service, token: &str) -> Vec<Value> {
    let (status, page) = service.call("GET", "/api/v1/incidents", Some(token), None).await;
    assert_eq!(status, 200, "{page}");
    page["incidents"].as_array().cloned().unwrap_or_default()
}

async fn wait_for_incidents(service: &Service, admin: &str, count: usize) -> Vec<Value> {
    for _ in 0..300 {
        let listed = incidents(service, admin).await;
        if listed.len() >= count {
            return listed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{count} incidents never came")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_lists_retries_and_resolves_incidents() {
    let service = Service::start().await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let system = service.user("order-gw", &[], None, &[]).await;
    let operator = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let mut ids = Vec::new();
    for key in ["INC-1", "INC-2"] {
        let body = json!({"flow": "service_incident", "business_key": key, "vendor": "vendor-a",
            "data": {"customer_name": "障害テスト"}});
        let (status, order) = service.call("POST", "/api/v1/orders", Some(&system), Some(body)).await;
        assert_eq!(status, 201, "{order}");
        ids.push(order["id"].as_str().expect("id").to_string());
    }
    let listed = wait_for_incidents(&service, &admin, 2).await;
    for row in &listed {
        assert_eq!((row["flow"].as_str(), row["step"].as_str()), (Some("service_incident"), Some("open")), "{row}");
        assert_eq!(row["attempts"], 1, "{row}");
        assert!(row["message"].as_str().is_some_and(|m| m.contains("設備障害")), "{row}");
        assert_eq!(row["vendor"], "vendor-a");
    }
    let (status, _) = service.call("GET", "/api/v1/incidents", Some(&operator), None).await;
    assert_eq!(status, 403, "operators do not see incidents");
    let (status, page) = service.call("GET", "/api/v1/incidents?step=intake", Some(&admin), None).await;
    assert_eq!((status, page["incidents"].as_array().map(Vec::len)), (200, Some(0)), "filtered by step");
    let (status, page) = service.call("GET", "/api/v1/incidents?limit=1", Some(&admin), None).await;
    assert_eq!(status, 200);
    let cursor = page["next"].as_str().expect("a second page");
    let (_, second) =
        service.call("GET", &format!("/api/v1/incidents?limit=1&cursor={cursor}"), Some(&admin), None).await;
    assert_ne!(page["incidents"][0]["order"], second["incidents"][0]["order"], "the cursor pages on");

    let of = |id: &str| listed.iter().find(|r| r["order"] == id).expect("listed").clone();
    let (first, second) = (of(&ids[0]), of(&ids[1]));
    let path = |row: &Value, what: &str| {
        format!("/api/v1/orders/{}/incidents/{}/{what}", row["order"].as_str().unwrap_or(""), row["instance"])
    };

    // The cause is not fixed: the retry fails again and the incident stays, tried twice.
    let (status, answer) = service.call("POST", &path(&second, "retry"), Some(&admin), None).await;
    assert_eq!(status, 200, "{answer}");
    let mut retried = Value::Null;
    for _ in 0..300 {
        retried =
            incidents(&service, &admin).await.into_iter().find(|r| r["order"] == ids[1].as_str()).unwrap_or_default();
        if retried["attempts"] == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(retried["attempts"], 2, "{retried}");

    let (status, problem) =
        service.call("POST", &path(&first, "resolve"), Some(&operator), Some(json!({"output": {}}))).await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) =
        service.call("POST", &path(&first, "resolve"), Some(&admin), Some(json!({"output": {}}))).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "output.line_id", "{problem}");
    let resolution = json!({"output": {"line_id": "L-MANUAL-1"}});
    let (status, order) = service.call("POST", &path(&first, "resolve"), Some(&admin), Some(resolution.clone())).await;
    assert_eq!((status, order["status"].as_str()), (200, Some("closed")), "{order}");
    let (status, problem) = service.call("POST", &path(&first, "resolve"), Some(&admin), Some(resolution)).await;
    assert_eq!(status, 409, "resolved once only: {problem}");

    let (_, detail) = service.call("GET", &format!("/api/v1/orders/{}", ids[0]), Some(&admin), None).await;
    assert_eq!(detail["data"]["line_id"], "L-MANUAL-1");
    let history = detail["history"].to_string();
    assert!(history.contains("resolved by admin"), "the history says who resolved it: {history}");
    let left = incidents(&service, &admin).await;
    assert_eq!(left.iter().map(|r| r["order"].clone()).collect::<Vec<_>>(), vec![json!(ids[1])]);

    // The order list finds orders by a data field, and names a wrong filter.
    let filter = |data: &str| format!("/api/v1/orders?flow=service_incident&data={}", urlencode(data));
    let (status, page) = service.call("GET", &filter(r#"{"line_id":"L-MANUAL-1"}"#), Some(&admin), None).await;
    assert_eq!(status, 200, "{page}");
    let found: Vec<_> = page["orders"].as_array().expect("orders").iter().map(|o| o["id"].clone()).collect();
    assert_eq!(found, vec![json!(ids[0])]);
    let (status, page) = service.call("GET", &filter(r#"{"customer_name":"障害テスト"}"#), Some(&admin), None).await;
    assert_eq!((status, page["orders"].as_array().map(Vec::len)), (200, Some(2)), "{page}");
    let (status, problem) = service.call("GET", &filter(r#"{"colour":"red","line_id":[1]}"#), Some(&admin), None).await;
    assert_eq!(status, 400, "{problem}");
    let fields: Vec<_> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, vec![json!("data.colour"), json!("data.line_id")], "{problem}");
    service.stop().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
