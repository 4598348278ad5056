//! Joint projects: several organizations, exactly one lead, a status lifecycle whose every
//! step is kept with who made it.

use hamkari_domain::approval::Approvable;
use hamkari_domain::auth::Resource;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::project::{
    check_participants, ParticipantRole, Project, ProjectChanges, ProjectInput, ProjectStatus,
};
use hamkari_domain::validation::clean_text;
use hamkari_domain::{ActorRef, FieldError, ValidationErrors};
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::page::Page;
pub use hamkari_persistence::projects::{Participant, ProjectFilter, Transition};
use hamkari_persistence::{projects as store, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

pub(crate) const KIND: &str = "project";

/// A project with the organizations taking part.
#[derive(Debug, Clone)]
pub struct ProjectView {
    pub project: Project,
    pub participants: Vec<Participant>,
}

/// A new project: its description, its lead and the other organizations taking part.
#[derive(Debug)]
pub struct NewProject {
    pub input: ProjectInput,
    pub lead_organization_id: Uuid,
    pub organization_ids: Vec<Uuid>,
}

/// Who made a step of a project's history, as far as it is still known.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user` or `api_token`.
    pub kind: &'static str,
    pub id: Uuid,
    /// The user's display name or the token's name; `None` once they are deleted.
    pub name: Option<String>,
}

/// One step of a project's history: its creation, then each stored transition.
#[derive(Debug, Clone)]
pub struct TransitionView {
    /// The transition's id; the creation, which is not stored as a transition, takes the
    /// project's.
    pub id: Uuid,
    /// `None` for the creation.
    pub from: Option<ProjectStatus>,
    pub to: ProjectStatus,
    pub reason: Option<String>,
    pub at: chrono::NaiveDateTime,
    pub actor: Option<Actor>,
}

impl TransitionView {
    /// The keyset position of this entry in the history.
    pub fn key(&self) -> (chrono::NaiveDateTime, Uuid) {
        (self.at, self.id)
    }
}

pub(crate) fn view(conn: &mut DbConnection, project: Project) -> Result<ProjectView, AppError> {
    let participants = store::participants(conn, project.id)?;
    Ok(ProjectView { project, participants })
}

/// Records that a project's parts (organizations, team) changed: its version covers them,
/// so `ETag`s and `If-Match` see the change.
pub(crate) fn touch(conn: &mut DbConnection, caller: &Caller, project: &mut Project) -> Result<(), AppError> {
    let before = project.version;
    project.version += 1;
    project.updated_at = now().max(project.updated_at);
    project.updated_by = Some(caller.actor_ref());
    saved(store::update(conn, project, before)?, before)
}

pub fn create(conn: &mut DbConnection, caller: &Caller, command: NewProject) -> Result<ProjectView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Projects)?;
    let mut participants = vec![(command.lead_organization_id, ParticipantRole::Lead)];
    for id in command.organization_ids {
        if !participants.iter().any(|(p, _)| *p == id) {
            participants.push((id, ParticipantRole::Partner));
        }
    }
    let mut errors = ValidationErrors::default();
    if let Err(e) = check_participants(&participants) {
        errors.push(FieldError::new("organization_ids", "too_few", e.message()));
    }
    let mut project = match Project::create(command.input, hamkari_domain::new_id(), now()) {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(errors.into()),
        Err(more) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
    };
    project.created_by = Some(caller.actor_ref());
    project.updated_by = project.created_by;
    let ids: Vec<Uuid> = participants.iter().map(|(id, _)| *id).collect();
    policy::create_joint(&caller.principal, Resource::Projects, &ids)?;
    if let Some(first) = missing_organizations(conn, &ids)?.first() {
        return Err(AppError::invalid(
            "organization_ids",
            "not_found",
            format!("no organization has the id {first}"),
        ));
    }
    crate::agreements::check_falls_under(conn, project.agreement_id, &ids)?;
    store::insert(conn, &project)?;
    for (org, role) in &participants {
        store::set_participant(conn, project.id, *org, *role)?;
    }
    record(
        conn,
        caller,
        Change::new(KIND, project.id, "created", &ids).after(&project)?,
    )?;
    view(conn, project)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &ProjectFilter) -> Result<Page<ProjectView>, AppError> {
    policy::list(&caller.principal, Resource::Projects)?;
    let page = store::list(conn, filter)?;
    let ids: Vec<Uuid> = page.items.iter().map(|p| p.id).collect();
    let mut participants = store::participants_of_many(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|project| ProjectView {
            participants: participants.remove(&project.id).unwrap_or_default(),
            project,
        })
        .collect();
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<ProjectView, AppError> {
    let project = policy::project(conn, &caller.principal, Action::Read, id)?.resource;
    view(conn, project)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: ProjectChanges,
) -> Result<ProjectView, AppError> {
    let allowed = policy::project(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    let mut project = before.clone();
    // An invalid body is refused whatever the version: 422 before 412.
    let changed = project.apply(changes, now())?;
    check_if_match(if_match, before.version)?;
    if changed {
        if project.agreement_id != before.agreement_id {
            crate::agreements::check_falls_under(conn, project.agreement_id, &allowed.owners)?;
        }
        project.updated_by = Some(caller.actor_ref());
        saved(store::update(conn, &project, before.version)?, before.version)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &allowed.owners)
                .before(&before)?
                .after(&project)?,
        )?;
    }
    view(conn, project)
}

