//! The authorisation matrix: every route × every kind of caller, with the status each gets,
//! as data in `matrix.txt` (regenerate with `JUNRO_BLESS=1`, then read the diff). A route of the
//! OpenAPI document without a row, or a row without a route, fails the test.
//!
//! Each cell runs on the same database emptied of orders and users, with a service of its own,
//! the callers added again and a fresh fixture order of vendor A in the stage the route needs,
//! so no cell sees another's work.

use crate::common::{Backend, Service, fresh_database};
use junro_engine::machine::{Actor, Command};
use junro_engine::store::TaskFilter;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The callers, in the file's column order.
const CALLERS: [&str; 8] = ["anonymous", "op_a", "op_b", "back", "sup_a", "manager", "admin", "system"];

/// Where the fixture order of vendor A stands when a cell runs.
#[derive(Clone, Copy)]
pub(super) enum Stage {
    /// Its intake is ready, unclaimed.
    Intake,
    /// Its intake is claimed by op-a.
    Claimed,
    /// op-a completed the intake; the back-office review is ready.
    Review,
    /// It is on hold.
    Held,
    /// It waits for the construction partner's signal.
    Waiting,
    /// An order of `service_incident` whose automatic step failed.
    Incident,
    /// An order of `service_external` whose job waits for an external worker.
    Job,
    /// Sup-a is op-a's deputy for the fixture's deputyship (its number is `task`).
    Deputy,
}

pub(super) struct Fixture {
    pub(super) order: String,
    pub(super) key: String,
    /// The intake (or the failed step of an incident).
    pub(super) task: u64,
    /// The back-office review, once ready.
    pub(super) review: u64,
}

