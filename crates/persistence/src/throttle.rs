//! Login-throttle windows in the database, so every instance sees the same counts.
//! (The `failures` column counts attempts taken, successful or not.)

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use diesel::upsert::excluded;
use hamkari_domain::auth::throttle::Window;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::login_throttle;

#[derive(Queryable)]
struct WindowRow {
    failures: i64,
    window_started_at: NaiveDateTime,
    blocked_until: Option<NaiveDateTime>,
}

const COLUMNS: (
    login_throttle::failures,
    login_throttle::window_started_at,
    login_throttle::blocked_until,
) = (
    login_throttle::failures,
    login_throttle::window_started_at,
    login_throttle::blocked_until,
);

/// Reads a key's window and locks it until the transaction ends, creating it if needed.
/// On PostgreSQL the row lock makes parallel attempts on one key take turns; SQLite's write
/// transaction holds the whole database already.
pub fn lock(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> Result<Window, DbError> {
    let row: WindowRow = match conn {
        // One statement that creates or locks the row: a separate insert and `SELECT … FOR
        // UPDATE` lost the row when a parallel successful login cleared it in between.
        DbConnection::Pg(pg) => diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::key.eq(key),
                login_throttle::failures.eq(0_i64),
                login_throttle::window_started_at.eq(now),
            ))
            .on_conflict(login_throttle::key)
            .do_update()
            .set(login_throttle::key.eq(excluded(login_throttle::key)))
            .returning(COLUMNS)
            .get_result(pg)?,
        DbConnection::Sqlite(lite) => {
            diesel::sql_query(
                "INSERT OR IGNORE INTO login_throttle (key, failures, window_started_at) VALUES (?, 0, ?)",
            )
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .execute(lite)?;
            login_throttle::table
                .filter(login_throttle::key.eq(key))
                .select(COLUMNS)
                .first(lite)?
        }
    };
    Ok(Window {
        attempts: row.failures,
        started_at: row.window_started_at,
        blocked_until: row.blocked_until,
    })
}

pub fn store(conn: &mut DbConnection, key: &str, window: &Window) -> Result<(), DbError> {
    diesel::update(login_throttle::table.filter(login_throttle::key.eq(key)))
        .set((
            login_throttle::failures.eq(window.attempts),
            login_throttle::window_started_at.eq(window.started_at),
            login_throttle::blocked_until.eq(window.blocked_until),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq(key))).execute(conn)?;
    Ok(())
}
