//! Member queries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::member::Member;
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::id_in;
use crate::schema::{members, memberships};
use crate::sql_types::Id;

mod list;
pub use list::{list, MemberFilter, MemberSort};

type MemberRow = (
    Id,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    i64,
    Option<String>,
    Option<String>,
);

pub(crate) const COLUMNS: (
    members::id,
    members::full_name,
    members::full_name_en,
    members::national_id,
    members::email,
    members::phone,
    members::expertise,
    members::created_at,
    members::updated_at,
    members::version,
    members::created_by,
    members::updated_by,
) = (
    members::id,
    members::full_name,
    members::full_name_en,
    members::national_id,
    members::email,
    members::phone,
    members::expertise,
    members::created_at,
    members::updated_at,
    members::version,
    members::created_by,
    members::updated_by,
);

pub(crate) fn to_member(r: MemberRow) -> Result<Member, DbError> {
    Ok(Member {
        id: r.0 .0,
        full_name: r.1,
        full_name_en: r.2,
        national_id: r.3,
        email: r.4,
        phone: r.5,
        expertise: r.6,
        created_at: r.7,
        updated_at: r.8,
        version: r.9,
        created_by: actors::read(r.10)?,
        updated_by: actors::read(r.11)?,
    })
}

pub fn insert(conn: &mut DbConnection, m: &Member) -> Result<(), DbError> {
    diesel::insert_into(members::table)
        .values((
            members::id.eq(Id(m.id)),
            members::full_name.eq(&m.full_name),
            members::full_name_en.eq(&m.full_name_en),
            members::national_id.eq(&m.national_id),
            members::email.eq(&m.email),
            members::phone.eq(&m.phone),
            members::expertise.eq(&m.expertise),
            members::search_key.eq(m.search_key()),
            members::full_name_sort.eq(m.full_name_sort_key()),
            members::created_at.eq(m.created_at),
            members::updated_at.eq(m.updated_at),
            members::version.eq(m.version),
            members::created_by.eq(actors::stored(m.created_by)),
            members::updated_by.eq(actors::stored(m.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Member>, DbError> {
    let row: Option<MemberRow> = members::table
        .filter(members::id.eq(Id(id)))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(to_member).transpose()
}

/// Members by id, in no particular order.
pub fn find_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Member>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<MemberRow> = members::table
        .filter(id_in(members::id, ids))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(to_member).collect()
}

pub fn update(conn: &mut DbConnection, m: &Member, expected_version: i64) -> Result<bool, DbError> {
    let updated =
        diesel::update(members::table.filter(members::id.eq(Id(m.id)).and(members::version.eq(expected_version))))
            .set((
                members::full_name.eq(&m.full_name),
                members::full_name_en.eq(&m.full_name_en),
                members::national_id.eq(&m.national_id),
                members::email.eq(&m.email),
                members::phone.eq(&m.phone),
                members::expertise.eq(&m.expertise),
                members::search_key.eq(m.search_key()),
                members::full_name_sort.eq(m.full_name_sort_key()),
                members::updated_at.eq(m.updated_at),
                members::version.eq(m.version),
                members::updated_by.eq(actors::stored(m.updated_by)),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes the member (their memberships go with them, by foreign key).
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    let deleted =
        diesel::delete(members::table.filter(members::id.eq(Id(id)).and(members::version.eq(expected_version))))
            .execute(conn)?;
    Ok(deleted == 1)
}

/// The organizations a member has ever had a membership in.
pub fn organizations_of(conn: &mut DbConnection, id: Uuid) -> Result<Vec<Uuid>, DbError> {
    let ids: Vec<Id> = memberships::table
        .filter(memberships::member_id.eq(Id(id)))
        .select(memberships::organization_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// An id with the email and phone stored for it.
pub type ContactRow = (Uuid, Option<String>, Option<String>);

/// Every member's id, email and phone as stored, oldest first, for re-checking contact
/// details against today's rules.
pub fn contacts(conn: &mut DbConnection) -> Result<Vec<ContactRow>, DbError> {
    let rows: Vec<(Id, Option<String>, Option<String>)> = members::table
        .filter(members::email.is_not_null().or(members::phone.is_not_null()))
        .select((members::id, members::email, members::phone))
        .order(members::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, email, phone)| (id.0, email, phone))
        .collect())
}

/// Rewrites the stored keys (search and sort) of up to `limit` members after `after` (in id
/// order) that the current rules would compute differently; see [`crate::rekey`].
pub(crate) fn rekey_batch(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::rekey::Batch, DbError> {
    let mut query = members::table
        .select((COLUMNS, members::search_key, members::full_name_sort))
        .order(members::id)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(members::id.gt(Id(after)));
    }
    let rows: Vec<(MemberRow, String, String)> = query.load(conn)?;
    let mut batch = crate::rekey::Batch::default();
    for (row, stored_search, stored_sort) in rows {
        let member = to_member(row)?;
        let (search, sort) = (member.search_key(), member.full_name_sort_key());
        if search != stored_search || sort != stored_sort {
            diesel::update(members::table.filter(members::id.eq(Id(member.id))))
                .set((members::search_key.eq(search), members::full_name_sort.eq(sort)))
                .execute(conn)?;
            batch.changed += 1;
        }
        batch.seen += 1;
        batch.last = Some(member.id);
    }
    Ok(batch)
}
