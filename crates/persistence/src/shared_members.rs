//! "Who do these organizations share?": members with a membership current on a day in
//! every listed organization (or in at least two, when none is listed).
//!
//! One grouped query over the memberships indexes finds a page of member ids in id order;
//! two more fetch those members and their qualifying memberships. Nothing runs per row.

use chrono::NaiveDate;
use diesel::dsl::count;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use hamkari_domain::membership::MembershipRole;
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::Fragment;
use crate::members;
use crate::memberships::{current_for_members, MembershipView};
use crate::page::Page;
use crate::schema::{self, memberships};
use crate::sql_types::Id;

#[derive(Debug, Clone)]
pub struct SharedFilter {
    /// Every one of these; empty means "at least two organizations".
    pub organization_ids: Vec<Uuid>,
    pub roles: Option<Vec<MembershipRole>>,
    pub on: NaiveDate,
    /// Start after this member id.
    pub after: Option<Uuid>,
    pub limit: u32,
}

/// A shared member and the memberships that make them one.
#[derive(Debug)]
pub struct SharedMember {
    pub member: hamkari_domain::member::Member,
    pub memberships: Vec<MembershipView>,
}

pub fn list(conn: &mut DbConnection, filter: &SharedFilter) -> Result<Page<SharedMember>, DbError> {
    let ids = match filter.organization_ids.split_first() {
        Some((first, others)) => in_every(conn, filter, *first, others)?,
        None => in_two_or_more(conn, filter)?,
    };
    let ids: Vec<Uuid> = ids.into_iter().map(|i| i.0).collect();
    let page_ids = &ids[..ids.len().min(filter.limit as usize)];

    let mut people = members::find_many(conn, page_ids)?;
    people.sort_by_key(|m| m.id);
    let mut qualifying = current_for_members(
        conn,
        page_ids,
        &filter.organization_ids,
        filter.roles.as_deref(),
        filter.on,
    )?
    .into_iter()
    .peekable();
    let mut items = Vec::with_capacity(people.len());
    for member in people {
        let mut memberships = Vec::new();
        while let Some(view) = qualifying.next_if(|v| v.membership.member_id == member.id) {
            memberships.push(view);
        }
        items.push(SharedMember { member, memberships });
    }
    Ok(Page {
        items,
        has_more: ids.len() > filter.limit as usize,
    })
}

type Condition = Box<dyn BoxableExpression<memberships::table, MultiBackend, SqlType = Bool>>;

fn current_on(day: NaiveDate) -> Condition {
    Box::new(
        memberships::started_on.le(day).and(
            memberships::ended_on
                .is_null()
                .or(memberships::ended_on.assume_not_null().ge(day)),
        ),
    )
}

/// Members current in `first` and in every one of `others`: a page of ids in member order,
/// from the (organization_id, member_id, started_on, ended_on) index of each, whose entries
/// decide alone whether a membership is current. Each backend gets the form its planner
/// merges; the other form costs it more per page at 1m (bench/README.md, log).
fn in_every(conn: &mut DbConnection, filter: &SharedFilter, first: Uuid, others: &[Uuid]) -> Result<Vec<Id>, DbError> {
    match conn {
        DbConnection::Pg(_) => probing(conn, filter, first, others),
        DbConnection::Sqlite(_) => intersecting(conn, filter, first, others),
    }
}

/// Walks `first`'s memberships in member order, probing each other organization through
/// the same index, and stops after one page. PostgreSQL plans the probes as a merge semi
/// join of the two ordered index scans; an INTERSECT it hashes and then sorts.
fn probing(conn: &mut DbConnection, filter: &SharedFilter, first: Uuid, others: &[Uuid]) -> Result<Vec<Id>, DbError> {
    let mut query = memberships::table
        .select(memberships::member_id)
        .filter(memberships::organization_id.eq(Id(first)))
        .filter(current_on(filter.on))
        .into_boxed::<MultiBackend>();
    if let Some(roles) = &filter.roles {
        query = query.filter(memberships::role.eq_any(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>()));
    }
    if let Some(after) = filter.after {
        query = query.filter(memberships::member_id.gt(Id(after)));
    }
    for other in others {
        // Correlated, so written as SQL: diesel cannot nest it in a multi-backend query.
        let probe =
            Fragment::new("EXISTS (SELECT 1 FROM memberships other WHERE other.member_id = memberships.member_id AND ");
        let probe: Condition = Box::new(current_in("other", *other, filter, probe).sql(")"));
        query = query.filter(probe);
    }
    Ok(query
        .distinct()
        .order(memberships::member_id.asc())
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?)
}

/// The organizations' current members intersected, in member order. SQLite merges the
/// ordered arms of a compound SELECT, one pass over each organization's index entries;
/// the probes of [`probing`] it runs as one index search per membership of `first`.
fn intersecting(
    conn: &mut DbConnection,
    filter: &SharedFilter,
    first: Uuid,
    others: &[Uuid],
) -> Result<Vec<Id>, DbError> {
    let mut shared = Fragment::new("members.id IN (");
    for (i, organization) in std::iter::once(first).chain(others.iter().copied()).enumerate() {
        if i > 0 {
            shared = shared.sql(" INTERSECT ");
        }
        shared = current_in(
            "memberships",
            organization,
            filter,
            shared.sql("SELECT memberships.member_id FROM memberships WHERE "),
        );
        if let Some(after) = filter.after {
            shared = shared.sql(" AND memberships.member_id > ").id(after);
        }
    }
    let shared = shared
        .sql(" ORDER BY member_id LIMIT ")
        .count(i64::from(filter.limit) + 1)
        .sql(")");
    // The page's ids, each found in the members' primary key: a statement needs a table.
    let mut ids: Vec<Id> = schema::members::table
        .select(schema::members::id)
        .filter(shared)
        .load(conn)?;
    ids.sort_by_key(|id| id.0);
    Ok(ids)
}

/// Appends "`table`'s membership is in `organization`, current on the day, in one of the
/// roles" to `sql`.
fn current_in(table: &str, organization: Uuid, filter: &SharedFilter, sql: Fragment) -> Fragment {
    let sql = sql
        .sql(format!("{table}.organization_id = "))
        .id(organization)
        .sql(format!(" AND {table}.started_on <= "))
        .date(filter.on)
        .sql(format!(" AND ({table}.ended_on IS NULL OR {table}.ended_on >= "))
        .date(filter.on)
        .sql(")");
    match &filter.roles {
        Some(roles) => sql.role_in(&format!("{table}.role"), roles),
        None => sql,
    }
}

/// Members current in at least two organizations: one grouped pass in member order.
fn in_two_or_more(conn: &mut DbConnection, filter: &SharedFilter) -> Result<Vec<Id>, DbError> {
    // GROUP BY cannot be boxed, so the optional filters are combined as one boxed condition.
    let mut condition = current_on(filter.on);
    if let Some(roles) = &filter.roles {
        let roles: Vec<&'static str> = roles.iter().map(|r| r.as_str()).collect();
        condition = Box::new(condition.and(memberships::role.eq_any(roles)));
    }
    if let Some(after) = filter.after {
        condition = Box::new(condition.and(memberships::member_id.gt(Id(after))));
    }
    Ok(memberships::table
        .filter(condition)
        .group_by(memberships::member_id)
        .having(count(memberships::organization_id).aggregate_distinct().ge(2))
        .select(memberships::member_id)
        .order(memberships::member_id.asc())
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?)
}