/// The request a route is tried with: (stage, path, body).
fn request(route: &str, f: &Fixture) -> Option<(String, Option<Value>)> {
    let (o, t) = (&f.order, f.task);
    let reason = || Some(json!({"reason": "お客様のご都合"}));
    Some(match route {
        "GET /healthz" | "GET /readyz" | "GET /metrics" | "GET /openapi.json" => (route[4..].to_string(), None),
        "POST /api/v1/session" => {
            ("/api/v1/session".into(), Some(json!({"user": "back", "password": "back-password"})))
        }
        "DELETE /api/v1/session" => ("/api/v1/session".into(), None),
        "GET /api/v1/me" => ("/api/v1/me".into(), None),
        "GET /api/v1/flows" => ("/api/v1/flows".into(), None),
        "POST /api/v1/flows" => {
            let text = std::fs::read_to_string(crate::common::flows().join("service_order.flow")).expect("flow");
            ("/api/v1/flows".into(), Some(json!({"files": [{"path": "service_order.flow", "text": text}]})))
        }
        "GET /api/v1/flows/{flow}/versions/{version}" => ("/api/v1/flows/service_order/versions/1".into(), None),
        "POST /api/v1/orders" => (
            "/api/v1/orders".into(),
            Some(
                json!({"flow": "service_order", "business_key": "NEW-1", "data": {"customer_name": "佐藤花子", "building_type": "apartment"}}),
            ),
        ),
        "GET /api/v1/orders" => ("/api/v1/orders".into(), None),
        "GET /api/v1/orders/{order}" => (format!("/api/v1/orders/{}", f.key), None),
        "POST /api/v1/orders/{order}/cancel" => (format!("/api/v1/orders/{o}/cancel"), reason()),
        "POST /api/v1/orders/{order}/hold" => (format!("/api/v1/orders/{o}/hold"), reason()),
        "POST /api/v1/orders/{order}/resume" => (format!("/api/v1/orders/{o}/resume"), None),
        "POST /api/v1/orders/{order}/incidents/{instance}/retry" => {
            (format!("/api/v1/orders/{o}/incidents/{t}/retry"), None)
        }
        "POST /api/v1/orders/{order}/incidents/{instance}/resolve" => {
            (format!("/api/v1/orders/{o}/incidents/{t}/resolve"), Some(json!({"output": {"line_id": "L-9"}})))
        }
        "GET /api/v1/incidents" => ("/api/v1/incidents".into(), None),
        "GET /api/v1/signals/lost" => ("/api/v1/signals/lost".into(), None),
        "POST /api/v1/flows/{flow}/migrate" => {
            ("/api/v1/flows/service_order/migrate".into(), Some(json!({"to": 1, "dry_run": true})))
        }
        "POST /api/v1/signals" => {
            ("/api/v1/signals".into(), Some(json!({"business_key": f.key, "signal": "construction_completed"})))
        }
        "GET /api/v1/tasks/mine" => ("/api/v1/tasks/mine".into(), None),
        "GET /api/v1/tasks/queue" => ("/api/v1/tasks/queue".into(), None),
        "POST /api/v1/tasks/next" => ("/api/v1/tasks/next".into(), None),
        "POST /api/v1/orders/{order}/tasks/{instance}/claim" => (format!("/api/v1/orders/{o}/tasks/{t}/claim"), None),
        "POST /api/v1/orders/{order}/tasks/{instance}/release" => {
            (format!("/api/v1/orders/{o}/tasks/{t}/release"), None)
        }
        "POST /api/v1/orders/{order}/tasks/{instance}/complete" => {
            (format!("/api/v1/orders/{o}/tasks/{t}/complete"), Some(json!({"data": {}})))
        }
        "POST /api/v1/orders/{order}/tasks/{instance}/send-back" => (
            format!("/api/v1/orders/{o}/tasks/{}/send-back", f.review),
            Some(json!({"to": "intake", "reason": "建物種別の確認"})),
        ),
        "POST /api/v1/orders/{order}/tasks/{instance}/pull-back" => {
            (format!("/api/v1/orders/{o}/tasks/{t}/pull-back"), None)
        }
        "POST /api/v1/orders/{order}/tasks/{instance}/transfer" => {
            (format!("/api/v1/orders/{o}/tasks/{t}/transfer"), Some(json!({"to": "sup-a"})))
        }
        "GET /api/v1/team" => ("/api/v1/team".into(), None),
        "POST /api/v1/team/reassign" => {
            ("/api/v1/team/reassign".into(), Some(json!({"tasks": [{"order": o, "instance": t}], "to": "sup-a"})))
        }
        "POST /api/v1/jobs/fetch" => ("/api/v1/jobs/fetch".into(), Some(json!({"actions": ["ship_router"]}))),
        "POST /api/v1/jobs/{order}/{instance}/complete" => {
            (format!("/api/v1/jobs/{o}/{t}/complete"), Some(json!({"output": {}})))
        }
        "POST /api/v1/jobs/{order}/{instance}/fail" => {
            (format!("/api/v1/jobs/{o}/{t}/fail"), Some(json!({"error": "停止中"})))
        }
        "POST /api/v1/jobs/{order}/{instance}/extend" => {
            (format!("/api/v1/jobs/{o}/{t}/extend"), Some(json!({"lease_seconds": 60})))
        }
        "GET /api/v1/deputies" => ("/api/v1/deputies".into(), None),
        "POST /api/v1/deputies" => (
            "/api/v1/deputies".into(),
            Some(json!({"principal": "op-a", "deputy": "sup-a", "ends_at": "2099-01-01T00:00:00Z"})),
        ),
        "POST /api/v1/deputies/{id}/end" => (format!("/api/v1/deputies/{t}/end"), None),
        "GET /api/v1/inbox" => ("/api/v1/inbox".into(), None),
        "GET /api/v1/deliveries" => ("/api/v1/deliveries".into(), None),
        "GET /api/v1/me/notifications" => ("/api/v1/me/notifications".into(), None),
        "PUT /api/v1/me/notifications" => {
            ("/api/v1/me/notifications".into(), Some(json!({"mail_kinds": ["reminder", "escalation"]})))
        }
        // Nobody's message: everyone's inbox is their own, so every caller gets 404.
        "POST /api/v1/inbox/{id}/read" => ("/api/v1/inbox/999999/read".into(), None),
        "GET /api/v1/users" => ("/api/v1/users".into(), None),
        "POST /api/v1/users" => ("/api/v1/users".into(), Some(json!({"id": "new-user", "roles": ["operator"]}))),
        "POST /api/v1/users/{user}/disable" => ("/api/v1/users/op-b/disable".into(), None),
        "GET /api/v1/tokens" => ("/api/v1/tokens".into(), None),
        "POST /api/v1/tokens" => ("/api/v1/tokens".into(), Some(json!({"user": "op-b"}))),
        "DELETE /api/v1/tokens/{token}" => ("/api/v1/tokens/TOKEN-OF-OP-B".into(), None),
        "GET /api/v1/audit" => ("/api/v1/audit".into(), None),
        "GET /api/v1/kpi" => ("/api/v1/kpi".into(), None),
        "GET /api/v1/stalled" => ("/api/v1/stalled".into(), None),
        "GET /api/v1/export" => ("/api/v1/export?format=csv".into(), None),
        _ => return None,
    })
}

