//! `junro serve`'s settings: a YAML file (`--config`, see `examples/junro.yaml`), each setting
//! overridden by an environment variable for containers, and defaults that make `junro serve`
//! with neither a complete installation on SQLite.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Why the settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid YAML for these settings.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why.
        message: String,
    },
    /// The mail server's settings cannot work (a CA file unreadable, a password without a
    /// user).
    #[error("mail: {reason}")]
    Mail {
        /// Why.
        reason: String,
    },
    /// An environment variable holds a value of the wrong kind.
    #[error("environment variable {name}={value}: {reason}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
}

/// Everything `junro serve` needs to know.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address to listen on (`JUNRO_LISTEN`).
    pub listen: String,
    /// Database URL (`JUNRO_DB`): `sqlite:junro.db` (created on first start) or `postgres://…`.
    pub database: String,
    /// The flows folder deployed at start (`JUNRO_FLOWS`); a changed flow becomes a new version.
    /// Empty: deploy nothing at start.
    pub flows: Option<PathBuf>,
    /// Business calendars (`JUNRO_CALENDARS`); when unset, `examples/calendars.yaml` if it
    /// exists, else the Japanese office calendar alone.
    pub calendars: Option<PathBuf>,
    /// KPI targets and thresholds (`JUNRO_KPI`); when unset, `examples/kpi.yaml` if it exists,
    /// else the defaults.
    pub kpi: Option<PathBuf>,
    /// Whether this process fires timers and runs the job outbox (`JUNRO_WORKER=on|off`).
    pub worker: bool,
    /// How often the worker looks for due work, in milliseconds (`JUNRO_WORKER_INTERVAL_MS`).
    pub worker_interval_ms: u64,
    /// Limits on what clients may send.
    pub limits: Limits,
    /// Mark the session cookie `Secure` (`JUNRO_COOKIE_SECURE=on`): set it when a TLS reverse
    /// proxy is in front.
    pub cookie_secure: bool,
    /// How long a browser session lasts without use, in hours (`JUNRO_SESSION_HOURS`).
    pub session_hours: u64,
    /// Take the client's address from `X-Forwarded-For` (`JUNRO_TRUST_FORWARDED=on`): set it
    /// only behind a reverse proxy that sets that header, or clients could name any address.
    pub trust_forwarded: bool,
    /// Systems told of every notice (reminders, escalations, send-backs, incidents…) by an
    /// HTTP POST of a JSON body signed with HMAC-SHA256 (`JUNRO_WEBHOOK_URL` and
    /// `JUNRO_WEBHOOK_SECRET` add one named `default`).
    pub webhooks: Vec<Webhook>,
    /// How long after a failed delivery it is tried again, in milliseconds, doubling with each
    /// failure up to an hour (`JUNRO_NOTIFY_RETRY_MS`).
    pub notify_retry_ms: u64,
    /// How long one try of a delivery may take (a POST, an SMTP conversation), in milliseconds
    /// (`JUNRO_NOTIFY_TIMEOUT_MS`). A process that stops mid-try leaves the delivery to the
    /// others (or to itself, restarted) three times this later.
    pub notify_timeout_ms: u64,
    /// Mail notifications to people with an e-mail address, through this SMTP server
    /// (`JUNRO_SMTP=host:port` and `JUNRO_MAIL_FROM`); none: the inbox and webhooks only.
    pub mail: Option<Mail>,
    /// The address people reach the pages at, for links in mails (`JUNRO_PUBLIC_URL`);
    /// default `http://` and the listen address.
    pub public_url: Option<String>,
    /// When supervisors get their daily digest of stalled, overdue and at-risk work, `HH:MM`
    /// in the default calendar's time zone, on its working days (`JUNRO_DIGEST_AT`; `off`
    /// or empty: none).
    pub digest_at: Option<String>,
    /// The notifications' language and templates (`messages.rs`; `JUNRO_LANGUAGE` sets the
    /// language).
    pub messages: super::messages::Messages,
}

