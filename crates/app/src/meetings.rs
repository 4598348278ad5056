//! Meetings: created for a working group, a joint project or two or more organizations,
//! whose organizations then decide who may change the meeting; `scheduled → held |
//! cancelled`; calendars. Its agenda, attendees and minutes: [`crate::meeting_parts`].

use hamkari_domain::auth::Resource;
use hamkari_domain::meeting::{Host, Meeting, MeetingChanges, MeetingConflict, MeetingInput, MeetingStatus};
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::validation::clean_text;
use hamkari_domain::ValidationErrors;
pub use hamkari_persistence::meetings::{MeetingFilter, MeetingOrganization};
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::page::Page;
use hamkari_persistence::{meetings as store, projects, working_groups, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action, Allowed};
use crate::versions::{check_if_match, saved};

pub(crate) const KIND: &str = "meeting";

/// A meeting with the organizations taking part.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub organizations: Vec<MeetingOrganization>,
}

pub(crate) fn view(conn: &mut DbConnection, meeting: Meeting) -> Result<MeetingView, AppError> {
    let organizations = store::organizations_of(conn, meeting.id)?;
    Ok(MeetingView { meeting, organizations })
}

/// The one mapping of a meeting's state refusals to 409s.
pub(crate) fn refused(conflict: MeetingConflict) -> AppError {
    match conflict {
        MeetingConflict::NotScheduled(status) => AppError::conflict(
            "meeting_not_scheduled",
            format!("The meeting is {}; only a scheduled meeting changes.", status.as_str()),
        ),
        MeetingConflict::NotHeld(status) => AppError::conflict(
            "meeting_not_held",
            format!(
                "The meeting is {}; resolutions are recorded on a held meeting.",
                status.as_str()
            ),
        ),
        MeetingConflict::NotStarted => AppError::conflict(
            "meeting_not_started",
            "The meeting has not begun; minutes are written once it starts.",
        ),
        MeetingConflict::MinutesFinalized => {
            AppError::conflict("minutes_finalized", "The minutes are finalized and no longer change.")
        }
        MeetingConflict::NoMinutes => AppError::conflict("no_minutes", "There are no minutes to finalize yet."),
        MeetingConflict::MinutesNotFinalized => AppError::field_conflict(
            "minutes_not_finalized",
            "to",
            "A meeting is held once its minutes are finalized.",
        ),
        MeetingConflict::IllegalTransition { from, allowed } => {
            let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            let detail = if allowed.is_empty() {
                format!("The meeting is {}, a final state; it cannot move.", from.as_str())
            } else {
                format!(
                    "The meeting is {}; it can move to: {}.",
                    from.as_str(),
                    allowed.join(", ")
                )
            };
            AppError::field_conflict("illegal_transition", "to", detail)
        }
    }
}

/// The organizations of the host, which must exist (422 naming the field otherwise).
fn host_organizations(conn: &mut DbConnection, host: &Host) -> Result<Vec<Uuid>, AppError> {
    match host {
        Host::WorkingGroup(id) => {
            if working_groups::find(conn, *id)?.is_none() {
                return Err(AppError::invalid(
                    "working_group_id",
                    "not_found",
                    "no working group has this id",
                ));
            }
            Ok(working_groups::organizations_of(conn, *id)?
                .into_iter()
                .map(|o| o.organization_id)
                .collect())
        }
        Host::Project(id) => {
            if projects::find(conn, *id)?.is_none() {
                return Err(AppError::invalid("project_id", "not_found", "no project has this id"));
            }
            Ok(projects::participants(conn, *id)?
                .into_iter()
                .map(|p| p.organization_id)
                .collect())
        }
        Host::Organizations(ids) => {
            if let Some(first) = missing_organizations(conn, ids)?.first() {
                return Err(AppError::invalid(
                    "organization_ids",
                    "not_found",
                    format!("no organization has the id {first}"),
                ));
            }
            Ok(ids.clone())
        }
    }
}

pub struct NewMeeting {
    pub input: MeetingInput,
    pub working_group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub organization_ids: Option<Vec<Uuid>>,
}

