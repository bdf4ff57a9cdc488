//! The staff's pages in a real browser (headless Chromium through chromedriver): an operator
//! of vendor A signs in, takes the next task, submits its form with a wrong telephone number,
//! reads the error beside the field, corrects it, and the order moves on; an operator of vendor B
//! sees nothing of that order, and its address answers "not found".
//!
//! Needs `chromium` and `chromedriver` (`.ci/run` installs them). Without them the test says so
//! and passes, except under CI, where it fails. A failing step leaves a screenshot under
//! `target/browser/`.

#[path = "service/common.rs"]
#[allow(dead_code)]
mod common;

use common::Service;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn driver() -> Option<Driver> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child =
        Command::new("chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let child = match child {
        Ok(child) => child,
        Err(error) => {
            assert!(std::env::var_os("CI").is_none(), "chromedriver is needed under CI: {error}");
            eprintln!("skipping the browser test: chromedriver is not installed ({error})");
            return None;
        }
    };
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Driver { child, url });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("chromedriver did not start listening");
}

/// A headless Chromium, Japanese, with JavaScript on or off.
async fn browser(driver: &Driver, javascript: bool) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=ja"],
            "prefs": {"intl.accept_languages": "ja",
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(capabilities).connect(&driver.url).await.expect("a browser session")
}

/// Saves a screenshot of what the browser shows, under `target/browser/`.
async fn snapshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

/// Runs a step; when it fails, keeps a screenshot named after it, then fails.
macro_rules! step {
    ($client:expr, $name:expr, $body:expr) => {{
        let result: Result<_, String> = async { $body }.await;
        match result {
            Ok(value) => value,
            Err(message) => {
                snapshot($client, $name).await;
                panic!("{}: {message} (screenshot target/browser/{}.png)", $name, $name);
            }
        }
    }};
}

fn text_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The page's heading.
async fn heading(client: &Client) -> Result<String, String> {
    client.find(Locator::Css("h1")).await.map_err(text_err)?.text().await.map_err(text_err)
}

async fn sign_in(client: &Client, base: &str, user: &str) -> Result<(), String> {
    client.goto(&format!("{base}/login")).await.map_err(text_err)?;
    client.find(Locator::Id("user")).await.map_err(text_err)?.send_keys(user).await.map_err(text_err)?;
    let password = client.find(Locator::Id("password")).await.map_err(text_err)?;
    password.send_keys(&format!("{user}-password")).await.map_err(text_err)?;
    client
        .find(Locator::Css("form.login button[type=submit]"))
        .await
        .map_err(text_err)?
        .click()
        .await
        .map_err(text_err)?;
    client.wait().for_element(Locator::Id("take-next")).await.map_err(text_err)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_takes_next_fixes_a_field_and_another_vendor_sees_nothing() {
    operator_takes_next_fixes_a_field(true).await;
}

/// The same with JavaScript disabled: every action is a plain form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_works_without_javascript() {
    operator_takes_next_fixes_a_field(false).await;
}

