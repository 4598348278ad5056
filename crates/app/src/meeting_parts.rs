//! A meeting's parts: the agenda (replaced whole), the attendees, and the minutes (drafted
//! once the meeting has begun, finalized once). Each change bumps the meeting's version.

use hamkari_domain::meeting::{agenda, minutes_text, AgendaItem, Attendee, AttendeeStatus};
use hamkari_domain::precondition::IfMatch;
use hamkari_persistence::{meetings as store, members, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::Change;
use crate::meetings::{for_change, refused, save, view, MeetingView, KIND};
use crate::policy::{self, Action};

pub fn agenda_of(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(Vec<AgendaItem>, i64), AppError> {
    let meeting = policy::meeting(conn, &caller.principal, Action::Read, id)?.resource;
    Ok((store::agenda_of(conn, id)?, meeting.version))
}

/// Replaces the whole agenda, in the given order; returns it with the meeting's new version.
pub fn set_agenda(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    items: Vec<(String, Option<String>)>,
) -> Result<(Vec<AgendaItem>, i64), AppError> {
    let items = agenda(items)?;
    let allowed = for_change(conn, caller, id, if_match)?;
    allowed.resource.check_scheduled().map_err(refused)?;
    let before = store::agenda_of(conn, id)?;
    if before == items {
        return Ok((items, allowed.resource.version));
    }
    store::set_agenda(conn, id, &items)?;
    let meeting = save(conn, caller, &allowed, allowed.resource.clone(), |_| {
        Change::new(KIND, id, "agenda_replaced", &allowed.owners)
            .before(&json!({ "agenda": before }))?
            .after(&json!({ "agenda": items }))
    })?;
    Ok((items, meeting.version))
}

pub fn attendees_of(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(Vec<Attendee>, i64), AppError> {
    let meeting = policy::meeting(conn, &caller.principal, Action::Read, id)?.resource;
    Ok((store::attendees_of(conn, id)?, meeting.version))
}

/// Records how a person attends: they represent one of the meeting's organizations, which
/// they belong to; a guest may represent none.
pub fn set_attendee(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    member: Uuid,
    organization: Option<Uuid>,
    status: AttendeeStatus,
) -> Result<Attendee, AppError> {
    let allowed = policy::meeting(conn, &caller.principal, Action::Update, id)?;
    allowed.resource.check_scheduled().map_err(refused)?;
    if members::find(conn, member)?.is_none() {
        return Err(AppError::invalid("member_id", "not_found", "no member has this id"));
    }
    match (organization, status) {
        (Some(org), _) if !allowed.owners.contains(&org) => {
            return Err(AppError::invalid(
                "organization_id",
                "not_participating",
                "is not one of the meeting's organizations",
            ))
        }
        (Some(org), s) if s != AttendeeStatus::Guest && !members::organizations_of(conn, member)?.contains(&org) => {
            return Err(AppError::invalid(
                "member_id",
                "not_a_member",
                "the person has no membership in this organization",
            ))
        }
        (None, s) if s != AttendeeStatus::Guest => {
            return Err(AppError::invalid(
                "organization_id",
                "required",
                "an attendee other than a guest represents one of the meeting's organizations",
            ))
        }
        _ => {}
    }
    let before = store::attendees_of(conn, id)?
        .into_iter()
        .find(|a| a.member_id == member);
    store::set_attendee(conn, id, member, organization, status, now())?;
    let after = store::attendees_of(conn, id)?
        .into_iter()
        .find(|a| a.member_id == member)
        .ok_or_else(|| AppError::internal("the attendee just written is missing"))?;
    if before.as_ref() == Some(&after) {
        return Ok(after);
    }
    save(conn, caller, &allowed, allowed.resource.clone(), |_| {
        let change = Change::new(KIND, id, "attendee_set", &allowed.owners).after(&after)?;
        match &before {
            Some(before) => change.before(before),
            None => Ok(change),
        }
    })?;
    Ok(after)
}

pub fn remove_attendee(conn: &mut DbConnection, caller: &Caller, id: Uuid, member: Uuid) -> Result<(), AppError> {
    let allowed = policy::meeting(conn, &caller.principal, Action::Update, id)?;
    allowed.resource.check_scheduled().map_err(refused)?;
    let before = store::attendees_of(conn, id)?
        .into_iter()
        .find(|a| a.member_id == member)
        .ok_or_else(|| AppError::NotFound("This person is not an attendee of the meeting.".into()))?;
    store::remove_attendee(conn, id, member)?;
    save(conn, caller, &allowed, allowed.resource.clone(), |_| {
        Change::new(KIND, id, "attendee_removed", &allowed.owners).before(&before)
    })?;
    Ok(())
}

/// Drafts the minutes: allowed once the meeting has begun, until they are finalized.
pub fn draft_minutes(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    text: String,
) -> Result<MeetingView, AppError> {
    let text = minutes_text(&text).map_err(|p| AppError::invalid("text", p.code, p.message))?;
    let allowed = for_change(conn, caller, id, if_match)?;
    let before = allowed.resource.clone();
    let mut meeting = before.clone();
    meeting.draft_minutes(text, now()).map_err(refused)?;
    let meeting = save(conn, caller, &allowed, meeting, |after| {
        Change::new(KIND, id, "minutes_drafted", &allowed.owners)
            .before(&json!({ "minutes": before.minutes }))?
            .after(&json!({ "minutes": after.minutes }))
    })?;
    view(conn, meeting)
}

pub fn finalize_minutes(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
) -> Result<MeetingView, AppError> {
    let allowed = for_change(conn, caller, id, if_match)?;
    let mut meeting = allowed.resource.clone();
    meeting.finalize_minutes(now()).map_err(refused)?;
    let meeting = save(conn, caller, &allowed, meeting, |after| {
        Change::new(KIND, id, "minutes_finalized", &allowed.owners)
            .after(&json!({ "minutes": after.minutes, "minutes_finalized_at": after.minutes_finalized_at }))
    })?;
    view(conn, meeting)
}
