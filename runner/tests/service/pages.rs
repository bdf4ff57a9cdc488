//! The authorisation matrix of the staff's pages: every page route (`junro::serve::page_routes`)
//! × every kind of person, signed in with a browser session (forms carry the session's CSRF
//! token), with the status each gets, as data in `pages.txt` (regenerate with `JUNRO_BLESS=1`,
//! then read the diff). Redirects are not followed: 303 is "done, see the next page" for a
//! person and "sign in first" for anyone else. A route without a row fails the test.

use super::matrix::{Stage, callers, empty, fixture, signed_cookie};
use crate::common::{Backend, Service, fresh_database};

/// The people, in the file's column order (ids as `matrix.rs` adds them).
const PEOPLE: [(&str, &str); 7] = [
    ("anonymous", ""),
    ("op_a", "op-a"),
    ("op_b", "op-b"),
    ("back", "back"),
    ("sup_a", "sup-a"),
    ("manager", "manager"),
    ("admin", "admin"),
];

fn stage(route: &str) -> Stage {
    match route {
        "POST /orders/{order}/tasks/{instance}/release"
        | "POST /orders/{order}/tasks/{instance}/complete"
        | "POST /team/reassign"
        | "POST /orders/{order}/tasks/{instance}/transfer"
        | "POST /orders/{order}/hold" => Stage::Claimed,
        "POST /orders/{order}/tasks/{instance}/send-back" | "POST /orders/{order}/tasks/{instance}/pull-back" => {
            Stage::Review
        }
        "POST /orders/{order}/resume" => Stage::Held,
        "GET /incidents"
        | "POST /incidents/{order}/{instance}/retry"
        | "POST /incidents/{order}/{instance}/resolve" => Stage::Incident,
        _ => Stage::Intake,
    }
}

