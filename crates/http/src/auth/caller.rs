//! The `Caller` extractor: every protected handler takes one, so nothing is reachable
//! without credentials unless it says so.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::NaiveDateTime;
use futures_util::future::{ready, Ready};
use hamkari_app::sessions;
use hamkari_domain::api_token::{ApiToken, TokenState};
use hamkari_domain::auth::{ApiTokenSecret, Principal};
use hamkari_domain::user::User;
use uuid::Uuid;

use crate::db;
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::state::AppState;

/// The authenticated caller of a request, put there by [`authenticate`], with the request
/// id its events carry.
pub struct Caller(pub hamkari_app::Caller);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        // Absent only on a public path, where no handler should ask for a caller.
        ready(
            req.extensions()
                .get::<Principal>()
                .cloned()
                .map(|principal| Caller(hamkari_app::Caller::new(principal, request_id)))
                .ok_or_else(|| ApiError::Unauthorized {
                    detail: "This endpoint needs credentials: send Authorization: Bearer <token>.".into(),
                    presented: false,
                }),
        )
    }
}

/// Paths that answer without credentials; everything else needs them (deny by default).
fn is_public(path: &str) -> bool {
    const EXACT: [&str; 2] = ["/api/v1/auth/login", "/api/v1/auth/refresh"];
    const PREFIXES: [&str; 4] = ["/health/", "/docs", "/api-docs/", "/favicon.ico"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Middleware: authenticates every request to a protected path before any extractor or
/// handler runs, and leaves the [`Principal`] in the request for [`Caller`].
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_public(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let outcome = match (state, bearer(req.request())) {
        (Some(state), Ok(credential)) => principal(&state, credential).await,
        (None, _) => Err(ApiError::internal("application state missing")),
        (_, Err(err)) => Err(err),
    };
    match outcome {
        Ok((principal, expires_at)) => {
            req.extensions_mut().insert(principal);
            let mut response = next.call(req).await.map(ServiceResponse::map_into_boxed_body)?;
            crate::token_expiry::announce(expires_at, response.headers_mut());
            Ok(response)
        }
        // Refused credentials count against the client address's quota.
        Err(err) => {
            crate::rate_limit::guarded(
                req,
                |req| async move { Ok(req.error_response(err).map_into_boxed_body()) },
            )
            .await
        }
    }
}

/// A calendar client that cannot send headers may pass an API token as `?token=` on the
/// `.ics` feeds (only there, and only an API token: a user's JWT never goes into a URL).
fn query_token(req: &HttpRequest) -> Option<String> {
    if !req.path().ends_with("/meetings.ics") {
        return None;
    }
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .filter(|token| ApiTokenSecret::looks_like(token))
}

/// The bearer credential, or why there is none.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    if req.headers().get(header::AUTHORIZATION).is_none() {
        if let Some(token) = query_token(req) {
            return Ok(token);
        }
    }
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized {
            detail: "This endpoint needs credentials: send Authorization: Bearer <token>.".into(),
            presented: false,
        })?;
    let value = value.to_str().unwrap_or("");
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::Unauthorized {
            detail: "Use the Bearer scheme: Authorization: Bearer <token>.".into(),
            presented: false,
        });
    }
    Ok(token.to_owned())
}

fn rejected() -> ApiError {
    ApiError::Unauthorized {
        detail: "The token is invalid, expired or revoked.".into(),
        presented: true,
    }
}

/// The principal, and for an API token its expiry.
async fn principal(state: &AppState, credential: String) -> Result<(Principal, Option<NaiveDateTime>), ApiError> {
    if ApiTokenSecret::looks_like(&credential) {
        let secret = ApiTokenSecret::parse(&credential).map_err(|_| rejected())?;
        let hash = state.keys.token_hash(secret.expose());
        let now = state.now();
        let token = token(state, hash, now).await?;
        if token.state(now) != TokenState::Active {
            return Err(rejected());
        }
        return Ok((
            Principal::api_token(token.id, token.scopes, token.organization_id),
            Some(token.expires_at),
        ));
    }
    let claims = state.jwt.verify(&credential).ok_or_else(rejected)?;
    let user = user(state, claims.sub).await?;
    match user {
        // A disabled user, or a session from before a password change, is over at once.
        Some(user) if !user.disabled && user.session_version == claims.sv => {
            Ok((Principal::user(user.id, user.role, user.organization_ids), None))
        }
        _ => Err(rejected()),
    }
}

/// The API token stored under `hash`: from the cache, else from the database, asked by one
/// request of a burst while the others wait for its answer.
async fn token(state: &AppState, hash: String, now: NaiveDateTime) -> Result<ApiToken, ApiError> {
    let cached = || state.sessions.token(&hash).filter(|t| !t.needs_usage_stamp(now));
    if let Some(token) = cached() {
        return Ok(token);
    }
    let _flight = state.sessions.flight(hash.clone()).await;
    if let Some(token) = cached() {
        return Ok(token);
    }
    let seen = state.sessions.generation();
    let key = hash.clone();
    let token = db::run(&state.db, move |conn| sessions::api_token_by_secret(conn, &key, now))
        .await?
        .ok_or_else(rejected)?;
    state.sessions.remember_token(seen, hash, token.clone());
    Ok(token)
}

/// The user a session belongs to, the same way.
async fn user(state: &AppState, id: Uuid) -> Result<Option<User>, ApiError> {
    if let Some(user) = state.sessions.user(id) {
        return Ok(Some(user));
    }
    let _flight = state.sessions.flight(id.to_string()).await;
    if let Some(user) = state.sessions.user(id) {
        return Ok(Some(user));
    }
    let seen = state.sessions.generation();
    let user = db::run(&state.db, move |conn| sessions::session_user(conn, id)).await?;
    if let Some(user) = &user {
        state.sessions.remember_user(seen, user.clone());
    }
    Ok(user)
}
