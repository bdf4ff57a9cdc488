//! Deputies (代理) through the API, as a back office uses them before a holiday: an operator
//! names a colleague for the week; the colleague, who lacks the operator role, sees and
//! finishes the operator's claimed task and takes from the operator's queue by adding
//! `on_behalf_of`; the history and the audit trail say on whose behalf; nobody else (another
//! colleague, another vendor's staff, the deputy after the week is ended) may.

use crate::common::Service;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deputy_works_the_principals_tasks_and_the_trail_says_on_whose_behalf() {
    let service = Service::start().await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let tanaka = service.user("tanaka", &["operator"], Some("vendor-a"), &[]).await;
    let sato = service.user("sato", &[], Some("vendor-a"), &[]).await;
    let kato = service.user("kato", &[], Some("vendor-a"), &[]).await;
    let op_b = service.user("op-b", &["operator"], Some("vendor-b"), &[]).await;
    for key in ["DEP-1", "DEP-2"] {
        let order = json!({"flow": "service_order", "business_key": key,
            "data": {"customer_name": "山田太郎", "building_type": "house"}});
        let (status, started) = service.call("POST", "/api/v1/orders", Some(&tanaka), Some(order)).await;
        assert_eq!(status, 201, "{started}");
    }
    let (status, task) = service.call("POST", "/api/v1/tasks/next", Some(&tanaka), None).await;
    assert_eq!(status, 200, "{task}");
    let (order, instance) = (task["order"].as_str().expect("order").to_string(), task["instance"].as_u64().expect("n"));
    let complete = format!("/api/v1/orders/{order}/tasks/{instance}/complete?on_behalf_of=tanaka");

    // Not yet a deputy: refused, and the same answer for a person of another vendor.
    let (status, problem) = service.call("POST", &complete, Some(&sato), Some(json!({"data": {}}))).await;
    assert_eq!((status, problem["code"].as_str()), (403, Some("not_deputy")), "{problem}");
    let ends = "2099-01-01T00:00:00Z";
    let (status, problem) =
        service.call("POST", "/api/v1/deputies", Some(&tanaka), Some(json!({"deputy": "op-b", "ends_at": ends}))).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("deputy")), "{problem}");
    let (status, problem) = service
        .call(
            "POST",
            "/api/v1/deputies",
            Some(&sato),
            Some(json!({"principal": "tanaka", "deputy": "sato", "ends_at": ends})),
        )
        .await;
    assert_eq!(status, 403, "only the principal or an administrator names deputies: {problem}");
    let (status, named) =
        service.call("POST", "/api/v1/deputies", Some(&tanaka), Some(json!({"deputy": "sato", "ends_at": ends}))).await;
    assert_eq!((status, named["active"].as_bool()), (201, Some(true)), "{named}");

    // Sato sees Tanaka's claimed task and Tanaka's queue, and finishes the task for Tanaka.
    let (status, mine) = service.call("GET", "/api/v1/tasks/mine?on_behalf_of=tanaka", Some(&sato), None).await;
    assert_eq!((status, mine[0]["order"].as_str()), (200, Some(order.as_str())), "{mine}");
    let (status, queue) = service.call("GET", "/api/v1/tasks/queue", Some(&sato), None).await;
    assert_eq!((status, queue.as_array().map(Vec::len)), (200, Some(0)), "Sato's own roles take nothing");
    let (status, queue) = service.call("GET", "/api/v1/tasks/queue?on_behalf_of=tanaka", Some(&sato), None).await;
    assert_eq!((status, queue.as_array().map(Vec::len)), (200, Some(1)), "{queue}");
    let (status, answer) = service.call("POST", &complete, Some(&sato), Some(json!({"data": {}}))).await;
    assert_eq!(status, 204, "{answer}");
    let (status, taken) = service.call("POST", "/api/v1/tasks/next?on_behalf_of=tanaka", Some(&sato), None).await;
    assert_eq!((status, taken["assignee"].as_str()), (200, Some("sato")), "{taken}");
    let (status, problem) = service.call("POST", "/api/v1/tasks/next?on_behalf_of=tanaka", Some(&kato), None).await;
    assert_eq!(status, 403, "a colleague who is not the deputy: {problem}");
    let (status, problem) = service.call("POST", "/api/v1/tasks/next?on_behalf_of=tanaka", Some(&op_b), None).await;
    assert_eq!((status, problem["code"].as_str()), (403, Some("not_deputy")), "{problem}");

    let (status, detail) = service.call("GET", &format!("/api/v1/orders/{order}"), Some(&tanaka), None).await;
    assert_eq!(status, 200);
    let texts: Vec<&str> =
        detail["history"].as_array().expect("history").iter().filter_map(|h| h["text"].as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("by sato of vendor-a on behalf of tanaka")), "{texts:?}");
    let (_, audit) = service.call("GET", "/api/v1/audit?limit=500", Some(&admin), None).await;
    let done = audit["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["action"] == "POST /api/v1/orders/{order}/tasks/{instance}/complete" && r["result"] == "ok");
    let done = done.expect("the completion is in the trail");
    assert_eq!((done["actor"].as_str(), done["on_behalf_of"].as_str()), (Some("sato"), Some("tanaka")), "{done}");

    // The principal lists and ends it; from then on Sato is refused.
    let (status, list) = service.call("GET", "/api/v1/deputies", Some(&sato), None).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)), "the deputy sees it too: {list}");
    let (status, list) = service.call("GET", "/api/v1/deputies", Some(&kato), None).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(0)), "others' are not listed: {list}");
    let end = format!("/api/v1/deputies/{}/end", named["id"]);
    let (status, _) = service.call("POST", &end, Some(&kato), None).await;
    assert_eq!(status, 404, "another's deputyship does not exist for Kato");
    let (status, ended) = service.call("POST", &end, Some(&tanaka), None).await;
    assert_eq!((status, ended["active"].as_bool(), ended["ended_by"].as_str()), (200, Some(false), Some("tanaka")));
    let (status, _) = service.call("POST", "/api/v1/tasks/next?on_behalf_of=tanaka", Some(&sato), None).await;
    assert_eq!(status, 403, "an ended deputyship does not count");
    service.stop().await;
}