/// The SMTP server that sends notification mails: plain SMTP to a relay on the same host or a
/// trusted network, or over TLS (`tls: starttls` on the submission port, `tls: tls` for
/// implicit TLS), with a user and password when the server asks for them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    /// Its host name or address (also the name its certificate must carry under TLS).
    pub server: String,
    /// Its port.
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// The sender, `name@domain` or `Name <name@domain>`.
    pub sender: String,
    /// Plain, STARTTLS or implicit TLS (`JUNRO_SMTP_TLS`).
    #[serde(default)]
    pub tls: MailTls,
    /// A PEM file with the certificate of a private CA to trust besides the web's roots
    /// (`JUNRO_SMTP_CA_FILE`).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The user to sign in as (`JUNRO_SMTP_USER`); none: no sign-in.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password (`JUNRO_SMTP_PASSWORD`, better than the file).
    #[serde(default)]
    pub password: Option<Secret>,
}

impl Default for Mail {
    fn default() -> Mail {
        Mail {
            server: "127.0.0.1".into(),
            port: smtp_port(),
            sender: String::new(),
            tls: MailTls::None,
            ca_file: None,
            user: None,
            password: None,
        }
    }
}

/// How the mail server's connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (a local relay).
    #[default]
    None,
    /// Plain, then `STARTTLS`, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// A setting that is never printed (`Debug` shows `***`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

fn smtp_port() -> u16 {
    25
}

/// A system told of notices over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Its name (in metrics and logs).
    pub name: String,
    /// Where the notices are POSTed.
    pub url: String,
    /// The key of the `X-Junro-Signature-256` header (`sha256=` and the hex HMAC-SHA256 of the
    /// body), so the receiver knows the POST is Junro's.
    pub secret: String,
    /// Only these kinds (`reminder`, `escalation`, `transferred`, `sent_back`, `incident`,
    /// `signal_expired`); empty: all.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// Limits on requests.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest request body accepted, in bytes (`JUNRO_BODY_LIMIT`); larger answers 413.
    pub body_bytes: usize,
    /// The most rows one listing returns.
    pub page_max: u32,
    /// Failed sign-ins allowed per user id and per address within a minute before 429.
    pub login_failures_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 1024 * 1024, page_max: 500, login_failures_per_minute: 10 }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            database: "sqlite:junro.db".into(),
            flows: Some(PathBuf::from("examples/flows")),
            calendars: None,
            kpi: None,
            worker: true,
            worker_interval_ms: 1000,
            limits: Limits::default(),
            cookie_secure: false,
            session_hours: 12,
            trust_forwarded: false,
            webhooks: Vec::new(),
            notify_retry_ms: 10_000,
            notify_timeout_ms: 10_000,
            mail: None,
            public_url: None,
            digest_at: Some("08:30".into()),
            messages: super::messages::Messages::default(),
        }
    }
}

