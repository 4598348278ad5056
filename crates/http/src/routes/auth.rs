//! `/api/v1/auth`: log in, refresh, log out, and who am I.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use hamkari_domain::auth::Password;
use hamkari_persistence::refresh_tokens::{self, RefreshToken};
use hamkari_persistence::throttle::{self, Limit};
use hamkari_persistence::{users, write_transaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{random_token, sha256_hex, Caller};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::routes::users::UserBody;
use crate::state::AppState;

/// Refresh tokens live this long unless rotated, revoked or ended sooner.
const REFRESH_TOKEN_DAYS: i64 = 30;
const REFRESH_PREFIX: &str = "hkr_";

/// `failures` in 15 minutes block the key for 15 minutes.
fn limit(failures: u32) -> Limit {
    Limit {
        failures: i64::from(failures),
        window: Duration::minutes(15),
        block: Duration::minutes(15),
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

fn throttle_keys(email: &str, req: &HttpRequest) -> (String, String) {
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    (format!("account:{email}"), format!("address:{address}"))
}

fn too_many(until: NaiveDateTime, now: NaiveDateTime) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: (until - now).num_seconds().max(1),
    }
}

/// A new refresh token for `user` in `family`; returns the secret to hand out.
fn new_refresh_token(
    conn: &mut hamkari_persistence::DbConnection,
    user: Uuid,
    session_version: i64,
    family_id: Uuid,
    now: NaiveDateTime,
) -> Result<String, ApiError> {
    let secret = format!("{REFRESH_PREFIX}{}", random_token());
    let token = RefreshToken {
        id: hamkari_domain::new_id(),
        family_id,
        user_id: user,
        session_version,
        created_at: now,
        expires_at: now + Duration::days(REFRESH_TOKEN_DAYS),
        used_at: None,
        revoked_at: None,
    };
    refresh_tokens::insert(conn, &token, &sha256_hex(&secret))?;
    Ok(secret)
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
    let (account_key, address_key) = throttle_keys(&email, &req);
    let now = state.now();

    let lookup = {
        let (email, account_key, address_key) = (email.clone(), account_key.clone(), address_key.clone());
        db::run(&state.db, move |conn| {
            for key in [&account_key, &address_key] {
                if let Some(until) = throttle::blocked_until(conn, key, now)? {
                    return Err(too_many(until, now));
                }
            }
            Ok(users::find_by_email(conn, &email)?)
        })
        .await?
    };
    // Passwords longer than the policy allows cannot match; skip hashing megabytes.
    let plausible = password.chars().count() <= Password::MAX_CHARS;
    let (user, hash) = match lookup {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let verified = state
        .hasher
        .verify(if plausible { password.clone() } else { String::new() }, hash)
        .await?;
    let accepted = match &user {
        Some(user) if verified.ok && plausible && !user.disabled => Some(user.clone()),
        _ => None,
    };

    let Some(user) = accepted else {
        let limits = state.login_limits;
        db::write(&state.db, move |conn| {
            throttle::record_failure(conn, &account_key, limit(limits.per_account), now)?;
            throttle::record_failure(conn, &address_key, limit(limits.per_address), now)?;
            Ok::<_, ApiError>(())
        })
        .await?;
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
    let (user_id, session_version) = (user.id, user.session_version);
    let refresh_secret = db::write(&state.db, move |conn| {
        throttle::clear(conn, &account_key)?;
        if let Some(hash) = &rehash {
            users::set_password_hash(conn, user_id, hash)?;
        }
        new_refresh_token(conn, user_id, session_version, hamkari_domain::new_id(), now)
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
    let hash = sha256_hex(body.value()?.refresh_token.trim());
    let now = state.now();
    // Reuse must revoke the family even though the request fails, so that write commits
    // on its own and the refusal is decided after.
    type Outcome = Result<(Uuid, i64, String), ApiError>;
    let outcome = db::run(&state.db, move |conn| {
        write_transaction(conn, |conn| -> Result<Outcome, ApiError> {
            let Some(token) = refresh_tokens::find_by_hash(conn, &hash)? else {
                return Ok(Err(invalid_refresh()));
            };
            if token.revoked_at.is_some() || token.expires_at <= now {
                return Ok(Err(invalid_refresh()));
            }
            if token.used_at.is_some() || !refresh_tokens::mark_used(conn, token.id, now)? {
                refresh_tokens::revoke_family(conn, token.family_id, now)?;
                tracing::warn!(family = %token.family_id, user = %token.user_id, "refresh token reused: session ended");
                return Ok(Err(invalid_refresh()));
            }
            let user = users::session_state(conn, token.user_id)?;
            match user {
                Some(user) if !user.disabled && user.session_version == token.session_version => {
                    let secret = new_refresh_token(conn, user.id, user.session_version, token.family_id, now)?;
                    Ok(Ok((user.id, user.session_version, secret)))
                }
                _ => {
                    refresh_tokens::revoke_family(conn, token.family_id, now)?;
                    Ok(Err(invalid_refresh()))
                }
            }
        })
    })
    .await?;
    let (user, session_version, secret) = outcome?;
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
    let user = caller.0.user_id();
    db::write(&state.db, move |conn| {
        if let Some(token) = refresh_tokens::find_by_hash(conn, &hash)? {
            // Only your own session: someone else's token is treated as unknown.
            if Some(token.user_id) == user {
                refresh_tokens::revoke_family(conn, token.family_id, now)?;
            }
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The logged-in user.
///
/// For user sessions only; an API token has no user (403).
#[utoipa::path(
    tag = "auth",
    operation_id = "me",
    responses(
        (status = 200, description = "The user.", body = UserBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Called with an API token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller
        .0
        .user_id()
        .ok_or_else(|| ApiError::Forbidden("An API token has no user.".into()))?;
    let user = db::run(&state.db, move |conn| {
        users::session_state(conn, id).map_err(ApiError::from)
    })
    .await?;
    let user = user.ok_or_else(|| ApiError::NotFound("No such user.".into()))?;
    Ok(HttpResponse::Ok().json(UserBody::from(user)))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(refresh).service(logout).service(me);
}
