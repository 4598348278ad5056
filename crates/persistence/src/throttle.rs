//! Failed-login counters in the database, so every instance sees the same counts.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::login_throttle;

/// How many failures a key may have within a window before it is blocked, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub failures: i64,
    pub window: Duration,
    pub block: Duration,
}

/// When the key is blocked, until when.
pub fn blocked_until(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> Result<Option<NaiveDateTime>, DbError> {
    let until: Option<Option<NaiveDateTime>> = login_throttle::table
        .filter(login_throttle::key.eq(key))
        .select(login_throttle::blocked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|until| *until > now))
}

/// Counts one failure; returns when the key became blocked, if it did.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, DbError> {
    let current: Option<(i64, NaiveDateTime)> = login_throttle::table
        .filter(login_throttle::key.eq(key))
        .select((login_throttle::failures, login_throttle::window_started_at))
        .first(conn)
        .optional()?;
    let (failures, window_started_at) = match current {
        Some((failures, started)) if now - started < limit.window => (failures + 1, started),
        _ => (1, now),
    };
    let blocked_until = (failures >= limit.failures).then(|| now + limit.block);
    if current.is_some() {
        diesel::update(login_throttle::table.filter(login_throttle::key.eq(key)))
            .set((
                login_throttle::failures.eq(failures),
                login_throttle::window_started_at.eq(window_started_at),
                login_throttle::blocked_until.eq(blocked_until),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(failures),
                login_throttle::window_started_at.eq(window_started_at),
                login_throttle::blocked_until.eq(blocked_until),
            ))
            .execute(conn)?;
    }
    Ok(blocked_until)
}

pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq(key))).execute(conn)?;
    Ok(())
}
