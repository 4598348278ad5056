//! Membership queries; every read carries the member's and the organization's names.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::membership::{Membership, MembershipRole, Term};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::id_in;
use crate::organizations::OrganizationNames;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{members, memberships, organizations};
use crate::sql_types::Id;

/// A membership with the names a client shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipView {
    pub membership: Membership,
    pub member_name: String,
    pub member_name_en: Option<String>,
    pub organization_name: String,
    pub organization_name_en: Option<String>,
    pub organization_slug: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = memberships, check_for_backend(MultiBackend))]
struct MembershipRow {
    id: Id,
    member_id: Id,
    organization_id: Id,
    role: String,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    end_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(MultiBackend))]
struct MemberNames {
    full_name: String,
    full_name_en: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(check_for_backend(MultiBackend))]
struct Row {
    #[diesel(embed)]
    membership: MembershipRow,
    #[diesel(embed)]
    member: MemberNames,
    #[diesel(embed)]
    organization: OrganizationNames,
}

fn to_view(row: Row) -> Result<MembershipView, DbError> {
    let Row {
        membership: m,
        member,
        organization,
    } = row;
    let role = MembershipRole::parse(&m.role)
        .map_err(|_| DbError::corrupt(format!("unknown membership role {:?}", m.role)))?;
    Ok(MembershipView {
        membership: Membership {
            id: m.id.0,
            member_id: m.member_id.0,
            organization_id: m.organization_id.0,
            role,
            term: Term {
                starts_on: m.started_on,
                ends_on: m.ended_on,
            },
            end_reason: m.end_reason,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            created_by: actors::read(m.created_by)?,
            updated_by: actors::read(m.updated_by)?,
        },
        member_name: member.full_name,
        member_name_en: member.full_name_en,
        organization_name: organization.name,
        organization_name_en: organization.name_en,
        organization_slug: organization.slug,
    })
}

/// The joined query every read starts from.
macro_rules! joined {
    () => {
        memberships::table
            .inner_join(members::table)
            .inner_join(organizations::table)
            .select(Row::as_select())
    };
}

