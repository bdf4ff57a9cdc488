//! Notification mails as a mail server sees them: a send-back reaches the front operator with
//! an address (and nobody without one) through an SMTP sink this test runs on loopback, in
//! Japanese, with a link to the order on the service's public address; a server that refuses
//! the first try gets the same mail again, and only once it is taken.

use crate::common::Service;
use base64::Engine as _;
use junro::serve::config::Mail;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::rustls;

/// A mail the sink took: its envelope recipients, its data, whether it came over TLS, the
/// user and password the client signed in with, and whether the sink answered that it took
/// it (a stalled try is kept unanswered).
#[derive(Debug, Clone)]
pub(crate) struct Taken {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
    secure: bool,
    login: Option<(String, String)>,
    pub(crate) answered: bool,
}

/// How the sink's connections are secured.
#[derive(Clone)]
pub(crate) enum Secure {
    Plain,
    /// Offers STARTTLS and upgrades.
    Starttls(tokio_rustls::TlsAcceptor),
    /// TLS from the first byte.
    Implicit(tokio_rustls::TlsAcceptor),
}

/// What the sink keeps: the mails taken, and how many DATA it was sent.
type Kept = (Arc<Mutex<Vec<Taken>>>, Arc<Mutex<usize>>, Tries);

/// What the sink does with the first DATA: leaves `stalls` unanswered (as a server that hangs,
/// or a client killed before the answer came), then refuses `refusals` with 451.
#[derive(Clone, Copy)]
pub(crate) struct Tries {
    pub(crate) stalls: usize,
    pub(crate) refusals: usize,
}

/// An SMTP sink on loopback that answers the first `refusals` DATA with 451 (try later).
async fn sink(refusals: usize) -> (u16, Arc<Mutex<Vec<Taken>>>, Arc<Mutex<usize>>) {
    secure_sink(Tries { stalls: 0, refusals }, Secure::Plain).await
}

/// An SMTP sink on loopback, plain or over TLS: its port, the mails it took, how many DATA.
pub(crate) async fn secure_sink(tries: Tries, secure: Secure) -> (u16, Arc<Mutex<Vec<Taken>>>, Arc<Mutex<usize>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("address").port();
    let kept: Kept = (Arc::default(), Arc::default(), tries);
    let (taken, tries) = (kept.0.clone(), kept.1.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (kept, secure) = (kept.clone(), secure.clone());
            tokio::spawn(async move {
                match secure {
                    Secure::Plain => {
                        converse(socket, &kept, false, false).await;
                    }
                    Secure::Implicit(acceptor) => {
                        if let Ok(tls) = acceptor.accept(socket).await {
                            converse(tls, &kept, false, true).await;
                        }
                    }
                    Secure::Starttls(acceptor) => {
                        if let Some(plain) = converse(socket, &kept, true, false).await
                            && let Ok(tls) = acceptor.accept(plain).await
                        {
                            // The client greets again over TLS, with no banner first.
                            talk(tls, &kept, false, true).await;
                        }
                    }
                }
            });
        }
    });
    (port, taken, tries)
}

/// One SMTP conversation from the banner on; returns the connection when the client asked for
/// STARTTLS (offered only when `starttls`).
async fn converse<S>(mut stream: S, kept: &Kept, starttls: bool, secure: bool) -> Option<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    stream.write_all(b"220 sink ESMTP\r\n").await.ok()?;
    talk(stream, kept, starttls, secure).await
}

