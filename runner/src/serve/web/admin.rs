//! Administrators' pages: the users (add one, disable one), API tokens (issue one, its secret
//! shown once; revoke one), and the newest records of the audit trail. They change what the
//! API's `/api/v1/users` and `/api/v1/tokens` change, with the same checks and records.

use super::work::local_time;
use super::{Chrome, InLang, PageResult, Signed, render, see_other};
use crate::serve::audit::{AuditQuery, AuditRecord};
use crate::serve::auth::tokens::TokenInfo;
use crate::serve::auth::users::{NewUser, User, UserError};
use crate::serve::middleware::AuditNote;
use crate::serve::problem::{FieldError, Problem};
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::{Form, response::IntoResponse};
use serde::Deserialize;

/// The add-user form as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    roles: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    supervisor: Option<String>,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    admin: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
}

impl UserForm {
    fn new_user(&self) -> NewUser {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        NewUser {
            id: self.id.trim().to_string(),
            display_name: some(&self.display_name),
            roles: self
                .roles
                .split([',', '、', ' '])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
                .collect(),
            vendor: some(&self.vendor),
            supervisor: self.supervisor.is_some(),
            manager: self.manager.is_some(),
            admin: self.admin.is_some(),
            // A password is never trimmed: its spaces are the person's.
            password: (!self.password.is_empty()).then(|| self.password.clone()),
            email: some(&self.email),
            language: None,
        }
    }
}

/// A notice after a change (`?notice=`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    notice: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    form: UserForm,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
}

/// One text input of the add-user form.
struct Input<'a> {
    name: &'static str,
    label: &'static str,
    value: &'a str,
    hint: &'static str,
    kind: &'static str,
    error: Option<&'a str>,
}

impl UsersPage {
    /// The form's text inputs, each with what was typed and its error.
    fn inputs(&self) -> Vec<Input<'_>> {
        let t = self.chrome.t;
        let f = &self.form;
        let fields: [(&'static str, &'static str, &str, &'static str, &'static str); 6] = [
            ("id", "ID", &f.id, "", "text"),
            ("display_name", t.display_name, &f.display_name, "", "text"),
            ("roles", t.roles, &f.roles, t.roles_hint, "text"),
            ("vendor", t.vendor, &f.vendor, t.vendor_hint, "text"),
            ("email", t.email, &f.email, t.email_hint, "email"),
            // A password is never shown again.
            ("password", t.password, "", t.password_hint, "password"),
        ];
        fields
            .into_iter()
            .map(|(name, label, value, hint, kind)| Input {
                name,
                label,
                value,
                hint,
                kind,
                error: self.errors.iter().find(|e| e.field == name).map(|e| e.message.as_str()),
            })
            .collect()
    }
}

/// The users and the form to add one.
pub(crate) async fn users(State(state): State<AppState>, signed: Signed, Query(notice): Query<Notice>) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let users = state.db.users().await.map_err(Problem::internal).in_lang(lang)?;
    let t = signed.chrome.t;
    let notice = match notice.notice.as_str() {
        "added" => Some(t.user_added),
        "disabled" => Some(t.user_disabled),
        _ => None,
    };
    Ok(render(&UsersPage { chrome: signed.chrome, users, form: UserForm::default(), errors: Vec::new(), notice }))
}

/// Adds a user; a form that does not fit is shown again with the reason beside its field.
pub(crate) async fn add_user(State(state): State<AppState>, signed: Signed, Form(form): Form<UserForm>) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    match state.db.add_user(&form.new_user(), state.engine.now()).await {
        Ok(user) => {
            let mut response = see_other("/users?notice=added");
            response.extensions_mut().insert(AuditNote::about(user.id.clone(), Some(user.scope_text())));
            Ok(response)
        }
        // The database failed: an error page, not the form.
        Err(UserError::Db(e)) => Err(super::Failure(lang, Problem::internal(e).into())),
        Err(error) => {
            let japanese = lang == super::Lang::Ja;
            let errors = vec![user_problem(&error, japanese)];
            let problem = Problem::from(error);
            let users = state.db.users().await.map_err(Problem::internal).in_lang(lang)?;
            let form = UserForm { password: String::new(), ..form };
            let mut response =
                render(&UsersPage { chrome: signed.chrome, users, form, errors, notice: None }).into_response();
            *response.status_mut() = problem.status();
            Ok(response)
        }
    }
}

