//! `/api/v1/auth`: log in, refresh, log out, and who am I.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use hamkari_app::sessions::{self as use_case, Limit, LoginKeys, LoginLimits, LoginLookup};
use hamkari_domain::auth::Password;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{random_token, sha256_hex, Caller};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::routes::auth_me::MeBody;
use crate::state::AppState;

const REFRESH_PREFIX: &str = "hkr_";

/// `attempts` password checks in 15 minutes; then the key is blocked for 15 minutes.
fn limit(attempts: u32) -> Limit {
    Limit {
        attempts: i64::from(attempts),
        window: Duration::minutes(15),
        block: Duration::minutes(15),
    }
}

fn limits(state: &AppState) -> LoginLimits {
    LoginLimits {
        per_account: limit(state.login_limits.per_account),
        per_address: limit(state.login_limits.per_address),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@example.org", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Single use: exchange it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        detail: "The email or password is wrong.".into(),
        presented: false,
    }
}

fn invalid_refresh() -> ApiError {
    ApiError::Unauthorized {
        detail: "The refresh token is invalid, expired or already used.".into(),
        presented: true,
    }
}

fn throttle_keys(email: &str, req: &HttpRequest) -> LoginKeys {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    LoginKeys {
        account: format!("account:{email}"),
        address: format!("address:{address}"),
    }
}

fn too_many(until: NaiveDateTime, now: NaiveDateTime) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: (until - now).num_seconds().max(1),
    }
}

/// A new refresh token's secret, to hand out, and its hash, to store.
fn new_refresh_secret() -> (String, String) {
    let secret = format!("{REFRESH_PREFIX}{}", random_token());
    let hash = sha256_hex(&secret);
    (secret, hash)
}

fn token_response(
    state: &AppState,
    user: Uuid,
    session_version: i64,
    refresh_token: String,
    now: NaiveDateTime,
) -> Result<HttpResponse, ApiError> {
    let (access_token, expires_in) = state
        .jwt
        .issue(user, session_version, now.and_utc().timestamp())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            refresh_token,
        }))
}

/// Log in with email and password.
///
/// Unknown email and wrong password get the same answer. Repeated failures for an account
/// (by default 5 in 15 minutes) or from an address (20) are refused with 429 for 15 minutes.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong email or password.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
        (status = 503, description = "Database unavailable or too many logins at once.", body = Problem,
            content_type = "application/problem+json", headers(("Retry-After" = String))),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.value()?;
    let email = email.trim().to_lowercase();
    let keys = throttle_keys(&email, &req);
    let now = state.now();

    let limits = limits(&state);
    let lookup = {
        let (email, keys) = (email.clone(), keys.clone());
        db::write(&state.db, move |conn| {
            use_case::login_attempt(conn, &email, &keys, limits, now)
        })
        .await?
    };
    let (user, hash) = match lookup {
        LoginLookup::Blocked { until } => {
            state.metrics.login_throttled();
            return Err(too_many(until, now));
        }
        LoginLookup::Account(Some((user, hash))) => (Some(user), Some(hash)),
        LoginLookup::Account(None) => (None, None),
    };
    // Passwords longer than the policy allows cannot match; skip hashing megabytes.
    let plausible = password.chars().count() <= Password::MAX_CHARS;
    let verified = state
        .hasher
        .verify(if plausible { password.clone() } else { String::new() }, hash)
        .await?;
    let accepted = use_case::accepted(user, verified.ok && plausible);

    // The attempt was counted before the password was checked; a failure adds nothing.
    let Some(user) = accepted else {
        return Err(invalid_credentials());
    };

    let rehash = if verified.needs_rehash {
        Some(
            state
                .hasher
                .hash(&Password::parse(password).map_err(|p| ApiError::internal(p.message))?)
                .await?,
        )
    } else {
        None
    };
    let (refresh_secret, refresh_hash) = new_refresh_secret();
    let (user_id, session_version) = (user.id, user.session_version);
    db::write(&state.db, move |conn| {
        use_case::login_succeeded(conn, &keys, limits, &user, rehash.as_deref(), &refresh_hash, now)
    })
    .await?;
    token_response(&state, user_id, session_version, refresh_secret, now)
}

/// Exchange a refresh token for a new access token and refresh token.
///
/// Each refresh token works once. Presenting one that was already used ends the whole
/// session (every token descended from the same login), since it may have been stolen.
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair.", body = TokenResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: JsonBody<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let presented = sha256_hex(body.value()?.refresh_token.trim());
    let (secret, next) = new_refresh_secret();
    let now = state.now();
    // Reuse must revoke the family even though the request fails: the use case reports the
    // refusal inside `Ok`, so that revocation commits.
    let outcome = db::write(&state.db, move |conn| use_case::refresh(conn, &presented, &next, now)).await?;
    let (user, session_version) = outcome.map_err(|_| invalid_refresh())?;
    token_response(&state, user, session_version, secret, now)
}

/// End the session a refresh token belongs to.
///
/// The access token stays valid until it expires (at most 15 minutes); clients drop it.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out (also when the token was already invalid)."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = sha256_hex(body.value()?.refresh_token.trim());
    let now = state.now();
    db::write(&state.db, move |conn| use_case::logout(conn, &caller.0, &hash, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who is calling.
///
/// For a user's session, the user (`kind: "user"`); for an API token, the token itself
/// (`kind: "api_token"`: name, scopes, organization, expiry, last use; never the secret).
#[utoipa::path(
    tag = "auth",
    operation_id = "me",
    responses(
        (status = 200, description = "The caller.", body = MeBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let me = db::run(&state.db, move |conn| use_case::me(conn, &caller.0)).await?;
    Ok(HttpResponse::Ok().json(MeBody::new(me, state.now())))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(login).service(refresh).service(logout).service(me);
}
