//! An SMTP server for tests, on loopback: takes mails plain, over STARTTLS or TLS from the
//! first byte (with a certificate the test makes), may leave the first tries unanswered or
//! refuse them, and keeps what it took for the test to read. The service tests and the demo's
//! test share it.

#![allow(dead_code, reason = "each test crate that includes it uses a part")]

use base64::Engine as _;
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
    pub(crate) secure: bool,
    pub(crate) login: Option<(String, String)>,
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
pub(crate) async fn sink(refusals: usize) -> (u16, Arc<Mutex<Vec<Taken>>>, Arc<Mutex<usize>>) {
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

/// The mails the sink took, once it took any (waits up to 6 s).
pub(crate) async fn first_mails(taken: &Mutex<Vec<Taken>>) -> Vec<Taken> {
    for _ in 0..300 {
        let mails = taken.lock().expect("lock").clone();
        if !mails.is_empty() {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Vec::new()
}

/// A header's value, its RFC 2047 encoded words decoded.
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
pub(crate) fn text(data: &str) -> String {
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

/// A certificate for 127.0.0.1 made for the test, as the sink's TLS acceptor and the PEM file
/// the settings trust.
pub(crate) fn certificate(name: &str) -> (tokio_rustls::TlsAcceptor, std::path::PathBuf) {
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
