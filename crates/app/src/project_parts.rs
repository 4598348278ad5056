//! A project's parts: the organizations taking part and the team. Both count towards the
//! project's version.

use hamkari_domain::approval::Approvable;
use hamkari_domain::auth::Resource;
use hamkari_domain::project::{check_participants, ParticipantRole, Project, ProjectStatus};
use hamkari_persistence::roster::{ProjectTeam, Roster};
use hamkari_persistence::{organizations, projects as store, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action, Allowed};
use crate::projects::{touch, view, Participant, ProjectView, KIND};
use crate::roster::{RosterRules, Words};

fn not_participating() -> AppError {
    AppError::NotFound("This organization does not take part in this project.".into())
}

fn invariant(message: &str) -> AppError {
    AppError::conflict("participation_rule", format!("Refused: {message}."))
}

pub fn participant(conn: &mut DbConnection, caller: &Caller, id: Uuid, org: Uuid) -> Result<Participant, AppError> {
    policy::project(conn, &caller.principal, Action::Read, id)?;
    store::participants(conn, id)?
        .into_iter()
        .find(|p| p.organization_id == org)
        .ok_or_else(not_participating)
}

/// Adds an organization or changes its role. Naming a new lead demotes the old one; the
/// lead itself cannot be demoted (a project keeps exactly one).
pub fn set_participant(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    org: Uuid,
    role: ParticipantRole,
) -> Result<ProjectView, AppError> {
    let Allowed {
        resource: mut project,
        owners,
    } = policy::project(conn, &caller.principal, Action::Update, id)?;
    organizations::find(conn, org)?.ok_or_else(|| AppError::NotFound("No organization has this id.".into()))?;
    let participants = store::participants(conn, id)?;
    let before = participants.iter().find(|p| p.organization_id == org).map(|p| p.role);
    let current_lead = participants
        .iter()
        .find(|p| p.role == ParticipantRole::Lead)
        .map(|p| p.organization_id);
    if current_lead == Some(org) && role != ParticipantRole::Lead {
        return Err(invariant(
            "a joint project has exactly one lead; make another organization lead first",
        ));
    }
    if role == ParticipantRole::Lead {
        if let Some(old) = current_lead.filter(|old| *old != org) {
            store::set_participant(conn, id, old, ParticipantRole::Partner)?;
        }
    }
    store::set_participant(conn, id, org, role)?;
    let after: Vec<_> = store::participants(conn, id)?
        .into_iter()
        .map(|p| (p.organization_id, p.role))
        .collect();
    check_participants(&after).map_err(|e| invariant(e.message()))?;
    touch(conn, caller, &mut project)?;
    let action = if before.is_some() {
        "participant_updated"
    } else {
        "participant_added"
    };
    let owners_before = owners.clone();
    let mut concerned = owners;
    concerned.push(org);
    let mut change = Change::new(KIND, id, action, &concerned);
    change.before = before.map(|role| json!({"organization_id": org, "role": role}));
    change.after = Some(json!({"organization_id": org, "role": role}));
    record(conn, caller, change)?;
    if before.is_none() && project.status == ProjectStatus::Proposed {
        crate::approvals::reset_on_new_party(conn, caller, Approvable::Project, id, &owners_before, &concerned)?;
    }
    view(conn, project)
}

/// Removes an organization: never the lead, never below two, never while team members
/// represent it.
pub fn remove_participant(conn: &mut DbConnection, caller: &Caller, id: Uuid, org: Uuid) -> Result<(), AppError> {
    let Allowed {
        resource: mut project,
        owners,
    } = policy::project(conn, &caller.principal, Action::Update, id)?;
    let participants = store::participants(conn, id)?;
    let gone = participants
        .iter()
        .find(|p| p.organization_id == org)
        .ok_or_else(not_participating)?;
    let after: Vec<_> = participants
        .iter()
        .filter(|p| p.organization_id != org)
        .map(|p| (p.organization_id, p.role))
        .collect();
    check_participants(&after).map_err(|e| invariant(e.message()))?;
    if ProjectTeam::represents(conn, id, org)? {
        return Err(invariant(
            "team members still represent this organization; move or remove them first",
        ));
    }
    store::remove_participant(conn, id, org)?;
    if project.status == ProjectStatus::Proposed {
        crate::approvals::forget_leaver(conn, Approvable::Project, id, org)?;
    }
    touch(conn, caller, &mut project)?;
    let mut change = Change::new(KIND, id, "participant_removed", &owners);
    change.before = Some(json!({"organization_id": org, "role": gone.role}));
    record(conn, caller, change)
}

/// The team: a person represents an organization taking part.
impl RosterRules for ProjectTeam {
    type Parent = Project;

    const WORDS: Words = Words {
        scope: Resource::Projects,
        resource: KIND,
        added: "team_member_added",
        updated: "team_member_updated",
        removed: "team_member_removed",
        already: ("already_on_team", "The person is on the team already."),
        absent: "This person is not on the team.",
        outside: ("not_participating", "does not take part in this project"),
    };

    fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        action: Action,
        parent: Uuid,
    ) -> Result<Allowed<Project>, AppError> {
        policy::project(conn, &caller.principal, action, parent)
    }

    fn touched(conn: &mut DbConnection, caller: &Caller, project: &mut Project) -> Result<(), AppError> {
        touch(conn, caller, project)
    }
}
