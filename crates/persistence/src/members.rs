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

#[derive(Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(MultiBackend))]
pub(crate) struct MemberRow {
    id: Id,
    full_name: String,
    full_name_en: Option<String>,
    national_id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    expertise: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

pub(crate) fn to_member(r: MemberRow) -> Result<Member, DbError> {
    Ok(Member {
        id: r.id.0,
        full_name: r.full_name,
        full_name_en: r.full_name_en,
        national_id: r.national_id,
        email: r.email,
        phone: r.phone,
        expertise: r.expertise,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        created_by: actors::read(r.created_by)?,
        updated_by: actors::read(r.updated_by)?,
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
        .select(MemberRow::as_select())
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
        .select(MemberRow::as_select())
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

/// The same three columns of members and of organizations, for [`contacts`] and
/// [`crate::organizations::contacts`].
#[derive(Queryable)]
#[diesel(check_for_backend(MultiBackend))]
pub(crate) struct StoredContact {
    id: Id,
    email: Option<String>,
    phone: Option<String>,
}

impl From<StoredContact> for ContactRow {
    fn from(c: StoredContact) -> Self {
        (c.id.0, c.email, c.phone)
    }
}

/// Every member's id, email and phone as stored, oldest first, for re-checking contact
/// details against today's rules.
pub fn contacts(conn: &mut DbConnection) -> Result<Vec<ContactRow>, DbError> {
    let rows: Vec<StoredContact> = members::table
        .filter(members::email.is_not_null().or(members::phone.is_not_null()))
        .select((members::id, members::email, members::phone))
        .order(members::id)
        .load(conn)?;
    Ok(rows.into_iter().map(ContactRow::from).collect())
}

/// A member with the keys stored for them, which the current rules may compute differently.
#[derive(Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(MultiBackend))]
struct KeyedRow {
    #[diesel(embed)]
    member: MemberRow,
    search_key: String,
    full_name_sort: String,
}

/// Rewrites the stored keys (search and sort) of up to `limit` members after `after` (in id
/// order) that the current rules would compute differently; see [`crate::rekey`].
pub(crate) fn rekey_batch(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::rekey::Batch, DbError> {
    let mut query = members::table
        .select(KeyedRow::as_select())
        .order(members::id)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(members::id.gt(Id(after)));
    }
    let rows: Vec<KeyedRow> = query.load(conn)?;
    let mut batch = crate::rekey::Batch::default();
    for row in rows {
        let member = to_member(row.member)?;
        let (search, sort) = (member.search_key(), member.full_name_sort_key());
        if search != row.search_key || sort != row.full_name_sort {
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
