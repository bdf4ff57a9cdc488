//! KPIs, the reminder list and the event-log export over HTTP: managers read them within their
//! scope (a vendor's manager only that vendor's orders), downloads carry their type and file
//! name, exports are in the audit trail, and bad parameters answer 400 naming the parameter.

use crate::common::Service;
use junro_engine::StartOrder;
use junro_engine::machine::Actor;
use junro_engine::store::TaskFilter;
use serde_json::{Value, json};

/// Starts an order of `vendor` (an apartment: intake, then the confirmation call) and completes
/// the steps named in `steps`.
/// Orders of the KPI tests come by phone, except `-W` ones, by web.
async fn order(service: &Service, key: &str, vendor: &str, steps: &[&str]) -> String {
    let engine = &service.state.engine;
    let operator = Actor::person(&format!("op-{vendor}"), &["operator"], Some(vendor));
    let mut data = serde_json::Map::new();
    data.insert("customer_name".into(), json!("山田太郎"));
    data.insert("building_type".into(), json!("apartment"));
    let start = StartOrder {
        business_key: Some(key.into()),
        data,
        vendor: Some(vendor.into()),
        channel: Some(if key.ends_with("-W") { "web" } else { "phone" }.into()),
        ..StartOrder::default()
    };
    let id = engine.start("service_order", start).await.expect("order started");
    for step in steps {
        let filter = TaskFilter { order: Some(id.clone()), step: Some((*step).into()), ..TaskFilter::default() };
        let tasks = engine.tasks(&filter).await.expect("tasks");
        let task = tasks.first().unwrap_or_else(|| panic!("{key} has an open {step}")).instance;
        engine.complete(&id, task, &operator, None, serde_json::Map::new()).await.expect("step completed");
    }
    id
}

/// The rows of view `id` in a KPI JSON answer.
fn rows<'a>(document: &'a Value, id: &str) -> &'a Vec<Value> {
    document[id].as_array().unwrap_or_else(|| panic!("a `{id}` view in {document}"))
}

/// The business keys in view `id`.
fn keys(document: &Value, id: &str) -> Vec<String> {
    let mut keys: Vec<String> =
        rows(document, id).iter().filter_map(|r| r["business_key"].as_str().map(str::to_string)).collect();
    keys.sort();
    keys
}

