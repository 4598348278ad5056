//! The change feed's view of the events table: events by position, the order commits
//! happened in.
//!
//! Every transaction that records an event first bumps the one row of `event_sequence`.
//! Its row lock (PostgreSQL) or the single writer (SQLite) keeps that transaction ahead of
//! every later one until it commits, so positions are gapless and a reader that has seen
//! position `n` committed can never later find a new event below `n`.

use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{event_organizations, event_sequence, events};
use crate::sql_types::Id;

/// Hands out the next position inside the caller's write transaction.
pub fn next_position(conn: &mut DbConnection) -> Result<i64, DbError> {
    diesel::update(event_sequence::table.filter(event_sequence::id.eq(1)))
        .set(event_sequence::last_position.eq(event_sequence::last_position + 1))
        .execute(conn)?;
    last_position(conn)
}

/// The last position handed out by a committed transaction (or by the caller's own).
pub fn last_position(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(event_sequence::table
        .filter(event_sequence::id.eq(1))
        .select(event_sequence::last_position)
        .first(conn)?)
}

/// The oldest position still kept, if any event is (older ones were pruned).
pub fn first_position(conn: &mut DbConnection) -> Result<Option<i64>, DbError> {
    Ok(events::table
        .select(diesel::dsl::min(events::position))
        .first::<Option<i64>>(conn)?)
}

/// An event with its place in the feed: what the feed and a webhook message show of it.
/// Not the audit record's before and after, which neither shows: a page of 200 member
/// updates would carry both copies of each member through the read for nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    pub position: i64,
    pub id: Uuid,
    pub at: chrono::NaiveDateTime,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub action: String,
    pub organization_ids: Vec<Uuid>,
}

#[derive(Queryable)]
#[diesel(check_for_backend(crate::connection::MultiBackend))]
struct FeedRow {
    position: i64,
    id: Id,
    at: chrono::NaiveDateTime,
    resource_type: String,
    resource_id: Id,
    action: String,
}

/// Which events a page of the feed may hold, before the per-event policy check.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only events concerning one of these organizations (`None`: all).
    pub visible_to: Option<Vec<Uuid>>,
    /// Only events concerning this organization.
    pub organization_id: Option<Uuid>,
}

/// Up to `limit` events after `position`, oldest first, with their organizations.
pub fn after(
    conn: &mut DbConnection,
    position: i64,
    filter: &FeedFilter,
    limit: i64,
) -> Result<Vec<FeedEvent>, DbError> {
    let mut query = events::table
        .select((
            events::position,
            events::id,
            events::at,
            events::resource_type,
            events::resource_id,
            events::action,
        ))
        .filter(events::position.gt(position))
        .into_boxed::<crate::connection::MultiBackend>();
    for organizations in [filter.visible_to.clone(), filter.organization_id.map(|o| vec![o])]
        .into_iter()
        .flatten()
    {
        let ids: Vec<Id> = organizations.into_iter().map(Id).collect();
        query = query.filter(
            events::id.eq_any(
                event_organizations::table
                    .filter(event_organizations::organization_id.eq_any(ids))
                    .select(event_organizations::event_id),
            ),
        );
    }
    let rows: Vec<FeedRow> = query.order(events::position.asc()).limit(limit).load(conn)?;
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut concerned: Vec<(Id, Id)> = event_organizations::table
        .filter(event_organizations::event_id.eq_any(ids))
        .select((event_organizations::event_id, event_organizations::organization_id))
        .load(conn)?;
    concerned.sort_by_key(|(event, organization)| (event.0, organization.0));
    Ok(rows
        .into_iter()
        .map(|r| FeedEvent {
            position: r.position,
            organization_ids: {
                let first = concerned.partition_point(|(event, _)| event.0 < r.id.0);
                concerned[first..]
                    .iter()
                    .take_while(|(event, _)| *event == r.id)
                    .map(|(_, organization)| organization.0)
                    .collect()
            },
            id: r.id.0,
            at: r.at,
            resource_type: r.resource_type,
            resource_id: r.resource_id.0,
            action: r.action,
        })
        .collect())
}

/// One event by id, with its position (for a webhook message rendered from it).
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<FeedEvent>, DbError> {
    let position: Option<i64> = events::table
        .filter(events::id.eq(Id(id)))
        .select(events::position)
        .first(conn)
        .optional()?;
    let Some(position) = position else {
        return Ok(None);
    };
    Ok(after(conn, position - 1, &FeedFilter::default(), 1)?.into_iter().next())
}
