//! Lists of members: the filters and orders a client may ask for, each page from the index
//! that serves its order.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use hamkari_domain::member::Member;
use hamkari_domain::membership::MembershipRole;
use uuid::Uuid;

use super::{find_many, to_member, MemberRow};
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::Fragment;
use crate::member_search::{self, Matches};
use crate::page::{keyset, After, Direction, Page};
use crate::schema::members;
use crate::sql_types::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberSort {
    CreatedAt,
    FullName,
}

#[derive(Debug, Clone)]
pub struct MemberFilter {
    /// An already-normalized search key.
    pub search: Option<String>,
    pub organization_id: Option<Uuid>,
    pub roles: Option<Vec<MembershipRole>>,
    /// Has (true) or lacks (false) a membership current on `today`.
    pub active: Option<bool>,
    pub today: NaiveDate,
    pub sort: MemberSort,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, filter: &MemberFilter) -> Result<Page<Member>, DbError> {
    if let Some(page) = list_of_organization(conn, filter)? {
        return Ok(page);
    }
    if let Some(page) = list_of_matches(conn, filter)? {
        return Ok(page);
    }
    let mut query = members::table
        .select(MemberRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(key) = filter.search.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(member_search::contains(conn, key)?);
    }
    if filter.organization_id.is_some() || filter.roles.is_some() {
        query = query.filter(holds_membership(filter.organization_id, filter.roles.as_deref()));
    }
    if let Some(active) = filter.active {
        query = query.filter(current_membership(active, filter.today));
    }
    let limit = i64::from(filter.limit) + 1;
    let rows: Vec<MemberRow> = match (filter.sort, &filter.after) {
        (MemberSort::CreatedAt, after) => {
            let after = crate::page::timestamp_after(after)?;
            keyset!(query, members::created_at, members::id, filter.direction, after)
                .limit(limit)
                .load(conn)?
        }
        (MemberSort::FullName, after) => {
            let after = crate::page::text_after(after)?;
            keyset!(query, members::full_name_sort, members::id, filter.direction, after)
                .limit(limit)
                .load(conn)?
        }
    };
    Ok(Page::from_rows(
        rows.into_iter().map(to_member).collect::<Result<_, _>>()?,
        filter.limit,
    ))
}

/// The members of one organization in creation order (the default list of an
/// organization's people), in one statement: a page of ids straight from the memberships
/// index on (organization, member's creation time, member), and those members by primary
/// key, so a page costs the same in an organization of fifty or of fifty thousand. Asking
/// for the ids and then the members took two round trips, the second as costly as the
/// first (bench/README.md, log). `None` for other filters or orders, which the general
/// query serves.
fn list_of_organization(conn: &mut DbConnection, filter: &MemberFilter) -> Result<Option<Page<Member>>, DbError> {
    let searching = filter.search.as_deref().is_some_and(|k| !k.is_empty());
    let (Some(organization), false, None, MemberSort::CreatedAt) =
        (filter.organization_id, searching, filter.active, filter.sort)
    else {
        return Ok(None);
    };
    let after = crate::page::timestamp_after(&filter.after)?;
    let page = page_of_organization(
        organization,
        filter.roles.as_deref(),
        filter.direction,
        after,
        i64::from(filter.limit) + 1,
    );
    let rows: Vec<MemberRow> = members::table.select(MemberRow::as_select()).filter(page).load(conn)?;
    let mut items = rows.into_iter().map(to_member).collect::<Result<Vec<_>, _>>()?;
    // The outer query has no order of its own: one would invite the planner to walk the
    // members in that order and test each against the page.
    items.sort_by_key(|m| (m.created_at, m.id));
    if filter.direction == Direction::Desc {
        items.reverse();
    }
    Ok(Some(Page::from_rows(items, filter.limit)))
}