/// Deletes a project with its organizations, team and history.
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::project(conn, &caller.principal, Action::Delete, id)?;
    let project = allowed.resource;
    check_if_match(if_match, project.version)?;
    crate::approvals::forget(conn, Approvable::Project, id)?;
    saved(store::delete(conn, id, project.version)?, project.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&project)?,
    )
}

fn illegal(from: ProjectStatus, allowed: &[ProjectStatus]) -> AppError {
    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    let detail = if allowed.is_empty() {
        format!("The project is {}, a final state; it cannot move.", from.as_str())
    } else {
        format!(
            "The project is {}; it can move to: {}.",
            from.as_str(),
            allowed.join(", ")
        )
    };
    AppError::field_conflict("illegal_transition", "to", detail)
}

/// Moves a project to `to`, keeping the step; returns it with the project's new version.
pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: ProjectStatus,
    reason: Option<String>,
) -> Result<(TransitionView, i64), AppError> {
    let allowed = policy::project(conn, &caller.principal, Action::Update, id)?;
    let reason = reason
        .map(|r| clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| AppError::invalid("reason", p.code, p.message))?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut project = before.clone();
    let at = now();
    let from = project.transition(to, at).map_err(|e| illegal(e.from, &e.allowed))?;
    if from == ProjectStatus::Proposed && to == ProjectStatus::Approved {
        crate::approvals::require_all(conn, Approvable::Project, id, &allowed.owners)?;
    }
    project.updated_by = Some(caller.actor_ref());
    saved(store::update(conn, &project, before.version)?, before.version)?;
    let (by_user, by_token) = match caller.actor() {
        ("user", actor) => (Some(actor), None),
        (_, actor) => (None, Some(actor)),
    };
    let transition = Transition {
        id: hamkari_domain::new_id(),
        from,
        to,
        reason,
        by_user,
        by_token,
        at,
    };
    store::record_transition(conn, id, &transition)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "transitioned", &allowed.owners)
            .before(&before)?
            .after(&project)?,
    )?;
    let mut views = with_names(conn, vec![stored(transition)])?;
    Ok((views.remove(0), project.version))
}

/// A page of a project's history, oldest first, after `after` (at, id).
///
/// The history starts with the creation, read from the project itself (`created_at`,
/// `created_by`). It is first whatever the clocks said when the transitions were stored, so
/// its own key as a cursor means "from the first stored transition" rather than a keyset
/// position: every entry then shows once however the history is paged.
pub fn transitions(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    after: Option<(chrono::NaiveDateTime, Uuid)>,
    limit: u32,
) -> Result<Page<TransitionView>, AppError> {
    let project = policy::project(conn, &caller.principal, Action::Read, id)?.resource;
    let creation = creation(&project);
    let (first, after) = match after {
        None => (Some(creation), None),
        Some(key) if key == creation.key() => (None, None),
        Some(key) => (None, Some(key)),
    };
    let stored_limit = limit.saturating_sub(u32::from(first.is_some()));
    let page = store::transitions(conn, id, after, stored_limit)?;
    let items = first.into_iter().chain(page.items.into_iter().map(stored)).collect();
    Ok(Page {
        has_more: page.has_more,
        items: with_names(conn, items)?,
    })
}

/// The first entry of every project's history: from nothing to the initial status.
fn creation(project: &Project) -> TransitionView {
    TransitionView {
        id: project.id,
        from: None,
        to: ProjectStatus::INITIAL,
        reason: None,
        at: project.created_at,
        actor: project
            .created_by
            .and_then(|by| match by {
                ActorRef::User(id) => Some(("user", id)),
                ActorRef::ApiToken(id) => Some(("api_token", id)),
                // Nobody creates projects as the system; an unnamed actor is shown as unknown.
                ActorRef::System => None,
            })
            .map(unnamed),
    }
}

fn stored(t: Transition) -> TransitionView {
    let actor = match (t.by_user, t.by_token) {
        (Some(id), _) => Some(("user", id)),
        (None, Some(id)) => Some(("api_token", id)),
        (None, None) => None,
    };
    TransitionView {
        id: t.id,
        from: Some(t.from),
        to: t.to,
        reason: t.reason,
        at: t.at,
        actor: actor.map(unnamed),
    }
}

fn unnamed((kind, id): (&'static str, Uuid)) -> Actor {
    Actor { kind, id, name: None }
}

/// Names the actors of `entries` in one lookup per kind.
fn with_names(conn: &mut DbConnection, mut entries: Vec<TransitionView>) -> Result<Vec<TransitionView>, AppError> {
    let ids_of = |kind: &str| -> Vec<Uuid> {
        entries
            .iter()
            .filter_map(|e| e.actor.as_ref().filter(|a| a.kind == kind).map(|a| a.id))
            .collect()
    };
    let names = store::actor_names(conn, &ids_of("user"), &ids_of("api_token"))?;
    for actor in entries.iter_mut().filter_map(|e| e.actor.as_mut()) {
        actor.name = names.get(&actor.id).cloned();
    }
    Ok(entries)
}
