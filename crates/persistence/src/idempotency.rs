//! Stored answers to requests sent with an `Idempotency-Key`, in the database so every
//! instance (and a restarted one) sees the same claims and answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::idempotency_keys;

/// One key's row: a claim while `status` is `None`, an answer once it is set.
#[derive(Debug, Queryable)]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub status: Option<i32>,
    pub headers_json: Option<String>,
    pub body: Option<Vec<u8>>,
    pub locked_until: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A new claim on a key.
#[derive(Debug, Clone, Copy)]
pub struct NewClaim<'a> {
    pub credential: &'a str,
    pub key: &'a str,
    pub fingerprint: &'a str,
    pub now: NaiveDateTime,
    pub locked_until: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

const COLUMNS: (
    idempotency_keys::fingerprint,
    idempotency_keys::status,
    idempotency_keys::headers_json,
    idempotency_keys::body,
    idempotency_keys::locked_until,
    idempotency_keys::expires_at,
) = (
    idempotency_keys::fingerprint,
    idempotency_keys::status,
    idempotency_keys::headers_json,
    idempotency_keys::body,
    idempotency_keys::locked_until,
    idempotency_keys::expires_at,
);

/// Inserts the claim unless the key has a row already, then reads the key's row, locked until
/// the transaction ends on PostgreSQL (SQLite's write transaction holds the whole database).
/// `true` when this call inserted it. A concurrent insert of the same key waits for the
/// other transaction on PostgreSQL, then finds its row: two requests never both win.
pub fn claim(conn: &mut DbConnection, new: NewClaim<'_>) -> Result<(bool, IdempotencyRow), DbError> {
    let insert = |conn: &mut DbConnection| -> Result<usize, DbError> {
        let sql = match conn {
            DbConnection::Pg(_) => {
                "INSERT INTO idempotency_keys (credential, key, fingerprint, created_at, locked_until, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential, key) DO NOTHING"
            }
            DbConnection::Sqlite(_) => {
                "INSERT OR IGNORE INTO idempotency_keys (credential, key, fingerprint, created_at, locked_until, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?)"
            }
        };
        let query = diesel::sql_query(sql)
            .bind::<Text, _>(new.credential)
            .bind::<Text, _>(new.key)
            .bind::<Text, _>(new.fingerprint)
            .bind::<Timestamp, _>(new.now)
            .bind::<Timestamp, _>(new.locked_until)
            .bind::<Timestamp, _>(new.expires_at);
        Ok(match conn {
            DbConnection::Pg(pg) => query.execute(pg)?,
            DbConnection::Sqlite(lite) => query.execute(lite)?,
        })
    };
    let inserted = insert(conn)? == 1;
    let query = idempotency_keys::table
        .filter(idempotency_keys::credential.eq(new.credential))
        .filter(idempotency_keys::key.eq(new.key))
        .select(COLUMNS);
    let row = match conn {
        DbConnection::Pg(pg) => query.for_update().first(pg)?,
        DbConnection::Sqlite(lite) => query.first(lite)?,
    };
    Ok((inserted, row))
}

/// Replaces a lapsed row (expired, or a claim whose request never finished) with a new claim.
pub fn reclaim(conn: &mut DbConnection, new: NewClaim<'_>) -> Result<(), DbError> {
    diesel::update(
        idempotency_keys::table.filter(
            idempotency_keys::credential
                .eq(new.credential)
                .and(idempotency_keys::key.eq(new.key)),
        ),
    )
    .set((
        idempotency_keys::fingerprint.eq(new.fingerprint),
        idempotency_keys::status.eq(None::<i32>),
        idempotency_keys::headers_json.eq(None::<String>),
        idempotency_keys::body.eq(None::<Vec<u8>>),
        idempotency_keys::created_at.eq(new.now),
        idempotency_keys::locked_until.eq(new.locked_until),
        idempotency_keys::expires_at.eq(new.expires_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// Stores the answer of a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    credential: &str,
    key: &str,
    status: i32,
    headers_json: &str,
    body: &[u8],
) -> Result<(), DbError> {
    diesel::update(
        idempotency_keys::table.filter(
            idempotency_keys::credential
                .eq(credential)
                .and(idempotency_keys::key.eq(key)),
        ),
    )
    .set((
        idempotency_keys::status.eq(Some(status)),
        idempotency_keys::headers_json.eq(Some(headers_json)),
        idempotency_keys::body.eq(Some(body)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Forgets a claim, so the key may be sent again (after a server error).
pub fn release(conn: &mut DbConnection, credential: &str, key: &str) -> Result<(), DbError> {
    diesel::delete(
        idempotency_keys::table.filter(
            idempotency_keys::credential
                .eq(credential)
                .and(idempotency_keys::key.eq(key)),
        ),
    )
    .execute(conn)?;
    Ok(())
}

/// Deletes rows that expired before `now`; returns how many.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.lt(now))).execute(conn)?)
}
