//! API tokens, looked up by the HMAC of their secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::api_token::{ApiToken, TokenState};
use hamkari_domain::auth::Scopes;
use hamkari_domain::ActorRef;
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::api_tokens;
use crate::sql_types::Id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(MultiBackend))]
struct TokenRow {
    id: Id,
    name: String,
    prefix: String,
    scopes: String,
    organization_id: Option<Id>,
    created_by: Option<Id>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    updated_by: Option<String>,
}

fn to_token(row: TokenRow) -> Result<ApiToken, DbError> {
    let scopes = Scopes::from_stored(&row.scopes).map_err(|p| DbError::corrupt(p.message))?;
    Ok(ApiToken {
        id: row.id.0,
        name: row.name,
        prefix: row.prefix,
        scopes,
        organization_id: row.organization_id.map(|i| i.0),
        // The column keeps a user's id: only administrators (users) create tokens.
        created_by: row.created_by.map(|i| ActorRef::User(i.0)),
        updated_by: actors::read(row.updated_by)?,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        last_used_at: row.last_used_at,
    })
}

fn creating_user(actor: ActorRef) -> Option<Uuid> {
    match actor {
        ActorRef::User(id) => Some(id),
        ActorRef::ApiToken(_) | ActorRef::System => None,
    }
}

pub fn insert(conn: &mut DbConnection, token: &ApiToken, secret_hash: &str) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(Id(token.id)),
            api_tokens::name.eq(&token.name),
            api_tokens::prefix.eq(&token.prefix),
            api_tokens::secret_hash.eq(secret_hash),
            api_tokens::scopes.eq(token.scopes.to_stored()),
            api_tokens::organization_id.eq(token.organization_id.map(Id)),
            api_tokens::created_by.eq(token.created_by.and_then(creating_user).map(Id)),
            api_tokens::created_at.eq(token.created_at),
            api_tokens::expires_at.eq(token.expires_at),
            api_tokens::revoked_at.eq(token.revoked_at),
            api_tokens::last_used_at.eq(token.last_used_at),
            api_tokens::updated_by.eq(actors::stored(token.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<ApiToken>, DbError> {
    api_tokens::table
        .filter(api_tokens::id.eq(Id(id)))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?
        .map(to_token)
        .transpose()
}

pub fn find_by_secret_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<ApiToken>, DbError> {
    api_tokens::table
        .filter(api_tokens::secret_hash.eq(hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?
        .map(to_token)
        .transpose()
}

pub fn stamp_used(conn: &mut DbConnection, id: Uuid, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(api_tokens::table.filter(api_tokens::id.eq(Id(id))))
        .set(api_tokens::last_used_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Replaces the secret (the old one stops working at once).
pub fn replace_secret(
    conn: &mut DbConnection,
    id: Uuid,
    prefix: &str,
    secret_hash: &str,
    by: ActorRef,
) -> Result<bool, DbError> {
    let updated =
        diesel::update(api_tokens::table.filter(api_tokens::id.eq(Id(id)).and(api_tokens::revoked_at.is_null())))
            .set((
                api_tokens::prefix.eq(prefix),
                api_tokens::secret_hash.eq(secret_hash),
                api_tokens::updated_by.eq(by.to_stored()),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke(conn: &mut DbConnection, id: Uuid, at: NaiveDateTime, by: ActorRef) -> Result<bool, DbError> {
    let updated =
        diesel::update(api_tokens::table.filter(api_tokens::id.eq(Id(id)).and(api_tokens::revoked_at.is_null())))
            .set((api_tokens::revoked_at.eq(at), api_tokens::updated_by.eq(by.to_stored())))
            .execute(conn)?;
    Ok(updated == 1)
}

#[derive(Debug, Clone)]
pub struct TokenFilter {
    pub state: Option<TokenState>,
    pub now: NaiveDateTime,
    pub after: Option<After>,
    pub direction: Direction,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, filter: &TokenFilter) -> Result<Page<ApiToken>, DbError> {
    let mut query = api_tokens::table
        .select(TokenRow::as_select())
        .into_boxed::<MultiBackend>();
    query = match filter.state {
        None => query,
        Some(TokenState::Revoked) => query.filter(api_tokens::revoked_at.is_not_null()),
        Some(TokenState::Expired) => query.filter(
            api_tokens::revoked_at
                .is_null()
                .and(api_tokens::expires_at.le(filter.now)),
        ),
        Some(TokenState::Active) => query.filter(
            api_tokens::revoked_at
                .is_null()
                .and(api_tokens::expires_at.gt(filter.now)),
        ),
    };
    let after = crate::page::timestamp_after(&filter.after)?;
    let rows: Vec<TokenRow> = keyset!(query, api_tokens::created_at, api_tokens::id, filter.direction, after)
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_token).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, filter.limit))
}
