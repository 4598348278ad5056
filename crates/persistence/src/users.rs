//! Users, their organizations and their password hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::auth::Role;
use hamkari_domain::user::User;
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{user_organizations, users};
use crate::sql_types::Id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(MultiBackend))]
struct UserRow {
    id: Id,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    disabled: bool,
    session_version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

fn to_user(row: UserRow, organization_ids: Vec<Uuid>) -> Result<(User, String), DbError> {
    let role = Role::parse(&row.role).map_err(|_| DbError::corrupt(format!("unknown role {:?}", row.role)))?;
    Ok((
        User {
            id: row.id.0,
            email: row.email,
            display_name: row.display_name,
            role,
            organization_ids,
            disabled: row.disabled,
            session_version: row.session_version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            created_by: actors::read(row.created_by)?,
            updated_by: actors::read(row.updated_by)?,
        },
        row.password_hash,
    ))
}

fn organizations_of(conn: &mut DbConnection, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    let ids: Vec<Id> = user_organizations::table
        .filter(user_organizations::user_id.eq(Id(user)))
        .select(user_organizations::organization_id)
        .order(user_organizations::organization_id.asc())
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

fn set_organizations(conn: &mut DbConnection, user: Uuid, organizations: &[Uuid]) -> Result<(), DbError> {
    diesel::delete(user_organizations::table.filter(user_organizations::user_id.eq(Id(user)))).execute(conn)?;
    // One row at a time: multi-row inserts do not compile for the multi-backend connection.
    for org in organizations {
        diesel::insert_into(user_organizations::table)
            .values((
                user_organizations::user_id.eq(Id(user)),
                user_organizations::organization_id.eq(Id(*org)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Inserts a user with its password hash and organizations.
pub fn insert(conn: &mut DbConnection, user: &User, password_hash: &str) -> Result<(), DbError> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(Id(user.id)),
            users::email.eq(&user.email),
            users::display_name.eq(&user.display_name),
            users::role.eq(user.role.as_str()),
            users::password_hash.eq(password_hash),
            users::disabled.eq(user.disabled),
            users::session_version.eq(user.session_version),
            users::created_at.eq(user.created_at),
            users::updated_at.eq(user.updated_at),
            users::version.eq(user.version),
            users::created_by.eq(actors::stored(user.created_by)),
            users::updated_by.eq(actors::stored(user.updated_by)),
        ))
        .execute(conn)?;
    set_organizations(conn, user.id, &user.organization_ids)
}

/// A user and their password hash.
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<(User, String)>, DbError> {
    let row: Option<UserRow> = users::table
        .filter(users::id.eq(Id(id)))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) => Ok(Some(to_user(row, organizations_of(conn, id)?)?)),
        None => Ok(None),
    }
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<(User, String)>, DbError> {
    let row: Option<UserRow> = users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(row) => {
            let id = row.id.0;
            Ok(Some(to_user(row, organizations_of(conn, id)?)?))
        }
        None => Ok(None),
    }
}

/// Writes the user over the stored row if it is still at `expected_version`.
pub fn update(conn: &mut DbConnection, user: &User, expected_version: i64) -> Result<bool, DbError> {
    let updated =
        diesel::update(users::table.filter(users::id.eq(Id(user.id)).and(users::version.eq(expected_version))))
            .set((
                users::display_name.eq(&user.display_name),
                users::role.eq(user.role.as_str()),
                users::disabled.eq(user.disabled),
                users::session_version.eq(user.session_version),
                users::updated_at.eq(user.updated_at),
                users::version.eq(user.version),
                users::updated_by.eq(actors::stored(user.updated_by)),
            ))
            .execute(conn)?;
    if updated == 1 {
        set_organizations(conn, user.id, &user.organization_ids)?;
    }
    Ok(updated == 1)
}

pub fn set_password_hash(conn: &mut DbConnection, id: Uuid, hash: &str) -> Result<(), DbError> {
    diesel::update(users::table.filter(users::id.eq(Id(id))))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: Uuid) -> Result<bool, DbError> {
    Ok(diesel::delete(users::table.filter(users::id.eq(Id(id)))).execute(conn)? == 1)
}

pub fn count_admins(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()).and(users::disabled.eq(false)))
        .count()
        .get_result(conn)?)
}

/// The state a request needs to check a session: role, organizations, disabled, session version.
pub fn session_state(conn: &mut DbConnection, id: Uuid) -> Result<Option<User>, DbError> {
    Ok(find(conn, id)?.map(|(user, _)| user))
}

#[derive(Debug, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub after: Option<After>,
    pub direction: Direction,
    pub limit: u32,
}

/// Users in creation order.
pub fn list(conn: &mut DbConnection, filter: &UserFilter) -> Result<Page<User>, DbError> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed::<MultiBackend>();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    let after = crate::page::timestamp_after(&filter.after)?;
    let rows: Vec<UserRow> = keyset!(query, users::created_at, users::id, filter.direction, after)
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row.id.0;
        items.push(to_user(row, organizations_of(conn, id)?)?.0);
    }
    Ok(Page::from_rows(items, filter.limit))
}