/// The path and form a route is tried with.
fn request(route: &str, order: &str, task: u64, review: u64) -> (String, Vec<(&'static str, String)>) {
    let path = route.split_once(' ').map_or(route, |(_, p)| p);
    let path = path
        .replace("{flow}", "service_order")
        .replace("{version}", "1")
        .replace("{order}", order)
        .replace("{instance}", &if route.ends_with("send-back") { review } else { task }.to_string())
        .replace("{user}", "op-b")
        .replace("{token}", "tok_0000000000000000")
        .replace("{id}", "1");
    let form = match route {
        "POST /login" => vec![("user", "back".into()), ("password", "back-password".into()), ("next", "/".into())],
        "POST /lang" => vec![("lang", "en".into())],
        "POST /orders/{order}/tasks/{instance}/complete" => vec![
            ("customer_name", "山田太郎".into()),
            ("building_type", "apartment".into()),
            ("phone", "0312345678".into()),
        ],
        "POST /orders/{order}/tasks/{instance}/send-back" => {
            vec![("to", "intake".into()), ("reason", "建物種別を確認してください".into())]
        }
        "POST /team/reassign" => vec![("task", format!("{order}:{task}")), ("to", "op-a".into())],
        "POST /orders/{order}/hold" | "POST /orders/{order}/cancel" => vec![("reason", "お客様のご都合".into())],
        "POST /orders/{order}/tasks/{instance}/transfer" => vec![("to", "sup-a".into())],
        "POST /incidents/{order}/{instance}/resolve" => vec![("out.line_id", "L-9".into())],
        "POST /users" => vec![
            ("id", "hanako".into()),
            ("display_name", "山田花子".into()),
            ("roles", "operator".into()),
            ("vendor", "vendor-a".into()),
            ("password", "hanako-password".into()),
        ],
        "POST /tokens" => vec![("user", "op-a".into()), ("expires_days", "30".into())],
        "POST /deputies" => vec![("deputy", "sup-a".into()), ("ends_at", "2030-01-01T00:00".into())],
        "POST /flows/{flow}/versions/{version}/migrate" => vec![("mode", "check".into())],
        _ => Vec::new(),
    };
    (path, form)
}

async fn cell(url: &str, route: &str, person: &str, user: &str) -> u16 {
    empty(url).await;
    let service = Service::start_at(url, false).await;
    callers(&service).await;
    let f = fixture(&service, stage(route)).await;
    let (path, mut form) = request(route, &f.order, f.task, f.review);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let method = route.split(' ').next().expect("method");
    let mut builder = http
        .request(reqwest::Method::from_bytes(method.as_bytes()).expect("method"), format!("{}{path}", service.base));
    if person != "anonymous" {
        let now = service.state.engine.now();
        let (session, csrf) = service.state.db.create_session(user, 12, now).await.expect("session");
        builder = builder.header("cookie", signed_cookie(&service, &session));
        form.push(("_csrf", csrf));
    }
    if method == "POST" {
        let body = serde_urlencoded::to_string(&form).expect("a form");
        builder = builder.header("content-type", "application/x-www-form-urlencoded").body(body);
    }
    let response = builder.send().await.expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert!(status < 500, "{route} as {person} answered {status}: {text}");
    service.stop().await;
    status
}

fn render(rows: &[(String, Vec<u16>)]) -> String {
    let width = rows.iter().map(|(r, _)| r.len()).max().unwrap_or(10);
    let mut out = String::from("# Status each person gets from each page route (runner/tests/service/pages.rs).\n");
    out.push_str(&format!("# {:<w$}", "route", w = width - 2));
    for (person, _) in PEOPLE {
        out.push_str(&format!(" {person:>9}"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_every_person_as_the_pages_matrix_says() {
    let url = fresh_database(&Backend::Sqlite).await;
    // The first service creates the database's tables.
    Service::start_at(&url, false).await.stop().await;
    let mut rows = Vec::new();
    for route in junro::serve::page_routes() {
        let mut statuses = Vec::new();
        for (person, user) in PEOPLE {
            statuses.push(cell(&url, &route, person, user).await);
        }
        rows.push((route, statuses));
    }
    rows.sort();
    let actual = render(&rows);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/service/pages.txt");
    if std::env::var_os("JUNRO_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("pages.txt written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    for (route, _) in &rows {
        assert!(expected.lines().any(|l| l.starts_with(&format!("{route} "))), "page route `{route}` has no row");
    }
    assert_eq!(actual, expected, "the pages' matrix changed (JUNRO_BLESS=1 rewrites pages.txt; read the diff)");
}

/// A page's form without the session's CSRF token (another site posting with the person's
/// cookie) is refused and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    let service = Service::start().await;
    callers(&service).await;
    let f = fixture(&service, Stage::Intake).await;
    let now = service.state.engine.now();
    let (session, csrf) = service.state.db.create_session("op-a", 12, now).await.expect("session");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let claim = format!("{}/orders/{}/tasks/{}/claim", service.base, f.order, f.task);
    for token in ["", "wrong"] {
        let response = http
            .post(&claim)
            .header("cookie", signed_cookie(&service, &session))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("_csrf={token}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status().as_u16(), 403, "token {token:?}");
    }
    let state = service.state.engine.order_state(&f.order).await.expect("order");
    assert!(
        state
            .tokens
            .values()
            .all(|t| !matches!(&t.activity, junro_engine::machine::Activity::Task { assignee: Some(_), .. })),
        "nothing was claimed"
    );
    let response = http
        .post(&claim)
        .header("cookie", signed_cookie(&service, &session))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 303, "with the token it is done");
    service.stop().await;
}

/// A task completed from its page (and a take-next from the work list) is in the audit trail
/// once, committed with the change: its target the task (`order#instance`), its answer 303.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_that_changes_an_order_is_recorded_once_with_its_change() {
    let service = Service::start().await;
    callers(&service).await;
    let f = fixture(&service, Stage::Claimed).await;
    let now = service.state.engine.now();
    let (session, csrf) = service.state.db.create_session("op-a", 12, now).await.expect("session");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let (path, mut form) = request("POST /orders/{order}/tasks/{instance}/complete", &f.order, f.task, f.review);
    form.push(("_csrf", csrf));
    let response = http
        .post(format!("{}{path}", service.base))
        .header("cookie", signed_cookie(&service, &session))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&form).expect("a form"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 303, "{}", response.text().await.unwrap_or_default());
    let query = junro::serve::audit::AuditQuery { limit: 500, ..Default::default() };
    let records = service.state.db.audit(&query).await.expect("the trail");
    let completes: Vec<_> =
        records.iter().filter(|r| r.action == "POST /orders/{order}/tasks/{instance}/complete").collect();
    assert_eq!(completes.len(), 1, "{completes:?}");
    assert_eq!(completes[0].target.as_deref(), Some(format!("{}#{}", f.order, f.task).as_str()), "{completes:?}");
    assert_eq!((completes[0].status, completes[0].actor.as_deref()), (303, Some("op-a")), "{completes:?}");
    service.stop().await;
}
