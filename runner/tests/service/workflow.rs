//! A whole order worked through the API by three identities: a vendor's front operator, an
//! in-house back-office reviewer, and a system token reporting "construction completed".

use crate::common::{Backend, Service};
use serde_json::{Value, json};

async fn whole_order(service: Service) {
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let op_b = service.user("op-b", &["operator"], Some("vendor-b"), &[]).await;
    let back = service.user("back-1", &["reviewer"], None, &[]).await;
    let system = service.user("partner-gw", &[], None, &[]).await;
    let admin = service.user("admin", &[], None, &["admin"]).await;

    // The front operator takes the order by phone.
    let start = json!({"flow": "service_order", "business_key": "ORD-1", "channel": "phone",
        "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (status, order) = service.call("POST", "/api/v1/orders", Some(&op_a), Some(start.clone())).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["vendor"], "vendor-a", "an operator's order is their vendor's");
    let id = order["id"].as_str().expect("an id").to_string();
    let (status, again) = service.call("POST", "/api/v1/orders", Some(&op_a), Some(start)).await;
    assert_eq!((status, &again["id"]), (200, &order["id"]), "the same order number gives the same order");

    // Held a moment by an administrator (the customer called back), and resumed.
    let hold = format!("/api/v1/orders/{id}/hold");
    let (status, held) = service.call("POST", &hold, Some(&admin), Some(json!({"reason": "お客様折り返し待ち"}))).await;
    assert_eq!(status, 200, "{held}");
    let (status, _) = service.call("POST", &format!("/api/v1/orders/{id}/resume"), Some(&admin), None).await;
    assert_eq!(status, 200);

    // Another vendor's operator learns nothing of it.
    let (status, _) = service.call("GET", "/api/v1/orders/ORD-1", Some(&op_b), None).await;
    assert_eq!(status, 404);
    let (status, _) = service.call("GET", &format!("/api/v1/orders/{id}"), Some(&op_b), None).await;
    assert_eq!(status, 404);
    let (status, none) = service.call("POST", "/api/v1/tasks/next", Some(&op_b), None).await;
    assert_eq!((status, none), (204, Value::Null), "vendor B has nothing to take");
    let (_, listed) = service.call("GET", "/api/v1/orders", Some(&op_b), None).await;
    assert_eq!(listed["orders"].as_array().map(Vec::len), Some(0));

    // Intake: take next, complete.
    let (status, task) = service.call("POST", "/api/v1/tasks/next", Some(&op_a), None).await;
    assert_eq!(status, 200, "{task}");
    assert_eq!((task["step"].as_str(), task["label"].as_str()), (Some("intake"), Some("受付入力")));
    assert_eq!(task["assignee"], "op-a");
    let intake = task["instance"].as_u64().expect("instance");
    let path = format!("/api/v1/orders/{id}/tasks/{intake}/complete");
    let (status, _) = service.call("POST", &path, Some(&op_a), Some(json!({"data": {"building_type": "house"}}))).await;
    assert_eq!(status, 204);
    let (status, problem) = service.call("POST", &path, Some(&op_a), Some(json!({}))).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("task_not_open")), "completing twice: {problem}");

    // The rule sends a house to the back office.
    let (status, review) = service.call("POST", "/api/v1/tasks/next", Some(&back), None).await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["step"], "review");
    let instance = review["instance"].as_u64().expect("instance");
    let complete = format!("/api/v1/orders/{id}/tasks/{instance}/complete");
    let (status, problem) = service.call("POST", &complete, Some(&back), Some(json!({"data": {}}))).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "review_note", "the error names the field: {problem}");
    assert_eq!(problem["code"], "invalid");

    // The reviewer sends it back with a reason; the front operator sees it return.
    let send_back = format!("/api/v1/orders/{id}/tasks/{instance}/send-back");
    let body = json!({"to": "intake", "reason": "建物種別を確認してください"});
    let (status, answer) = service.call("POST", &send_back, Some(&back), Some(body)).await;
    assert_eq!(status, 204, "{answer}");
    let (status, returned) = service.call("POST", "/api/v1/tasks/next", Some(&op_a), None).await;
    assert_eq!((status, returned["step"].as_str()), (200, Some("intake")), "{returned}");
    let again = returned["instance"].as_u64().expect("instance");
    let (status, _) = service
        .call("POST", &format!("/api/v1/orders/{id}/tasks/{again}/complete"), Some(&op_a), Some(json!({"data": {}})))
        .await;
    assert_eq!(status, 204);
    let (status, review) = service.call("POST", "/api/v1/tasks/next", Some(&back), None).await;
    assert_eq!(status, 200, "{review}");
    let instance = review["instance"].as_u64().expect("instance");
    let body = json!({"data": {"review_note": "工事日 12/10 で調整済"}});
    let (status, _) =
        service.call("POST", &format!("/api/v1/orders/{id}/tasks/{instance}/complete"), Some(&back), Some(body)).await;
    assert_eq!(status, 204);

    // The worker runs the credit check, then the construction partner's gateway reports
    // completion by order number.
    let signal = json!({"business_key": "ORD-1", "signal": "construction_completed", "data": {}});
    let (status, _) = service.call("POST", "/api/v1/signals", Some(&op_a), Some(signal.clone())).await;
    assert_eq!(status, 403, "vendor staff do not send partners' signals");
    // Sent at once: if the credit check has not run yet, the order keeps the signal for its wait.
    let answer = service.call("POST", "/api/v1/signals", Some(&system), Some(signal.clone())).await;
    assert_eq!(answer.0, 202, "{}", answer.1);
    assert!(matches!(answer.1["outcome"].as_str(), Some("delivered" | "kept")), "{}", answer.1);

    // Confirmation call at the front (once the worker has run the credit check), and the order is done.
    let mut next = (0, Value::Null);
    for _ in 0..500 {
        next = service.call("POST", "/api/v1/tasks/next", Some(&op_a), None).await;
        if next.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, confirm) = next;
    assert_eq!((status, confirm["step"].as_str()), (200, Some("confirm")), "{confirm}");
    let instance = confirm["instance"].as_u64().expect("instance");
    let (status, _) = service
        .call("POST", &format!("/api/v1/orders/{id}/tasks/{instance}/complete"), Some(&op_a), Some(json!({})))
        .await;
    assert_eq!(status, 204);
    let (status, detail) = service.call("GET", "/api/v1/orders/ORD-1", Some(&op_a), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (detail["order"]["status"].as_str(), detail["order"]["outcome"].as_str()),
        (Some("closed"), Some("completed"))
    );
    let texts: Vec<&str> =
        detail["history"].as_array().expect("history").iter().filter_map(|h| h["text"].as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains("建物種別を確認してください")),
        "the send-back's reason is in the history: {texts:?}"
    );
    assert!(detail["open_steps"].as_array().is_some_and(Vec::is_empty));

    // Every change is in the audit trail, with who did it.
    let (status, audit) = service.call("GET", "/api/v1/audit?limit=500", Some(&admin), None).await;
    assert_eq!(status, 200);
    let records = audit["records"].as_array().expect("records");
    let by = |actor: &str, action: &str| {
        records.iter().filter(|r| r["actor"] == actor && r["action"] == action && r["result"] == "ok").count()
    };
    assert_eq!(by("op-a", "POST /api/v1/orders"), 2);
    assert_eq!(by("back-1", "POST /api/v1/orders/{order}/tasks/{instance}/send-back"), 1);
    assert_eq!(by("partner-gw", "POST /api/v1/signals"), 1);
    assert!(
        records.iter().any(|r| r["actor"] == "op-a" && r["result"] == "task_not_open"),
        "refusals are recorded too"
    );
    assert!(records.iter().all(|r| r["address"] == "127.0.0.1"));
    // Each request once, naming the task it took or worked and how it was answered, whether its
    // record was committed with its change or on its own (a refusal).
    let of = |actor: &str, action: &str, target: String| -> Vec<(u64, String)> {
        records
            .iter()
            .filter(|r| r["actor"] == actor && r["action"] == action && r["target"] == target.as_str())
            .map(|r| (r["status"].as_u64().unwrap_or(0), r["result"].as_str().unwrap_or("").to_string()))
            .collect()
    };
    let started: Vec<(u64, String)> = records
        .iter()
        .filter(|r| r["action"] == "POST /api/v1/orders" && r["target"] == id.as_str())
        .map(|r| (r["status"].as_u64().unwrap_or(0), r["detail"].as_str().unwrap_or("").to_string()))
        .collect();
    let again = (200, "existing order".to_string());
    assert_eq!(
        started,
        vec![(201, "flow service_order".to_string()), again],
        "the start once, then the repeat: {audit}"
    );
    for action in ["POST /api/v1/orders/{order}/hold", "POST /api/v1/orders/{order}/resume"] {
        assert_eq!(of("admin", action, id.clone()), vec![(200, "ok".to_string())], "{action}: {audit}");
    }
    let task = format!("{id}#{intake}");
    assert_eq!(of("op-a", "POST /api/v1/tasks/next", task.clone()), vec![(200, "ok".to_string())], "{audit}");
    let complete = "POST /api/v1/orders/{order}/tasks/{instance}/complete";
    assert_eq!(of("op-a", complete, task), vec![(204, "ok".to_string())], "{audit}");
    let refused = of("op-a", complete, path.clone());
    assert_eq!(refused, vec![(409, "task_not_open".to_string())], "a refusal names the path: {audit}");
    let invalid = records.iter().filter(|r| r["actor"] == "back-1" && r["result"] == "invalid").count();
    assert_eq!(invalid, 1, "the form refused is recorded: {audit}");
    assert!(records.iter().all(|r| r["request_id"].as_str().is_some_and(|id| !id.is_empty())), "{audit}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_order_is_worked_through_the_api_by_three_identities() {
    whole_order(Service::start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_order_is_worked_through_the_api_on_postgres() {
    let Some(backend) = Backend::postgres() else { return };
    whole_order(Service::start_on(&backend, true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_several_mistakes_names_each_field() {
    let service = Service::start_on(&Backend::Sqlite, false).await;
    let op = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let start = json!({"flow": "service_order", "data": {"customer_name": "山田太郎", "building_type": "house", "floors": 120}});
    let (status, problem) = service.call("POST", "/api/v1/orders", Some(&op), Some(start)).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("data.floors")), "{problem}");
    let start = json!({"flow": "service_order", "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (status, order) = service.call("POST", "/api/v1/orders", Some(&op), Some(start)).await;
    assert_eq!(status, 201);
    let (_, task) = service.call("POST", "/api/v1/tasks/next", Some(&op), None).await;
    let path = format!("/api/v1/orders/{}/tasks/{}/complete", order["id"].as_str().expect("id"), task["instance"]);
    let form = json!({"data": {"customer_name": "あ".repeat(101), "building_type": "castle", "phone": "03-1234",
        "floors": 0, "review_note": "勝手に記入", "colour": "red"}});
    let (status, problem) = service.call("POST", &path, Some(&op), Some(form)).await;
    assert_eq!(status, 400, "{problem}");
    let mut fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["building_type", "colour", "customer_name", "floors", "phone", "review_note"], "{problem}");
    let text = problem.to_string();
    assert!(text.contains("at most 100") && text.contains("castle") && text.contains("smallest allowed"), "{text}");
    let form = json!({"data": {"phone": "0312345678", "floors": 2}});
    let (status, problem) = service.call("POST", &path, Some(&op), Some(form)).await;
    assert_eq!(status, 204, "{problem}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_open_to_any_vendor_stays_with_its_orders_vendor() {
    let service = Service::start_on(&Backend::Sqlite, false).await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let sup_a = service.user("sup-a", &["operator"], Some("vendor-a"), &["supervisor"]).await;
    let reviewer_b = service.user("rev-b", &["reviewer"], Some("vendor-b"), &[]).await;
    let back = service.user("back-1", &["reviewer"], None, &[]).await;
    let start = json!({"flow": "service_order", "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (_, order) = service.call("POST", "/api/v1/orders", Some(&op_a), Some(start)).await;
    let id = order["id"].as_str().expect("id");
    let (_, task) = service.call("POST", "/api/v1/tasks/next", Some(&op_a), None).await;
    let complete = format!("/api/v1/orders/{id}/tasks/{}/complete", task["instance"]);
    assert_eq!(service.call("POST", &complete, Some(&op_a), Some(json!({}))).await.0, 204);
    // The review is open to any vendor's reviewers by the flow, but the order is vendor A's.
    let (_, queue) = service.call("GET", "/api/v1/tasks/queue", Some(&reviewer_b), None).await;
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "vendor B sees nothing of vendor A's order: {queue}");
    let (status, _) = service.call("POST", "/api/v1/tasks/next", Some(&reviewer_b), None).await;
    assert_eq!(status, 204);
    let (status, review) = service.call("POST", "/api/v1/tasks/next", Some(&back), None).await;
    assert_eq!((status, review["step"].as_str()), (200, Some("review")));
    let transfer = format!("/api/v1/orders/{id}/tasks/{}/transfer", review["instance"]);
    let (status, problem) = service.call("POST", &transfer, Some(&sup_a), Some(json!({"to": "rev-b"}))).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("to")), "{problem}");
    service.stop().await;
}
