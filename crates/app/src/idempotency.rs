//! Requests sent with an `Idempotency-Key`: the first claims the key, its answer is kept for
//! 24 hours, and repeats get that answer instead of a second effect.
//!
//! The effect commits in the handler's own transaction and the answer is stored after it, so a
//! crash between the two leaves a claim that lapses after [`CLAIM`]; a repeat after that runs
//! again. Everything else (instances, restarts, concurrent repeats) is exact, because the claim
//! is a row taken under the key's primary key.

use chrono::NaiveDateTime;
use hamkari_domain::auth::{Principal, Subject};
use hamkari_domain::idempotency::{seen, Seen, Stored};
pub use hamkari_domain::idempotency::{IdempotencyKey, KeyProblem, CLAIM, KEEP};
use hamkari_persistence::idempotency::{self as store, NewClaim};
use hamkari_persistence::DbConnection;

use crate::error::AppError;

/// A stored answer: status, the headers that matter to a client, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What to do with a request carrying a key.
#[derive(Debug)]
pub enum Claim {
    /// Run it; its answer is to be stored with [`complete`] (or the claim [`release`]d).
    Run,
    /// Send this answer again.
    Replay(Answer),
    /// The same request is still running.
    Running,
    /// The key was used for a different request.
    OtherRequest,
}

/// Keys belong to the credential that sent them: a user (all their sessions) or a token.
pub fn credential(principal: &Principal) -> String {
    match principal.subject {
        Subject::User(id) => format!("user:{id}"),
        Subject::ApiToken(id) => format!("token:{id}"),
    }
}

/// Claims `key` for a request whose method, target and body hash to `fingerprint`, or says
/// why not. Run inside a write transaction.
pub fn claim(
    conn: &mut DbConnection,
    credential: &str,
    key: &IdempotencyKey,
    fingerprint: &str,
    now: NaiveDateTime,
) -> Result<Claim, AppError> {
    let new = NewClaim {
        credential,
        key: key.as_str(),
        fingerprint,
        now,
        locked_until: now + CLAIM,
        expires_at: now + KEEP,
    };
    let (inserted, row) = store::claim(conn, new)?;
    if inserted {
        return Ok(Claim::Run);
    }
    let stored = Stored {
        fingerprint: &row.fingerprint,
        answered: row.status.is_some(),
        locked_until: row.locked_until,
        expires_at: row.expires_at,
    };
    Ok(match seen(stored, fingerprint, now) {
        Seen::New => {
            store::reclaim(conn, new)?;
            Claim::Run
        }
        Seen::Running => Claim::Running,
        Seen::OtherRequest => Claim::OtherRequest,
        Seen::Answered => {
            let headers = match &row.headers_json {
                Some(json) => serde_json::from_str(json).map_err(|e| AppError::Internal(e.to_string()))?,
                None => Vec::new(),
            };
            Claim::Replay(Answer {
                status: row.status.and_then(|s| u16::try_from(s).ok()).unwrap_or(500),
                headers,
                body: row.body.unwrap_or_default(),
            })
        }
    })
}

/// Stores the answer of a request that ran under a claim.
pub fn complete(
    conn: &mut DbConnection,
    credential: &str,
    key: &IdempotencyKey,
    answer: &Answer,
) -> Result<(), AppError> {
    let headers = serde_json::to_string(&answer.headers).map_err(|e| AppError::Internal(e.to_string()))?;
    store::complete(
        conn,
        credential,
        key.as_str(),
        i32::from(answer.status),
        &headers,
        &answer.body,
    )?;
    Ok(())
}

/// Gives the key up (the request failed on the server's side), so a repeat runs again.
pub fn release(conn: &mut DbConnection, credential: &str, key: &IdempotencyKey) -> Result<(), AppError> {
    Ok(store::release(conn, credential, key.as_str())?)
}

/// Deletes expired keys; returns how many.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(store::prune(conn, now)?)
}