/// `members.id IN (…)` a page of `rows` of `organization`'s members (with one of `roles`)
/// after the cursor, read from the memberships index alone. A member with two memberships
/// there counts once (`DISTINCT` before the `LIMIT`).
fn page_of_organization(
    organization: Uuid,
    roles: Option<&[MembershipRole]>,
    direction: Direction,
    after: Option<(NaiveDateTime, Uuid)>,
    rows: i64,
) -> Fragment {
    let (beyond, order) = match direction {
        Direction::Asc => (">", "ASC"),
        Direction::Desc => ("<", "DESC"),
    };
    let mut page = Fragment::new(
        "members.id IN (SELECT page.member_id FROM (SELECT DISTINCT memberships.member_created_at, \
         memberships.member_id FROM memberships WHERE memberships.organization_id = ",
    )
    .id(organization);
    if let Some(roles) = roles {
        page = page.role_in("memberships.role", roles);
    }
    if let Some((at, id)) = after {
        // The plain bound first: it is what lets the index start at the cursor.
        page = page
            .sql(format!(" AND memberships.member_created_at {beyond}= "))
            .timestamp(at)
            .sql(format!(" AND (memberships.member_created_at {beyond} "))
            .timestamp(at)
            .sql(" OR (memberships.member_created_at = ")
            .timestamp(at)
            .sql(format!(" AND memberships.member_id {beyond} "))
            .id(id)
            .sql("))");
    }
    page.sql(format!(
        " ORDER BY memberships.member_created_at {order}, memberships.member_id {order} LIMIT "
    ))
    .count(rows)
    .sql(") AS page)")
}

/// The members matching a search alone, in creation order (the default search): a page of
/// ids from the search tails, then those members (see `member_search::Matches`). `None` for
/// other filters or orders, or a query the vocabulary cannot answer, which the general
/// query serves.
fn list_of_matches(conn: &mut DbConnection, filter: &MemberFilter) -> Result<Option<Page<Member>>, DbError> {
    let (Some(key), None, None, None, MemberSort::CreatedAt) = (
        filter.search.as_deref().filter(|k| !k.is_empty()),
        filter.organization_id,
        &filter.roles,
        filter.active,
        filter.sort,
    ) else {
        return Ok(None);
    };
    let after = crate::page::timestamp_after(&filter.after)?;
    let limit = i64::from(filter.limit) + 1;
    let rows: Vec<(NaiveDateTime, Id)> = match member_search::matches(conn, key, filter.direction, after)? {
        Matches::Sorted(mut rows) => {
            rows.truncate(limit as usize);
            rows
        }
        // Ids from members_created_at_idx alone; only the page's members are read.
        Matches::Dense(probe) => {
            let query = members::table
                .select((members::created_at, members::id))
                .filter(probe)
                .into_boxed::<MultiBackend>();
            keyset!(query, members::created_at, members::id, filter.direction, after)
                .limit(limit)
                .load(conn)?
        }
        Matches::Unanswered => return Ok(None),
    };
    page_of(conn, rows, filter.limit).map(Some)
}

/// The page of members named by `rows` (creation time, id; one more than `limit` when
/// another page follows), in that order.
fn page_of(conn: &mut DbConnection, rows: Vec<(NaiveDateTime, Id)>, limit: u32) -> Result<Page<Member>, DbError> {
    let has_more = rows.len() > limit as usize;
    let ids: Vec<Uuid> = rows.into_iter().take(limit as usize).map(|(_, id)| id.0).collect();
    let mut items = find_many(conn, &ids)?;
    // A member deleted between the two reads is simply missing from the page.
    items.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
    Ok(Page { items, has_more })
}

type Condition = Box<dyn BoxableExpression<members::table, MultiBackend, SqlType = Bool>>;

/// Members with a membership (at any time) in `organization` and/or one of `roles`.
///
/// Written as SQL: diesel cannot nest a subquery in a multi-backend query.
fn holds_membership(organization: Option<Uuid>, roles: Option<&[MembershipRole]>) -> Condition {
    let mut held = Fragment::new("members.id IN (SELECT memberships.member_id FROM memberships WHERE 1 = 1");
    if let Some(org) = organization {
        held = held.sql(" AND memberships.organization_id = ").id(org);
    }
    if let Some(roles) = roles {
        held = held.role_in("memberships.role", roles);
    }
    // Grouped, the subquery tells PostgreSQL's planner how few members one organization
    // has, so it starts from them (≈ 20 ms at a million members) instead of walking the
    // whole creation-time index and probing each member (≈ 150 ms; bench/README.md).
    // Without an organization the plain form is right: a role is common.
    Box::new(match organization {
        Some(_) => held.sql(" GROUP BY memberships.member_id)"),
        None => held.sql(")"),
    })
}

/// Members with (or, when `present` is false, without) a membership current on `day`.
fn current_membership(present: bool, day: NaiveDate) -> Condition {
    let negation = if present { "" } else { "NOT " };
    Box::new(
        Fragment::new(format!(
            "members.id {negation}IN (SELECT memberships.member_id FROM memberships WHERE memberships.started_on <= "
        ))
        .date(day)
        .sql(" AND (memberships.ended_on IS NULL OR memberships.ended_on >= ")
        .date(day)
        .sql("))"),
    )
}
