//! Capacity request queries: requests, the steps each took (with who took them) and the
//! comments either side wrote.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::capacity_request::{CapacityRequest, RequestStatus};
use hamkari_domain::ActorRef;
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{capacity_request_comments as comments, capacity_request_steps as steps, capacity_requests};
use crate::sql_types::Id;

type Row = (
    Id,
    Id,
    Id,
    Id,
    String,
    Option<Id>,
    Option<Id>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
    String,
    NaiveDateTime,
    NaiveDateTime,
    i64,
    Option<String>,
    Option<String>,
);

type Columns = (
    capacity_requests::id,
    capacity_requests::capacity_id,
    capacity_requests::provider_id,
    capacity_requests::organization_id,
    capacity_requests::purpose,
    capacity_requests::project_id,
    capacity_requests::agreement_id,
    capacity_requests::needed_from,
    capacity_requests::needed_until,
    capacity_requests::quantity,
    capacity_requests::status,
    capacity_requests::created_at,
    capacity_requests::updated_at,
    capacity_requests::version,
    capacity_requests::created_by,
    capacity_requests::updated_by,
);

const COLUMNS: Columns = (
    capacity_requests::id,
    capacity_requests::capacity_id,
    capacity_requests::provider_id,
    capacity_requests::organization_id,
    capacity_requests::purpose,
    capacity_requests::project_id,
    capacity_requests::agreement_id,
    capacity_requests::needed_from,
    capacity_requests::needed_until,
    capacity_requests::quantity,
    capacity_requests::status,
    capacity_requests::created_at,
    capacity_requests::updated_at,
    capacity_requests::version,
    capacity_requests::created_by,
    capacity_requests::updated_by,
);

fn to_request(r: Row) -> Result<CapacityRequest, DbError> {
    Ok(CapacityRequest {
        id: r.0 .0,
        capacity_id: r.1 .0,
        provider_id: r.2 .0,
        organization_id: r.3 .0,
        purpose: r.4,
        project_id: r.5.map(|i| i.0),
        agreement_id: r.6.map(|i| i.0),
        needed_from: r.7,
        needed_until: r.8,
        quantity: r.9,
        status: RequestStatus::parse(&r.10).map_err(|_| DbError::corrupt(format!("unexpected status {:?}", r.10)))?,
        created_at: r.11,
        updated_at: r.12,
        version: r.13,
        created_by: actors::read(r.14)?,
        updated_by: actors::read(r.15)?,
    })
}