/// The conversation after the banner: the mails taken go to `kept`.
async fn talk<S>(stream: S, (taken, tries, behaviour): &Kept, starttls: bool, secure: bool) -> Option<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut lines = BufReader::new(stream);
    let (mut to, mut login) = (Vec::new(), None);
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        let upper = line.to_ascii_uppercase();
        let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            if starttls {
                b"250-sink\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
            } else {
                b"250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
            }
        } else if upper == "STARTTLS" && starttls {
            lines.get_mut().write_all(b"220 go ahead\r\n").await.ok()?;
            return Some(lines.into_inner());
        } else if upper.starts_with("AUTH PLAIN ") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(line[11..].trim()).unwrap_or_default();
            let parts: Vec<String> =
                decoded.split(|b| *b == 0).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
            login = parts.get(1).zip(parts.get(2)).map(|(u, p)| (u.clone(), p.clone()));
            b"235 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
            b"250 ok\r\n"
        } else if upper.starts_with("DATA") {
            lines.get_mut().write_all(b"354 go on\r\n").await.ok()?;
            let mut data = String::new();
            let mut text = String::new();
            loop {
                text.clear();
                if lines.read_line(&mut text).await.ok()? == 0 {
                    return None;
                }
                let text = text.trim_end_matches(['\r', '\n']);
                if text == "." {
                    break;
                }
                data.push_str(text);
                data.push('\n');
            }
            let attempt = {
                let mut n = tries.lock().expect("lock");
                *n += 1;
                *n
            };
            let answered = attempt > behaviour.stalls;
            if attempt > behaviour.stalls && attempt <= behaviour.stalls + behaviour.refusals {
                b"451 try again later\r\n"
            } else {
                let mail = Taken { to: std::mem::take(&mut to), data, secure, login: login.clone(), answered };
                taken.lock().expect("lock").push(mail);
                if !answered {
                    // Hangs with the connection open, as a server that never answers.
                    std::future::pending::<()>().await;
                }
                b"250 queued\r\n"
            }
        } else if upper.starts_with("QUIT") {
            let _ = lines.get_mut().write_all(b"221 bye\r\n").await;
            return None;
        } else {
            b"250 ok\r\n"
        };
        lines.get_mut().write_all(answer).await.ok()?;
    }
}

/// A header's value, its RFC 2047 encoded words decoded.
/// The mails the sink took, once it took any (waits up to 6 s).
async fn first_mails(taken: &Mutex<Vec<Taken>>) -> Vec<Taken> {
    for _ in 0..300 {
        let mails = taken.lock().expect("lock").clone();
        if !mails.is_empty() {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Vec::new()
}

pub(crate) fn header(data: &str, name: &str) -> String {
    let mut value = String::new();
    let mut lines =
        data.lines().skip_while(|l| !l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())));
    if let Some(first) = lines.next() {
        value.push_str(first[name.len() + 1..].trim());
        for more in lines.take_while(|l| l.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(more.trim());
        }
    }
    value
        .split(' ')
        .map(|word| {
            match word
                .strip_prefix("=?utf-8?b?")
                .or_else(|| word.strip_prefix("=?UTF-8?B?"))
                .and_then(|w| w.strip_suffix("?="))
            {
                Some(encoded) => {
                    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64"))
                        .expect("utf-8")
                }
                None => format!("{word} "),
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The text after the headers, its transfer encoding undone.
fn text(data: &str) -> String {
    let (head, body) = data.split_once("\n\n").expect("headers, then a body");
    let encoding = header(head, "Content-Transfer-Encoding").to_ascii_lowercase();
    match encoding.as_str() {
        "base64" => {
            let joined: String = body.lines().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).expect("base64")).expect("utf-8")
        }
        "quoted-printable" => {
            let mut bytes = Vec::new();
            let joined = body.replace("=\n", "");
            let mut chars = joined.bytes().peekable();
            while let Some(b) = chars.next() {
                if b == b'=' {
                    let hex: String = [chars.next(), chars.next()].into_iter().flatten().map(char::from).collect();
                    bytes.push(u8::from_str_radix(&hex, 16).expect("hex"));
                } else {
                    bytes.push(b);
                }
            }
            String::from_utf8(bytes).expect("utf-8")
        }
        _ => body.to_string(),
    }
}

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

/// A certificate for 127.0.0.1 made for the test, as the sink's TLS acceptor and the PEM file
/// the settings trust.
fn certificate(name: &str) -> (tokio_rustls::TlsAcceptor, std::path::PathBuf) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("a certificate");
    let path = std::env::temp_dir().join(format!("junro-smtp-{name}-{}.pem", std::process::id()));
    std::fs::write(&path, made.cert.pem()).expect("writes the PEM");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    // ring, as the service's lettre uses (rustls deprecates it for lacking post-quantum key
    // exchange, which a loopback test does not need).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .expect("the certificate");
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), path)
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
