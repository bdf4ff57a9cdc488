//! An administrator changes things from the pages: adds a user (a short password is refused
//! beside its field, what was typed kept), disables one, issues an API token (its secret shown
//! once) and revokes it, names a deputy for someone, deploys the flows folder after a flow
//! changed, reads the difference between the two versions, and checks which orders would move
//! to the new one.

use super::common::Service;
use super::{browser, driver, heading, sign_in, snapshot, text_err};
use fantoccini::{Client, Locator};
use serde_json::json;

async fn fill(c: &Client, id: &str, text: &str) -> Result<(), String> {
    let input = c.find(Locator::Id(id)).await.map_err(text_err)?;
    input.clear().await.map_err(text_err)?;
    input.send_keys(text).await.map_err(text_err)
}

async fn click(c: &Client, css: &str) -> Result<(), String> {
    c.find(Locator::Css(css)).await.map_err(text_err)?.click().await.map_err(text_err)
}

async fn text_of(c: &Client, css: &str) -> Result<String, String> {
    c.find(Locator::Css(css)).await.map_err(text_err)?.text().await.map_err(text_err)
}

/// Waits until the element `css` reads `expected` (the page before may have had one too).
async fn wait_for_text(c: &Client, css: &str, expected: &str) -> Result<(), String> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(found) = c.find(Locator::Css(css)).await {
            last = found.text().await.unwrap_or_default();
            if last == expected {
                return Ok(());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{css} reads {last:?}, not {expected:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_users_tokens_deputies_and_flows() {
    let Some(driver) = driver() else { return };
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let folder = std::env::temp_dir().join(format!("junro-admin-flows-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a folder");
    let flow = folder.join("service_order.flow");
    std::fs::copy(super::common::flows().join("service_order.flow"), &flow).expect("the flow copied");
    let service = Service::start_with_folder(folder.clone()).await;
    let base = service.base.clone();
    service.user("admin", &[], None, &["admin", "password"]).await;
    service.user("tanaka", &["operator"], Some("vendor-a"), &[]).await;
    service.user("sato", &["operator"], Some("vendor-a"), &[]).await;
    let system = service.user("partner-gw", &[], None, &[]).await;
    let order = json!({"flow": "service_order", "business_key": "ADM-1", "vendor": "vendor-a",
        "data": {"customer_name": "山田太郎", "building_type": "apartment"}});
    let (status, _) = service.call("POST", "/api/v1/orders", Some(&system), Some(order)).await;
    assert_eq!(status, 201);

    let client = browser(&driver, true).await;
    let c = &client;
    step!(c, "admin", sign_in(c, &base, "admin").await);
    step!(c, "add-user-short-password", {
        c.goto(&format!("{base}/users")).await.map_err(text_err)?;
        fill(c, "u-id", "hanako").await?;
        fill(c, "u-display_name", "山田花子").await?;
        fill(c, "u-roles", "operator").await?;
        fill(c, "u-vendor", "vendor-a").await?;
        fill(c, "u-password", "short").await?;
        click(c, "#add-user button[type=submit]").await?;
        let error = c.wait().for_element(Locator::Id("ue-password")).await.map_err(text_err)?;
        let error = error.text().await.map_err(text_err)?;
        let kept = c.find(Locator::Id("u-id")).await.map_err(text_err)?.prop("value").await.map_err(text_err)?;
        if !error.contains("8") || kept.as_deref() != Some("hanako") {
            return Err(format!("the error reads {error:?}, the id field {kept:?}"));
        }
        Ok(())
    });
    snapshot(c, "users-error").await;
    step!(c, "add-user", {
        fill(c, "u-password", "hanako-password").await?;
        click(c, "#add-user button[type=submit]").await?;
        wait_for_text(c, "p.notice", "ユーザーを追加しました").await?;
        let table = text_of(c, "table").await?;
        if !table.contains("山田花子") {
            return Err(format!("after adding: {table}"));
        }
        Ok(())
    });
    step!(c, "disable-user", {
        click(c, "button[aria-label='無効にする: hanako']").await?;
        wait_for_text(c, "p.notice", "ユーザーを無効にしました").await?;
        let row = text_of(c, "table").await?;
        let line = row.lines().find(|l| l.contains("hanako")).unwrap_or_default().to_string();
        if !line.contains("無効") {
            return Err(format!("hanako's row reads {line:?}"));
        }
        let user = service.state.db.user("hanako").await.map_err(text_err)?.ok_or("hanako is gone")?;
        if !user.disabled {
            return Err("hanako is still enabled".into());
        }
        Ok(())
    });
    step!(c, "token", {
        c.goto(&format!("{base}/tokens")).await.map_err(text_err)?;
        c.find(Locator::Css("#t-user option[value='tanaka']"))
            .await
            .map_err(text_err)?
            .click()
            .await
            .map_err(text_err)?;
        click(c, "form[action='/tokens'] button[type=submit]").await?;
        let secret = c.wait().for_element(Locator::Css("#secret code")).await.map_err(text_err)?;
        let secret = secret.text().await.map_err(text_err)?;
        // The secret works: the API knows tanaka by it.
        let (status, me) = service.call("GET", "/api/v1/me", Some(&secret), None).await;
        if !secret.starts_with("junro_") || status != 200 || me["user"]["id"] != "tanaka" {
            return Err(format!("the secret {secret:?} answers {status} {me}"));
        }
        // The token just made is the one shown with its id: revoke that one.
        let shown = text_of(c, "#secret p").await?;
        let id = shown.split(':').next().unwrap_or_default().trim().to_string();
        click(c, &format!("button[aria-label='失効させる: {id}']")).await?;
        wait_for_text(c, "p.notice", "トークンを失効させました").await?;
        let (status, _) = service.call("GET", "/api/v1/me", Some(&secret), None).await;
        if status != 401 {
            return Err(format!("the revoked secret still answers {status}"));
        }
        Ok(())
    });
    step!(c, "deputy", {
        c.goto(&format!("{base}/deputies")).await.map_err(text_err)?;
        fill(c, "d-principal", "tanaka").await?;
        fill(c, "d-deputy", "sato").await?;
        c.execute("document.getElementById('d-ends').value = '2030-01-01T00:00'", vec![]).await.map_err(text_err)?;
        click(c, "form[action='/deputies'] button[type=submit]").await?;
        wait_for_text(c, "p.notice", "代理人を指定しました").await?;
        let table = text_of(c, "table").await?;
        if !(table.contains("tanaka") && table.contains("sato") && table.contains("有効")) {
            return Err(format!("the deputies read {table}"));
        }
        Ok(())
    });
    snapshot(c, "deputies").await;
    step!(c, "deploy", {
        let text = std::fs::read_to_string(&flow).map_err(text_err)?;
        let changed = text.replace("task intake \"受付入力\"", "task intake \"受付入力（新）\"");
        if changed == text {
            return Err("the flow's intake label was not found to change".into());
        }
        std::fs::write(&flow, changed).map_err(text_err)?;
        c.goto(&format!("{base}/flows")).await.map_err(text_err)?;
        click(c, "form[action='/flows/deploy'] button[type=submit]").await?;
        let notice = c.wait().for_element(Locator::Css("#deployed")).await.map_err(text_err)?;
        let notice = notice.text().await.map_err(text_err)?;
        if !notice.contains("service_order v2") {
            return Err(format!("after deploying: {notice}"));
        }
        Ok(())
    });
    step!(c, "compare", {
        c.goto(&format!("{base}/flows/service_order/versions/2?compare=1")).await.map_err(text_err)?;
        let title = heading(c).await?;
        let removed = text_of(c, "#difference .removed").await?;
        let added = text_of(c, "#difference .added").await?;
        if !title.contains("バージョン") && !title.contains("版") {
            return Err(format!("the page reads {title:?}"));
        }
        if !removed.contains("受付入力\"") || !added.contains("受付入力（新）") {
            return Err(format!("the difference reads -{removed:?} +{added:?}"));
        }
        Ok(())
    });
    snapshot(c, "flow-difference").await;
    step!(c, "migrate-check", {
        click(c, "button[name=mode][value=check]").await?;
        let table = c.wait().for_element(Locator::Css("#migration table")).await.map_err(text_err)?;
        let table = table.text().await.map_err(text_err)?;
        let still = service.state.engine.order("ADM-1").await.map_err(text_err)?;
        if !table.contains("はい") || still.state.version != 1 {
            return Err(format!("the check reads {table}"));
        }
        Ok(())
    });
    client.close().await.expect("browser closed");
    service.stop().await;
    let _ = std::fs::remove_dir_all(&folder);
}
