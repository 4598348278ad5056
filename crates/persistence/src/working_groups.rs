//! Working group queries: groups and the organizations forming them (their members are a
//! [`crate::roster`]).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::working_group::{GroupScope, GroupStatus, WorkingGroup};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{organizations, working_group_members, working_group_organizations, working_groups};
use crate::search;
use crate::sql_types::Id;

type Row = (
    Id,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<Id>,
    NaiveDateTime,
    NaiveDateTime,
    i64,
    Option<String>,
    Option<String>,
    bool,
    Option<Id>,
);

type Columns = (
    working_groups::id,
    working_groups::name,
    working_groups::name_en,
    working_groups::scope,
    working_groups::topic,
    working_groups::mandate,
    working_groups::status,
    working_groups::established_on,
    working_groups::dissolved_on,
    working_groups::project_id,
    working_groups::created_at,
    working_groups::updated_at,
    working_groups::version,
    working_groups::created_by,
    working_groups::updated_by,
    working_groups::proposed,
    working_groups::agreement_id,
);

const COLUMNS: Columns = (
    working_groups::id,
    working_groups::name,
    working_groups::name_en,
    working_groups::scope,
    working_groups::topic,
    working_groups::mandate,
    working_groups::status,
    working_groups::established_on,
    working_groups::dissolved_on,
    working_groups::project_id,
    working_groups::created_at,
    working_groups::updated_at,
    working_groups::version,
    working_groups::created_by,
    working_groups::updated_by,
    working_groups::proposed,
    working_groups::agreement_id,
);

/// The stored form of a status: the column's CHECK predates `proposed` (see the migration
/// `2026-12-03-000001_agreements`), so a proposed group is an active one with the flag set.
fn stored_status(status: GroupStatus) -> (&'static str, bool) {
    match status {
        GroupStatus::Proposed => ("active", true),
        other => (other.as_str(), false),
    }
}

fn to_group(r: Row) -> Result<WorkingGroup, DbError> {
    let bad = |raw: &str| DbError::corrupt(format!("unexpected stored value {raw:?}"));
    Ok(WorkingGroup {
        id: r.0 .0,
        name: r.1,
        name_en: r.2,
        scope: GroupScope::parse(&r.3).map_err(|_| bad(&r.3))?,
        topic: r.4,
        mandate: r.5,
        status: match (GroupStatus::parse(&r.6).map_err(|_| bad(&r.6))?, r.15) {
            (GroupStatus::Active, true) => GroupStatus::Proposed,
            (status, _) => status,
        },
        established_on: r.7,
        dissolved_on: r.8,
        project_id: r.9.map(|i| i.0),
        created_at: r.10,
        updated_at: r.11,
        version: r.12,
        created_by: actors::read(r.13)?,
        updated_by: actors::read(r.14)?,
        agreement_id: r.16.map(|i| i.0),
    })
}

