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
use crate::members;
use crate::memberships::{current_for_members, MembershipView};
use crate::page::Page;
use crate::schema::memberships;
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
    // GROUP BY cannot be boxed, so the optional filters are combined as one boxed condition.
    type Condition = Box<dyn BoxableExpression<memberships::table, MultiBackend, SqlType = Bool>>;
    let mut condition: Condition = Box::new(
        memberships::started_on.le(filter.on).and(
            memberships::ended_on
                .is_null()
                .or(memberships::ended_on.assume_not_null().ge(filter.on)),
        ),
    );
    if !filter.organization_ids.is_empty() {
        let ids: Vec<Id> = filter.organization_ids.iter().copied().map(Id).collect();
        condition = Box::new(condition.and(memberships::organization_id.eq_any(ids)));
    }
    if let Some(roles) = &filter.roles {
        let roles: Vec<&'static str> = roles.iter().map(|r| r.as_str()).collect();
        condition = Box::new(condition.and(memberships::role.eq_any(roles)));
    }
    if let Some(after) = filter.after {
        condition = Box::new(condition.and(memberships::member_id.gt(Id(after))));
    }
    let needed = (filter.organization_ids.len() as i64).max(2);
    let ids: Vec<Id> = memberships::table
        .filter(condition)
        .group_by(memberships::member_id)
        .having(count(memberships::organization_id).aggregate_distinct().ge(needed))
        .select(memberships::member_id)
        .order(memberships::member_id.asc())
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?;
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
