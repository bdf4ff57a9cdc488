//! `/api/v1`: JSON over HTTP, every route declared once with its OpenAPI description
//! (utoipa-axum's `routes!`), so the document at `/openapi.json` and the router cannot drift.

pub mod admin;
pub mod deputies;
pub mod flows;
pub mod inbox;
pub mod incidents;
pub mod jobs;
pub mod kpi;
pub mod orders;
pub mod session;
pub mod signals;
pub mod tasks;
pub mod team;

use super::problem::Problem;
use super::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The OpenAPI document's fixed parts; the paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Junro", description = "Order flows for back offices: start orders, work tasks, send signals, deploy flows."),
    modifiers(&Security),
    security(("token" = []), ("session" = [])),
    paths(super::ops::openapi_path),
    components(schemas(Problem, super::problem::FieldError))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `junro tokens create`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::auth::SESSION_COOKIE,
                "A browser session from `POST /api/v1/session`; changing requests also send `x-csrf-token`.",
            ))),
        );
    }
}

/// The API's routes and their OpenAPI document.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::me))
        .routes(routes!(flows::list, flows::deploy))
        .routes(routes!(flows::version))
        .routes(routes!(flows::migrate))
        .routes(routes!(orders::start, orders::list))
        .routes(routes!(orders::show))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::hold))
        .routes(routes!(orders::resume))
        .routes(routes!(orders::signal))
        .routes(routes!(signals::lost))
        .routes(routes!(incidents::list))
        .routes(routes!(incidents::retry))
        .routes(routes!(incidents::resolve))
        .routes(routes!(tasks::mine))
        .routes(routes!(tasks::queue))
        .routes(routes!(tasks::next))
        .routes(routes!(tasks::claim))
        .routes(routes!(tasks::release))
        .routes(routes!(tasks::complete))
        .routes(routes!(tasks::send_back))
        .routes(routes!(tasks::pull_back))
        .routes(routes!(tasks::transfer))
        .routes(routes!(team::team))
        .routes(routes!(team::reassign))
        .routes(routes!(deputies::list, deputies::name))
        .routes(routes!(deputies::end))
        .routes(routes!(inbox::list))
        .routes(routes!(inbox::read))
        .routes(routes!(inbox::preferences, inbox::set_preferences))
        .routes(routes!(inbox::deliveries))
        .routes(routes!(jobs::fetch))
        .routes(routes!(jobs::complete))
        .routes(routes!(jobs::fail))
        .routes(routes!(jobs::extend))
        .routes(routes!(admin::users, admin::add_user))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::tokens, admin::create_token))
        .routes(routes!(admin::revoke_token))
        .routes(routes!(admin::audit))
        .routes(routes!(super::ops::healthz))
        .routes(routes!(super::ops::readyz))
        .routes(routes!(super::ops::metrics))
        .routes(routes!(kpi::kpi))
        .routes(routes!(kpi::stalled))
        .routes(routes!(kpi::export))
}

/// A JSON body; a malformed one answers 400 (413 when too large, 415 without a JSON type) as
/// problem+json naming what is wrong.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Body<T>(pub T);

/// Query parameters; malformed ones answer 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Params<T>(pub T);

/// Path parameters; malformed ones answer 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Segments<T>(pub T);

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than the service accepts",
            ),
            other => Problem::bad_request(format!("the JSON body is not acceptable: {}", other.body_text())),
        }
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Problem {
        Problem::bad_request(format!("the query string is not acceptable: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Problem {
        Problem::bad_request(format!("the path is not acceptable: {}", rejection.body_text()))
    }
}

/// A page size: the asked-for limit within the configured maximum.
pub(crate) fn page(asked: Option<u32>, state: &AppState) -> u32 {
    asked.unwrap_or(100).clamp(1, state.config.limits.page_max.max(1))
}
