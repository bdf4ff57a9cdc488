//! The staff's web pages: server-rendered HTML (askama templates in `runner/templates`, checked
//! at compile time), every action a plain form POST that works without JavaScript, htmx (one
//! pinned file under `runner/static`) only to spare full reloads. The pages call what the API's
//! handlers call (the engine's commands, the same scope and form checks), so they can do
//! nothing the API does not offer and are refused what the API refuses; who is asking comes from
//! the session cookie alone, and changing forms carry the session's CSRF token (`_csrf`).

mod admin;
mod behind;
mod dashboard;
mod deputies;
mod diagram;
mod flows;
mod i18n;
mod inbox;
mod incidents;
mod order;
mod session;
mod task;
mod team;
mod work;

use super::auth::{Caller, Credential, Identity};
use super::problem::Problem;
use super::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
pub(crate) use i18n::Lang;
use i18n::Words;

/// The pinned htmx, served from the binary: the pages need no network beyond the service.
const HTMX: &[u8] = include_bytes!("../../../static/htmx-2.0.11.min.js");
/// The pages' style sheet.
const CSS: &str = include_str!("../../../static/junro.css");

/// Every page route with its method: the one table the router is built from and the
/// authorisation matrix of the pages (`runner/tests/service/pages.rs`) reads.
fn table() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/", get(work::page)),
        ("GET", "/login", get(session::form)),
        ("POST", "/login", post(session::submit)),
        ("POST", "/logout", post(session::sign_out)),
        ("POST", "/lang", post(session::language)),
        ("POST", "/work/next", post(work::take_next)),
        ("GET", "/team", get(team::page)),
        ("GET", "/dashboard", get(dashboard::page)),
        ("GET", "/dashboard/report", get(dashboard::report)),
        ("GET", "/dashboard/orders", get(behind::page)),
        ("GET", "/users", get(admin::users)),
        ("POST", "/users", post(admin::add_user)),
        ("POST", "/users/{user}/disable", post(admin::disable_user)),
        ("GET", "/tokens", get(admin::tokens)),
        ("POST", "/tokens", post(admin::create_token)),
        ("POST", "/tokens/{token}/revoke", post(admin::revoke_token)),
        ("GET", "/deputies", get(deputies::page)),
        ("POST", "/deputies", post(deputies::name)),
        ("POST", "/deputies/{id}/end", post(deputies::end)),
        ("GET", "/audit", get(admin::audit)),
        ("GET", "/flows", get(flows::list)),
        ("POST", "/flows/deploy", post(flows::deploy)),
        ("GET", "/flows/{flow}/versions/{version}", get(flows::version)),
        ("POST", "/flows/{flow}/versions/{version}/migrate", post(flows::migrate)),
        ("GET", "/inbox", get(inbox::page)),
        ("POST", "/inbox/{id}/read", post(inbox::read)),
        ("POST", "/inbox/preferences", post(inbox::save_preferences)),
        ("GET", "/deliveries", get(inbox::deliveries)),
        ("GET", "/incidents", get(incidents::page)),
        ("POST", "/incidents/{order}/{instance}/retry", post(incidents::retry)),
        ("POST", "/incidents/{order}/{instance}/resolve", post(incidents::resolve)),
        ("GET", "/stalled", get(dashboard::stalled_page)),
        ("GET", "/stalled/report", get(dashboard::stalled_report)),
        ("POST", "/team/reassign", post(team::reassign)),
        ("GET", "/orders/{order}", get(order::page)),
        ("POST", "/orders/{order}/hold", post(order::hold)),
        ("POST", "/orders/{order}/resume", post(order::resume)),
        ("POST", "/orders/{order}/cancel", post(order::cancel)),
        ("POST", "/orders/{order}/tasks/{instance}/pull-back", post(order::pull_back)),
        ("POST", "/orders/{order}/tasks/{instance}/transfer", post(task::transfer)),
        ("GET", "/orders/{order}/tasks/{instance}", get(task::page)),
        ("POST", "/orders/{order}/tasks/{instance}/claim", post(task::claim)),
        ("POST", "/orders/{order}/tasks/{instance}/complete", post(task::complete)),
        ("POST", "/orders/{order}/tasks/{instance}/release", post(task::release)),
        ("POST", "/orders/{order}/tasks/{instance}/send-back", post(task::send_back)),
        ("GET", "/static/htmx-2.0.11.min.js", get(htmx)),
        ("GET", "/static/junro.css", get(css)),
    ]
}