pub fn insert(conn: &mut DbConnection, r: &CapacityRequest) -> Result<(), DbError> {
    diesel::insert_into(capacity_requests::table)
        .values((
            capacity_requests::id.eq(Id(r.id)),
            capacity_requests::capacity_id.eq(Id(r.capacity_id)),
            capacity_requests::provider_id.eq(Id(r.provider_id)),
            capacity_requests::organization_id.eq(Id(r.organization_id)),
            capacity_requests::purpose.eq(&r.purpose),
            capacity_requests::project_id.eq(r.project_id.map(Id)),
            capacity_requests::agreement_id.eq(r.agreement_id.map(Id)),
            capacity_requests::needed_from.eq(r.needed_from),
            capacity_requests::needed_until.eq(r.needed_until),
            capacity_requests::quantity.eq(&r.quantity),
            capacity_requests::status.eq(r.status.as_str()),
            capacity_requests::created_at.eq(r.created_at),
            capacity_requests::updated_at.eq(r.updated_at),
            capacity_requests::version.eq(r.version),
            capacity_requests::created_by.eq(actors::stored(r.created_by)),
            capacity_requests::updated_by.eq(actors::stored(r.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<CapacityRequest>, DbError> {
    capacity_requests::table
        .filter(capacity_requests::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(to_request)
        .transpose()
}

/// Writes the new status if the row still has `expected_version`.
pub fn update_status(conn: &mut DbConnection, r: &CapacityRequest, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        capacity_requests::table.filter(
            capacity_requests::id
                .eq(Id(r.id))
                .and(capacity_requests::version.eq(expected_version)),
        ),
    )
    .set((
        capacity_requests::status.eq(r.status.as_str()),
        capacity_requests::updated_at.eq(r.updated_at),
        capacity_requests::version.eq(r.version),
        capacity_requests::updated_by.eq(actors::stored(r.updated_by)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// One step of a request: from nothing to `requested` at its creation, then each transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: Uuid,
    pub from: Option<RequestStatus>,
    pub to: RequestStatus,
    /// The side it acted for.
    pub organization_id: Uuid,
    pub by: ActorRef,
    pub at: NaiveDateTime,
}

pub fn insert_step(conn: &mut DbConnection, request: Uuid, s: &Step) -> Result<(), DbError> {
    diesel::insert_into(steps::table)
        .values((
            steps::id.eq(Id(s.id)),
            steps::request_id.eq(Id(request)),
            steps::from_status.eq(s.from.map(|f| f.as_str())),
            steps::to_status.eq(s.to.as_str()),
            steps::organization_id.eq(Id(s.organization_id)),
            steps::by_actor.eq(s.by.to_stored()),
            steps::at.eq(s.at),
        ))
        .execute(conn)?;
    Ok(())
}

type StepRow = (Id, Option<String>, String, Id, String, NaiveDateTime);

pub fn steps(conn: &mut DbConnection, request: Uuid) -> Result<Vec<Step>, DbError> {
    let rows: Vec<StepRow> = steps::table
        .filter(steps::request_id.eq(Id(request)))
        .select((
            steps::id,
            steps::from_status,
            steps::to_status,
            steps::organization_id,
            steps::by_actor,
            steps::at,
        ))
        .order((steps::at, steps::id))
        .load(conn)?;
    let status = |s: &str| RequestStatus::parse(s).map_err(|_| DbError::corrupt(format!("unexpected status {s:?}")));
    rows.into_iter()
        .map(|r| {
            Ok(Step {
                id: r.0 .0,
                from: r.1.as_deref().map(status).transpose()?,
                to: status(&r.2)?,
                organization_id: r.3 .0,
                by: actors::read(Some(r.4))?.ok_or_else(|| DbError::corrupt("a step without its actor".into()))?,
                at: r.5,
            })
        })
        .collect()
}

/// A comment on a request, by one of its two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: Uuid,
    pub request_id: Uuid,
    pub organization_id: Uuid,
    pub body: String,
    pub created_by: ActorRef,
    pub created_at: NaiveDateTime,
}

pub fn insert_comment(conn: &mut DbConnection, c: &Comment) -> Result<(), DbError> {
    diesel::insert_into(comments::table)
        .values((
            comments::id.eq(Id(c.id)),
            comments::request_id.eq(Id(c.request_id)),
            comments::organization_id.eq(Id(c.organization_id)),
            comments::body.eq(&c.body),
            comments::created_by.eq(c.created_by.to_stored()),
            comments::created_at.eq(c.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

type CommentRow = (Id, Id, Id, String, String, NaiveDateTime);

/// A page of a request's comments, oldest first, after `after` (created_at, id).
pub fn comments(
    conn: &mut DbConnection,
    request: Uuid,
    after: Option<(NaiveDateTime, Uuid)>,
    limit: u32,
) -> Result<Page<Comment>, DbError> {
    let query = comments::table
        .filter(comments::request_id.eq(Id(request)))
        .select((
            comments::id,
            comments::request_id,
            comments::organization_id,
            comments::body,
            comments::created_by,
            comments::created_at,
        ))
        .into_boxed::<MultiBackend>();
    let rows: Vec<CommentRow> = keyset!(query, comments::created_at, comments::id, Direction::Asc, after)
        .limit(i64::from(limit) + 1)
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(Comment {
                id: r.0 .0,
                request_id: r.1 .0,
                organization_id: r.2 .0,
                body: r.3,
                created_by: actors::read(Some(r.4))?
                    .ok_or_else(|| DbError::corrupt("a comment without its author".into()))?,
                created_at: r.5,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(Page::from_rows(items, limit))
}

#[derive(Debug, Clone)]
pub struct RequestFilter {
    /// The caller's organizations when it sees only the requests they are a side of;
    /// `None` for every request.
    pub visible_to: Option<Vec<Uuid>>,
    pub offered_by: Option<Uuid>,
    pub requested_by: Option<Uuid>,
    pub capacity_id: Option<Uuid>,
    pub status: Option<RequestStatus>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, f: &RequestFilter) -> Result<Page<CapacityRequest>, DbError> {
    let mut query = capacity_requests::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(orgs) = &f.visible_to {
        let ids: Vec<Id> = orgs.iter().copied().map(Id).collect();
        query = query.filter(
            capacity_requests::provider_id
                .eq_any(ids.clone())
                .or(capacity_requests::organization_id.eq_any(ids)),
        );
    }
    if let Some(org) = f.offered_by {
        query = query.filter(capacity_requests::provider_id.eq(Id(org)));
    }
    if let Some(org) = f.requested_by {
        query = query.filter(capacity_requests::organization_id.eq(Id(org)));
    }
    if let Some(capacity) = f.capacity_id {
        query = query.filter(capacity_requests::capacity_id.eq(Id(capacity)));
    }
    if let Some(status) = f.status {
        query = query.filter(capacity_requests::status.eq(status.as_str()));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<Row> = keyset!(
        query,
        capacity_requests::created_at,
        capacity_requests::id,
        f.direction,
        after
    )
    .limit(i64::from(f.limit) + 1)
    .load(conn)?;
    let items = rows.into_iter().map(to_request).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}

/// Whether anyone ever requested the capacity.
pub fn requested(conn: &mut DbConnection, capacity: Uuid) -> Result<bool, DbError> {
    let count: i64 = capacity_requests::table
        .filter(capacity_requests::capacity_id.eq(Id(capacity)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}
