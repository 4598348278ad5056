//! Meeting queries: meetings, the organizations taking part, the agenda and the attendees.

use chrono::NaiveDateTime;
use diesel::prelude::*;
pub use hamkari_domain::meeting::Attendee;
use hamkari_domain::meeting::{AgendaItem, AttendeeStatus, Meeting, MeetingKind, MeetingStatus};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{meeting_agenda_items, meeting_attendees, meeting_organizations, meetings, organizations};
use crate::search;
use crate::sql_types::Id;

/// A stored meeting row, in the column order of [`COLUMNS`].
#[derive(Queryable)]
struct MeetingRow {
    id: Id,
    title: String,
    kind: String,
    status: String,
    status_reason: Option<String>,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    time_zone: String,
    place: Option<String>,
    online_url: Option<String>,
    working_group_id: Option<Id>,
    project_id: Option<Id>,
    minutes: Option<String>,
    minutes_finalized_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

type Columns = (
    meetings::id,
    meetings::title,
    meetings::kind,
    meetings::status,
    meetings::status_reason,
    meetings::starts_at,
    meetings::ends_at,
    meetings::time_zone,
    meetings::place,
    meetings::online_url,
    meetings::working_group_id,
    meetings::project_id,
    meetings::minutes,
    meetings::minutes_finalized_at,
    meetings::created_at,
    meetings::updated_at,
    meetings::version,
    meetings::created_by,
    meetings::updated_by,
);

const COLUMNS: Columns = (
    meetings::id,
    meetings::title,
    meetings::kind,
    meetings::status,
    meetings::status_reason,
    meetings::starts_at,
    meetings::ends_at,
    meetings::time_zone,
    meetings::place,
    meetings::online_url,
    meetings::working_group_id,
    meetings::project_id,
    meetings::minutes,
    meetings::minutes_finalized_at,
    meetings::created_at,
    meetings::updated_at,
    meetings::version,
    meetings::created_by,
    meetings::updated_by,
);

fn bad(raw: &str) -> DbError {
    DbError::corrupt(format!("unexpected stored value {raw:?}"))
}

fn to_meeting(r: MeetingRow) -> Result<Meeting, DbError> {
    Ok(Meeting {
        id: r.id.0,
        title: r.title,
        kind: MeetingKind::parse(&r.kind).map_err(|_| bad(&r.kind))?,
        status: MeetingStatus::parse(&r.status).map_err(|_| bad(&r.status))?,
        status_reason: r.status_reason,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        time_zone: r.time_zone,
        place: r.place,
        online_url: r.online_url,
        working_group_id: r.working_group_id.map(|i| i.0),
        project_id: r.project_id.map(|i| i.0),
        minutes: r.minutes,
        minutes_finalized_at: r.minutes_finalized_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        created_by: actors::read(r.created_by)?,
        updated_by: actors::read(r.updated_by)?,
    })
}

pub fn insert(conn: &mut DbConnection, m: &Meeting, organizations: &[Uuid]) -> Result<(), DbError> {
    diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(Id(m.id)),
            meetings::title.eq(&m.title),
            meetings::kind.eq(m.kind.as_str()),
            meetings::status.eq(m.status.as_str()),
            meetings::status_reason.eq(&m.status_reason),
            meetings::starts_at.eq(m.starts_at),
            meetings::ends_at.eq(m.ends_at),
            meetings::time_zone.eq(&m.time_zone),
            meetings::place.eq(&m.place),
            meetings::online_url.eq(&m.online_url),
            meetings::working_group_id.eq(m.working_group_id.map(Id)),
            meetings::project_id.eq(m.project_id.map(Id)),
            meetings::minutes.eq(&m.minutes),
            meetings::minutes_finalized_at.eq(m.minutes_finalized_at),
            meetings::created_at.eq(m.created_at),
            meetings::updated_at.eq(m.updated_at),
            meetings::version.eq(m.version),
            meetings::created_by.eq(actors::stored(m.created_by)),
            meetings::updated_by.eq(actors::stored(m.updated_by)),
        ))
        .execute(conn)?;
    for organization in organizations {
        diesel::insert_into(meeting_organizations::table)
            .values((
                meeting_organizations::meeting_id.eq(Id(m.id)),
                meeting_organizations::organization_id.eq(Id(*organization)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Meeting>, DbError> {
    meetings::table
        .filter(meetings::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<MeetingRow>(conn)
        .optional()?
        .map(to_meeting)
        .transpose()
}

/// Writes every field of a meeting whose stored version is `expected_version`.
pub fn update(conn: &mut DbConnection, m: &Meeting, expected_version: i64) -> Result<bool, DbError> {
    let updated =
        diesel::update(meetings::table.filter(meetings::id.eq(Id(m.id)).and(meetings::version.eq(expected_version))))
            .set((
                meetings::title.eq(&m.title),
                meetings::kind.eq(m.kind.as_str()),
                meetings::status.eq(m.status.as_str()),
                meetings::status_reason.eq(&m.status_reason),
                meetings::starts_at.eq(m.starts_at),
                meetings::ends_at.eq(m.ends_at),
                meetings::time_zone.eq(&m.time_zone),
                meetings::place.eq(&m.place),
                meetings::online_url.eq(&m.online_url),
                meetings::minutes.eq(&m.minutes),
                meetings::minutes_finalized_at.eq(m.minutes_finalized_at),
                meetings::updated_at.eq(m.updated_at),
                meetings::version.eq(m.version),
                meetings::updated_by.eq(actors::stored(m.updated_by)),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes a scheduled meeting with its agenda, attendees and organizations.
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    // Attendees first: their foreign key to the meeting's organizations restricts those.
    diesel::delete(meeting_attendees::table.filter(meeting_attendees::meeting_id.eq(Id(id)))).execute(conn)?;
    let deleted =
        diesel::delete(meetings::table.filter(meetings::id.eq(Id(id)).and(meetings::version.eq(expected_version))))
            .execute(conn)?;
    Ok(deleted == 1)
}

/// An organization taking part in a meeting, with its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingOrganization {
    pub organization_id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

pub fn organizations_of(conn: &mut DbConnection, meeting: Uuid) -> Result<Vec<MeetingOrganization>, DbError> {
    Ok(organizations_of_many(conn, &[meeting])?
        .remove(&meeting)
        .unwrap_or_default())
}

/// The organizations of several meetings in one query, for a page of meetings.
pub fn organizations_of_many(
    conn: &mut DbConnection,
    meetings: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<MeetingOrganization>>, DbError> {
    let mut by_meeting: std::collections::HashMap<Uuid, Vec<MeetingOrganization>> = Default::default();
    if meetings.is_empty() {
        return Ok(by_meeting);
    }
    let rows: Vec<(Id, Id, String, Option<String>, String)> = meeting_organizations::table
        .inner_join(organizations::table)
        .filter(meeting_organizations::meeting_id.eq_any(meetings.iter().copied().map(Id).collect::<Vec<_>>()))
        .select((
            meeting_organizations::meeting_id,
            meeting_organizations::organization_id,
            organizations::name,
            organizations::name_en,
            organizations::slug,
        ))
        .order(organizations::name.asc())
        .load(conn)?;
    for r in rows {
        by_meeting.entry(r.0 .0).or_default().push(MeetingOrganization {
            organization_id: r.1 .0,
            name: r.2,
            name_en: r.3,
            slug: r.4,
        });
    }
    Ok(by_meeting)
}

pub fn agenda_of(conn: &mut DbConnection, meeting: Uuid) -> Result<Vec<AgendaItem>, DbError> {
    let rows: Vec<(String, Option<String>)> = meeting_agenda_items::table
        .filter(meeting_agenda_items::meeting_id.eq(Id(meeting)))
        .select((meeting_agenda_items::title, meeting_agenda_items::notes))
        .order(meeting_agenda_items::position.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(title, notes)| AgendaItem { title, notes })
        .collect())
}

/// Makes the agenda exactly `items`, in order.
pub fn set_agenda(conn: &mut DbConnection, meeting: Uuid, items: &[AgendaItem]) -> Result<(), DbError> {
    diesel::delete(meeting_agenda_items::table.filter(meeting_agenda_items::meeting_id.eq(Id(meeting))))
        .execute(conn)?;
    for (position, item) in (1..).zip(items) {
        diesel::insert_into(meeting_agenda_items::table)
            .values((
                meeting_agenda_items::meeting_id.eq(Id(meeting)),
                meeting_agenda_items::position.eq(position),
                meeting_agenda_items::title.eq(&item.title),
                meeting_agenda_items::notes.eq(&item.notes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn attendees_of(conn: &mut DbConnection, meeting: Uuid) -> Result<Vec<Attendee>, DbError> {
    use crate::schema::members;
    let rows: Vec<(Id, String, Option<Id>, String)> = meeting_attendees::table
        .inner_join(members::table.on(members::id.eq(meeting_attendees::member_id)))
        .filter(meeting_attendees::meeting_id.eq(Id(meeting)))
        .select((
            meeting_attendees::member_id,
            members::full_name,
            meeting_attendees::organization_id,
            meeting_attendees::status,
        ))
        .order((meeting_attendees::created_at.asc(), meeting_attendees::member_id.asc()))
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(Attendee {
                member_id: r.0 .0,
                full_name: r.1,
                organization_id: r.2.map(|i| i.0),
                status: AttendeeStatus::parse(&r.3).map_err(|_| bad(&r.3))?,
            })
        })
        .collect()
}

/// Adds the person or changes how they attend.
pub fn set_attendee(
    conn: &mut DbConnection,
    meeting: Uuid,
    member: Uuid,
    organization: Option<Uuid>,
    status: AttendeeStatus,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let changed = diesel::update(
        meeting_attendees::table
            .filter(meeting_attendees::meeting_id.eq(Id(meeting)))
            .filter(meeting_attendees::member_id.eq(Id(member))),
    )
    .set((
        meeting_attendees::organization_id.eq(organization.map(Id)),
        meeting_attendees::status.eq(status.as_str()),
    ))
    .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(meeting_attendees::table)
            .values((
                meeting_attendees::meeting_id.eq(Id(meeting)),
                meeting_attendees::member_id.eq(Id(member)),
                meeting_attendees::organization_id.eq(organization.map(Id)),
                meeting_attendees::status.eq(status.as_str()),
                meeting_attendees::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove_attendee(conn: &mut DbConnection, meeting: Uuid, member: Uuid) -> Result<bool, DbError> {
    let removed = diesel::delete(
        meeting_attendees::table
            .filter(meeting_attendees::meeting_id.eq(Id(meeting)))
            .filter(meeting_attendees::member_id.eq(Id(member))),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

#[derive(Debug, Clone)]
pub struct MeetingFilter {
    pub organization_id: Option<Uuid>,
    pub working_group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub status: Option<MeetingStatus>,
    /// Meetings ending at or after this time.
    pub from: Option<NaiveDateTime>,
    /// Meetings starting before this time.
    pub to: Option<NaiveDateTime>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

/// Meetings in start order.
pub fn list(conn: &mut DbConnection, f: &MeetingFilter) -> Result<Page<Meeting>, DbError> {
    let mut query = meetings::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(org) = f.organization_id {
        query = query.filter(search::linked_to(
            "meetings",
            "meeting_organizations",
            "meeting_id",
            "organization_id",
            org,
        ));
    }
    if let Some(group) = f.working_group_id {
        query = query.filter(meetings::working_group_id.eq(Id(group)));
    }
    if let Some(project) = f.project_id {
        query = query.filter(meetings::project_id.eq(Id(project)));
    }
    if let Some(status) = f.status {
        query = query.filter(meetings::status.eq(status.as_str()));
    }
    if let Some(from) = f.from {
        query = query.filter(meetings::ends_at.ge(from));
    }
    if let Some(to) = f.to {
        query = query.filter(meetings::starts_at.lt(to));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<MeetingRow> = keyset!(query, meetings::starts_at, meetings::id, f.direction, after)
        .limit(i64::from(f.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_meeting).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}
