//! The events table: one row per committed change, written inside the change's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page, SortValue};
use crate::schema::{event_organizations, events};
use crate::sql_types::Id;

/// A change as stored. `before` and `after` are JSON documents, already free of secrets.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: Uuid,
    pub at: NaiveDateTime,
    /// `user`, `api_token` or `system`.
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub action: String,
    pub organization_ids: Vec<Uuid>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Queryable)]
#[diesel(check_for_backend(MultiBackend))]
struct EventRow {
    id: Id,
    at: NaiveDateTime,
    actor_type: String,
    actor_id: Option<Id>,
    request_id: Option<String>,
    resource_type: String,
    resource_id: Id,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

const COLUMNS: (
    events::id,
    events::at,
    events::actor_type,
    events::actor_id,
    events::request_id,
    events::resource_type,
    events::resource_id,
    events::action,
    events::before_json,
    events::after_json,
) = (
    events::id,
    events::at,
    events::actor_type,
    events::actor_id,
    events::request_id,
    events::resource_type,
    events::resource_id,
    events::action,
    events::before_json,
    events::after_json,
);

pub fn insert(conn: &mut DbConnection, e: &EventRecord) -> Result<(), DbError> {
    let position = crate::feed::next_position(conn)?;
    diesel::insert_into(events::table)
        .values((
            events::id.eq(Id(e.id)),
            events::at.eq(e.at),
            events::actor_type.eq(&e.actor_type),
            events::actor_id.eq(e.actor_id.map(Id)),
            events::request_id.eq(&e.request_id),
            events::resource_type.eq(&e.resource_type),
            events::resource_id.eq(Id(e.resource_id)),
            events::action.eq(&e.action),
            events::before_json.eq(&e.before),
            events::after_json.eq(&e.after),
            events::position.eq(position),
        ))
        .execute(conn)?;
    // One row at a time: multi-row inserts do not compile for the multi-backend connection.
    for organization in &e.organization_ids {
        diesel::insert_into(event_organizations::table)
            .values((
                event_organizations::event_id.eq(Id(e.id)),
                event_organizations::organization_id.eq(Id(*organization)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Only events that concern one of these organizations (an editor's view).
    pub visible_to: Option<Vec<Uuid>>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

/// Events in time order.
pub fn list(conn: &mut DbConnection, filter: &EventFilter) -> Result<Page<EventRecord>, DbError> {
    let mut query = events::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(kind) = &filter.resource_type {
        query = query.filter(events::resource_type.eq(kind.clone()));
    }
    if let Some(id) = filter.resource_id {
        query = query.filter(events::resource_id.eq(Id(id)));
    }
    if let Some(id) = filter.actor_id {
        query = query.filter(events::actor_id.eq(Id(id)));
    }
    if let Some(action) = &filter.action {
        query = query.filter(events::action.eq(action.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(events::at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(events::at.lt(until));
    }
    if let Some(organization) = filter.organization_id {
        query = query.filter(
            events::id.eq_any(
                event_organizations::table
                    .filter(event_organizations::organization_id.eq(Id(organization)))
                    .select(event_organizations::event_id),
            ),
        );
    }
    if let Some(organizations) = &filter.visible_to {
        let ids: Vec<Id> = organizations.iter().copied().map(Id).collect();
        query = query.filter(
            events::id.eq_any(
                event_organizations::table
                    .filter(event_organizations::organization_id.eq_any(ids))
                    .select(event_organizations::event_id),
            ),
        );
    }
    let after = match &filter.after {
        None => None,
        Some(After {
            value: SortValue::Timestamp(at),
            id,
        }) => Some((*at, *id)),
        Some(_) => return Err(DbError::corrupt("cursor does not match the sort".into())),
    };
    let rows: Vec<EventRow> = keyset!(query, events::at, events::id, filter.direction, after)
        .limit(i64::from(filter.limit) + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, filter.limit);
    let ids: Vec<Id> = page.items.iter().map(|r| r.id).collect();
    let mut concerned: Vec<(Id, Id)> = event_organizations::table
        .filter(event_organizations::event_id.eq_any(ids))
        .select((event_organizations::event_id, event_organizations::organization_id))
        .load(conn)?;
    concerned.sort_by_key(|(event, organization)| (event.0, organization.0));
    let items = page
        .items
        .into_iter()
        .map(|r| EventRecord {
            organization_ids: concerned
                .iter()
                .filter(|(event, _)| *event == r.id)
                .map(|(_, organization)| organization.0)
                .collect(),
            id: r.id.0,
            at: r.at,
            actor_type: r.actor_type,
            actor_id: r.actor_id.map(|i| i.0),
            request_id: r.request_id,
            resource_type: r.resource_type,
            resource_id: r.resource_id.0,
            action: r.action,
            before: r.before_json,
            after: r.after_json,
        })
        .collect();
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

/// Deletes events older than `cutoff`, at most `batch` at a time; returns how many went.
pub fn prune(conn: &mut DbConnection, cutoff: NaiveDateTime, batch: i64) -> Result<usize, DbError> {
    let old: Vec<Id> = events::table
        .filter(events::at.lt(cutoff))
        .order((events::at.asc(), events::id.asc()))
        .select(events::id)
        .limit(batch)
        .load(conn)?;
    if old.is_empty() {
        return Ok(0);
    }
    diesel::delete(event_organizations::table.filter(event_organizations::event_id.eq_any(old.clone())))
        .execute(conn)?;
    Ok(diesel::delete(events::table.filter(events::id.eq_any(old))).execute(conn)?)
}
