//! Notification mails: a notice's Japanese message to each person concerned who has an e-mail
//! address (`users.email`), through the SMTP server of the settings. Queued by the notifier,
//! claimed, sent and retried as every delivery is (`deliveries.rs`); the row's body holds the
//! address, subject and text, so a mail tried again is the same mail.

use super::config::{Mail, MailTls};
use super::deliveries::Claimed;
use super::messages::Messages;
use super::state::AppState;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// The SMTP client.
pub(crate) type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// A mail as queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MailBody {
    /// The recipient's address.
    pub(crate) to: String,
    /// The subject line.
    pub(crate) subject: String,
    /// The text.
    pub(crate) text: String,
}

/// The client for `mail`'s server: plain, STARTTLS or implicit TLS, trusting the web's roots
/// and the settings' CA file, signing in when a user is set. The error says which setting is
/// wrong (checked when the settings load).
pub(crate) fn transport(mail: &Mail, timeout: std::time::Duration) -> Result<Transport, String> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&mail.server);
    if mail.tls != MailTls::None {
        let mut parameters = TlsParameters::builder(mail.server.clone());
        if let Some(path) = &mail.ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            let certificate = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file {}: not a PEM certificate ({e})", path.display()))?;
            parameters = parameters.add_root_certificate(certificate);
        }
        let parameters = parameters.build_rustls().map_err(|e| format!("TLS to {}: {e}", mail.server))?;
        builder = builder.tls(match mail.tls {
            MailTls::Tls => Tls::Wrapper(parameters),
            _ => Tls::Required(parameters),
        });
    }
    match (&mail.user, &mail.password) {
        (Some(user), password) => {
            let password = password.as_ref().map(|p| p.0.clone()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        (None, Some(_)) => return Err("a password is set but no user to sign in as".into()),
        (None, None) => {}
    }
    Ok(builder.port(mail.port).timeout(Some(timeout)).build())
}

/// The mail of a notice for one person: the message as its subject, then a link to act on it
/// and the signature, worded as the settings say (`messages.rs`).
pub(crate) fn compose(to: &str, message: &str, link: &str, base: &str, messages: &Messages, language: &str) -> String {
    let subject = format!("[Junro] {}", subject_of(message));
    let url = format!("{base}{link}");
    let link_line = messages.render_in(language, "mail_link", &[("link", url.as_str())]);
    let footer = messages.render_in(language, "mail_footer", &[("link", url.as_str())]);
    let text = format!("{message}\n\n{link_line}\n\n-- \n{footer}\n");
    serde_json::to_string(&MailBody { to: to.to_string(), subject, text }).unwrap_or_default()
}

/// A mail's subject: the message's first line (a digest's headline); past 60 characters, cut
/// before its last parenthesis that leaves some words ("…が期限を過ぎました（期限 11月6日
/// 09:15）" loses the due time, which the text keeps), else at 60 with an ellipsis.
fn subject_of(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let chars: Vec<char> = first.chars().collect();
    if chars.len() <= 60 {
        return first.to_string();
    }
    match chars[..60].iter().rposition(|c| matches!(c, '（' | '(')).filter(|at| *at >= 20) {
        Some(at) => chars[..at].iter().collect::<String>().trim_end().to_string(),
        None => format!("{}…", chars[..60].iter().collect::<String>()),
    }
}

/// Sends one queued mail; the error says why it did not go.
pub(crate) async fn send(state: &AppState, transport: &Transport, delivery: &Claimed) -> Result<(), String> {
    let mail = state.config.mail.as_ref().ok_or("the settings name no mail server any more")?;
    let body: MailBody = serde_json::from_str(&delivery.body).map_err(|e| format!("unreadable queued mail: {e}"))?;
    let from: lettre::message::Mailbox = mail.sender.parse().map_err(|e| format!("sender `{}`: {e}", mail.sender))?;
    let message = Message::builder()
        .message_id(Some(message_id(&delivery.notice, &delivery.target, from.email.domain())))
        // The engine's time: a virtual clock's (tests, the demo's month) dates the mail too.
        .date(std::time::SystemTime::from(state.engine.now()))
        .from(from)
        .to(body.to.parse().map_err(|e| format!("recipient `{}`: {e}", body.to))?)
        .subject(body.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.text)
        .map_err(|e| format!("composing the mail: {e}"))?;
    transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP {}:{}: {e}", mail.server, mail.port))
}

/// The same Message-ID for every try of one notice's mail to one person: a mail sent again
/// after a crash mid-try (the server took it, the process died before recording so) is the
/// same message, which mail systems and readers show once.
fn message_id(notice: &str, recipient: &str, domain: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{notice}\n{recipient}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("<junro.{hex}@{domain}>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_first_line_loses_its_last_parenthesis_in_the_subject() {
        let escalation =
            "エスカレーション: 注文 ORD-20261105-0112 の「受付入力」が期限を過ぎました（期限 11月6日 09:15）";
        assert_eq!(
            super::subject_of(escalation),
            "エスカレーション: 注文 ORD-20261105-0112 の「受付入力」が期限を過ぎました"
        );
        let short = "本日の要対応（11月4日（水）・全体）: 期限超過 0 件";
        assert_eq!(super::subject_of(short), short);
        let long = "あ".repeat(70);
        assert_eq!(super::subject_of(&long), format!("{}…", "あ".repeat(60)));
    }

    #[test]
    fn a_notice_mailed_to_one_person_always_has_the_same_message_id() {
        let id = super::message_id("ORD-1:7", "sato", "example.jp");
        assert_eq!(id, super::message_id("ORD-1:7", "sato", "example.jp"));
        assert!(id.starts_with("<junro.") && id.ends_with("@example.jp>") && id.len() == 51, "{id}");
        assert_ne!(id, super::message_id("ORD-1:7", "suzuki", "example.jp"));
        assert_ne!(id, super::message_id("ORD-1:8", "sato", "example.jp"));
    }
}
