//! Sessions and credentials: logging in (with its throttle), refresh-token rotation, logging
//! out, and the lookups that turn a credential into a principal.
//!
//! These run before there is a caller (or, for logout and `/auth/me`, for the caller's own
//! session only), so they ask no policy; they change no resource an audit log tracks.
//! Secrets (refresh tokens, passwords) are hashed by the server before they reach here.

use chrono::{Duration, NaiveDateTime};
use hamkari_domain::api_token::{ApiToken, TokenState};
pub use hamkari_domain::auth::throttle::Limit;
use hamkari_domain::auth::Subject;
use hamkari_domain::user::User;
use hamkari_persistence::refresh_tokens::{self, RefreshToken};
use hamkari_persistence::{api_tokens, secrets, throttle, users, DbConnection};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;

/// Refresh tokens live this long unless rotated, revoked or ended sooner.
const REFRESH_TOKEN_DAYS: i64 = 30;

/// The throttle keys of one login attempt: the account, and the client's address.
#[derive(Debug, Clone)]
pub struct LoginKeys {
    pub account: String,
    pub address: String,
}

/// The limits a login is held to: per account, and per client address across accounts.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub per_account: Limit,
    pub per_address: Limit,
}

/// What a login attempt finds before the password is checked.
#[derive(Debug)]
pub enum LoginLookup {
    /// The account or the address has used up its attempts: refused until then, without
    /// looking at the password.
    Blocked { until: NaiveDateTime },
    /// The account with its stored hash, or none (checked against a dummy all the same).
    Account(Option<(User, String)>),
}

/// Takes one attempt from the account and from the address — in the same write transaction,
/// under their row locks, before any password is hashed — then finds the account by
/// (normalized) email. At most `attempts` passwords are ever checked per window and key,
/// however many requests arrive at once. Run inside a write transaction.
pub fn login_attempt(
    conn: &mut DbConnection,
    email: &str,
    keys: &LoginKeys,
    limits: LoginLimits,
    now: NaiveDateTime,
) -> Result<LoginLookup, AppError> {
    // Always account before address, so two attempts never wait on each other's locks.
    let account = throttle::lock(conn, &keys.account, now)?;
    let address = throttle::lock(conn, &keys.address, now)?;
    let taken = account
        .take(limits.per_account, now)
        .and_then(|account| address.take(limits.per_address, now).map(|address| (account, address)));
    match taken {
        Err(until) => Ok(LoginLookup::Blocked { until }),
        Ok((account, address)) => {
            throttle::store(conn, &keys.account, &account)?;
            throttle::store(conn, &keys.address, &address)?;
            Ok(LoginLookup::Account(users::find_by_email(conn, email)?))
        }
    }
}

/// Whom a login lets in: the account it found, if the password matched and the account is
/// not disabled (a disabled account answers like a wrong password).
pub fn accepted(account: Option<User>, password_matches: bool) -> Option<User> {
    account.filter(|user| password_matches && !user.disabled)
}

/// A successful login: clears the account's attempts and gives the address its attempt
/// back, stores an upgraded password hash if
/// the old one used outdated parameters, and starts a session whose first refresh token
/// has this hash.
pub fn login_succeeded(
    conn: &mut DbConnection,
    keys: &LoginKeys,
    limits: LoginLimits,
    user: &User,
    rehash: Option<&str>,
    refresh_hash: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    throttle::clear(conn, &keys.account)?;
    let address = throttle::lock(conn, &keys.address, now)?;
    throttle::store(conn, &keys.address, &address.refund(limits.per_address))?;
    if let Some(hash) = rehash {
        users::set_password_hash(conn, user.id, hash)?;
    }
    new_refresh_token(
        conn,
        user.id,
        user.session_version,
        hamkari_domain::new_id(),
        refresh_hash,
        now,
    )
}

fn new_refresh_token(
    conn: &mut DbConnection,
    user: Uuid,
    session_version: i64,
    family_id: Uuid,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
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
    refresh_tokens::insert(conn, &token, hash)?;
    Ok(())
}