impl ServeConfig {
    /// The settings from `file` (when given), then the environment, then the defaults.
    pub fn load(file: Option<&Path>) -> Result<ServeConfig, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
                let config = ServeConfig::from_yaml(&text)
                    .map_err(|message| ConfigError::Parse { path: path.to_path_buf(), message })?;
                let checked = config.messages.check();
                checked.map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
                config
            }
            None => ServeConfig::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        if let Some(mail) = &config.mail {
            // A CA file that cannot be read, or TLS that cannot be set up, stops the start.
            let timeout = super::deliveries::try_timeout(&config);
            super::mail::transport(mail, timeout).map_err(|reason| ConfigError::Mail { reason })?;
        }
        Ok(config)
    }

    /// The calendars file: the one set, or else `examples/calendars.yaml` when it exists (as
    /// `junro kpi` does), so that `junro serve` from the repository needs no settings.
    pub fn calendars_file(&self) -> Option<PathBuf> {
        self.calendars.clone().or_else(|| Some(PathBuf::from("examples/calendars.yaml")).filter(|p| p.is_file()))
    }

    /// Where people reach the pages: `public_url`, or `http://` and the listen address.
    pub fn public_base(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_string()
    }

    /// The KPI targets file: the one set, or else `examples/kpi.yaml` when it exists.
    pub fn kpi_file(&self) -> Option<PathBuf> {
        self.kpi.clone().or_else(|| Some(PathBuf::from("examples/kpi.yaml")).filter(|p| p.is_file()))
    }

    /// Parses YAML settings; the error says where and why.
    pub fn from_yaml(text: &str) -> Result<ServeConfig, String> {
        if text.trim().is_empty() {
            return Ok(ServeConfig::default());
        }
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    /// Overrides settings from environment variables read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = var("JUNRO_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("JUNRO_DB") {
            self.database = v;
        }
        if let Some(v) = var("JUNRO_FLOWS") {
            self.flows = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = var("JUNRO_CALENDARS") {
            self.calendars = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = var("JUNRO_KPI") {
            self.kpi = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = var("JUNRO_WORKER") {
            self.worker = switch("JUNRO_WORKER", v)?;
        }
        if let Some(v) = var("JUNRO_COOKIE_SECURE") {
            self.cookie_secure = switch("JUNRO_COOKIE_SECURE", v)?;
        }
        if let Some(v) = var("JUNRO_TRUST_FORWARDED") {
            self.trust_forwarded = switch("JUNRO_TRUST_FORWARDED", v)?;
        }
        if let Some(v) = var("JUNRO_WORKER_INTERVAL_MS") {
            self.worker_interval_ms = number("JUNRO_WORKER_INTERVAL_MS", v)?;
        }
        if let Some(v) = var("JUNRO_SESSION_HOURS") {
            self.session_hours = number("JUNRO_SESSION_HOURS", v)?;
        }
        if let Some(url) = var("JUNRO_WEBHOOK_URL").filter(|u| !u.is_empty()) {
            let secret = var("JUNRO_WEBHOOK_SECRET").filter(|s| !s.is_empty()).ok_or(ConfigError::Env {
                name: "JUNRO_WEBHOOK_SECRET",
                value: String::new(),
                reason: "a webhook needs a secret to sign its POSTs",
            })?;
            self.webhooks.retain(|w| w.name != "default");
            self.webhooks.push(Webhook { name: "default".into(), url, secret, kinds: Vec::new() });
        }
        if let Some(server) = var("JUNRO_SMTP").filter(|v| !v.is_empty()) {
            let (host, port) = match server.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), number("JUNRO_SMTP", port.to_string())?),
                None => (server.clone(), 25),
            };
            let port = u16::try_from(port).map_err(|_| ConfigError::Env {
                name: "JUNRO_SMTP",
                value: server.clone(),
                reason: "expected host:port",
            })?;
            let sender = var("JUNRO_MAIL_FROM").filter(|v| !v.is_empty()).ok_or(ConfigError::Env {
                name: "JUNRO_MAIL_FROM",
                value: String::new(),
                reason: "mail needs a sender address",
            })?;
            self.mail = Some(Mail { server: host, port, sender, ..self.mail.take().unwrap_or_default() });
        }
        if let Some(mail) = self.mail.as_mut() {
            if let Some(v) = var("JUNRO_SMTP_TLS").filter(|v| !v.is_empty()) {
                mail.tls = match v.to_ascii_lowercase().as_str() {
                    "none" | "off" => MailTls::None,
                    "starttls" => MailTls::Starttls,
                    "tls" => MailTls::Tls,
                    _ => {
                        return Err(ConfigError::Env {
                            name: "JUNRO_SMTP_TLS",
                            value: v,
                            reason: "expected none, starttls or tls",
                        });
                    }
                };
            }
            if let Some(v) = var("JUNRO_SMTP_CA_FILE") {
                mail.ca_file = (!v.is_empty()).then(|| PathBuf::from(v));
            }
            if let Some(v) = var("JUNRO_SMTP_USER") {
                mail.user = (!v.is_empty()).then_some(v);
            }
            if let Some(v) = var("JUNRO_SMTP_PASSWORD") {
                mail.password = (!v.is_empty()).then_some(Secret(v));
            }
        }
        if let Some(v) = var("JUNRO_PUBLIC_URL") {
            self.public_url = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = var("JUNRO_DIGEST_AT") {
            self.digest_at = (!v.is_empty() && v != "off").then_some(v);
        }
        if let Some(v) = var("JUNRO_LANGUAGE").filter(|v| !v.is_empty()) {
            self.messages.language = v;
        }
        if let Some(v) = var("JUNRO_NOTIFY_RETRY_MS") {
            self.notify_retry_ms = number("JUNRO_NOTIFY_RETRY_MS", v)?;
        }
        if let Some(v) = var("JUNRO_NOTIFY_TIMEOUT_MS") {
            self.notify_timeout_ms = number("JUNRO_NOTIFY_TIMEOUT_MS", v)?;
        }
        if let Some(v) = var("JUNRO_BODY_LIMIT") {
            self.limits.body_bytes = usize::try_from(number("JUNRO_BODY_LIMIT", v)?).unwrap_or(usize::MAX);
        }
        Ok(())
    }
}

