//! Signing in and out on the pages, and the language switch.

use super::{Chrome, Lang, PageLang, Signed, render, see_other};
use crate::serve::api::session::{SignIn, sign_in};
use crate::serve::auth::SESSION_COOKIE;
use crate::serve::middleware::ClientAddress;
use crate::serve::problem::Problem;
use crate::serve::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    user: String,
    next: String,
}

/// Where to go after signing in: a path of this service only (never another site).
fn local(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/".to_string(),
    }
}

/// `?next=` of the sign-in page.
#[derive(Debug, Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
}

/// The sign-in form.
pub(crate) async fn form(PageLang(lang): PageLang, Query(query): Query<Next>) -> Response {
    let chrome = Chrome::new(lang, None);
    render(&LoginPage { chrome, error: None, user: String::new(), next: local(query.next.as_deref()) })
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct Credentials {
    user: String,
    password: String,
    next: Option<String>,
}

/// Signs in: on to the page asked for, or the form again with the reason.
pub(crate) async fn sign_in_form(
    state: &AppState,
    lang: Lang,
    address: &ClientAddress,
    jar: SignedCookieJar,
    form: Credentials,
) -> Result<Response, Problem> {
    let (outcome, note) = sign_in(state, address, &form.user, &form.password).await?;
    let t = lang.words();
    let next = local(form.next.as_deref());
    let mut response = match outcome {
        SignIn::Started(started) => (jar.add(started.0), see_other(&next)).into_response(),
        refused => {
            let error = match refused {
                SignIn::Throttled(_) => t.too_many_attempts,
                _ => t.bad_credentials,
            };
            let page = LoginPage { chrome: Chrome::new(lang, None), error: Some(error.into()), user: form.user, next };
            let mut response = render(&page);
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            response
        }
    };
    response.extensions_mut().insert(note);
    Ok(response)
}

/// `POST /login`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Extension(address): Extension<ClientAddress>,
    jar: SignedCookieJar,
    Form(form): Form<Credentials>,
) -> Response {
    sign_in_form(&state, lang, &address, jar, form).await.unwrap_or_else(IntoResponse::into_response)
}

/// Signs out: the session ends everywhere; back to the sign-in page.
pub(crate) async fn sign_out(State(state): State<AppState>, _signed: Signed, jar: SignedCookieJar) -> Response {
    if let Some(cookie) = jar.get(SESSION_COOKIE)
        && let Err(error) = state.db.delete_session(cookie.value()).await
    {
        return Problem::internal(error).into_response();
    }
    (jar.remove(Cookie::build(SESSION_COOKIE).path("/")), see_other("/login")).into_response()
}

/// The language switch's field.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    lang: String,
}

/// Remembers the chosen language in a cookie and shows the page again.
pub(crate) async fn language(headers: axum::http::HeaderMap, Form(choice): Form<Choice>) -> Response {
    let lang = if choice.lang == "en" { "en" } else { "ja" };
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .unwrap_or_else(|| "/".to_string());
    let cookie = Cookie::build(("lang", lang)).path("/").permanent().build();
    (axum_extra::extract::CookieJar::new().add(cookie), see_other(&local(Some(&back)))).into_response()
}
