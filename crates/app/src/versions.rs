//! The one `If-Match` path: every versioned write checks the client's precondition here.

use hamkari_domain::precondition::IfMatch;

use crate::error::AppError;

/// 412 when the client's `If-Match` names another version than the stored one.
pub fn check_if_match(if_match: &IfMatch, current: i64) -> Result<(), AppError> {
    if_match
        .check(current)
        .map_err(|stale| AppError::PreconditionFailed { current: stale.current })
}

/// The outcome of a versioned `UPDATE`/`DELETE … WHERE version = ?` on a row the use case
/// has locked (see `policy`): it cannot miss unless something bypassed the lock.
pub fn saved(written: bool, expected: i64) -> Result<(), AppError> {
    if written {
        Ok(())
    } else {
        Err(AppError::internal(format!(
            "a locked row changed under its lock (expected version {expected})"
        )))
    }
}