pub fn insert(conn: &mut DbConnection, m: &Membership) -> Result<(), DbError> {
    // Carried for the organization's member list (its index orders by it); a member's
    // creation time never changes. Without the member, the foreign key refuses the row.
    let member_created_at: NaiveDateTime = members::table
        .filter(members::id.eq(Id(m.member_id)))
        .select(members::created_at)
        .first(conn)
        .optional()?
        .unwrap_or(m.created_at);
    diesel::insert_into(memberships::table)
        .values((
            memberships::member_created_at.eq(member_created_at),
            memberships::id.eq(Id(m.id)),
            memberships::member_id.eq(Id(m.member_id)),
            memberships::organization_id.eq(Id(m.organization_id)),
            memberships::role.eq(m.role.as_str()),
            memberships::started_on.eq(m.term.starts_on),
            memberships::ended_on.eq(m.term.ends_on),
            memberships::end_reason.eq(&m.end_reason),
            memberships::created_at.eq(m.created_at),
            memberships::updated_at.eq(m.updated_at),
            memberships::version.eq(m.version),
            memberships::created_by.eq(actors::stored(m.created_by)),
            memberships::updated_by.eq(actors::stored(m.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<MembershipView>, DbError> {
    let row: Option<Row> = joined!().filter(memberships::id.eq(Id(id))).first(conn).optional()?;
    row.map(to_view).transpose()
}

pub fn update(conn: &mut DbConnection, m: &Membership, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        memberships::table.filter(
            memberships::id
                .eq(Id(m.id))
                .and(memberships::version.eq(expected_version)),
        ),
    )
    .set((
        memberships::role.eq(m.role.as_str()),
        memberships::started_on.eq(m.term.starts_on),
        memberships::ended_on.eq(m.term.ends_on),
        memberships::end_reason.eq(&m.end_reason),
        memberships::updated_at.eq(m.updated_at),
        memberships::version.eq(m.version),
        memberships::updated_by.eq(actors::stored(m.updated_by)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        memberships::table.filter(
            memberships::id
                .eq(Id(id))
                .and(memberships::version.eq(expected_version)),
        ),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn count_for_member(conn: &mut DbConnection, member: Uuid) -> Result<i64, DbError> {
    Ok(memberships::table
        .filter(memberships::member_id.eq(Id(member)))
        .count()
        .get_result(conn)?)
}

/// Every membership of a member, oldest first: what deleting the member removes with them.
pub fn of_member(conn: &mut DbConnection, member: Uuid) -> Result<Vec<Membership>, DbError> {
    let rows: Vec<Row> = joined!()
        .filter(memberships::member_id.eq(Id(member)))
        .order((memberships::created_at.asc(), memberships::id.asc()))
        .load(conn)?;
    rows.into_iter().map(|r| to_view(r).map(|v| v.membership)).collect()
}

/// The memberships a new or changed one must be checked against: the same person's in the
/// organization, and the organization's board chairs.
pub fn rivals(conn: &mut DbConnection, candidate: &Membership) -> Result<Vec<Membership>, DbError> {
    let rows: Vec<Row> = joined!()
        .filter(memberships::organization_id.eq(Id(candidate.organization_id)))
        .filter(
            memberships::member_id
                .eq(Id(candidate.member_id))
                .or(memberships::role.eq(MembershipRole::BoardChair.as_str())),
        )
        .load(conn)?;
    rows.into_iter().map(|r| to_view(r).map(|v| v.membership)).collect()
}

/// Serializes membership changes within one organization on PostgreSQL, so two concurrent
/// requests cannot both pass the one-chair check. (SQLite writers are serialized already.)
pub fn lock_organization(conn: &mut DbConnection, organization: Uuid) -> Result<(), DbError> {
    if let DbConnection::Pg(pg) = conn {
        organizations::table
            .filter(organizations::id.eq(Id(organization)))
            .select(organizations::id)
            .for_update()
            .load::<Id>(pg)?;
    }
    Ok(())
}

/// Which memberships to list.
#[derive(Debug, Clone)]
pub struct MembershipFilter {
    pub organization_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub role: Option<MembershipRole>,
    /// Only memberships current on this day.
    pub current_on: Option<NaiveDate>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

/// Memberships in creation order.
pub fn list(conn: &mut DbConnection, filter: &MembershipFilter) -> Result<Page<MembershipView>, DbError> {
    let mut query = joined!().into_boxed::<MultiBackend>();
    if let Some(org) = filter.organization_id {
        query = query.filter(memberships::organization_id.eq(Id(org)));
    }
    if let Some(member) = filter.member_id {
        query = query.filter(memberships::member_id.eq(Id(member)));
    }
    if let Some(role) = filter.role {
        query = query.filter(memberships::role.eq(role.as_str()));
    }
    if let Some(day) = filter.current_on {
        query = query
            .filter(memberships::started_on.le(day))
            .filter(memberships::ended_on.is_null().or(memberships::ended_on.ge(day)));
    }
    let after = crate::page::timestamp_after(&filter.after)?;
    let rows: Vec<Row> = keyset!(query, memberships::created_at, memberships::id, filter.direction, after)
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_view).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, filter.limit))
}

/// Every membership of these members current on `day` (in the given organizations and
/// roles, when given), for showing why each member qualified.
pub fn current_for_members(
    conn: &mut DbConnection,
    member_ids: &[Uuid],
    organization_ids: &[Uuid],
    roles: Option<&[MembershipRole]>,
    day: NaiveDate,
) -> Result<Vec<MembershipView>, DbError> {
    if member_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = joined!()
        .filter(id_in(memberships::member_id, member_ids))
        .filter(memberships::started_on.le(day))
        .filter(memberships::ended_on.is_null().or(memberships::ended_on.ge(day)))
        .into_boxed::<MultiBackend>();
    if !organization_ids.is_empty() {
        query = query.filter(id_in(memberships::organization_id, organization_ids));
    }
    if let Some(roles) = roles {
        query = query.filter(memberships::role.eq_any(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()));
    }
    let rows: Vec<Row> = query
        .order((memberships::member_id.asc(), memberships::started_on.asc()))
        .load(conn)?;
    rows.into_iter().map(to_view).collect()
}
