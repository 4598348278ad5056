//! `api_token.expiring` events, 14 days and 1 day before a token expires: written once each,
//! by whichever instance's periodic check gets there first.

use chrono::{Duration, NaiveDateTime};
use hamkari_persistence::locks::{lock_row, Locked};
use hamkari_persistence::{api_tokens, token_expiry as store, DbConnection};
use uuid::Uuid;

use crate::error::AppError;
use crate::events::{record_system, Change};

/// Days before expiry a warning goes out, nearest first.
pub const WARN_DAYS: [i32; 2] = [1, 14];

/// Writes the warnings due at `now`; returns how many. A token already inside the nearer
/// window gets only that warning (the farther one counts as sent).
pub fn warn_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut written = 0;
    for days in WARN_DAYS {
        for id in store::due(conn, now, now + Duration::days(days.into()), days)? {
            // Another instance may be at the same token: the row lock makes it wait and
            // then see the notice this one wrote.
            lock_row(conn, Locked::ApiTokens, id)?;
            if store::sent(conn, id, days)? {
                continue;
            }
            let Some(token) = api_tokens::find(conn, id)? else {
                continue;
            };
            for farther in WARN_DAYS.into_iter().filter(|d| *d >= days) {
                if !store::sent(conn, id, farther)? {
                    store::mark_sent(conn, id, farther, now)?;
                }
            }
            let concerned: Vec<Uuid> = token.organization_id.into_iter().collect();
            record_system(
                conn,
                Change::new("api_token", id, "expiring", &concerned).after(&token)?,
            )?;
            written += 1;
        }
    }
    Ok(written)
}
