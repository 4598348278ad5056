//! Resolutions of a held meeting, numbered 1, 2, 3… per meeting, and their action items:
//! `open → done | dropped`, listed across the cooperation.

use chrono::NaiveDate;
use hamkari_domain::auth::Resource;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::resolution::{
    resolution_text, votes, what, ActionItem, ActionItemStatus, Resolution, ResolutionOutcome, Vote,
};
use hamkari_domain::validation::clean_text;
use hamkari_domain::ValidationErrors;
use hamkari_persistence::page::Page;
pub use hamkari_persistence::resolutions::ActionItemFilter;
use hamkari_persistence::{members, resolutions as store, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::meetings::refused;
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

/// A resolution with its action items.
#[derive(Debug, Clone)]
pub struct ResolutionView {
    pub resolution: Resolution,
    pub action_items: Vec<ActionItem>,
}

pub struct NewResolution {
    pub text: String,
    pub outcome: ResolutionOutcome,
    pub votes: Vec<(Uuid, Vote)>,
}

/// Records a resolution of a held meeting under the next number. The meeting's row lock
/// (PostgreSQL; SQLite's write transaction holds the whole database) serializes concurrent
/// resolutions, so each takes a distinct number.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    meeting: Uuid,
    command: NewResolution,
) -> Result<ResolutionView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Meetings)?;
    let mut errors = ValidationErrors::default();
    let text = errors.check("text", resolution_text(&command.text));
    let votes = errors.check("votes", votes(command.votes));
    let (text, votes) = match (text, votes) {
        (Some(t), Some(v)) => (t, v),
        _ => return Err(errors.into()),
    };
    let allowed = policy::meeting(conn, &caller.principal, Action::Update, meeting)?;
    allowed.resource.check_held().map_err(refused)?;
    if let Some((org, _)) = votes.iter().find(|(org, _)| !allowed.owners.contains(org)) {
        return Err(AppError::invalid(
            "votes",
            "not_participating",
            format!("the organization {org} does not take part in the meeting"),
        ));
    }
    let resolution = Resolution {
        id: hamkari_domain::new_id(),
        meeting_id: meeting,
        number: store::next_number(conn, meeting)?,
        text,
        outcome: command.outcome,
        votes,
        created_at: now(),
        created_by: Some(caller.actor_ref()),
    };
    store::insert(conn, &resolution)?;
    record(
        conn,
        caller,
        Change::new("resolution", resolution.id, "created", &allowed.owners).after(&resolution)?,
    )?;
    Ok(ResolutionView {
        resolution,
        action_items: Vec::new(),
    })
}

/// A meeting's resolutions in number order, each with its action items.
pub fn of_meeting(conn: &mut DbConnection, caller: &Caller, meeting: Uuid) -> Result<Vec<ResolutionView>, AppError> {
    policy::meeting(conn, &caller.principal, Action::Read, meeting)?;
    let resolutions = store::of_meeting(conn, meeting)?;
    let ids: Vec<Uuid> = resolutions.iter().map(|r| r.id).collect();
    let mut items = store::items_of(conn, &ids)?;
    Ok(resolutions
        .into_iter()
        .map(|resolution| {
            let (mine, rest) = items.drain(..).partition(|i| i.resolution_id == resolution.id);
            items = rest;
            ResolutionView {
                resolution,
                action_items: mine,
            }
        })
        .collect())
}

pub struct NewActionItem {
    pub what: String,
    pub owner_id: Uuid,
    pub organization_id: Uuid,
    pub due_on: NaiveDate,
}

/// Adds an action item to a resolution: the responsible organization takes part in the
/// meeting, and the owner belongs to one of the meeting's organizations.
pub fn add_item(
    conn: &mut DbConnection,
    caller: &Caller,
    resolution: Uuid,
    command: NewActionItem,
) -> Result<ActionItem, AppError> {
    policy::precheck_write(&caller.principal, Resource::Meetings)?;
    let what = what(&command.what).map_err(|p| AppError::invalid("what", p.code, p.message))?;
    let found =
        store::find(conn, resolution)?.ok_or_else(|| AppError::NotFound("No resolution has this id.".into()))?;
    let allowed = policy::meeting(conn, &caller.principal, Action::Update, found.meeting_id)?;
    let mut errors = ValidationErrors::default();
    if !allowed.owners.contains(&command.organization_id) {
        errors.push(hamkari_domain::FieldError::new(
            "organization_id",
            "not_participating",
            "is not one of the meeting's organizations",
        ));
    }
    let owner_orgs = match members::find(conn, command.owner_id)? {
        Some(_) => members::organizations_of(conn, command.owner_id)?,
        None => {
            errors.push(hamkari_domain::FieldError::new(
                "owner_id",
                "not_found",
                "no member has this id",
            ));
            Vec::new()
        }
    };
    if errors.is_empty() && !owner_orgs.iter().any(|o| allowed.owners.contains(o)) {
        errors.push(hamkari_domain::FieldError::new(
            "owner_id",
            "not_participating",
            "the person belongs to none of the meeting's organizations",
        ));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let at = now();
    let item = ActionItem {
        id: hamkari_domain::new_id(),
        resolution_id: resolution,
        meeting_id: found.meeting_id,
        what,
        owner_id: command.owner_id,
        organization_id: command.organization_id,
        due_on: command.due_on,
        status: ActionItemStatus::Open,
        status_reason: None,
        created_at: at,
        updated_at: at,
        created_by: Some(caller.actor_ref()),
        updated_by: Some(caller.actor_ref()),
        version: 1,
    };
    store::insert_item(conn, &item)?;
    record(
        conn,
        caller,
        Change::new("action_item", item.id, "created", &allowed.owners).after(&item)?,
    )?;
    Ok(item)
}

pub fn get_item(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<ActionItem, AppError> {
    Ok(policy::action_item(conn, &caller.principal, Action::Read, id)?.resource)
}

pub fn list_items(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &ActionItemFilter,
) -> Result<Page<ActionItem>, AppError> {
    policy::list(&caller.principal, Resource::Meetings)?;
    Ok(store::list_items(conn, filter)?)
}

/// `open → done | dropped`.
pub fn transition_item(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: ActionItemStatus,
    reason: Option<String>,
) -> Result<ActionItem, AppError> {
    let allowed = policy::action_item(conn, &caller.principal, Action::Update, id)?;
    let reason = reason
        .map(|r| clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| AppError::invalid("reason", p.code, p.message))?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut item = before.clone();
    item.transition(to, reason, now(), caller.actor_ref())
        .map_err(|allowed| {
            let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            let detail = if allowed.is_empty() {
                format!(
                    "The action item is {}, a final state; it cannot move.",
                    before.status.as_str()
                )
            } else {
                format!(
                    "The action item is {}; it can move to: {}.",
                    before.status.as_str(),
                    allowed.join(", ")
                )
            };
            AppError::field_conflict("illegal_transition", "to", detail)
        })?;
    saved(store::update_item(conn, &item, before.version)?, before.version)?;
    record(
        conn,
        caller,
        Change::new("action_item", id, "transitioned", &allowed.owners)
            .before(&before)?
            .after(&item)?,
    )?;
    Ok(item)
}