/// The pages' routes.
pub(crate) fn router() -> Router<AppState> {
    table().into_iter().fold(Router::new(), |router, (_, path, handler)| router.route(path, handler))
}

/// Every page route as `METHOD /path`.
pub(crate) fn routes() -> Vec<String> {
    table().into_iter().map(|(method, path, _)| format!("{method} {path}")).collect()
}

async fn htmx() -> Response {
    static_file(HTMX, "text/javascript; charset=utf-8")
}

async fn css() -> Response {
    static_file(CSS.as_bytes(), "text/css; charset=utf-8")
}

fn static_file(body: &'static [u8], kind: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// What every page knows: the language and its words, who is signed in (with the CSRF token
/// their forms carry).
pub(crate) struct Chrome {
    pub(crate) lang: Lang,
    pub(crate) t: &'static Words,
    pub(crate) user: Option<(String, String)>,
    /// Whether the person oversees a team (supervisors and administrators).
    pub(crate) supervisor: bool,
    /// Whether the person reads KPIs (managers and administrators).
    pub(crate) manager: bool,
    /// Whether the person is an administrator.
    pub(crate) admin: bool,
    pub(crate) csrf: String,
    /// The principal the person works for as deputy on this page (`?as=`), if any.
    pub(crate) acting_for: Option<String>,
    /// The principals whose deputy the person is now (links to work as each).
    pub(crate) principals: Vec<String>,
    /// `?as=<principal>` while working as a deputy, for the page's links and forms.
    pub(crate) as_query: String,
    /// How many of the person's inbox messages are unread.
    pub(crate) unread: u64,
}

impl Chrome {
    fn new(lang: Lang, identity: Option<&Identity>) -> Chrome {
        let csrf = match identity.map(|i| &i.credential) {
            Some(Credential::Session { csrf }) => csrf.clone(),
            _ => String::new(),
        };
        Chrome {
            lang,
            t: lang.words(),
            user: identity.map(|i| (i.user.id.clone(), i.user.display_name.clone())),
            supervisor: identity.is_some_and(|i| i.user.supervisor || i.user.admin),
            manager: identity.is_some_and(|i| i.user.manager || i.user.admin),
            admin: identity.is_some_and(|i| i.user.admin),
            csrf,
            acting_for: None,
            principals: Vec::new(),
            as_query: String::new(),
            unread: 0,
        }
    }

    /// `path` for the same person in the same capacity: with `as=<principal>` while working as a
    /// deputy, so links and forms stay on the principal's work.
    pub(crate) fn keep(&self, path: &str) -> String {
        match &self.acting_for {
            Some(principal) => {
                let join = if path.contains('?') { '&' } else { '?' };
                format!("{path}{join}as={}", encode(principal))
            }
            None => path.to_string(),
        }
    }
}

/// A signed-in person on a page: their identity, who they work as (themselves, or with `?as=`
/// a principal whose deputy they are now), and the page's chrome. Anyone else is sent to the
/// sign-in page (and back here afterwards).
pub(crate) struct Signed {
    pub(crate) identity: Identity,
    /// The engine's actor for the tasks: the person, or the person as a deputy.
    pub(crate) actor: junro_engine::machine::Actor,
    pub(crate) chrome: Chrome,
}

impl Signed {
    async fn of(state: &AppState, identity: &Identity, lang: Lang, asked: Option<String>) -> Result<Signed, Response> {
        let mut chrome = Chrome::new(lang, Some(identity));
        let now = state.engine.now();
        let filter = junro_engine::store::DeputyFilter {
            deputy: Some(identity.user.id.clone()),
            current_at: Some(now),
            ..Default::default()
        };
        let found = state.engine.deputyships(&filter).await.map_err(|e| WebError::from(e).page(lang))?;
        chrome.principals = found.into_iter().filter(|d| d.active_at(now)).map(|d| d.principal).collect();
        chrome.unread =
            state.db.unread(&identity.user.id).await.map_err(|e| WebError::from(Problem::internal(e)).page(lang))?;
        chrome.principals.dedup();
        let actor = match asked {
            None => identity.actor(),
            Some(principal) => {
                let actor = crate::serve::api::deputies::acting(state, identity, Some(&principal))
                    .await
                    .map_err(|problem| WebError::from(problem).page(lang))?;
                chrome.as_query = format!("?as={}", encode(&principal));
                chrome.acting_for = Some(principal);
                actor
            }
        };
        Ok(Signed { identity: identity.clone(), actor, chrome })
    }

    /// After a changing form: `to`, kept in the same capacity, recording on whose behalf the
    /// person acted in the audit trail.
    /// Says the form's change, once committed, answers "done, see the next page": its audit
    /// record is then written in the change's own transaction (`audit::ride_with_change`).
    pub(crate) fn ride(&self, target: crate::serve::audit::RidingTarget) {
        crate::serve::audit::ride_with_change(StatusCode::SEE_OTHER, target, self.actor.on_behalf_of.clone(), None);
    }

    pub(crate) fn done(&self, to: &str) -> Response {
        let mut response = see_other(&self.chrome.keep(to));
        response
            .extensions_mut()
            .insert(crate::serve::middleware::AuditNote::default().on_behalf_of(self.actor.on_behalf_of.clone()));
        response
    }
}

/// `?as=` of a page's address.
fn asked_principal(parts: &Parts) -> Option<String> {
    let query = parts.uri.query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == "as").map(|(_, v)| v).filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(&parts.headers);
        match parts.extensions.get::<Caller>() {
            Some(Caller::Known(identity)) => Signed::of(state, identity, lang, asked_principal(parts)).await,
            Some(Caller::Refused(problem)) => Err(WebError::from(problem.clone()).page(lang)),
            _ => {
                let here = parts.extensions.get::<OriginalUri>().map_or("/".to_string(), |u| u.0.to_string());
                let next = if parts.method == axum::http::Method::GET { here } else { "/".to_string() };
                Err(Redirect::to(&format!("/login?next={}", encode(&next))).into_response())
            }
        }
    }
}