/// What is wrong with a user to add, beside its field, in the reader's words.
fn user_problem(error: &UserError, japanese: bool) -> FieldError {
    let (field, message) = match error {
        // A user that exists already is the id's problem.
        UserError::Exists(_) => ("id", japanese.then(|| "このIDのユーザーはすでにいます".to_string())),
        UserError::Invalid { field, .. } => (
            *field,
            japanese.then(|| {
                match *field {
                    "id" => "英数字と . _ - @ で、64文字以内で入力してください",
                    "roles" => "ロールの名前をカンマ区切りで入力してください",
                    "vendor" => "委託先の名前を入力してください",
                    "password" => "8文字以上にしてください",
                    _ => "入力内容を確認してください",
                }
                .to_string()
            }),
        ),
        UserError::Unknown(_) | UserError::Db(_) => ("id", None),
    };
    let message = message.unwrap_or_else(|| match error {
        UserError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    });
    FieldError { field: field.to_string(), message }
}

/// Disables a user: their sessions end and their tokens stop working at once.
pub(crate) async fn disable_user(
    State(state): State<AppState>,
    signed: Signed,
    Path(user): Path<String>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    state.db.disable_user(&user, state.engine.now()).await.map_err(Problem::from).in_lang(lang)?;
    state.tokens.forget_all();
    let mut response = see_other("/users?notice=disabled");
    response.extensions_mut().insert(AuditNote::about(user, None));
    Ok(response)
}

/// The token form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    expires_days: String,
}

/// A token as listed.
struct TokenRow {
    info: TokenInfo,
    created: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    users: Vec<User>,
    /// The token just made and its secret, shown this once.
    made: Option<(String, String)>,
    notice: Option<&'static str>,
}

async fn tokens_page(
    state: &AppState,
    signed: Signed,
    made: Option<(String, String)>,
    notice: Option<&'static str>,
) -> PageResult {
    let lang = signed.chrome.lang;
    let time = |t: Option<jiff::Timestamp>| t.map_or_else(|| "—".to_string(), |t| local_time(state, t));
    let tokens = state
        .db
        .tokens(None)
        .await
        .map_err(Problem::internal)
        .in_lang(lang)?
        .into_iter()
        .map(|info| TokenRow {
            created: local_time(state, info.created_at),
            expires: time(info.expires_at),
            last_used: time(info.last_used_at),
            revoked: info.revoked_at.is_some(),
            info,
        })
        .collect();
    let users = state.db.users().await.map_err(Problem::internal).in_lang(lang)?;
    let users = users.into_iter().filter(|u| !u.disabled).collect();
    let secret_shown = made.is_some();
    let mut response = render(&TokensPage { chrome: signed.chrome, tokens, users, made, notice });
    if secret_shown {
        // The secret must not stay in a cache or the browser's history.
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The tokens and the form to issue one.
pub(crate) async fn tokens(State(state): State<AppState>, signed: Signed, Query(notice): Query<Notice>) -> PageResult {
    signed.identity.require_admin().in_lang(signed.chrome.lang)?;
    let notice = (notice.notice == "revoked").then_some(signed.chrome.t.token_revoked);
    tokens_page(&state, signed, None, notice).await
}

/// Issues a token and shows its secret once (not redirected: it would be lost).
pub(crate) async fn create_token(
    State(state): State<AppState>,
    signed: Signed,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let expires_days = match form.expires_days.trim() {
        "" => None,
        text => Some(text.parse::<u32>().ok().filter(|d| *d > 0).ok_or_else(|| {
            Problem::invalid(vec![FieldError {
                field: "expires_days".into(),
                message: format!("a whole number of days, 1 or more, not `{text}`"),
            }])
        }))
        .transpose()
        .in_lang(lang)?,
    };
    let (token, secret) = state
        .db
        .create_token(form.user.trim(), expires_days, state.engine.now())
        .await
        .map_err(Problem::from)
        .in_lang(lang)?;
    let note = AuditNote::about(token.id.clone(), Some(format!("for {}", token.user)));
    let mut response = tokens_page(&state, signed, Some((token.id, secret)), None).await?;
    response.extensions_mut().insert(note);
    Ok(response)
}

/// Revokes a token at once.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    signed: Signed,
    Path(token): Path<String>,
) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    if !state.db.revoke_token(&token, state.engine.now()).await.map_err(Problem::internal).in_lang(lang)? {
        return Err(super::Failure(lang, Problem::not_found(format!("no live token {token}")).into()));
    }
    state.tokens.forget_all();
    let mut response = see_other("/tokens?notice=revoked");
    response.extensions_mut().insert(AuditNote::about(token, None));
    Ok(response)
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    records: Vec<(String, AuditRecord)>,
}

/// The newest 200 records of the audit trail, newest first.
pub(crate) async fn audit(State(state): State<AppState>, signed: Signed) -> PageResult {
    let lang = signed.chrome.lang;
    signed.identity.require_admin().in_lang(lang)?;
    let query = AuditQuery { limit: 200, newest: true, ..AuditQuery::default() };
    let mut records = state.db.audit(&query).await.map_err(Problem::internal).in_lang(lang)?;
    records.reverse();
    let records = records.into_iter().map(|r| (local_time(&state, r.at), r)).collect();
    Ok(render(&AuditPage { chrome: signed.chrome, records }))
}