/// Why a refresh token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshRefused;

/// Exchanges the refresh token with hash `presented` for a new one with hash `next`;
/// returns the session's user and session version.
///
/// A token presented twice may have been stolen: the second use ends the whole session
/// (its family). That revocation must commit although the request is refused, so the
/// refusal is `Ok(Err(_))`: run this in a write transaction and commit on `Ok`.
pub fn refresh(
    conn: &mut DbConnection,
    presented: &str,
    next: &str,
    now: NaiveDateTime,
) -> Result<Result<(Uuid, i64), RefreshRefused>, AppError> {
    let Some(token) = refresh_tokens::find_by_hash(conn, presented)? else {
        return Ok(Err(RefreshRefused));
    };
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Ok(Err(RefreshRefused));
    }
    if token.used_at.is_some() || !refresh_tokens::mark_used(conn, token.id, now)? {
        refresh_tokens::revoke_family(conn, token.family_id, now)?;
        tracing::warn!(family = %token.family_id, user = %token.user_id, "refresh token reused: session ended");
        return Ok(Err(RefreshRefused));
    }
    match users::session_state(conn, token.user_id)? {
        Some(user) if !user.disabled && user.session_version == token.session_version => {
            new_refresh_token(conn, user.id, user.session_version, token.family_id, next, now)?;
            Ok(Ok((user.id, user.session_version)))
        }
        _ => {
            refresh_tokens::revoke_family(conn, token.family_id, now)?;
            Ok(Err(RefreshRefused))
        }
    }
}

/// Ends the session the refresh token with this hash belongs to, if it is the caller's own;
/// anyone else's token is treated as unknown.
pub fn logout(conn: &mut DbConnection, caller: &Caller, presented: &str, now: NaiveDateTime) -> Result<(), AppError> {
    if let Some(token) = refresh_tokens::find_by_hash(conn, presented)? {
        if Some(token.user_id) == caller.principal.user_id() {
            refresh_tokens::revoke_family(conn, token.family_id, now)?;
        }
    }
    Ok(())
}

/// The caller: the user of a session, or the API token itself.
pub fn me(conn: &mut DbConnection, caller: &Caller) -> Result<Me, AppError> {
    match caller.principal.subject {
        Subject::User(id) => users::session_state(conn, id)?
            .map(Me::User)
            .ok_or_else(|| AppError::NotFound("No such user.".into())),
        Subject::ApiToken(id) => api_tokens::find(conn, id)?
            .map(Me::ApiToken)
            .ok_or_else(|| AppError::NotFound("No such API token.".into())),
    }
}

/// Who is calling: a session's user, or an API token (read fresh, so its last use is current).
#[derive(Debug)]
pub enum Me {
    User(User),
    ApiToken(ApiToken),
}

/// The state an access token's session is checked against: role, organizations, disabled,
/// session version.
pub fn session_user(conn: &mut DbConnection, id: Uuid) -> Result<Option<User>, AppError> {
    Ok(users::session_state(conn, id)?)
}

/// The API token whose secret has this HMAC, stamped as used now if it is active and was not
/// stamped in the last minute.
pub fn api_token_by_secret(
    conn: &mut DbConnection,
    secret_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<ApiToken>, AppError> {
    let Some(mut token) = api_tokens::find_by_secret_hash(conn, secret_hash)? else {
        return Ok(None);
    };
    if token.state(now) == TokenState::Active && token.needs_usage_stamp(now) {
        api_tokens::stamp_used(conn, token.id, now)?;
        token.last_used_at = Some(now);
    }
    Ok(Some(token))
}

/// The server key stored under `name`, or `candidate` stored now if there is none; when two
/// instances race, both get the first one stored.
pub fn server_secret(
    conn: &mut DbConnection,
    name: &str,
    candidate: &str,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    Ok(secrets::get_or_insert(conn, name, candidate, now)?)
}