pub fn create(conn: &mut DbConnection, caller: &Caller, command: NewMeeting) -> Result<MeetingView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Meetings)?;
    let mut errors = ValidationErrors::default();
    let host = Host::parse(command.working_group_id, command.project_id, command.organization_ids)
        .map_err(|e| errors.push(e))
        .ok();
    let meeting = Meeting::create(command.input, hamkari_domain::new_id(), now());
    let (mut meeting, host) = match (meeting, host) {
        (Ok(m), Some(h)) if errors.is_empty() => (m, h),
        (Err(more), _) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
        _ => return Err(errors.into()),
    };
    let organizations = host_organizations(conn, &host)?;
    policy::create_joint(&caller.principal, Resource::Meetings, &organizations)?;
    match host {
        Host::WorkingGroup(id) => meeting.working_group_id = Some(id),
        Host::Project(id) => meeting.project_id = Some(id),
        Host::Organizations(_) => {}
    }
    meeting.created_by = Some(caller.actor_ref());
    meeting.updated_by = meeting.created_by;
    store::insert(conn, &meeting, &organizations)?;
    record(
        conn,
        caller,
        Change::new(KIND, meeting.id, "created", &organizations).after(&meeting)?,
    )?;
    view(conn, meeting)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &MeetingFilter) -> Result<Page<MeetingView>, AppError> {
    policy::list(&caller.principal, Resource::Meetings)?;
    let page = store::list(conn, filter)?;
    let ids: Vec<Uuid> = page.items.iter().map(|m| m.id).collect();
    let mut organizations = store::organizations_of_many(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|meeting| MeetingView {
            organizations: organizations.remove(&meeting.id).unwrap_or_default(),
            meeting,
        })
        .collect();
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<MeetingView, AppError> {
    let meeting = policy::meeting(conn, &caller.principal, Action::Read, id)?.resource;
    view(conn, meeting)
}

/// Loads a meeting to change it: allowed, `If-Match` checked.
pub(crate) fn for_change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
) -> Result<Allowed<Meeting>, AppError> {
    let allowed = policy::meeting(conn, &caller.principal, Action::Update, id)?;
    check_if_match(if_match, allowed.resource.version)?;
    Ok(allowed)
}

/// Stores a changed meeting (a new version) and its one event.
pub(crate) fn save(
    conn: &mut DbConnection,
    caller: &Caller,
    allowed: &Allowed<Meeting>,
    mut meeting: Meeting,
    change: impl FnOnce(&Meeting) -> Result<Change, AppError>,
) -> Result<Meeting, AppError> {
    let before = allowed.resource.version;
    meeting.version = before;
    meeting.touch(now(), caller.actor_ref());
    saved(store::update(conn, &meeting, before)?, before)?;
    record(conn, caller, change(&meeting)?)?;
    Ok(meeting)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: MeetingChanges,
) -> Result<MeetingView, AppError> {
    let allowed = for_change(conn, caller, id, if_match)?;
    let before = allowed.resource.clone();
    before.check_scheduled().map_err(refused)?;
    let mut meeting = before.clone();
    if !meeting.apply(changes)? {
        return view(conn, before);
    }
    let meeting = save(conn, caller, &allowed, meeting, |after| {
        Change::new(KIND, id, "updated", &allowed.owners)
            .before(&before)?
            .after(after)
    })?;
    view(conn, meeting)
}

/// Deletes a meeting that is still scheduled (a held one is a record; a cancelled one stays
/// in calendars as cancelled).
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::meeting(conn, &caller.principal, Action::Delete, id)?;
    let meeting = allowed.resource;
    check_if_match(if_match, meeting.version)?;
    meeting.check_scheduled().map_err(refused)?;
    saved(store::delete(conn, id, meeting.version)?, meeting.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&meeting)?,
    )
}

/// `scheduled → held` (needs finalized minutes) or `scheduled → cancelled`.
pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: MeetingStatus,
    reason: Option<String>,
) -> Result<MeetingView, AppError> {
    let allowed = for_change(conn, caller, id, if_match)?;
    let reason = reason
        .map(|r| clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| AppError::invalid("reason", p.code, p.message))?;
    let before = allowed.resource.clone();
    let mut meeting = before.clone();
    meeting.transition(to, reason).map_err(refused)?;
    let meeting = save(conn, caller, &allowed, meeting, |after| {
        Change::new(KIND, id, "transitioned", &allowed.owners)
            .before(&before)?
            .after(after)
    })?;
    view(conn, meeting)
}

/// The meetings a calendar shows: those of an organization, or of a working group.
pub enum Calendar {
    Organization(Uuid),
    WorkingGroup(Uuid),
}

/// The most meetings one calendar feed holds (the latest by start).
const CALENDAR_SIZE: u32 = 200;

pub fn calendar(conn: &mut DbConnection, caller: &Caller, of: Calendar) -> Result<Vec<Meeting>, AppError> {
    policy::list(&caller.principal, Resource::Meetings)?;
    let (organization_id, working_group_id) = match of {
        Calendar::Organization(id) => {
            if hamkari_persistence::organizations::find(conn, id)?.is_none() {
                return Err(AppError::NotFound("No organization has this id.".into()));
            }
            (Some(id), None)
        }
        Calendar::WorkingGroup(id) => {
            if working_groups::find(conn, id)?.is_none() {
                return Err(AppError::NotFound("No working group has this id.".into()));
            }
            (None, Some(id))
        }
    };
    let filter = MeetingFilter {
        organization_id,
        working_group_id,
        project_id: None,
        status: None,
        from: None,
        to: None,
        direction: hamkari_persistence::page::Direction::Desc,
        after: None,
        limit: CALENDAR_SIZE,
    };
    Ok(store::list(conn, &filter)?.items)
}