fn stage(route: &str) -> Stage {
    match route {
        "POST /api/v1/orders/{order}/tasks/{instance}/release"
        | "POST /api/v1/orders/{order}/tasks/{instance}/transfer"
        | "POST /api/v1/orders/{order}/hold"
        | "POST /api/v1/team/reassign" => Stage::Claimed,
        "POST /api/v1/orders/{order}/tasks/{instance}/send-back"
        | "POST /api/v1/orders/{order}/tasks/{instance}/pull-back" => Stage::Review,
        "POST /api/v1/orders/{order}/resume" => Stage::Held,
        "POST /api/v1/signals" => Stage::Waiting,
        "POST /api/v1/orders/{order}/incidents/{instance}/retry"
        | "POST /api/v1/orders/{order}/incidents/{instance}/resolve"
        | "GET /api/v1/incidents" => Stage::Incident,
        "POST /api/v1/jobs/{order}/{instance}/complete"
        | "POST /api/v1/jobs/{order}/{instance}/fail"
        | "POST /api/v1/jobs/{order}/{instance}/extend" => Stage::Job,
        "POST /api/v1/deputies/{id}/end" => Stage::Deputy,
        _ => Stage::Intake,
    }
}

/// The callers, their tokens; op_a signs in with a browser session instead (cookie and CSRF).
pub(super) struct Callers {
    tokens: BTreeMap<&'static str, String>,
    session: (String, String),
    op_b_token_id: String,
}

pub(super) async fn callers(service: &Service) -> Callers {
    let mut tokens = BTreeMap::new();
    tokens.insert("op_a", service.user("op-a", &["operator"], Some("vendor-a"), &[]).await);
    tokens.insert("op_b", service.user("op-b", &["operator"], Some("vendor-b"), &[]).await);
    tokens.insert("back", service.user("back", &["reviewer"], None, &["password"]).await);
    tokens.insert("sup_a", service.user("sup-a", &["operator"], Some("vendor-a"), &["supervisor"]).await);
    tokens.insert("manager", service.user("manager", &[], None, &["manager"]).await);
    tokens.insert("admin", service.user("admin", &[], None, &["admin"]).await);
    tokens.insert("system", service.user("partner-gw", &[], None, &[]).await);
    let now = service.state.engine.now();
    let session = service.state.db.create_session("op-a", 12, now).await.expect("session");
    let op_b_token_id = service.state.db.tokens(Some("op-b")).await.expect("tokens")[0].id.clone();
    Callers { tokens, session, op_b_token_id }
}

pub(super) async fn fixture(service: &Service, stage: Stage) -> Fixture {
    let engine = &service.state.engine;
    let op_a = Actor::person("op-a", &["operator"], Some("vendor-a"));
    let back = Actor::person("back", &["reviewer"], None);
    let data = |name: &str| {
        let mut d = serde_json::Map::new();
        d.insert("customer_name".into(), json!(name));
        if !matches!(stage, Stage::Incident | Stage::Job) {
            d.insert("building_type".into(), json!("house"));
        }
        d
    };
    let (flow, name) = match stage {
        Stage::Incident => ("service_incident", "障害"),
        Stage::Job => ("service_external", "山田太郎"),
        _ => ("service_order", "山田太郎"),
    };
    let order = junro_engine::StartOrder {
        business_key: Some("ORD-A".into()),
        data: data(name),
        vendor: Some("vendor-a".into()),
        ..Default::default()
    };
    let id = engine.start(flow, order).await.expect("fixture order");
    let task_of = |step: &'static str| {
        let id = id.clone();
        async move {
            let tasks = engine
                .tasks(&TaskFilter { order: Some(id), step: Some(step.into()), ..TaskFilter::default() })
                .await
                .expect("tasks");
            tasks[0].instance
        }
    };
    let (mut task, mut review) = (0, 0);
    if !matches!(stage, Stage::Incident | Stage::Job) {
        task = task_of("intake").await;
    }
    match stage {
        Stage::Intake => {}
        Stage::Deputy => {
            let sup_a = Actor::person("sup-a", &["operator"], Some("vendor-a"));
            let until = engine.now() + jiff::SignedDuration::from_hours(24);
            let named = engine.name_deputy(&op_a, &op_a, &sup_a, engine.now(), until).await.expect("named");
            task = u64::try_from(named.id).expect("a positive number");
        }
        Stage::Claimed => engine.apply(&id, &op_a, Command::Claim { task }).await.expect("claimed"),
        Stage::Held => {
            engine.apply(&id, &Actor::system(), Command::Hold { reason: "確認中".into() }).await.expect("held")
        }
        Stage::Review | Stage::Waiting => {
            engine.complete(&id, task, &op_a, None, serde_json::Map::new()).await.expect("intake done");
            review = task_of("review").await;
            if matches!(stage, Stage::Waiting) {
                let mut note = serde_json::Map::new();
                note.insert("review_note".into(), json!("工事日調整済"));
                engine.complete(&id, review, &back, None, note).await.expect("review done");
                engine.run_due().await.expect("the credit check runs");
            }
        }
        Stage::Job => {
            let jobs = engine.fetch_jobs(&["ship_router".to_string()], 1, 60).await.expect("fetched");
            task = jobs.first().expect("the job of the fixture order").instance;
        }
        Stage::Incident => {
            engine.run_due().await.expect("the action fails");
            let view = engine.order(&id).await.expect("order");
            task = *view.state.tokens.keys().next().expect("the failed step");
        }
    }
    Fixture { order: id, key: "ORD-A".into(), task, review }
}

