//! Notification mails as a mail server sees them: a send-back reaches the front operator with
//! an address (and nobody without one) through an SMTP sink this test runs on loopback, in
//! Japanese, with a link to the order on the service's public address; a server that refuses
//! the first try gets the same mail again, and only once it is taken.

use crate::common::Service;
use crate::smtp_sink::{Secure, Tries, certificate, first_mails, header, secure_sink, sink, text};
use junro::serve::config::Mail;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_back_is_mailed_to_the_operator_with_an_address_and_retried() {
    let (port, taken, tries) = sink(1).await;
    let service = Service::start_with(|config| {
        config.notify_retry_ms = 50;
        config.public_url = Some("https://junro.example.jp/".into());
        config.mail = Some(Mail {
            server: "127.0.0.1".into(),
            port,
            sender: "Junro <junro@example.jp>".into(),
            ..Mail::default()
        });
    })
    .await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
    service.user("op-a2", &["operator"], Some("vendor-a"), &[]).await;
    let back = service.user("back-1", &["reviewer"], None, &["email"]).await;
    let id = service.sent_back_order(&op_a, &back, "ORD-ML-1", "住所を確認してください").await;

    let mails = first_mails(&taken).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(*tries.lock().expect("lock"), 2, "refused once, then taken");
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["op-a@example.jp".to_string()], "op-a2 has no address; the reviewer is not concerned");
    let subject = header(&mail.data, "Subject");
    assert!(subject.starts_with("[Junro] 差戻し") && subject.contains("ORD-ML-1"), "{subject}");
    assert!(header(&mail.data, "From").contains("junro@example.jp"));
    let words = text(&mail.data);
    assert!(words.contains("住所を確認してください"), "{words}");
    assert!(words.contains(&format!("https://junro.example.jp/orders/{id}")), "a link on the public address: {words}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(taken.lock().expect("lock").len(), 1, "nothing more once taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_waits_for_the_end_of_quiet_hours_and_unwanted_kinds_are_not_mailed() {
    let (port, taken, _) = sink(0).await;
    // Monday 2026-12-07, 08:00 in Tokyo.
    let clock = Arc::new(junro_engine::clock::VirtualClock::new("2026-12-06T23:00:00Z".parse().expect("a time")));
    let service = Service::start_at_time(clock.clone(), |config| {
        config.mail =
            Some(Mail { server: "127.0.0.1".into(), port, sender: "junro@example.jp".into(), ..Mail::default() });
    })
    .await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
    let op_a3 = service.user("op-a3", &["operator"], Some("vendor-a"), &["email"]).await;
    let back = service.user("back-1", &["reviewer"], None, &["password"]).await;
    let (status, problem) = service
        .call(
            "PUT",
            "/api/v1/me/notifications",
            Some(&op_a),
            Some(json!({"mail_kinds": ["spam"], "quiet_from": "7:00"})),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, vec!["mail_kinds", "quiet_to"], "{problem}");
    let quiet = json!({"mail_kinds": ["sent_back", "reminder"], "quiet_from": "07:00", "quiet_to": "09:00"});
    let (status, set) = service.call("PUT", "/api/v1/me/notifications", Some(&op_a), Some(quiet)).await;
    assert_eq!((status, set["mail_kinds"].clone()), (200, json!(["reminder", "sent_back"])), "{set}");
    let (status, _) =
        service.call("PUT", "/api/v1/me/notifications", Some(&op_a3), Some(json!({"mail_kinds": ["incident"]}))).await;
    assert_eq!(status, 200);
    let (_, mine) = service.call("GET", "/api/v1/me/notifications", Some(&op_a3), None).await;
    assert_eq!(mine, json!({"mail_kinds": ["incident"], "quiet_from": null, "quiet_to": null}));

    let id = service.sent_back_order(&op_a, &back, "ORD-QH-1", "住所を確認してください").await;

    // Both are told in their inboxes at once; nobody is mailed during op-a's quiet hours.
    for token in [&op_a, &op_a3] {
        let mut count = 0;
        for _ in 0..300 {
            let (_, page) = service.call("GET", "/api/v1/inbox", Some(token), None).await;
            count = page["messages"].as_array().map_or(0, Vec::len);
            if count > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(count, 1);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(taken.lock().expect("lock").is_empty(), "quiet until 09:00; op-a3 wants no send-back mails");

    // The history says whom the send-back reached: both inboxes, no mail yet.
    assert_eq!(
        sent_back_reached(&service, &back, &id).await,
        vec![("op-a3さん".to_string(), "inbox".to_string()), ("op-aさん".to_string(), "inbox".to_string())]
    );

    clock.advance(3600);
    let mails = first_mails(&taken).await;
    assert_eq!(mails.iter().map(|m| m.to.clone()).collect::<Vec<_>>(), vec![vec!["op-a@example.jp".to_string()]]);
    // The mail joins the history once the server has taken it (recorded just after).
    let mut reached = Vec::new();
    for _ in 0..100 {
        reached = sent_back_reached(&service, &back, &id).await;
        if reached.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        reached,
        vec![
            ("op-a3さん".to_string(), "inbox".to_string()),
            ("op-aさん".to_string(), "inbox".to_string()),
            ("op-aさん".to_string(), "mail".to_string())
        ]
    );
    let html = service.page_as("back-1", &format!("/orders/{id}")).await;
    assert!(html.contains("送信: op-a3さん（アプリ内）、op-aさん（アプリ内・メール）"), "{html}");
}

/// Whom the order's send-back notice reached, as its history in the API says: (name, channel).
async fn sent_back_reached(service: &Service, token: &str, id: &str) -> Vec<(String, String)> {
    let (status, order) = service.call("GET", &format!("/api/v1/orders/{id}"), Some(token), None).await;
    assert_eq!(status, 200, "{order}");
    let history = order["history"].as_array().expect("history");
    let line = history.iter().find(|h| h["event"]["event"] == "sent_back").expect("the send-back in the history");
    line["sent"]
        .as_array()
        .map(|sent| {
            sent.iter()
                .map(|s| (s["to"].as_str().unwrap_or("").to_string(), s["channel"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Templates from the settings word the inbox message and the mail alike, with the flow's
/// label, the reason and the signature the settings give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_from_the_settings_word_the_inbox_and_the_mail() {
    let (port, taken, _) = sink(0).await;
    let service = Service::start_with(|config| {
        config.mail =
            Some(Mail { server: "127.0.0.1".into(), port, sender: "junro@example.jp".into(), ..Mail::default() });
        let ja = [
            ("sent_back".to_string(), "【差戻し】{order}（{flow}）: {detail} {{要対応}}".to_string()),
            ("mail_footer".to_string(), "業務センター（送信専用）".to_string()),
        ];
        config.messages.templates.insert("ja".into(), ja.into_iter().collect());
        assert_eq!(config.messages.check(), Ok(()));
    })
    .await;
    let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
    let back = service.user("back-1", &["reviewer"], None, &[]).await;
    service.sent_back_order(&op_a, &back, "ORD-ML-3", "住所を確認してください").await;
    let mails = first_mails(&taken).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let expected = "【差戻し】ORD-ML-3（サービス試験用オーダー）: 住所を確認してください {要対応}";
    let subject = header(&mails[0].data, "Subject");
    assert_eq!(subject, format!("[Junro] {expected}"));
    let words = text(&mails[0].data);
    assert!(words.starts_with(expected) && words.contains("業務センター（送信専用）"), "{words}");
    assert!(words.contains("確認・対応はこちら: http://"), "the built-in link line stays: {words}");
    let (_, inbox) = service.call("GET", "/api/v1/inbox", Some(&op_a), None).await;
    assert_eq!(inbox["messages"][0]["message"], expected, "{inbox}");
}

/// Mail to a server that asks for TLS: STARTTLS on the submission port and TLS from the first
/// byte, each signing in with the settings' user and password only once the connection is
/// encrypted, and trusting the server's certificate through the settings' CA file. Without
/// that file the certificate is refused and the administrators' page says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_over_tls_signed_in_to_a_server_the_settings_trust() {
    use junro::serve::config::{MailTls, Secret};
    for (mode, tls) in [("starttls", MailTls::Starttls), ("tls", MailTls::Tls)] {
        let (acceptor, ca) = certificate(mode);
        let secure = if tls == MailTls::Tls { Secure::Implicit(acceptor) } else { Secure::Starttls(acceptor) };
        let (port, taken, _) = secure_sink(Tries { stalls: 0, refusals: 0 }, secure.clone()).await;
        let settings = Mail {
            server: "127.0.0.1".into(),
            port,
            sender: "junro@example.jp".into(),
            tls,
            ca_file: Some(ca.clone()),
            user: Some("junro-mailer".into()),
            password: Some(Secret("送信用-pass".into())),
        };
        let service = Service::start_with(|config| config.mail = Some(settings.clone())).await;
        let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
        let back = service.user("back-1", &["reviewer"], None, &[]).await;
        service.sent_back_order(&op_a, &back, &format!("ORD-TLS-{mode}"), "住所を確認してください").await;
        let mails = first_mails(&taken).await;
        assert_eq!(mails.len(), 1, "{mode}: {mails:?}");
        assert!(mails[0].secure, "{mode}: the mail came over TLS");
        assert_eq!(mails[0].login, Some(("junro-mailer".into(), "送信用-pass".into())), "{mode}: signed in");
        assert!(header(&mails[0].data, "Subject").contains(&format!("ORD-TLS-{mode}")), "{mode}");

        // Not trusted: nothing is sent, and the administrators see why.
        let (untrusted_port, untrusted, _) = secure_sink(Tries { stalls: 0, refusals: 0 }, secure).await;
        let service = Service::start_with(|config| {
            config.notify_retry_ms = 50;
            config.mail = Some(Mail { port: untrusted_port, ca_file: None, ..settings.clone() });
        })
        .await;
        let op_a = service.user("op-a", &["operator"], Some("vendor-a"), &["email"]).await;
        let back = service.user("back-1", &["reviewer"], None, &[]).await;
        let admin = service.user("admin", &[], None, &["admin"]).await;
        service.sent_back_order(&op_a, &back, "ORD-TLS-X", "住所を確認してください").await;
        let mut error = String::new();
        for _ in 0..300 {
            let (_, standing) = service.call("GET", "/api/v1/deliveries", Some(&admin), None).await;
            error = standing[0]["last_error"].as_str().unwrap_or_default().to_string();
            if !error.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(error.contains("certificate") || error.contains("Certificate"), "{mode}: {error}");
        assert!(untrusted.lock().expect("lock").is_empty(), "{mode}: nothing sent to an untrusted server");
        let _ = std::fs::remove_file(ca);
    }
}
