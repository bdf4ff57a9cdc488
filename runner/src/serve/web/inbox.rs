//! The person's inbox on the pages: reminders, escalations, send-backs, incidents (`/inbox`),
//! newest first, each linking to its order, unread ones with a button to mark them read. The
//! same messages and rules as `/api/v1/inbox`; the header shows how many are unread.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render};
use crate::serve::inbox::InboxItem;
use crate::serve::preferences::{KINDS, Preferences};
use crate::serve::problem::Problem;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};

/// A message as listed.
struct Row {
    item: InboxItem,
    when: String,
}

/// A kind of notice on the preferences form: its name, its words, whether it is mailed.
struct KindChoice {
    name: &'static str,
    label: &'static str,
    mailed: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<Row>,
    kinds: Vec<KindChoice>,
    quiet_from: String,
    quiet_to: String,
    /// The language chosen for notifications (empty: the settings').
    language: String,
    /// Whether the person has an address to mail to.
    has_email: bool,
    saved: bool,
    errors: Vec<crate::serve::problem::FieldError>,
}

/// A kind of notice in the person's language.
fn kind_label(lang: super::Lang, kind: &str) -> &'static str {
    let ja = lang.code() == "ja";
    match kind {
        "reminder" => {
            if ja {
                "期限前の催促"
            } else {
                "Reminders before due"
            }
        }
        "escalation" => {
            if ja {
                "期限超過のエスカレーション"
            } else {
                "Escalations after due"
            }
        }
        "transferred" => {
            if ja {
                "タスクの引継ぎ"
            } else {
                "Tasks handed to me"
            }
        }
        "sent_back" => {
            if ja {
                "差戻し"
            } else {
                "Send-backs"
            }
        }
        "incident" => {
            if ja {
                "インシデント"
            } else {
                "Incidents"
            }
        }
        "signal_expired" => {
            if ja {
                "期限切れのシグナル"
            } else {
                "Signals dropped unmatched"
            }
        }
        _ => {
            if ja {
                "日次の要対応まとめ（監督者）"
            } else {
                "Daily digest (supervisors)"
            }
        }
    }
}

/// The preferences form as typed: a checkbox per kind, quiet hours as `HH:MM`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PreferencesForm {
    #[serde(default)]
    reminder: Option<String>,
    #[serde(default)]
    escalation: Option<String>,
    #[serde(default)]
    transferred: Option<String>,
    #[serde(default)]
    sent_back: Option<String>,
    #[serde(default)]
    incident: Option<String>,
    #[serde(default)]
    signal_expired: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    quiet_from: String,
    #[serde(default)]
    quiet_to: String,
    #[serde(default)]
    language: String,
}

impl PreferencesForm {
    fn preferences(&self) -> Preferences {
        let ticked = [
            ("reminder", &self.reminder),
            ("escalation", &self.escalation),
            ("transferred", &self.transferred),
            ("sent_back", &self.sent_back),
            ("incident", &self.incident),
            ("signal_expired", &self.signal_expired),
            ("digest", &self.digest),
        ];
        let given = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_string());
        Preferences {
            mail_kinds: ticked.into_iter().filter(|(_, on)| on.is_some()).map(|(k, _)| k.to_string()).collect(),
            quiet_from: given(&self.quiet_from),
            quiet_to: given(&self.quiet_to),
            language: given(&self.language),
        }
    }
}

/// Renders the inbox with `prefs` in the form.
async fn inbox_page(
    state: &AppState,
    signed: Signed,
    prefs: Preferences,
    saved: bool,
    errors: Vec<crate::serve::problem::FieldError>,
) -> PageResult {
    let lang = signed.chrome.lang;
    let (items, _) = state
        .db
        .inbox(&signed.identity.user.id, false, state.config.limits.page_max)
        .await
        .map_err(Problem::internal)
        .in_lang(lang)?;
    let rows = items.into_iter().map(|item| Row { when: local_time(state, item.created_at), item }).collect();
    let kinds = KINDS
        .iter()
        .filter(|k| **k != "digest" || signed.identity.user.supervisor)
        .map(|k| KindChoice { name: k, label: kind_label(lang, k), mailed: prefs.mails(k) })
        .collect();
    let page = InboxPage {
        has_email: signed.identity.user.email.is_some(),
        chrome: signed.chrome,
        rows,
        kinds,
        quiet_from: prefs.quiet_from.unwrap_or_default(),
        quiet_to: prefs.quiet_to.unwrap_or_default(),
        language: prefs.language.unwrap_or_default(),
        saved,
        errors,
    };
    Ok(render(&page))
}

/// Saves the person's mail preferences; a wrong field is named beside the form.
pub(crate) async fn save_preferences(
    State(state): State<AppState>,
    signed: Signed,
    axum::Form(form): axum::Form<PreferencesForm>,
) -> PageResult {
    let wanted = form.preferences();
    match crate::serve::api::inbox::set(&state, &signed.identity, wanted.clone()).await {
        Ok(_) => Ok(signed.done("/inbox?saved=1")),
        Err(problem) => {
            let lang = signed.chrome.lang;
            let mut errors = problem.body().errors.clone();
            if lang.code() == "ja" {
                // The page speaks plainly; the API names the rule.
                for e in &mut errors {
                    e.message = match e.field.as_str() {
                        "mail_kinds" => "通知の種類が正しくありません".into(),
                        "language" => "言語を選び直してください".into(),
                        _ => "開始と終了の両方を時刻（例 22:00）で入力してください".into(),
                    };
                }
            }
            if errors.is_empty() {
                return Err(problem).in_lang(signed.chrome.lang);
            }
            let mut response = inbox_page(&state, signed, wanted, false, errors).await?;
            *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(response)
        }
    }
}

/// Whether the preferences were just saved.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

/// The person's newest messages, and what they want mailed.
pub(crate) async fn page(State(state): State<AppState>, signed: Signed, Query(saved): Query<Saved>) -> PageResult {
    let prefs =
        state.db.preferences(&signed.identity.user.id).await.map_err(Problem::internal).in_lang(signed.chrome.lang)?;
    inbox_page(&state, signed, prefs, saved.saved.is_some(), Vec::new()).await
}

/// Marks one of the person's messages read (another person's: not found).
pub(crate) async fn read(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>) -> PageResult {
    let lang = signed.chrome.lang;
    let marked = state
        .db
        .mark_read(&signed.identity.user.id, id, state.engine.now())
        .await
        .map_err(Problem::internal)
        .in_lang(lang)?;
    if !marked {
        return Err(Problem::not_found(format!("no message {id} in your inbox"))).in_lang(lang);
    }
    Ok(signed.done("/inbox"))
}

#[derive(Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    chrome: Chrome,
    rows: Vec<crate::serve::deliveries::DeliveryStatus>,
}

/// How webhook and mail deliveries stand (administrators), failing ones first.
pub(crate) async fn deliveries(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let rows = state.db.delivery_status().await.map_err(Problem::internal).in_lang(lang)?;
    Ok(render(&DeliveriesPage { chrome: signed.chrome, rows }))
}
