//! Refresh tokens: single use, rotated, grouped in families so reuse can end a session.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::schema::refresh_tokens;
use crate::sql_types::Id;

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub session_version: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(MultiBackend))]
struct Row {
    id: Id,
    family_id: Id,
    user_id: Id,
    session_version: i64,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, token: &RefreshToken, token_hash: &str) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Id(token.id)),
            refresh_tokens::family_id.eq(Id(token.family_id)),
            refresh_tokens::user_id.eq(Id(token.user_id)),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_version.eq(token.session_version),
            refresh_tokens::created_at.eq(token.created_at),
            refresh_tokens::expires_at.eq(token.expires_at),
            refresh_tokens::used_at.eq(token.used_at),
            refresh_tokens::revoked_at.eq(token.revoked_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> Result<Option<RefreshToken>, DbError> {
    let row: Option<Row> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|r| RefreshToken {
        id: r.id.0,
        family_id: r.family_id.0,
        user_id: r.user_id.0,
        session_version: r.session_version,
        created_at: r.created_at,
        expires_at: r.expires_at,
        used_at: r.used_at,
        revoked_at: r.revoked_at,
    }))
}

/// Marks a token used, if nobody else did first; returns whether this call did.
pub fn mark_used(conn: &mut DbConnection, id: Uuid, at: NaiveDateTime) -> Result<bool, DbError> {
    let updated = diesel::update(
        refresh_tokens::table.filter(refresh_tokens::id.eq(Id(id)).and(refresh_tokens::used_at.is_null())),
    )
    .set(refresh_tokens::used_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke_family(conn: &mut DbConnection, family_id: Uuid, at: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::family_id
                .eq(Id(family_id))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)?)
}

pub fn revoke_all_for_user(conn: &mut DbConnection, user_id: Uuid, at: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table.filter(
            refresh_tokens::user_id
                .eq(Id(user_id))
                .and(refresh_tokens::revoked_at.is_null()),
        ),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)?)
}