/// Sends a GET and returns the status, the content type, the disposition and the body.
async fn download(service: &Service, path: &str, token: &str) -> (u16, String, String, Vec<u8>) {
    let response = service.request("GET", path, Some(token)).send().await.expect("an answer");
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string).unwrap_or_default();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("a body").to_vec();
    (status, content_type, disposition, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_read_kpis_stalled_lists_and_exports_of_their_scope() {
    let service = Service::start().await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    let manager = service.user("manager", &[], None, &["manager"]).await;
    let manager_a = service.user("mgr-a", &[], Some("vendor-a"), &["manager"]).await;
    let operator = service.user("op-a", &["operator"], Some("vendor-a"), &[]).await;
    for (key, vendor) in [("KPI-A1", "vendor-a"), ("KPI-A2", "vendor-a"), ("KPI-B1", "vendor-b")] {
        order(&service, key, vendor, &["intake", "confirm"]).await;
    }
    order(&service, "KPI-B2", "vendor-b", &[]).await;
    order(&service, "KPI-B3-W", "vendor-b", &["intake", "confirm"]).await;

    // The company's manager: every order.
    let (status, report) = service.call("GET", "/api/v1/kpi", Some(&manager), None).await;
    assert_eq!(status, 200, "{report}");
    let summary = &rows(&report, "summary")[0];
    assert_eq!((summary["received"].as_u64(), summary["completed"].as_u64()), (Some(5), Some(4)), "{summary}");
    assert_eq!(keys(&report, "orders"), ["KPI-A1", "KPI-A2", "KPI-B1", "KPI-B2", "KPI-B3-W"]);
    let (status, web) = service.call("GET", "/api/v1/kpi?channel=web", Some(&manager), None).await;
    assert_eq!(status, 200, "{web}");
    assert_eq!(keys(&web, "orders"), ["KPI-B3-W"], "only the web's orders");
    let (status, by_vendor) = service.call("GET", "/api/v1/kpi?by=vendor", Some(&manager), None).await;
    assert_eq!(status, 200, "{by_vendor}");
    let mut ids: Vec<&String> = by_vendor.as_object().expect("views").keys().collect();
    ids.sort();
    assert_eq!(ids, ["not_one_stop", "time", "vendor_steps", "vendors"], "the CLI's `--by vendor` views");

    // A vendor's manager: that vendor's orders only, whatever they ask.
    let (status, report) = service.call("GET", "/api/v1/kpi", Some(&manager_a), None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(rows(&report, "summary")[0]["received"].as_u64(), Some(2), "{report}");
    assert_eq!(keys(&report, "orders"), ["KPI-A1", "KPI-A2"]);
    let vendors: Vec<&str> = rows(&report, "vendors").iter().filter_map(|r| r["vendor"].as_str()).collect();
    assert_eq!(vendors, ["vendor-a"]);
    let (status, problem) = service.call("GET", "/api/v1/kpi?vendor=vendor-b", Some(&manager_a), None).await;
    assert_eq!(status, 403, "{problem}");
    let (status, only_b) = service.call("GET", "/api/v1/kpi?vendor=vendor-b", Some(&manager), None).await;
    assert_eq!(status, 200, "{only_b}");
    assert_eq!(keys(&only_b, "orders"), ["KPI-B1", "KPI-B2", "KPI-B3-W"]);

    // Downloads.
    let (status, content_type, disposition, body) =
        download(&service, "/api/v1/kpi?format=csv&view=vendors", &manager).await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(disposition, "attachment; filename=\"junro-kpi-vendors.csv\"");
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.starts_with('\u{feff}') && text.contains("vendor-b"), "{text}");
    let (status, content_type, disposition, body) = download(&service, "/api/v1/kpi?format=xlsx", &manager_a).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(disposition, "attachment; filename=\"junro-kpi.xlsx\"");
    assert!(body.starts_with(b"PK"), "an XLSX workbook is a zip");
    let (status, content_type, _, body) = download(&service, "/api/v1/kpi?format=html&by=month", &manager).await;
    assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"));
    assert!(String::from_utf8_lossy(&body).contains("<html"), "an HTML page");

    // The reminder list, a month and more later: the open order of vendor B is stalled.
    let later = (service.state.engine.now() + jiff::SignedDuration::from_hours(24 * 40)).to_string();
    let path = format!("/api/v1/stalled?now={later}");
    let (status, list) = service.call("GET", &path, Some(&manager), None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(keys(&list, "stalled"), ["KPI-B2"], "{list}");
    let (status, list) = service.call("GET", &path, Some(&manager_a), None).await;
    assert_eq!((status, keys(&list, "stalled")), (200, Vec::<String>::new()), "{list}");
    let (status, content_type, disposition, _) =
        download(&service, &format!("{path}&format=csv&view=stalled"), &manager).await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(disposition, "attachment; filename=\"junro-stalled-stalled.csv\"");

    // Event-log exports, streamed; a vendor's manager's holds only that vendor's orders.
    let (status, content_type, disposition, body) = download(&service, "/api/v1/export?format=csv", &manager_a).await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    assert_eq!(disposition, "attachment; filename=\"junro-events.csv\"");
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.contains("KPI-A1") && text.contains("KPI-A2"), "{text}");
    assert!(!text.contains("KPI-B"), "vendor B's orders are not vendor A's manager's: {text}");
    let (status, content_type, _, body) = download(&service, "/api/v1/export?format=xes", &manager).await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.starts_with("<?xml") && text.contains("KPI-B1"), "{text}");
    let (status, content_type, _, body) = download(&service, "/api/v1/export?format=ocel", &admin).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let log: Value = serde_json::from_slice(&body).expect("OCEL JSON");
    assert!(log["objects"].as_array().is_some_and(|o| !o.is_empty()), "{log}");

    // Who may: managers and administrators.
    let (status, _) = service.call("GET", "/api/v1/kpi", Some(&operator), None).await;
    assert_eq!(status, 403);
    let (status, _) = service.call("GET", "/api/v1/export?format=csv", None, None).await;
    assert_eq!(status, 401);

    // Bad parameters name themselves.
    for (path, field) in [
        ("/api/v1/kpi?from=2026-13-01", "from"),
        ("/api/v1/kpi?from=2026-11-02&to=2026-11-01", "to"),
        ("/api/v1/kpi?format=pdf", "format"),
        ("/api/v1/kpi?by=year", "by"),
        ("/api/v1/kpi?view=nothing", "view"),
        ("/api/v1/stalled?business_hours=-1", "business_hours"),
        ("/api/v1/export", "format"),
        ("/api/v1/export?format=csv&to=tomorrow", "to"),
    ] {
        let (status, problem) = service.call("GET", path, Some(&manager), None).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }

    // Exports and downloads are in the audit trail; JSON answers are not.
    let (status, audit) = service.call("GET", "/api/v1/audit?limit=500", Some(&admin), None).await;
    assert_eq!(status, 200, "{audit}");
    let records = audit["records"].as_array().expect("records");
    let found = |actor: &str, action: &str, target: &str| {
        records.iter().any(|r| r["actor"] == actor && r["action"] == action && r["target"] == target)
    };
    assert!(
        found("mgr-a", "GET /api/v1/export", "event log junro-events.csv (vendor vendor-a)"),
        "the export is recorded: {audit}"
    );
    assert!(found("manager", "GET /api/v1/kpi", "junro-kpi-vendors.csv"), "the download is recorded: {audit}");
    let kpi_records = records.iter().filter(|r| r["action"] == "GET /api/v1/kpi" && r["status"] == 200).count();
    assert_eq!(kpi_records, 3, "the three downloads, not the JSON answers: {audit}");
    service.stop().await;
}
