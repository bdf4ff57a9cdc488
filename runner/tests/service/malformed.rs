//! Malformed requests at every route: broken JSON, wrong types, huge and odd Unicode bodies,
//! odd paths and query strings. Every answer is a 4xx (or a success where the input is in fact
//! acceptable), never a 5xx, and the service keeps answering.

use crate::common::Service;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Bodies that are wrong in shape, type or size.
fn bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        "",
        "{",
        "}",
        "[]",
        "null",
        "0",
        "\"text\"",
        "{\"flow\": 1}",
        "{\"data\": []}",
        "{\"reason\": 5}",
        "{\"flow\": \"service_order\", \"data\": {\"customer_name\": 12, \"building_type\": \"castle\"}}",
        "{\"tasks\": \"all\", \"to\": null}",
        "{\"files\": [{\"path\": \"../../etc/passwd\", \"text\": \"\"}]}",
        "{\"user\": \"\u{0000}\", \"password\": \"\u{202e}\"}",
        "{\"id\": \"名前\", \"roles\": [\"\"]}",
        "{\"business_key\": \"\u{1F600}\", \"signal\": \"\", \"data\": {\"a\": {\"b\": [1, {\"c\": null}]}}}",
        "{\"expires_days\": -1, \"user\": \"x\"}",
        "{\"outcome\": 3, \"data\": {}}",
        "{\"to\": \"\", \"reason\": \"\"}",
        "{\"flow\": \"service_order\", \"received_at\": \"yesterday\"}",
    ]
    .iter()
    .map(|b| b.as_bytes().to_vec())
    .collect();
    bodies.push(vec![0xff, 0xfe, 0x00, 0x41]);
    bodies.push(format!("{{\"reason\": \"{}\"}}", "あ".repeat(400_000)).into_bytes());
    bodies.push(vec![b'['; 100_000]);
    bodies
}

/// Concrete paths for each route template, some with odd segments.
fn paths(template: &str) -> Vec<String> {
    let odd = ["ORD-1", "%00", "..%2F..", "%E3%81%82", "999999999999999999999", "-1", "x%20y"];
    odd.iter()
        .map(|o| {
            template
                .replace("{order}", o)
                .replace("{instance}", o)
                .replace("{flow}", o)
                .replace("{version}", o)
                .replace("{user}", o)
                .replace("{token}", o)
        })
        .collect()
}

async fn routes(service: &Service) -> Vec<(String, String)> {
    let (_, document) = service.call("GET", "/openapi.json", None, None).await;
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

/// The largest body the test service accepts (the default limit).
const LIMIT: usize = 1024 * 1024;

async fn send(
    service: &Service,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
    json: bool,
) -> (u16, String) {
    let size = body.len();
    let mut request = service.request(method, path, token).body(body);
    if json {
        request = request.header("content-type", "application/json");
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        // A body over the limit is answered 413 before it is read, and the connection closed:
        // a client still writing may see the close instead of the answer.
        Err(error) if size > LIMIT => (413, format!("{{\"code\": \"too_large\", \"seen\": \"{error}\"}}")),
        Err(error) => panic!("{method} {path} ({size} bytes): the service did not answer: {error:?}"),
    }
}

fn check(method: &str, path: &str, status: u16, text: &str) {
    assert!(status < 500, "{method} {path} answered {status}: {}", text.chars().take(300).collect::<String>());
    if status >= 400 {
        let problem: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        assert!(
            problem["code"].is_string(),
            "{method} {path} answered {status} without a problem document: {text:.200}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_at_every_route_get_a_4xx_with_a_reason() {
    let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
    let admin = service.user("admin", &["operator", "reviewer"], None, &["admin", "supervisor"]).await;
    let start = json!({"flow": "service_order", "business_key": "ORD-1", "data": {"customer_name": "山田", "building_type": "house"}});
    assert_eq!(service.call("POST", "/api/v1/orders", Some(&admin), Some(start)).await.0, 201);
    for (method, template) in routes(&service).await {
        for path in paths(&template) {
            for (n, body) in bodies().into_iter().enumerate() {
                let token = if n % 5 == 4 { None } else { Some(admin.as_str()) };
                let (status, text) = send(&service, &method, &path, token, body, n % 7 != 6).await;
                check(&method, &path, status, &text);
            }
        }
    }
    for query in [
        "?limit=-1",
        "?limit=abc",
        "?status=sideways",
        "?cursor=%ff%fe",
        "?received_from=tomorrow",
        "?since=x&after=y",
        "?priority=999",
        "?unknown=1",
        "?data=%7B",
        "?data=%7B%22a.b%27%22%3A1%7D",
        "?data=%7B%22plan%22%3A%7B%7D%7D",
        "?cursor=1.x.y",
    ] {
        for path in [
            "/api/v1/orders",
            "/api/v1/tasks/queue",
            "/api/v1/team",
            "/api/v1/audit",
            "/api/v1/tokens",
            "/api/v1/incidents",
        ] {
            let (status, text) =
                send(&service, "GET", &format!("{path}{query}"), Some(&admin), Vec::new(), false).await;
            check("GET", path, status, &text);
        }
    }
    let (status, text) = send(&service, "PATCH", "/api/v1/orders", Some(&admin), Vec::new(), false).await;
    assert_eq!(status, 405, "{text}");
    let (status, _) = send(&service, "GET", "/no/such/route", None, Vec::new(), false).await;
    assert_eq!(status, 404);
    assert_eq!(service.call("GET", "/healthz", None, None).await.0, 200, "still answering");
    service.stop().await;
}

#[test]
fn random_json_bodies_never_make_a_route_fail_with_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (service, admin, routes) = runtime.block_on(async {
        let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
        let admin = service.user("admin", &["operator", "reviewer"], None, &["admin", "supervisor"]).await;
        let routes = routes(&service).await;
        (service, admin, routes)
    });
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        prop::sample::select(vec!["service_order", "house", "intake", "ORD-1", "admin", "construction_completed"])
            .prop_map(|s| json!(s)),
    ];
    let value = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "flow",
                    "data",
                    "business_key",
                    "reason",
                    "to",
                    "outcome",
                    "tasks",
                    "user",
                    "files",
                    "signal",
                    "customer_name",
                    "id",
                    "roles"
                ])
                .prop_map(str::to_string),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let mut runner = TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() });
    runner
        .run(&(prop::sample::select(routes.clone()), value), |((method, template), body)| {
            let path = template
                .replace("{order}", "ORD-1")
                .replace("{instance}", "1")
                .replace("{flow}", "service_order")
                .replace("{version}", "1")
                .replace("{user}", "admin")
                .replace("{token}", "tok_x");
            let (status, text) =
                runtime.block_on(send(&service, &method, &path, Some(&admin), body.to_string().into_bytes(), true));
            prop_assert!(status < 500, "{} {} with {} answered {}: {}", method, path, body, status, text);
            Ok(())
        })
        .expect("no 5xx");
    runtime.block_on(service.stop());
}