/// A page's language, for pages anyone may see.
pub(crate) struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(Lang::of(&parts.headers)))
    }
}

/// Percent-encodes a path for a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Renders a template as a page.
pub(crate) fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => Problem::internal(error).into_response(),
    }
}

/// Why a page could not be shown or an action was refused: shown as a page in the person's
/// language, with the service's own words for the reason.
#[derive(Debug)]
pub(crate) struct WebError {
    status: StatusCode,
    detail: String,
}

impl From<Problem> for WebError {
    fn from(problem: Problem) -> WebError {
        WebError { status: problem.status(), detail: problem.body().detail.clone() }
    }
}

impl From<junro_engine::runtime::EngineError> for WebError {
    fn from(error: junro_engine::runtime::EngineError) -> WebError {
        WebError::from(Problem::from(error))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    title: &'a str,
    detail: &'a str,
}

impl WebError {
    /// The error as a page.
    pub(crate) fn page(&self, lang: Lang) -> Response {
        let t = lang.words();
        let title = match self.status {
            StatusCode::NOT_FOUND => t.not_found,
            StatusCode::FORBIDDEN => t.forbidden,
            StatusCode::CONFLICT => t.conflict,
            _ => t.bad_request,
        };
        let chrome = Chrome::new(lang, None);
        let mut response = render(&ErrorPage { chrome, title, detail: &self.detail });
        *response.status_mut() = self.status;
        response
    }
}

/// A refusal on a page, in the person's language.
pub(crate) struct Failure(pub Lang, pub WebError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        self.1.page(self.0)
    }
}

/// A page's result: the page, or the error page.
pub(crate) type PageResult = Result<Response, Failure>;

/// Attaches the language to an error, for `?`.
pub(crate) trait InLang<T> {
    fn in_lang(self, lang: Lang) -> Result<T, Failure>;
}

impl<T, E: Into<WebError>> InLang<T> for Result<T, E> {
    fn in_lang(self, lang: Lang) -> Result<T, Failure> {
        self.map_err(|e| Failure(lang, e.into()))
    }
}

/// After a changing form: the page to show next (303, so a reload does not post again).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}
