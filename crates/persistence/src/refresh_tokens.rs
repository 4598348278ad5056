//! Refresh tokens: single use, rotated, grouped in families so reuse can end a session.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::DbConnection;
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

type Row = (
    Id,
    Id,
    Id,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

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
        .select((
            refresh_tokens::id,
            refresh_tokens::family_id,
            refresh_tokens::user_id,
            refresh_tokens::session_version,
            refresh_tokens::created_at,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|r| RefreshToken {
        id: r.0 .0,
        family_id: r.1 .0,
        user_id: r.2 .0,
        session_version: r.3,
        created_at: r.4,
        expires_at: r.5,
        used_at: r.6,
        revoked_at: r.7,
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
