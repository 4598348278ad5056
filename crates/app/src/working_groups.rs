//! Working groups: formed by one or several organizations, with one chair and, in a joint
//! group, a co-chair per organization.

use hamkari_domain::approval::Approvable;
use hamkari_domain::auth::Resource;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::working_group::{
    check_group_roles, organization_set, GroupRole, GroupRoleConflict, GroupStatus, WorkingGroup, WorkingGroupChanges,
    WorkingGroupInput,
};
use hamkari_domain::ValidationErrors;
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::page::Page;
use hamkari_persistence::roster::{Entry, GroupMembers, Roster};
pub use hamkari_persistence::working_groups::{GroupFilter, GroupOrganization};
use hamkari_persistence::{projects, working_groups as store, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action, Allowed};
use crate::roster::{RosterRules, Words};
use crate::versions::{check_if_match, saved};

pub(crate) const KIND: &str = "working_group";

/// A group with the organizations forming it.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub group: WorkingGroup,
    pub organizations: Vec<GroupOrganization>,
}

pub(crate) fn view(conn: &mut DbConnection, group: WorkingGroup) -> Result<GroupView, AppError> {
    let organizations = store::organizations_of(conn, group.id)?;
    Ok(GroupView { group, organizations })
}

/// Referenced organizations and project must exist (422 otherwise).
fn check_refs(conn: &mut DbConnection, organizations: &[Uuid], project: Option<Uuid>) -> Result<(), AppError> {
    if let Some(first) = missing_organizations(conn, organizations)?.first() {
        return Err(AppError::invalid(
            "organization_ids",
            "not_found",
            format!("no organization has the id {first}"),
        ));
    }
    if let Some(project) = project {
        if projects::find(conn, project)?.is_none() {
            return Err(AppError::invalid("project_id", "not_found", "no project has this id"));
        }
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    input: WorkingGroupInput,
    organization_ids: Vec<Uuid>,
) -> Result<GroupView, AppError> {
    policy::precheck_write(&caller.principal, Resource::WorkingGroups)?;
    let mut errors = ValidationErrors::default();
    let organizations = errors.check("organization_ids", organization_set(organization_ids));
    let group = WorkingGroup::create(input, hamkari_domain::new_id(), now());
    let (mut group, organizations) = match (group, organizations) {
        (Ok(g), Some(o)) if errors.is_empty() => (g, o),
        (Err(more), _) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
        _ => return Err(errors.into()),
    };
    policy::create_joint(&caller.principal, Resource::WorkingGroups, &organizations)?;
    group.created_by = Some(caller.actor_ref());
    group.updated_by = group.created_by;
    check_refs(conn, &organizations, group.project_id)?;
    crate::agreements::check_falls_under(conn, group.agreement_id, &organizations)?;
    store::insert(conn, &group)?;
    store::set_organizations(conn, group.id, &organizations)?;
    record(
        conn,
        caller,
        Change::new(KIND, group.id, "created", &organizations).after(&group)?,
    )?;
    view(conn, group)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &GroupFilter) -> Result<Page<GroupView>, AppError> {
    policy::list(&caller.principal, Resource::WorkingGroups)?;
    let page = store::list(conn, filter)?;
    let ids: Vec<Uuid> = page.items.iter().map(|g| g.id).collect();
    let mut organizations = store::organizations_of_many(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|group| GroupView {
            organizations: organizations.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect();
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<GroupView, AppError> {
    let group = policy::working_group(conn, &caller.principal, Action::Read, id)?.resource;
    view(conn, group)
}

/// Changes a group; `organization_ids`, when given, replaces the set. The set is compared
/// as a set: the same organizations in another order change nothing.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: WorkingGroupChanges,
    organization_ids: Option<Vec<Uuid>>,
) -> Result<GroupView, AppError> {
    let organizations = organization_ids
        .map(|ids| organization_set(ids).map_err(|p| AppError::invalid("organization_ids", p.code, p.message)))
        .transpose()?;
    let allowed = policy::working_group(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    let mut group = before.clone();
    // An invalid body is refused whatever the version: 422 before 412.
    let mut changed = group.apply(changes, now())?;
    check_if_match(if_match, before.version)?;
    crate::group_transitions::check_activation(conn, id, before.status, group.status, &allowed.owners)?;
    check_refs(conn, organizations.as_deref().unwrap_or(&[]), group.project_id)?;
    let members_after = organizations.clone().unwrap_or_else(|| allowed.owners.clone());
    crate::agreements::check_falls_under(conn, group.agreement_id, &members_after)?;
    let mut current = allowed.owners.clone();
    current.sort();
    let mut concerned = allowed.owners.clone();
    if let Some(ids) = organizations.filter(|ids| *ids != current) {
        for gone in current.iter().filter(|c| !ids.contains(c)) {
            if GroupMembers::represents(conn, id, *gone)? {
                return Err(AppError::field_conflict(
                    "still_represented",
                    "organization_ids",
                    format!("Members still represent the organization {gone}; move or remove them first."),
                ));
            }
        }
        store::set_organizations(conn, id, &ids)?;
        if before.status == GroupStatus::Proposed {
            for gone in current.iter().filter(|c| !ids.contains(c)) {
                crate::approvals::forget_leaver(conn, Approvable::WorkingGroup, id, *gone)?;
            }
            crate::approvals::reset_on_new_party(conn, caller, Approvable::WorkingGroup, id, &current, &ids)?;
        }
        concerned.extend(ids);
        if !changed {
            group.version += 1;
            group.updated_at = now().max(group.updated_at);
            changed = true;
        }
    }
    if changed {
        group.updated_by = Some(caller.actor_ref());
        saved(store::update(conn, &group, before.version)?, before.version)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &concerned)
                .before(&before)?
                .after(&group)?,
        )?;
    }
    view(conn, group)
}

/// Deletes a group with its members.
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::working_group(conn, &caller.principal, Action::Delete, id)?;
    let group = allowed.resource;
    check_if_match(if_match, group.version)?;
    crate::approvals::forget(conn, Approvable::WorkingGroup, id)?;
    hamkari_persistence::status_changes::delete_all(conn, KIND, id)?;
    saved(store::delete(conn, id, group.version)?, group.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&group)?,
    )
}

fn role_conflict(conflict: GroupRoleConflict) -> AppError {
    let detail = match conflict {
        GroupRoleConflict::SecondChair => "The group has a chair already.",
        GroupRoleConflict::SecondCoChair => "This organization has a co-chair in the group already.",
    };
    AppError::field_conflict("group_role_taken", "role", detail)
}

/// The members: a person represents one of the group's organizations.
impl RosterRules for GroupMembers {
    type Parent = WorkingGroup;

    const WORDS: Words = Words {
        scope: Resource::WorkingGroups,
        resource: KIND,
        added: "member_added",
        updated: "member_updated",
        removed: "member_removed",
        already: ("already_in_group", "The person is in the group already."),
        absent: "This person is not in the group.",
        outside: ("not_in_group", "is not one of the group's organizations"),
    };

    fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        action: Action,
        parent: Uuid,
    ) -> Result<Allowed<WorkingGroup>, AppError> {
        policy::working_group(conn, &caller.principal, action, parent)
    }

    fn check_roles(others: &[Entry<GroupRole>], candidate: &Entry<GroupRole>) -> Result<(), AppError> {
        let others: Vec<_> = others
            .iter()
            .map(|m| (m.member_id, m.organization_id, m.role))
            .collect();
        check_group_roles(
            (candidate.member_id, candidate.organization_id, candidate.role),
            &others,
        )
        .map_err(role_conflict)
    }
}
