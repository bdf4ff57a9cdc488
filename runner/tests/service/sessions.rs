//! Browser sessions and tokens as a person and an administrator use them: signing in, CSRF,
//! signing out, disabling a user, revoking a token, rate-limited sign-ins, all in the audit trail.

use crate::common::Service;
use serde_json::{Value, json};

async fn login(service: &Service, user: &str, password: &str) -> (u16, Value, Option<String>) {
    let response = service
        .request("POST", "/api/v1/session", None)
        .json(&json!({"user": user, "password": password}))
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or_default().to_string());
    let flags = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if cookie.is_some() {
        assert!(flags.contains("HttpOnly") && flags.contains("SameSite=Lax"), "{flags}");
    }
    (status, response.json().await.unwrap_or(Value::Null), cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_signs_in_needs_its_csrf_token_and_ends_at_once() {
    let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
    service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    let admin = service.user("admin", &[], None, &["admin"]).await;

    let (status, problem, cookie) = login(&service, "op-a", "wrong").await;
    assert_eq!((status, problem["code"].as_str(), cookie), (401, Some("bad_credentials"), None));
    let (status, _, _) = login(&service, "nobody", "op-a-password").await;
    assert_eq!(status, 401, "an unknown user reads like a wrong password");

    let (status, me, cookie) = login(&service, "op-a", "op-a-password").await;
    assert_eq!(status, 200, "{me}");
    let cookie = cookie.expect("a session cookie");
    let csrf = me["csrf_token"].as_str().expect("a CSRF token").to_string();
    let with_cookie = |method: &str, path: &str| service.request(method, path, None).header("cookie", &cookie);

    let me = with_cookie("GET", "/api/v1/me").send().await.expect("answer");
    assert_eq!(me.status().as_u16(), 200);
    let start = json!({"flow": "service_order", "data": {"customer_name": "山田", "building_type": "house"}});
    let refused = with_cookie("POST", "/api/v1/orders").json(&start).send().await.expect("answer");
    assert_eq!(refused.status().as_u16(), 403, "a changing request without the CSRF token is refused");
    let forged = with_cookie("POST", "/api/v1/orders")
        .header("x-csrf-token", "0".repeat(64))
        .json(&start)
        .send()
        .await
        .expect("answer");
    assert_eq!(forged.status().as_u16(), 403);
    let started =
        with_cookie("POST", "/api/v1/orders").header("x-csrf-token", &csrf).json(&start).send().await.expect("answer");
    assert_eq!(started.status().as_u16(), 201);
    let tampered =
        service.request("GET", "/api/v1/me", None).header("cookie", format!("{cookie}x")).send().await.expect("answer");
    assert_eq!(tampered.status().as_u16(), 401, "a cookie whose signature does not match is nobody");

    // Disabling the user ends the session at the next request.
    let (status, _) = service.call("POST", "/api/v1/users/op-a/disable", Some(&admin), None).await;
    assert_eq!(status, 204);
    let me = with_cookie("GET", "/api/v1/me").send().await.expect("answer");
    assert_eq!(me.status().as_u16(), 401);
    let (status, _, _) = login(&service, "op-a", "op-a-password").await;
    assert_eq!(status, 401, "a disabled user cannot sign in");

    // Signing out ends a session everywhere.
    service.user("back", &["reviewer"], None, &["password"]).await;
    let (_, me, cookie) = login(&service, "back", "back-password").await;
    let (cookie, csrf) = (cookie.expect("cookie"), me["csrf_token"].as_str().expect("csrf").to_string());
    let out = service
        .request("DELETE", "/api/v1/session", None)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("answer");
    assert_eq!(out.status().as_u16(), 204);
    let me = service.request("GET", "/api/v1/me", None).header("cookie", &cookie).send().await.expect("answer");
    assert_eq!(me.status().as_u16(), 401, "a copy of the cookie is worth nothing after signing out");

    let (_, audit) = service.call("GET", "/api/v1/audit?limit=500", Some(&admin), None).await;
    let logins: Vec<(&str, &str)> = audit["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["action"] == "login")
        .map(|r| (r["target"].as_str().unwrap_or(""), r["result"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        logins,
        [
            ("op-a", "bad_credentials"),
            ("nobody", "bad_credentials"),
            ("op-a", "ok"),
            ("op-a", "bad_credentials"),
            ("back", "ok")
        ],
        "every sign-in, failed or not, is in the audit trail"
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_stop_working_when_revoked_or_expired_and_sign_ins_are_rate_limited() {
    let service = Service::start_on(&crate::common::Backend::Sqlite, false).await;
    let admin = service.user("admin", &[], None, &["admin"]).await;
    service.user("op-a", &["operator"], Some("vendor-a"), &["password"]).await;
    let (status, created) =
        service.call("POST", "/api/v1/tokens", Some(&admin), Some(json!({"user": "op-a", "expires_days": 1}))).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().expect("the secret, once").to_string();
    assert!(secret.starts_with("junro_"));
    let (status, me) = service.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!((status, me["user"]["id"].as_str()), (200, Some("op-a")));
    let (_, listed) = service.call("GET", "/api/v1/tokens?user=op-a", Some(&admin), None).await;
    assert!(listed.to_string().find(&secret).is_none(), "listings never show a secret");
    assert!(listed.as_array().expect("tokens").iter().any(|t| !t["last_used_at"].is_null()), "last use is recorded");
    let id = created["token"]["id"].as_str().expect("id");
    let (status, _) = service.call("DELETE", &format!("/api/v1/tokens/{id}"), Some(&admin), None).await;
    assert_eq!(status, 204);
    let (status, problem) = service.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(status, 401, "{problem}");
    let (status, _) = service.call("GET", "/api/v1/me", None, None).await;
    assert_eq!(status, 401);
    let response = service
        .request("GET", "/api/v1/me", None)
        .header("authorization", "Basic b3A6cHc=")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 401);

    for _ in 0..10 {
        let (status, _) =
            service.call("POST", "/api/v1/session", None, Some(json!({"user": "op-a", "password": "guess"}))).await;
        assert_eq!(status, 401);
    }
    let response = service
        .request("POST", "/api/v1/session", None)
        .json(&json!({"user": "op-a", "password": "op-a-password"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 429, "ten failures in a minute stop even the right password");
    assert!(response.headers().get("retry-after").is_some());
    service.stop().await;
}
