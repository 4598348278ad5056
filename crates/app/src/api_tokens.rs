//! API tokens: what other associations' systems call with.
//!
//! Secrets are made and HMAC'd by the server's key holder before a use case runs; a use case
//! receives only the HMAC and the visible prefix, and no event ever carries either secret
//! or HMAC (events carry the [`ApiToken`], which holds neither).

use hamkari_domain::api_token::{ApiToken, ApiTokenInput};
pub use hamkari_persistence::api_tokens::TokenFilter;
use hamkari_persistence::locks::{lock_row, Locked};
use hamkari_persistence::page::Page;
use hamkari_persistence::{api_tokens as store, organizations, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy;

const KIND: &str = "api_token";

/// A fresh secret as stored: its HMAC, and the first characters shown to recognise it.
#[derive(Debug, Clone)]
pub struct StoredSecret {
    pub prefix: String,
    pub hash: String,
}

fn not_found() -> AppError {
    AppError::NotFound("No API token has this id.".into())
}

/// Checks up front that the caller may manage tokens, so a non-administrator hears 403
/// whatever the request body says.
pub fn authorize(caller: &Caller) -> Result<(), AppError> {
    policy::administer(&caller.principal)
}

/// The organizations an event about `token` concerns: the one it is bound to, if any.
fn concerned(token: &ApiToken) -> Vec<Uuid> {
    token.organization_id.into_iter().collect()
}

fn load_locked(conn: &mut DbConnection, id: Uuid) -> Result<ApiToken, AppError> {
    lock_row(conn, Locked::ApiTokens, id)?;
    store::find(conn, id)?.ok_or_else(not_found)
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    input: ApiTokenInput,
    secret: &StoredSecret,
) -> Result<ApiToken, AppError> {
    policy::administer(&caller.principal)?;
    let at = now();
    let valid = input.validate(at)?;
    if let Some(org) = valid.organization_id {
        if !organizations::missing_organizations(conn, &[org])?.is_empty() {
            return Err(AppError::invalid(
                "organization_id",
                "not_found",
                "no organization has this id",
            ));
        }
    }
    let token = ApiToken {
        id: hamkari_domain::new_id(),
        name: valid.name,
        prefix: secret.prefix.clone(),
        scopes: valid.scopes,
        organization_id: valid.organization_id,
        created_by: Some(caller.actor_ref()),
        updated_by: Some(caller.actor_ref()),
        created_at: at,
        expires_at: chrono::SubsecRound::trunc_subsecs(valid.expires_at, 6),
        revoked_at: None,
        last_used_at: None,
    };
    store::insert(conn, &token, &secret.hash)?;
    record(
        conn,
        caller,
        Change::new(KIND, token.id, "created", &concerned(&token)).after(&token)?,
    )?;
    Ok(token)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &TokenFilter) -> Result<Page<ApiToken>, AppError> {
    policy::administer(&caller.principal)?;
    Ok(store::list(conn, filter)?)
}

/// A token, whatever its state: a revoked one still reads, as revoked.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<ApiToken, AppError> {
    policy::administer(&caller.principal)?;
    store::find(conn, id)?.ok_or_else(not_found)
}

/// Gives the token a new secret; the old one stops working at once.
pub fn rotate(conn: &mut DbConnection, caller: &Caller, id: Uuid, secret: &StoredSecret) -> Result<ApiToken, AppError> {
    policy::administer(&caller.principal)?;
    let before = load_locked(conn, id)?;
    if !store::replace_secret(conn, id, &secret.prefix, &secret.hash, caller.actor_ref())? {
        return Err(AppError::conflict(
            "revoked",
            "A revoked token cannot be rotated; create a new one.",
        ));
    }
    let after = store::find(conn, id)?.ok_or_else(not_found)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "rotated", &concerned(&after))
            .before(&before)?
            .after(&after)?,
    )?;
    Ok(after)
}

/// Revokes the token; revoking a revoked token changes nothing and records nothing.
pub fn revoke(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<ApiToken, AppError> {
    policy::administer(&caller.principal)?;
    let before = load_locked(conn, id)?;
    if !store::revoke(conn, id, now(), caller.actor_ref())? {
        return Ok(before);
    }
    let after = store::find(conn, id)?.ok_or_else(not_found)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "revoked", &concerned(&after))
            .before(&before)?
            .after(&after)?,
    )?;
    Ok(after)
}
