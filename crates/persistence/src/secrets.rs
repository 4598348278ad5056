//! Server keys generated once and shared through the database by every instance.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::server_secrets;

/// The stored value of `name`, or `candidate` stored now if there is none. When two
/// instances race, the first insert wins and both return it.
pub fn get_or_insert(
    conn: &mut DbConnection,
    name: &str,
    candidate: &str,
    now: NaiveDateTime,
) -> Result<String, DbError> {
    let read = |conn: &mut DbConnection| -> Result<Option<String>, DbError> {
        Ok(server_secrets::table
            .filter(server_secrets::name.eq(name))
            .select(server_secrets::value)
            .first(conn)
            .optional()?)
    };
    if let Some(existing) = read(conn)? {
        return Ok(existing);
    }
    let inserted = diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq(name),
            server_secrets::value.eq(candidate),
            server_secrets::created_at.eq(now),
        ))
        .execute(conn);
    match inserted.map_err(DbError::from) {
        Ok(_) => Ok(candidate.to_owned()),
        Err(DbError::UniqueViolation(_)) => {
            read(conn)?.ok_or_else(|| DbError::Unavailable("server secret vanished".into()))
        }
        Err(other) => Err(other),
    }
}
