//! Which API tokens are due an expiry warning, and which warnings went out already.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{api_token_expiry_notices as notices, api_tokens};
use crate::sql_types::Id;

/// Live tokens expiring by `by` that have no notice for `days_before` yet.
pub fn due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    by: NaiveDateTime,
    days_before: i32,
) -> Result<Vec<Uuid>, DbError> {
    let warned = notices::table
        .filter(notices::days_before.eq(days_before))
        .select(notices::token_id);
    let ids: Vec<Id> = api_tokens::table
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .filter(api_tokens::expires_at.le(by))
        .filter(api_tokens::id.ne_all(warned))
        .select(api_tokens::id)
        .limit(500)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// Whether the warning `days_before` for this token went out already.
pub fn sent(conn: &mut DbConnection, token_id: Uuid, days_before: i32) -> Result<bool, DbError> {
    let count: i64 = notices::table
        .filter(notices::token_id.eq(Id(token_id)))
        .filter(notices::days_before.eq(days_before))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn mark_sent(conn: &mut DbConnection, token_id: Uuid, days_before: i32, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(notices::table)
        .values((
            notices::token_id.eq(Id(token_id)),
            notices::days_before.eq(days_before),
            notices::sent_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
