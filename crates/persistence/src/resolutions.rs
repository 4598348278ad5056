//! Resolution and action item queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::resolution::{ActionItem, ActionItemStatus, Resolution, ResolutionOutcome, Vote};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{action_items, resolution_votes, resolutions};
use crate::sql_types::Id;

fn bad(raw: &str) -> DbError {
    DbError::corrupt(format!("unexpected stored value {raw:?}"))
}

/// The number the next resolution of `meeting` takes. The caller holds the meeting's row
/// lock (PostgreSQL) or the write transaction (SQLite), so no other writer takes it first.
pub fn next_number(conn: &mut DbConnection, meeting: Uuid) -> Result<i32, DbError> {
    let highest: Option<i32> = resolutions::table
        .filter(resolutions::meeting_id.eq(Id(meeting)))
        .select(diesel::dsl::max(resolutions::number))
        .first(conn)?;
    Ok(highest.unwrap_or(0) + 1)
}

pub fn insert(conn: &mut DbConnection, r: &Resolution) -> Result<(), DbError> {
    diesel::insert_into(resolutions::table)
        .values((
            resolutions::id.eq(Id(r.id)),
            resolutions::meeting_id.eq(Id(r.meeting_id)),
            resolutions::number.eq(r.number),
            resolutions::text.eq(&r.text),
            resolutions::outcome.eq(r.outcome.as_str()),
            resolutions::created_at.eq(r.created_at),
            resolutions::created_by.eq(actors::stored(r.created_by)),
        ))
        .execute(conn)?;
    for (organization, vote) in &r.votes {
        diesel::insert_into(resolution_votes::table)
            .values((
                resolution_votes::resolution_id.eq(Id(r.id)),
                resolution_votes::organization_id.eq(Id(*organization)),
                resolution_votes::vote.eq(vote.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A stored resolution row.
#[derive(Queryable)]
struct ResolutionRow {
    id: Id,
    meeting_id: Id,
    number: i32,
    text: String,
    outcome: String,
    created_at: NaiveDateTime,
    created_by: Option<String>,
}

type ResolutionColumns = (
    resolutions::id,
    resolutions::meeting_id,
    resolutions::number,
    resolutions::text,
    resolutions::outcome,
    resolutions::created_at,
    resolutions::created_by,
);

const RESOLUTION_COLUMNS: ResolutionColumns = (
    resolutions::id,
    resolutions::meeting_id,
    resolutions::number,
    resolutions::text,
    resolutions::outcome,
    resolutions::created_at,
    resolutions::created_by,
);

fn with_votes(conn: &mut DbConnection, rows: Vec<ResolutionRow>) -> Result<Vec<Resolution>, DbError> {
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let votes: Vec<(Id, Id, String)> = resolution_votes::table
        .filter(resolution_votes::resolution_id.eq_any(ids))
        .select((
            resolution_votes::resolution_id,
            resolution_votes::organization_id,
            resolution_votes::vote,
        ))
        .order((resolution_votes::resolution_id, resolution_votes::organization_id))
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let mine = votes
                .iter()
                .filter(|v| v.0 == r.id)
                .map(|v| Ok((v.1 .0, Vote::parse(&v.2).map_err(|_| bad(&v.2))?)))
                .collect::<Result<Vec<_>, DbError>>()?;
            Ok(Resolution {
                id: r.id.0,
                meeting_id: r.meeting_id.0,
                number: r.number,
                text: r.text,
                outcome: ResolutionOutcome::parse(&r.outcome).map_err(|_| bad(&r.outcome))?,
                votes: mine,
                created_at: r.created_at,
                created_by: actors::read(r.created_by)?,
            })
        })
        .collect()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Resolution>, DbError> {
    let rows: Vec<ResolutionRow> = resolutions::table
        .filter(resolutions::id.eq(Id(id)))
        .select(RESOLUTION_COLUMNS)
        .load(conn)?;
    Ok(with_votes(conn, rows)?.pop())
}

/// A meeting's resolutions in number order.
pub fn of_meeting(conn: &mut DbConnection, meeting: Uuid) -> Result<Vec<Resolution>, DbError> {
    let rows: Vec<ResolutionRow> = resolutions::table
        .filter(resolutions::meeting_id.eq(Id(meeting)))
        .select(RESOLUTION_COLUMNS)
        .order(resolutions::number.asc())
        .load(conn)?;
    with_votes(conn, rows)
}

/// A stored action item row.
#[derive(Queryable)]
struct ItemRow {
    id: Id,
    resolution_id: Id,
    meeting_id: Id,
    what: String,
    owner_id: Id,
    organization_id: Id,
    due_on: NaiveDate,
    status: String,
    status_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

type ItemColumns = (
    action_items::id,
    action_items::resolution_id,
    action_items::meeting_id,
    action_items::what,
    action_items::owner_id,
    action_items::organization_id,
    action_items::due_on,
    action_items::status,
    action_items::status_reason,
    action_items::created_at,
    action_items::updated_at,
    action_items::version,
    action_items::created_by,
    action_items::updated_by,
);

const ITEM_COLUMNS: ItemColumns = (
    action_items::id,
    action_items::resolution_id,
    action_items::meeting_id,
    action_items::what,
    action_items::owner_id,
    action_items::organization_id,
    action_items::due_on,
    action_items::status,
    action_items::status_reason,
    action_items::created_at,
    action_items::updated_at,
    action_items::version,
    action_items::created_by,
    action_items::updated_by,
);

fn to_item(r: ItemRow) -> Result<ActionItem, DbError> {
    Ok(ActionItem {
        id: r.id.0,
        resolution_id: r.resolution_id.0,
        meeting_id: r.meeting_id.0,
        what: r.what,
        owner_id: r.owner_id.0,
        organization_id: r.organization_id.0,
        due_on: r.due_on,
        status: ActionItemStatus::parse(&r.status).map_err(|_| bad(&r.status))?,
        status_reason: r.status_reason,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        created_by: actors::read(r.created_by)?,
        updated_by: actors::read(r.updated_by)?,
    })
}

pub fn insert_item(conn: &mut DbConnection, i: &ActionItem) -> Result<(), DbError> {
    diesel::insert_into(action_items::table)
        .values((
            action_items::id.eq(Id(i.id)),
            action_items::resolution_id.eq(Id(i.resolution_id)),
            action_items::meeting_id.eq(Id(i.meeting_id)),
            action_items::what.eq(&i.what),
            action_items::owner_id.eq(Id(i.owner_id)),
            action_items::organization_id.eq(Id(i.organization_id)),
            action_items::due_on.eq(i.due_on),
            action_items::status.eq(i.status.as_str()),
            action_items::status_reason.eq(&i.status_reason),
            action_items::created_at.eq(i.created_at),
            action_items::updated_at.eq(i.updated_at),
            action_items::version.eq(i.version),
            action_items::created_by.eq(actors::stored(i.created_by)),
            action_items::updated_by.eq(actors::stored(i.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_item(conn: &mut DbConnection, id: Uuid) -> Result<Option<ActionItem>, DbError> {
    action_items::table
        .filter(action_items::id.eq(Id(id)))
        .select(ITEM_COLUMNS)
        .first::<ItemRow>(conn)
        .optional()?
        .map(to_item)
        .transpose()
}

/// Writes the item's status (the only thing that changes once it is set).
pub fn update_item(conn: &mut DbConnection, i: &ActionItem, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        action_items::table.filter(
            action_items::id
                .eq(Id(i.id))
                .and(action_items::version.eq(expected_version)),
        ),
    )
    .set((
        action_items::status.eq(i.status.as_str()),
        action_items::status_reason.eq(&i.status_reason),
        action_items::updated_at.eq(i.updated_at),
        action_items::version.eq(i.version),
        action_items::updated_by.eq(actors::stored(i.updated_by)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The action items of several resolutions, each resolution's in creation order.
pub fn items_of(conn: &mut DbConnection, resolutions: &[Uuid]) -> Result<Vec<ActionItem>, DbError> {
    let rows: Vec<ItemRow> = action_items::table
        .filter(action_items::resolution_id.eq_any(resolutions.iter().copied().map(Id).collect::<Vec<_>>()))
        .select(ITEM_COLUMNS)
        .order((action_items::created_at.asc(), action_items::id.asc()))
        .load(conn)?;
    rows.into_iter().map(to_item).collect()
}

#[derive(Debug, Clone)]
pub struct ActionItemFilter {
    pub organization_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    pub status: Option<ActionItemStatus>,
    /// Open and due before this day.
    pub overdue_on: Option<NaiveDate>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list_items(conn: &mut DbConnection, f: &ActionItemFilter) -> Result<Page<ActionItem>, DbError> {
    let mut query = action_items::table.select(ITEM_COLUMNS).into_boxed::<MultiBackend>();
    if let Some(org) = f.organization_id {
        query = query.filter(action_items::organization_id.eq(Id(org)));
    }
    if let Some(owner) = f.owner_id {
        query = query.filter(action_items::owner_id.eq(Id(owner)));
    }
    if let Some(meeting) = f.meeting_id {
        query = query.filter(action_items::meeting_id.eq(Id(meeting)));
    }
    if let Some(status) = f.status {
        query = query.filter(action_items::status.eq(status.as_str()));
    }
    if let Some(today) = f.overdue_on {
        query = query
            .filter(action_items::status.eq(ActionItemStatus::Open.as_str()))
            .filter(action_items::due_on.lt(today));
    }
    if let Some(day) = f.due_before {
        query = query.filter(action_items::due_on.lt(day));
    }
    if let Some(day) = f.due_after {
        query = query.filter(action_items::due_on.gt(day));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<ItemRow> = keyset!(query, action_items::created_at, action_items::id, f.direction, after)
        .limit(i64::from(f.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_item).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}