/// Empties the database of orders and users (the audit trail stays: it is append-only).
pub(super) async fn empty(url: &str) {
    use sqlx::Executor as _;
    const TABLES: [&str; 8] = ["sessions", "api_tokens", "users", "tasks", "jobs", "events", "orders", "deputies"];
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("SQLite");
        for table in TABLES {
            pool.execute(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).await.expect("emptied");
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("PostgreSQL");
        pool.execute(sqlx::AssertSqlSafe(format!("TRUNCATE {}", TABLES.join(", ")))).await.expect("emptied");
        pool.close().await;
    }
}

async fn cell(url: &str, route: &str, caller: &str) -> u16 {
    empty(url).await;
    let service = Service::start_at(url, false).await;
    let callers = callers(&service).await;
    let fixture = fixture(&service, stage(route)).await;
    let (path, body) = request(route, &fixture).unwrap_or_else(|| panic!("no request is written for route `{route}`"));
    let path = path.replace("TOKEN-OF-OP-B", &callers.op_b_token_id);
    let method = route.split(' ').next().expect("method");
    let mut request = match caller {
        "anonymous" => service.request(method, &path, None),
        "op_a" => {
            let (id, csrf) = &callers.session;
            let cookie = signed_cookie(&service, id);
            service.request(method, &path, None).header("cookie", cookie).header("x-csrf-token", csrf)
        }
        other => service.request(method, &path, Some(&callers.tokens[other])),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert!(status < 500, "{route} as {caller} answered {status}: {text}");
    service.stop().await;
    status
}

/// The session cookie as the service signs it (`name=value`).
pub(super) fn signed_cookie(service: &Service, id: &str) -> String {
    use axum::response::IntoResponse as _;
    use axum_extra::extract::SignedCookieJar;
    use axum_extra::extract::cookie::{Cookie, Key};
    let key: Key = axum::extract::FromRef::from_ref(&service.state);
    let jar = SignedCookieJar::new(key).add(Cookie::new(junro::serve::auth::SESSION_COOKIE, id.to_string()));
    let response = jar.into_response();
    let header = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie").to_string();
    header.split(';').next().expect("name=value").to_string()
}

async fn routes(service_url: &str) -> Vec<String> {
    let service = Service::start_at(service_url, false).await;
    let (_, document) = service.call("GET", "/openapi.json", None, None).await;
    service.stop().await;
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                routes.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    routes
}

fn render(rows: &[(String, Vec<u16>)]) -> String {
    let width = rows.iter().map(|(r, _)| r.len()).max().unwrap_or(10);
    let mut out = String::from("# Status each caller gets from each route (runner/tests/service/matrix.rs).\n");
    out.push_str(&format!("# {:<w$}", "route", w = width - 2));
    for c in CALLERS {
        out.push_str(&format!(" {c:>9}"));
    }
    out.push('\n');
    for (route, statuses) in rows {
        out.push_str(&format!("{route:<width$}"));
        for s in statuses {
            out.push_str(&format!(" {s:>9}"));
        }
        out.push('\n');
    }
    out
}

async fn matrix(backend: Backend) {
    let url = fresh_database(&backend).await;
    let mut rows = Vec::new();
    for route in routes(&url).await {
        let mut statuses = Vec::new();
        for caller in CALLERS {
            statuses.push(cell(&url, &route, caller).await);
        }
        rows.push((route, statuses));
    }
    rows.sort();
    let actual = render(&rows);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/service/matrix.txt");
    if std::env::var_os("JUNRO_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("matrix.txt written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let expected_routes: Vec<&str> =
        expected.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split("  ").next()).collect();
    for (route, _) in &rows {
        assert!(expected_routes.iter().any(|r| r.trim() == route), "route `{route}` has no row in matrix.txt");
    }
    assert_eq!(actual, expected, "the authorisation matrix changed (JUNRO_BLESS=1 rewrites matrix.txt; read the diff)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_matrix_says_on_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_matrix_says_on_postgres() {
    let Some(backend) = Backend::postgres() else { return };
    matrix(backend).await;
}
