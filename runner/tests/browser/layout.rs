//! The pages on a tablet and from the keyboard: at 768×1024 no page scrolls sideways (wide
//! tables scroll inside their own box), and at 1280×800 a person reaches "take next" with Tab,
//! sees where the focus is, and takes the task with Enter.

use super::common::Service;
use super::{browser, driver, sign_in, snapshot, text_err};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

/// The page's width beyond the window's, in CSS pixels (0 when nothing sticks out).
async fn overflow(c: &Client) -> Result<i64, String> {
    let width = c
        .execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![])
        .await
        .map_err(text_err)?;
    Ok(width.as_i64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_fit_a_tablet_and_work_from_the_keyboard() {
    let Some(driver) = driver() else { return };
    let service = Service::start().await;
    let base = service.base.clone();
    let system = service.user("partner-gw", &[], None, &[]).await;
    service.user("chief", &["operator", "reviewer"], None, &["supervisor", "manager", "admin", "password"]).await;
    let order = json!({"flow": "service_order", "business_key": "TAB-1", "vendor": "vendor-a",
        "data": {"customer_name": "山田太郎", "building_type": "apartment"}});
    let (status, started) = service.call("POST", "/api/v1/orders", Some(&system), Some(order)).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().expect("id").to_string();

    let client = browser(&driver, true).await;
    let c = &client;
    step!(c, "sign-in", sign_in(c, &base, "chief").await);
    step!(c, "tablet", {
        c.set_window_size(768, 1024).await.map_err(text_err)?;
        let pages = [
            "/".to_string(),
            format!("/orders/{id}"),
            format!("/orders/{id}/tasks/1"),
            "/team".into(),
            "/stalled".into(),
            "/dashboard".into(),
            "/dashboard/orders".into(),
            "/incidents".into(),
            "/flows".into(),
            "/flows/service_order/versions/1".into(),
            "/users".into(),
            "/tokens".into(),
            "/deputies".into(),
            "/audit".into(),
        ];
        let mut wide = Vec::new();
        for page in &pages {
            c.goto(&format!("{base}{page}")).await.map_err(text_err)?;
            c.wait().for_element(Locator::Css("h1")).await.map_err(text_err)?;
            let extra = overflow(c).await?;
            if extra > 1 {
                snapshot(c, &format!("tablet{}", page.replace('/', "_"))).await;
                wide.push(format!("{page} (+{extra}px)"));
            }
        }
        if !wide.is_empty() {
            return Err(format!("these pages scroll sideways on a tablet: {}", wide.join(", ")));
        }
        Ok(())
    });
    step!(c, "keyboard", {
        c.set_window_size(1280, 800).await.map_err(text_err)?;
        c.goto(&format!("{base}/")).await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("take-next")).await.map_err(text_err)?;
        let mut reached = false;
        for _ in 0..40 {
            c.active_element().await.map_err(text_err)?.send_keys(&Key::Tab.to_string()).await.map_err(text_err)?;
            let focused = c.active_element().await.map_err(text_err)?;
            if focused.attr("id").await.map_err(text_err)?.as_deref() == Some("take-next") {
                reached = true;
                break;
            }
        }
        if !reached {
            return Err("Tab never reached the take-next button".into());
        }
        let outline = c
            .execute("return getComputedStyle(document.activeElement).outlineStyle;", vec![])
            .await
            .map_err(text_err)?;
        if outline.as_str() == Some("none") {
            return Err("the focused button shows no outline".into());
        }
        let focused = c.active_element().await.map_err(text_err)?;
        focused.send_keys(&Key::Enter.to_string()).await.map_err(text_err)?;
        c.wait().for_element(Locator::Id("f-customer_name")).await.map_err(text_err)?;
        Ok(())
    });
    snapshot(c, "keyboard-task").await;
    client.close().await.expect("browser closed");
    service.stop().await;
}
