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

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,800", "--lang=ja"],
            "prefs": {"intl.accept_languages": "ja"}
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

    let client = browser(&driver).await;
    let c = &client;
    step!(c, "sign-in", sign_in(c, &base, "op-a").await);
    let heading =
        step!(c, "my-work", c.find(Locator::Css("h1")).await.map_err(text_err)?.text().await.map_err(text_err));
    assert_eq!(heading, "マイワーク", "Japanese by default");
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
        let title = c.find(Locator::Css("h1")).await.map_err(text_err)?.text().await.map_err(text_err)?;
        let page = c.source().await.map_err(text_err)?;
        if title != "見つかりません" || page.contains("山田太郎") {
            return Err(format!("vendor B reads {title:?}"));
        }
        Ok(())
    });
    client.close().await.expect("browser closed");
    service.stop().await;
}
