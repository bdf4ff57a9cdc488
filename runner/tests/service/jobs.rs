//! An external worker, as a Python or Java program would use the API: fetch and lock, extend,
//! fail (retried by the flow's back-off), complete with output; a second completion is refused.

use crate::common::Service;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_worker_fetches_fails_retries_and_completes_a_job() {
    let service = Service::start().await;
    let worker = service.user("shipping-worker", &[], None, &[]).await;
    let operator = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    let body = json!({"flow": "service_external", "business_key": "EXT-1", "data": {"customer_name": "山田太郎"}});
    let (status, order) = service.call("POST", "/api/v1/orders", Some(&worker), Some(body)).await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().expect("id").to_string();

    let fetch = json!({"actions": ["ship_router"], "max": 5, "lease_seconds": 30});
    let (status, problem) = service.call("POST", "/api/v1/jobs/fetch", Some(&operator), Some(fetch.clone())).await;
    assert_eq!(status, 403, "vendor staff run no jobs: {problem}");
    let (status, jobs) = service.call("POST", "/api/v1/jobs/fetch", Some(&worker), Some(fetch.clone())).await;
    assert_eq!(status, 200, "{jobs}");
    let jobs = jobs.as_array().expect("jobs").clone();
    assert_eq!(jobs.len(), 1, "the in-process worker left the job alone: {jobs:?}");
    let job = &jobs[0];
    assert_eq!((job["order"].as_str(), job["attempt"].as_u64()), (Some(id.as_str()), Some(1)));
    assert_eq!(job["inputs"]["name"], "山田太郎");
    let key = job["idempotency_key"].as_str().expect("key").to_string();
    let instance = job["instance"].as_u64().expect("instance");
    let (_, again) = service.call("POST", "/api/v1/jobs/fetch", Some(&worker), Some(fetch.clone())).await;
    assert_eq!(again.as_array().map(Vec::len), Some(0), "a locked job is nobody else's");

    let path = |what: &str| format!("/api/v1/jobs/{id}/{instance}/{what}");
    let (status, _) = service.call("POST", &path("extend"), Some(&worker), Some(json!({"lease_seconds": 60}))).await;
    assert_eq!(status, 204);
    let (status, _) =
        service.call("POST", &path("fail"), Some(&worker), Some(json!({"error": "配送業者のシステム停止"}))).await;
    assert_eq!(status, 204);

    // The flow retries once after 1 s: the job comes back as attempt 2, with the same key.
    let mut retried = serde_json::Value::Null;
    for _ in 0..300 {
        let (_, jobs) = service.call("POST", "/api/v1/jobs/fetch", Some(&worker), Some(fetch.clone())).await;
        if let Some(job) = jobs.as_array().and_then(|j| j.first()) {
            retried = job.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(retried["attempt"], 2, "{retried}");
    assert_eq!(retried["idempotency_key"], key.as_str());
    let (status, _) = service
        .call("POST", &path("complete"), Some(&worker), Some(json!({"output": {"tracking_no": "T-12345"}})))
        .await;
    assert_eq!(status, 204);
    let (status, problem) = service.call("POST", &path("complete"), Some(&worker), Some(json!({"output": {}}))).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("closed")),
        "the order finished with the first: {problem}"
    );
    let (status, problem) =
        service.call("POST", &path("extend"), Some(&worker), Some(json!({"lease_seconds": 60}))).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("lease_lost")));

    let (_, detail) = service.call("GET", &format!("/api/v1/orders/{id}"), Some(&worker), None).await;
    assert_eq!(detail["order"]["status"], "closed");
    assert_eq!(detail["data"]["tracking_no"], "T-12345");
    // Each attempt's report carries when the worker fetched the job: its run is processing,
    // its queueing waiting (kpi.md).
    let history = detail["history"].as_array().expect("history");
    let attempts: Vec<&serde_json::Value> = history
        .iter()
        .map(|h| &h["event"])
        .filter(|e| e["event"] == "action_failed" || e["event"] == "action_succeeded")
        .collect();
    assert_eq!(attempts.len(), 2, "{history:?}");
    for attempt in attempts {
        let started: jiff::Timestamp = attempt["started_at"].as_str().expect("started_at").parse().expect("a time");
        assert!(started <= jiff::Timestamp::now(), "{attempt}");
    }
    service.stop().await;
}
