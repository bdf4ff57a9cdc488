//! Signals and versions through the API, as a partner system and an administrator use them: a
//! signal for an order number no order has answers 404 and is listed among the lost signals
//! (with its sender and data) for administrators only; an administrator's dry run of a version
//! migration says, for each open order, that it runs that version already.

use crate::common::Service;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_to_no_order_is_listed_and_a_migration_dry_run_reports_each_order() {
    let service = Service::start().await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let partner = service.user("partner-gw", &[], None, &[]).await;
    let body = json!({"business_key": "KJ-404", "signal": "construction_completed", "data": {"note": "工事完了"}});
    let (status, problem) = service.call("POST", "/api/v1/signals", Some(&partner), Some(body)).await;
    assert_eq!(status, 404, "{problem}");
    let (status, _) = service.call("GET", "/api/v1/signals/lost", Some(&partner), None).await;
    assert_eq!(status, 403, "only administrators read the lost signals");
    let (status, page) = service.call("GET", "/api/v1/signals/lost", Some(&admin), None).await;
    assert_eq!(status, 200, "{page}");
    let lost = &page["signals"][0];
    assert_eq!(
        (lost["business_key"].as_str(), lost["signal"].as_str(), lost["sender"].as_str(), lost["reason"].as_str()),
        (Some("KJ-404"), Some("construction_completed"), Some("partner-gw"), Some("no such order")),
        "{page}"
    );
    assert_eq!(lost["data"]["note"], "工事完了");

    let order = json!({"flow": "service_order", "business_key": "MIG-1",
        "data": {"customer_name": "山田太郎", "building_type": "house"}});
    let (status, started) = service.call("POST", "/api/v1/orders", Some(&partner), Some(order)).await;
    assert_eq!(status, 201, "{started}");
    let dry_run = json!({"to": 1, "dry_run": true});
    let (status, verdicts) =
        service.call("POST", "/api/v1/flows/service_order/migrate", Some(&admin), Some(dry_run.clone())).await;
    assert_eq!(status, 200, "{verdicts}");
    assert_eq!(verdicts[0]["order"], started["id"]);
    assert_eq!(verdicts[0]["moves"], false);
    assert!(verdicts[0]["reason"].as_str().is_some_and(|r| r.contains("version 1 already")), "{verdicts}");
    let (status, problem) = service
        .call("POST", "/api/v1/flows/service_order/migrate", Some(&admin), Some(json!({"to": 9, "dry_run": true})))
        .await;
    assert_eq!(status, 404, "no version 9: {problem}");
    service.stop().await;
}