async fn operator_takes_next_fixes_a_field(javascript: bool) {
    let Some(driver) = driver() else { return };
    let service = Service::start().await;
    let base = service.base.clone();
    let system = service.user("partner-gw", &[], None, &[]).await;
    service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    service.user("op-b", &["operator"], Some("vendor-b"), &["password"]).await;
    let order = json!({"flow": "service_order", "business_key": "WEB-1", "vendor": "vendor-a",
        "data": {"customer_name": "山田太郎"}});
    let (status, started) = service.call("POST", "/api/v1/orders", Some(&system), Some(order)).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().expect("id").to_string();

    let client = browser(&driver, javascript).await;
    let c = &client;
    step!(c, "sign-in", sign_in(c, &base, "op-a").await);
    let title = step!(c, "my-work", heading(c).await);
    assert_eq!(title, "マイワーク", "Japanese by default");
    step!(c, "take-next", {
        c.find(Locator::Id("take-next")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("f-phone")).await.map_err(text_err)?;
        Ok(())
    });
    // A wrong telephone number: the form comes back with the error beside the field.
    step!(c, "invalid-form", {
        c.find(Locator::Id("f-phone")).await.map_err(text_err)?.send_keys("12345").await.map_err(text_err)?;
        c.find(Locator::Id("f-building_type"))
            .await
            .map_err(text_err)?
            .select_by_value("apartment")
            .await
            .map_err(text_err)?;
        c.find(Locator::Id("complete")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let error = c.wait().for_element(Locator::Id("e-phone")).await.map_err(text_err)?;
        let text = error.text().await.map_err(text_err)?;
        if !text.contains("12345") {
            return Err(format!("the error beside the field says {text:?}"));
        }
        Ok(())
    });
    snapshot(c, "task-form-with-error").await;
    step!(c, "fixed-form", {
        let phone = c.find(Locator::Id("f-phone")).await.map_err(text_err)?;
        let kept = phone.attr("value").await.map_err(text_err)?;
        if kept.as_deref() != Some("12345") {
            return Err(format!("what was typed is kept: {kept:?}"));
        }
        let kept =
            c.find(Locator::Id("f-building_type")).await.map_err(text_err)?.prop("value").await.map_err(text_err)?;
        if kept.as_deref() != Some("apartment") {
            return Err(format!("the choice is kept: {kept:?}"));
        }
        phone.clear().await.map_err(text_err)?;
        phone.send_keys("0312345678").await.map_err(text_err)?;
        c.find(Locator::Id("complete")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let notice = c.wait().for_element(Locator::Css("p.notice")).await.map_err(text_err)?;
        let text = notice.text().await.map_err(text_err)?;
        if text != "完了しました" {
            return Err(format!("the notice says {text:?}"));
        }
        Ok(())
    });
    // The order moved on: an apartment goes to the confirmation call.
    let state = service.state.engine.order_state(&id).await.expect("order");
    assert_eq!(state.data["phone"], "0312345678");
    assert!(state.tokens.values().any(|t| t.step == "confirm"), "{:?}", state.tokens);
    step!(c, "order-page", {
        c.goto(&format!("{base}/orders/{id}")).await.map_err(text_err)?;
        let history = c
            .wait()
            .for_element(Locator::Css("ol.timeline"))
            .await
            .map_err(text_err)?
            .text()
            .await
            .map_err(text_err)?;
        if !history.contains("受付入力") {
            return Err(format!("the history names the step by its label: {history}"));
        }
        let picture = c.find(Locator::Css(".diagram svg")).await.map_err(text_err)?;
        let drawn = picture.html(false).await.map_err(text_err)?;
        if !drawn.contains("お客様確認連絡") || !drawn.contains("#ffd27a") {
            return Err("the flow diagram marks the step the order stands at".into());
        }
        Ok(())
    });
    snapshot(c, "order").await;

    // Vendor B: nothing of vendor A's order, and its address is "not found".
    c.delete_all_cookies().await.expect("signed out");
    step!(c, "vendor-b", sign_in(c, &base, "op-b").await);
    step!(c, "vendor-b-queue", {
        let page = c.source().await.map_err(text_err)?;
        if page.contains(&id) || page.contains("受付入力") {
            return Err("vendor B's page shows vendor A's order".into());
        }
        Ok(())
    });
    step!(c, "vendor-b-order", {
        c.goto(&format!("{base}/orders/{id}")).await.map_err(text_err)?;
        let title = heading(c).await?;
        let page = c.source().await.map_err(text_err)?;
        if title != "見つかりません" || page.contains("山田太郎") {
            return Err(format!("vendor B reads {title:?}"));
        }
        Ok(())
    });
    client.close().await.expect("browser closed");
    service.stop().await;
}

/// A supervisor gives a task to a colleague; a back-office reviewer sends an order back with a
/// reason, and the front operator finds the task again with the reason in its history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_reassigns_and_a_sent_back_order_returns_to_the_front() {
    let Some(driver) = driver() else { return };
    let service = Service::start().await;
    let base = service.base.clone();
    let system = service.user("partner-gw", &[], None, &[]).await;
    service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    service.user("op-a2", &["operator"], Some("vendor-a"), &[]).await;
    service.user("sup-a", &["operator"], Some("vendor-a"), &["supervisor", "password"]).await;
    service.user("back", &["reviewer"], None, &["password"]).await;
    let start = |key: &str, building: &str| {
        json!({"flow": "service_order", "business_key": key, "vendor": "vendor-a",
            "data": {"customer_name": "佐藤花子", "building_type": building}})
    };
    let (_, first) = service.call("POST", "/api/v1/orders", Some(&system), Some(start("TEAM-1", "apartment"))).await;
    let (_, second) = service.call("POST", "/api/v1/orders", Some(&system), Some(start("TEAM-2", "house"))).await;
    let (first, second) =
        (first["id"].as_str().expect("id").to_string(), second["id"].as_str().expect("id").to_string());
    // The second order's intake is done: a house goes to the back-office review.
    let engine = &service.state.engine;
    let op_a = junro_engine::machine::Actor::person("op-a", &["operator"], Some("vendor-a"));
    let intake = |order: String| async move {
        *engine.order_state(&order).await.expect("order").tokens.keys().next().expect("a task")
    };
    engine
        .complete(&second, intake(second.clone()).await, &op_a, None, serde_json::Map::new())
        .await
        .expect("intake done");

    let client = browser(&driver, true).await;
    let c = &client;
    step!(c, "supervisor", sign_in(c, &base, "sup-a").await);
    let task = intake(first.clone()).await;
    step!(c, "reassign", {
        c.goto(&format!("{base}/team")).await.map_err(text_err)?;
        let pick = format!("pick-{first}-{task}");
        c.wait().for_element(Locator::Id(&pick)).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.find(Locator::Id("to")).await.map_err(text_err)?.select_by_value("op-a2").await.map_err(text_err)?;
        c.find(Locator::Id("reassign")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let done =
            c.wait().for_element(Locator::Id("reassigned")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if !done.ends_with("1/1") {
            return Err(format!("the notice says {done:?}"));
        }
        Ok(())
    });
    snapshot(c, "team").await;
    let state = engine.order_state(&first).await.expect("order");
    let holder = state.tokens.values().find_map(|t| match &t.activity {
        junro_engine::machine::Activity::Task { assignee, .. } => assignee.clone(),
        _ => None,
    });
    assert_eq!(holder.as_deref(), Some("op-a2"), "the task is the colleague's now");
    // The supervisor puts the order on hold for a reason, then resumes it.
    step!(c, "hold", {
        c.goto(&format!("{base}/orders/{first}")).await.map_err(text_err)?;
        c.wait()
            .for_element(Locator::Id("hold-reason"))
            .await
            .map_err(text_err)?
            .send_keys("お客様の都合で工事延期")
            .await
            .map_err(text_err)?;
        c.find(Locator::Id("hold")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("resume")).await.map_err(text_err)?;
        let page = c.find(Locator::Css("main")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if !page.contains("保留中") || !page.contains("お客様の都合で工事延期") {
            return Err(format!("the order page says {page}"));
        }
        c.find(Locator::Id("resume")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("hold")).await.map_err(text_err)?;
        Ok(())
    });
    snapshot(c, "order-resumed").await;
    // The follow-up list of the supervisor's scope.
    step!(c, "follow-up", {
        c.goto(&format!("{base}/stalled")).await.map_err(text_err)?;
        let title = heading(c).await?;
        if title != "要フォロー一覧" {
            return Err(format!("the page is {title:?}"));
        }
        c.wait().for_element(Locator::Id("report")).await.map_err(text_err)?.enter_frame().await.map_err(text_err)?;
        c.wait().for_element(Locator::Css("h1")).await.map_err(text_err)?;
        c.enter_parent_frame().await.map_err(text_err)?;
        Ok(())
    });

    c.delete_all_cookies().await.expect("signed out");
    step!(c, "back-office", sign_in(c, &base, "back").await);
    step!(c, "send-back", {
        c.find(Locator::Id("take-next")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let reason = c.wait().for_element(Locator::Id("reason")).await.map_err(text_err)?;
        reason.send_keys("建物種別を確認してください").await.map_err(text_err)?;
        c.find(Locator::Css("form button.danger")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let notice =
            c.wait().for_element(Locator::Css("p.notice")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if notice != "差し戻しました" {
            return Err(format!("the notice says {notice:?}"));
        }
        Ok(())
    });
    c.delete_all_cookies().await.expect("signed out");
    step!(c, "front-again", sign_in(c, &base, "op-a").await);
    step!(c, "returned", {
        let link = format!("a[href^='/orders/{second}/tasks/']");
        c.find(Locator::Css(&link)).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("f-customer_name")).await.map_err(text_err)?;
        c.goto(&format!("{base}/orders/{second}")).await.map_err(text_err)?;
        let history = c
            .wait()
            .for_element(Locator::Css("ol.timeline"))
            .await
            .map_err(text_err)?
            .text()
            .await
            .map_err(text_err)?;
        if !history.contains("建物種別を確認してください") {
            return Err(format!("the reason is in the history: {history}"));
        }
        Ok(())
    });
    client.close().await.expect("browser closed");
    service.stop().await;
}

/// A manager opens the dashboard: the KPI report of their scope, with its charts, in the page
/// (the three orders received); an operator is refused it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reads_the_dashboard_and_an_operator_may_not() {
    let Some(driver) = driver() else { return };
    let service = Service::start().await;
    let base = service.base.clone();
    let system = service.user("partner-gw", &[], None, &[]).await;
    service.user("manager", &[], None, &["manager", "password"]).await;
    service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    for key in ["KPI-1", "KPI-2", "KPI-3"] {
        let order = json!({"flow": "service_order", "business_key": key, "vendor": "vendor-a",
            "data": {"customer_name": "山田太郎", "building_type": "apartment"}});
        let (status, _) = service.call("POST", "/api/v1/orders", Some(&system), Some(order)).await;
        assert_eq!(status, 201);
    }
    let client = browser(&driver, true).await;
    let c = &client;
    step!(c, "manager", sign_in(c, &base, "manager").await);
    step!(c, "dashboard", {
        c.goto(&format!("{base}/dashboard")).await.map_err(text_err)?;
        let title = heading(c).await?;
        if title != "KPIダッシュボード" {
            return Err(format!("the page is {title:?}"));
        }
        c.wait().for_element(Locator::Id("report")).await.map_err(text_err)?.enter_frame().await.map_err(text_err)?;
        c.wait().for_element(Locator::Css("svg")).await.map_err(text_err)?;
        let heading = heading(c).await?;
        let page = c.find(Locator::Css("body")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        let charts = ["完了した案件のリードタイム", "委託先別のワンストップ率", "日別の仕掛り（WIP）とスループット"];
        if heading != "KPIレポート" || !page.contains("受付件数\n3") || !charts.iter().all(|t| page.contains(t))
        {
            return Err(format!("the report in the frame reads {heading:?}: {}", &page[..page.len().min(600)]));
        }
        Ok(())
    });
    snapshot(c, "dashboard").await;
    step!(c, "orders-behind-a-day", {
        // The day's column of the WIP chart leads the whole page to the orders received that day.
        let day = c.find(Locator::Css("a.behind[href*='received=']")).await.map_err(text_err)?;
        day.click().await.map_err(text_err)?;
        // The frame is gone with the page that held it: back to the top.
        for _ in 0..100 {
            if c.current_url().await.map_err(text_err)?.path() == "/dashboard/orders" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        c.enter_parent_frame().await.map_err(text_err)?;
        c.wait().for_element(Locator::Css("table tbody tr")).await.map_err(text_err)?;
        let title = heading(c).await?;
        let url = c.current_url().await.map_err(text_err)?;
        let table = c.find(Locator::Css("table")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if title != "グラフの案件 3件" || !url.path().starts_with("/dashboard/orders") {
            return Err(format!("the bar led to {url} reading {title:?}"));
        }
        if !["KPI-1", "KPI-2", "KPI-3"].iter().all(|k| table.contains(k)) {
            return Err(format!("the list reads {table}"));
        }
        // Each order opens its own page.
        let first = c.find(Locator::Css("table tbody tr td a")).await.map_err(text_err)?;
        first.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Css("svg")).await.map_err(text_err)?;
        let url = c.current_url().await.map_err(text_err)?;
        if !url.path().starts_with("/orders/") {
            return Err(format!("the order link led to {url}"));
        }
        Ok(())
    });
    snapshot(c, "orders-behind").await;
    c.delete_all_cookies().await.expect("signed out");
    step!(c, "operator", sign_in(c, &base, "op-a").await);
    step!(c, "operator-dashboard", {
        c.goto(&format!("{base}/dashboard")).await.map_err(text_err)?;
        let title = heading(c).await?;
        if title != "この操作は許可されていません" {
            return Err(format!("the operator reads {title:?}"));
        }
        Ok(())
    });
    client.close().await.expect("browser closed");
    service.stop().await;
}

/// A deputy (代理) works the principal's queue from the pages: the "work as" link, take next
/// with the principal's roles, the form, and the history saying on whose behalf.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deputy_works_the_principals_queue_from_the_pages() {
    let Some(driver) = driver() else { return };
    let service = Service::start().await;
    let base = service.base.clone();
    let system = service.user("partner-gw", &[], None, &[]).await;
    service.user("tanaka", &["operator"], Some("vendor-a"), &[]).await;
    service.user("sato", &[], Some("vendor-a"), &["password"]).await;
    let order = json!({"flow": "service_order", "business_key": "DEP-W", "vendor": "vendor-a",
        "data": {"customer_name": "山田太郎", "building_type": "apartment"}});
    let (_, started) = service.call("POST", "/api/v1/orders", Some(&system), Some(order)).await;
    let id = started["id"].as_str().expect("id").to_string();
    let engine = &service.state.engine;
    let tanaka = junro_engine::machine::Actor::person("tanaka", &["operator"], Some("vendor-a"));
    let sato = junro_engine::machine::Actor::person("sato", &[], Some("vendor-a"));
    let until = engine.now() + jiff::SignedDuration::from_hours(24);
    engine.name_deputy(&tanaka, &tanaka, &sato, engine.now(), until).await.expect("named");

    let client = browser(&driver, true).await;
    let c = &client;
    step!(c, "deputy", sign_in(c, &base, "sato").await);
    step!(c, "work-as", {
        let own = c.source().await.map_err(text_err)?;
        if own.contains("受付入力") {
            return Err("without acting, Sato's own queue is empty".into());
        }
        c.find(Locator::Id("as-tanaka")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Css("h1 span.count")).await.map_err(text_err)?;
        let count = c.find(Locator::Id("queue-count")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if count != "1件" {
            return Err(format!("as Tanaka's deputy, the queue is Tanaka's: {count:?}"));
        }
        c.find(Locator::Id("take-next")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("complete")).await.map_err(text_err)?.click().await.map_err(text_err)?;
        let notice =
            c.wait().for_element(Locator::Css("p.notice")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        if notice != "完了しました" {
            return Err(format!("the notice says {notice:?}"));
        }
        Ok(())
    });
    let history = engine.order(&id).await.expect("order").history;
    let done = history.iter().find_map(|h| match &h.event {
        junro_engine::machine::Event::TaskCompleted { actor, on_behalf_of, .. } => {
            Some((actor.clone(), on_behalf_of.clone()))
        }
        _ => None,
    });
    assert_eq!(done, Some(("sato".to_string(), Some("tanaka".to_string()))));
    client.close().await.expect("browser closed");
    service.stop().await;
}

// After the helpers and the `step!` macro, which it uses.
#[path = "browser/admin.rs"]
mod admin;
#[path = "browser/layout.rs"]
mod layout;