pub fn insert(conn: &mut DbConnection, g: &WorkingGroup) -> Result<(), DbError> {
    diesel::insert_into(working_groups::table)
        .values((
            working_groups::id.eq(Id(g.id)),
            working_groups::name.eq(&g.name),
            working_groups::name_en.eq(&g.name_en),
            working_groups::scope.eq(g.scope.as_str()),
            working_groups::topic.eq(&g.topic),
            working_groups::mandate.eq(&g.mandate),
            working_groups::status.eq(stored_status(g.status).0),
            working_groups::proposed.eq(stored_status(g.status).1),
            working_groups::established_on.eq(g.established_on),
            working_groups::dissolved_on.eq(g.dissolved_on),
            working_groups::project_id.eq(g.project_id.map(Id)),
            working_groups::search_key.eq(g.search_key()),
            working_groups::created_at.eq(g.created_at),
            working_groups::updated_at.eq(g.updated_at),
            working_groups::version.eq(g.version),
            working_groups::created_by.eq(actors::stored(g.created_by)),
            working_groups::updated_by.eq(actors::stored(g.updated_by)),
            working_groups::agreement_id.eq(g.agreement_id.map(Id)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<WorkingGroup>, DbError> {
    working_groups::table
        .filter(working_groups::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(to_group)
        .transpose()
}

pub fn update(conn: &mut DbConnection, g: &WorkingGroup, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        working_groups::table.filter(
            working_groups::id
                .eq(Id(g.id))
                .and(working_groups::version.eq(expected_version)),
        ),
    )
    .set((
        working_groups::name.eq(&g.name),
        working_groups::name_en.eq(&g.name_en),
        working_groups::scope.eq(g.scope.as_str()),
        working_groups::topic.eq(&g.topic),
        working_groups::mandate.eq(&g.mandate),
        working_groups::status.eq(stored_status(g.status).0),
        working_groups::proposed.eq(stored_status(g.status).1),
        working_groups::established_on.eq(g.established_on),
        working_groups::dissolved_on.eq(g.dissolved_on),
        working_groups::project_id.eq(g.project_id.map(Id)),
        working_groups::search_key.eq(g.search_key()),
        working_groups::updated_at.eq(g.updated_at),
        working_groups::version.eq(g.version),
        working_groups::updated_by.eq(actors::stored(g.updated_by)),
        working_groups::agreement_id.eq(g.agreement_id.map(Id)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    // Members first: their foreign key to the group's organizations restricts those.
    diesel::delete(working_group_members::table.filter(working_group_members::group_id.eq(Id(id)))).execute(conn)?;
    let deleted = diesel::delete(
        working_groups::table.filter(
            working_groups::id
                .eq(Id(id))
                .and(working_groups::version.eq(expected_version)),
        ),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// An organization forming the group, with its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOrganization {
    pub organization_id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

pub fn organizations_of(conn: &mut DbConnection, group: Uuid) -> Result<Vec<GroupOrganization>, DbError> {
    let rows: Vec<(Id, String, Option<String>, String)> = working_group_organizations::table
        .inner_join(organizations::table)
        .filter(working_group_organizations::group_id.eq(Id(group)))
        .select((
            working_group_organizations::organization_id,
            organizations::name,
            organizations::name_en,
            organizations::slug,
        ))
        .order(organizations::name.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| GroupOrganization {
            organization_id: r.0 .0,
            name: r.1,
            name_en: r.2,
            slug: r.3,
        })
        .collect())
}

/// Makes the group's organizations exactly `ids`; an organization still represented by a
/// member cannot be removed (the foreign key refuses: 409).
pub fn set_organizations(conn: &mut DbConnection, group: Uuid, ids: &[Uuid]) -> Result<(), DbError> {
    let current: Vec<Uuid> = organizations_of(conn, group)?
        .into_iter()
        .map(|o| o.organization_id)
        .collect();
    for gone in current.iter().filter(|c| !ids.contains(c)) {
        diesel::delete(
            working_group_organizations::table
                .filter(working_group_organizations::group_id.eq(Id(group)))
                .filter(working_group_organizations::organization_id.eq(Id(*gone))),
        )
        .execute(conn)?;
    }
    for new in ids.iter().filter(|i| !current.contains(i)) {
        diesel::insert_into(working_group_organizations::table)
            .values((
                working_group_organizations::group_id.eq(Id(group)),
                working_group_organizations::organization_id.eq(Id(*new)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct GroupFilter {
    pub scope: Option<GroupScope>,
    pub status: Option<GroupStatus>,
    pub organization_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub search: Option<String>,
    pub agreement_id: Option<Uuid>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, f: &GroupFilter) -> Result<Page<WorkingGroup>, DbError> {
    let mut query = working_groups::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(scope) = f.scope {
        query = query.filter(working_groups::scope.eq(scope.as_str()));
    }
    if let Some(agreement) = f.agreement_id {
        query = query.filter(working_groups::agreement_id.eq(Id(agreement)));
    }
    if let Some(status) = f.status {
        let (stored, proposed) = stored_status(status);
        query = query.filter(working_groups::status.eq(stored));
        if stored == "active" {
            query = query.filter(working_groups::proposed.eq(proposed));
        }
    }
    if let Some(org) = f.organization_id {
        query = query.filter(search::linked_to(
            "working_groups",
            "working_group_organizations",
            "group_id",
            "organization_id",
            org,
        ));
    }
    if let Some(member) = f.member_id {
        query = query.filter(search::linked_to(
            "working_groups",
            "working_group_members",
            "group_id",
            "member_id",
            member,
        ));
    }
    if let Some(key) = f.search.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(search::contains(conn, "working_groups", key));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<Row> = keyset!(
        query,
        working_groups::created_at,
        working_groups::id,
        f.direction,
        after
    )
    .limit(i64::from(f.limit) + 1)
    .load(conn)?;
    let items = rows.into_iter().map(to_group).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}

/// The organizations of several groups in one query, for a page of groups.
pub fn organizations_of_many(
    conn: &mut DbConnection,
    groups: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<GroupOrganization>>, DbError> {
    let mut by_group: std::collections::HashMap<Uuid, Vec<GroupOrganization>> = std::collections::HashMap::new();
    if groups.is_empty() {
        return Ok(by_group);
    }
    let rows: Vec<(Id, Id, String, Option<String>, String)> = working_group_organizations::table
        .inner_join(organizations::table)
        .filter(working_group_organizations::group_id.eq_any(groups.iter().copied().map(Id).collect::<Vec<_>>()))
        .select((
            working_group_organizations::group_id,
            working_group_organizations::organization_id,
            organizations::name,
            organizations::name_en,
            organizations::slug,
        ))
        .order(organizations::name.asc())
        .load(conn)?;
    for r in rows {
        by_group.entry(r.0 .0).or_default().push(GroupOrganization {
            organization_id: r.1 .0,
            name: r.2,
            name_en: r.3,
            slug: r.4,
        });
    }
    Ok(by_group)
}

/// Rewrites the stored keys of up to `limit` rows after `after` (in id order) that the
/// current rules would compute differently; see [`crate::rekey`].
pub(crate) fn rekey_batch(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::rekey::Batch, DbError> {
    let mut query = working_groups::table
        .select((COLUMNS, working_groups::search_key))
        .order(working_groups::id)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(working_groups::id.gt(Id(after)));
    }
    let rows: Vec<(Row, String)> = query.load(conn)?;
    let mut batch = crate::rekey::Batch::default();
    for (row, stored) in rows {
        let item = to_group(row)?;
        let fresh = item.search_key();
        if fresh != stored {
            diesel::update(working_groups::table.filter(working_groups::id.eq(Id(item.id))))
                .set(working_groups::search_key.eq(fresh))
                .execute(conn)?;
            batch.changed += 1;
        }
        batch.seen += 1;
        batch.last = Some(item.id);
    }
    Ok(batch)
}