/// An on/off environment value (`on`, `true`, `1`, `yes` or `off`, `false`, `0`, `no`).
pub fn switch(name: &'static str, value: String) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(ConfigError::Env { name, value, reason: "expected on or off" }),
    }
}

fn number(name: &'static str, value: String) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Env { name, value, reason: "expected a whole number" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_file_and_the_defaults_fill_the_rest() {
        let mut config = ServeConfig::from_yaml("listen: 0.0.0.0:9000\nworker: false\nlimits:\n  body_bytes: 2048\n")
            .expect("valid settings");
        let env = [("JUNRO_DB", "postgres://db/junro"), ("JUNRO_WORKER", "on")];
        config.apply_env(|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_string())).expect("valid");
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.database, "postgres://db/junro");
        assert!(config.worker);
        assert_eq!(config.limits.body_bytes, 2048);
        assert_eq!(config.limits.page_max, 500);
        assert_eq!(config.flows, Some(PathBuf::from("examples/flows")));
    }

    #[test]
    fn an_unknown_setting_or_a_bad_variable_is_named() {
        let error = ServeConfig::from_yaml("listne: 1\n").expect_err("a misspelt key");
        assert!(error.contains("listne"), "{error}");
        let mut config = ServeConfig::default();
        let error = config.apply_env(|n| (n == "JUNRO_WORKER").then(|| "maybe".to_string())).expect_err("bad");
        assert_eq!(error.to_string(), "environment variable JUNRO_WORKER=maybe: expected on or off");
    }

    #[test]
    fn a_wrong_message_template_is_named_with_its_file() {
        let path = std::env::temp_dir().join(format!("junro-templates-{}.yaml", std::process::id()));
        std::fs::write(&path, "messages:\n  templates:\n    ja:\n      reminder: \"{customer} さま\"\n")
            .expect("writes");
        let error = ServeConfig::load(Some(&path)).expect_err("refused").to_string();
        let _ = std::fs::remove_file(&path);
        assert!(error.contains("messages.templates.ja.reminder: `{customer}` is not something"), "{error}");
        assert!(error.starts_with(&path.display().to_string()), "{error}");
    }

    #[test]
    fn mail_over_tls_is_set_from_the_file_or_the_environment_and_a_missing_ca_file_is_named() {
        let text = "mail:\n  server: smtp.example.jp\n  port: 587\n  sender: junro@example.jp\n  tls: starttls\n  user: junro\n";
        let mut config = ServeConfig::from_yaml(text).expect("valid settings");
        let env = [("JUNRO_SMTP_PASSWORD", "秘密"), ("JUNRO_SMTP_CA_FILE", "/no/such/ca.pem")];
        config.apply_env(|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_string())).expect("valid");
        let mail = config.mail.clone().expect("mail");
        assert_eq!((mail.tls, mail.port, mail.user.as_deref()), (MailTls::Starttls, 587, Some("junro")));
        assert_eq!(mail.password, Some(Secret("秘密".into())));
        assert!(!format!("{config:?}").contains("秘密"), "the password is never printed");
        let error = super::super::mail::transport(&mail, std::time::Duration::from_secs(1))
            .expect_err("the CA file is missing");
        assert!(error.starts_with("ca_file /no/such/ca.pem: "), "{error}");
        let bad = config.apply_env(|n| (n == "JUNRO_SMTP_TLS").then(|| "ssl".to_string())).expect_err("refused");
        assert_eq!(bad.to_string(), "environment variable JUNRO_SMTP_TLS=ssl: expected none, starttls or tls");
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let text = include_str!("../../../examples/junro.yaml");
        let config = ServeConfig::from_yaml(text).expect("examples/junro.yaml is valid");
        assert_eq!(config.database, "sqlite:junro.db");
        assert_eq!(config.messages.check(), Ok(()));
    }
}
