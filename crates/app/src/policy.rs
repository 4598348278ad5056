//! The one authorization policy. Every use case asks it before touching data:
//! `(principal, action, resource)` in, the loaded resource (with the organizations that own
//! it) out, or why not.
//!
//! The rules, in one place:
//! - Reading: every user reads everything; an API token needs the resource's read scope.
//!   What a caller may not see at all (another organization's audit events) answers 404.
//! - Writing needs the resource's write scope (tokens) and the editor or admin role (users).
//!   Admins and unbound tokens act for every organization; editors and bound tokens act for
//!   their own organizations only. A write on something the caller can see but not change
//!   answers 403.
//! - Who owns what decides which organizations a writer must act for:
//!   - an organization, a membership: that one organization;
//!   - a joint project or working group: any one of the participating organizations;
//!   - a meeting with its agenda, attendees, minutes, resolutions and action items: any one
//!     of the organizations taking part in the meeting;
//!   - an agreement: any one of its parties;
//!   - an organization's approval of a joint item: that very organization (admins act for
//!     all; an editor or a bound token only for their own), with the item's write scope;
//!   - a member, who belongs to every organization they have a membership in: every one of
//!     them (a member in no organization yet is open to any writer). So adding a person to A
//!     gives A no rights over what B recorded, and a forced delete cannot remove B's
//!     memberships unless the caller may write for B too.
//! - Creating and deleting organizations, and everything about users, API tokens and the
//!   whole audit log: administrators (never a token).
//! - The change feed: administrators and unbound tokens follow every organization's events,
//!   other users and bound tokens those concerning their organizations; a token sees an
//!   event only with the read scope of its resource; events about users, API tokens and
//!   webhooks reach administrators only. Webhooks receive what their audience would.
//! - Webhooks: administrators manage all; an editor those of their organizations.
//! - Capacities and capacity requests are the exception to "every user reads everything":
//!   see [`capacities`].

use hamkari_domain::agreement::Agreement;
use hamkari_domain::auth::{Principal, Resource, Role, Subject};
use hamkari_domain::meeting::Meeting;
use hamkari_domain::member::Member;
use hamkari_domain::organization::Organization;
use hamkari_domain::project::Project;
use hamkari_domain::resolution::ActionItem;
use hamkari_domain::webhook::Webhook;
use hamkari_domain::working_group::WorkingGroup;
use hamkari_persistence::locks::{lock_row, Locked};
use hamkari_persistence::memberships::MembershipView;
use hamkari_persistence::{agreements, meetings, resolutions};
use hamkari_persistence::{members, memberships, organizations, projects, webhooks, working_groups, DbConnection};
use uuid::Uuid;

use crate::error::AppError;

mod capacities;
pub use capacities::{capacity, capacity_audience, capacity_request, capacity_view};

/// What the caller wants to do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Update,
    Delete,
}

/// A resource the caller was allowed to act on, loaded with the organizations that own it.
#[derive(Debug, Clone)]
pub struct Allowed<T> {
    pub resource: T,
    pub owners: Vec<Uuid>,
}

/// How a resource's owners limit who may change it.
#[derive(Debug, Clone, Copy)]
enum Ownership {
    /// One organization, or a joint item: acting for any owner suffices.
    AnyOwner,
    /// A shared record: the caller must act for every owner.
    EveryOwner,
}

fn check(
    principal: &Principal,
    scope: Resource,
    action: Action,
    owners: &[Uuid],
    ownership: Ownership,
) -> Result<(), AppError> {
    match (action, ownership) {
        (Action::Read, _) => principal.require_read(scope)?,
        (_, Ownership::AnyOwner) => principal.require_write_for_any(scope, owners)?,
        (_, Ownership::EveryOwner) => principal.require_write_for_every(scope, owners)?,
    }
    Ok(())
}

/// Before loading: refuse a caller who could not do this to any resource of the kind, so a
/// missing scope answers 403 whether or not the id exists.
fn precheck(principal: &Principal, scope: Resource, action: Action) -> Result<(), AppError> {
    match action {
        Action::Read => principal.require_read(scope)?,
        Action::Update | Action::Delete => principal.require_write(scope)?,
    }
    Ok(())
}

/// A change locks the row first, so concurrent writers without `If-Match` queue instead of
/// failing each other's version checks.
fn lock_for(conn: &mut DbConnection, action: Action, table: Locked, id: Uuid) -> Result<(), AppError> {
    if action != Action::Read {
        lock_row(conn, table, id)?;
    }
    Ok(())
}

fn not_found(what: &str) -> AppError {
    AppError::NotFound(format!("No {what} has this id."))
}

/// Listing or searching a kind of resource.
pub fn list(principal: &Principal, scope: Resource) -> Result<(), AppError> {
    Ok(principal.require_read(scope)?)
}

/// Creating a record that no organization owns yet (a member).
pub fn create_unowned(principal: &Principal, scope: Resource) -> Result<(), AppError> {
    Ok(principal.require_write(scope)?)
}

/// Creating something owned by `organization` (a membership).
pub fn create_for(principal: &Principal, scope: Resource, organization: Uuid) -> Result<(), AppError> {
    Ok(principal.require_write_for(scope, organization)?)
}

/// Creating a joint item (a project, a working group) for these organizations: the caller
/// acts for at least one of them.
pub fn create_joint(principal: &Principal, scope: Resource, organizations: &[Uuid]) -> Result<(), AppError> {
    Ok(principal.require_write_for_any(scope, organizations)?)
}

/// Creating or deleting whole organizations.
pub fn manage_organizations(principal: &Principal) -> Result<(), AppError> {
    Ok(principal.require_manage_organizations()?)
}

/// Users and API tokens: administrators only, never a token.
pub fn administer(principal: &Principal) -> Result<(), AppError> {
    Ok(principal.require_admin()?)
}

/// Whose audit events the caller may read: `None` for all (administrators), the caller's
/// organizations for an editor; viewers and tokens are refused.
pub fn audit_scope(principal: &Principal) -> Result<Option<Vec<Uuid>>, AppError> {
    match (principal.subject, principal.role) {
        (Subject::User(_), Role::Admin) => Ok(None),
        (Subject::User(_), Role::Editor) => Ok(Some(principal.organizations.clone())),
        _ => Err(AppError::Forbidden(
            "Only administrators and editors may read the audit log.".into(),
        )),
    }
}

pub fn organization(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Organization>, AppError> {
    precheck(principal, Resource::Organizations, action)?;
    lock_for(conn, action, Locked::Organizations, id)?;
    let organization = organizations::find(conn, id)?.ok_or_else(|| not_found("organization"))?;
    if action == Action::Delete {
        manage_organizations(principal)?;
    }
    check(principal, Resource::Organizations, action, &[id], Ownership::AnyOwner)?;
    Ok(Allowed {
        resource: organization,
        owners: vec![id],
    })
}

pub fn member(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Member>, AppError> {
    precheck(principal, Resource::Members, action)?;
    lock_for(conn, action, Locked::Members, id)?;
    let member = members::find(conn, id)?.ok_or_else(|| not_found("member"))?;
    let owners = if action == Action::Read {
        Vec::new()
    } else {
        members::organizations_of(conn, id)?
    };
    check(principal, Resource::Members, action, &owners, Ownership::EveryOwner)?;
    Ok(Allowed {
        resource: member,
        owners,
    })
}

/// Members to read, by id, in one query: those that exist (the change feed shows a page of
/// them at once). Reading a member asks nothing of the member itself, as in [`member`].
pub fn members_to_read(conn: &mut DbConnection, principal: &Principal, ids: &[Uuid]) -> Result<Vec<Member>, AppError> {
    check(principal, Resource::Members, Action::Read, &[], Ownership::EveryOwner)?;
    Ok(members::find_many(conn, ids)?)
}

/// A membership is the organization's record: its editors keep it.
pub fn membership(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<MembershipView>, AppError> {
    precheck(principal, Resource::Members, action)?;
    lock_for(conn, action, Locked::Memberships, id)?;
    let view = memberships::find(conn, id)?.ok_or_else(|| not_found("membership"))?;
    let owners = vec![view.membership.organization_id];
    check(principal, Resource::Members, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed { resource: view, owners })
}

pub fn project(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Project>, AppError> {
    precheck(principal, Resource::Projects, action)?;
    lock_for(conn, action, Locked::Projects, id)?;
    let project = projects::find(conn, id)?.ok_or_else(|| not_found("project"))?;
    let owners: Vec<Uuid> = projects::participants(conn, id)?
        .into_iter()
        .map(|p| p.organization_id)
        .collect();
    check(principal, Resource::Projects, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed {
        resource: project,
        owners,
    })
}

pub fn working_group(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<WorkingGroup>, AppError> {
    precheck(principal, Resource::WorkingGroups, action)?;
    lock_for(conn, action, Locked::WorkingGroups, id)?;
    let group = working_groups::find(conn, id)?.ok_or_else(|| not_found("working group"))?;
    let owners: Vec<Uuid> = working_groups::organizations_of(conn, id)?
        .into_iter()
        .map(|o| o.organization_id)
        .collect();
    check(principal, Resource::WorkingGroups, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed {
        resource: group,
        owners,
    })
}

pub fn meeting(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Meeting>, AppError> {
    precheck(principal, Resource::Meetings, action)?;
    lock_for(conn, action, Locked::Meetings, id)?;
    let meeting = meetings::find(conn, id)?.ok_or_else(|| not_found("meeting"))?;
    let owners: Vec<Uuid> = meetings::organizations_of(conn, id)?
        .into_iter()
        .map(|o| o.organization_id)
        .collect();
    check(principal, Resource::Meetings, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed {
        resource: meeting,
        owners,
    })
}

/// An action item belongs to its meeting's organizations.
pub fn action_item(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<ActionItem>, AppError> {
    precheck(principal, Resource::Meetings, action)?;
    lock_for(conn, action, Locked::ActionItems, id)?;
    let item = resolutions::find_item(conn, id)?.ok_or_else(|| not_found("action item"))?;
    let owners: Vec<Uuid> = meetings::organizations_of(conn, item.meeting_id)?
        .into_iter()
        .map(|o| o.organization_id)
        .collect();
    check(principal, Resource::Meetings, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed { resource: item, owners })
}

/// Adding a membership to `organization`: the caller acts for that organization, which must
/// exist (404 otherwise, after a caller who could add to none is refused with 403).
pub fn new_membership(
    conn: &mut DbConnection,
    principal: &Principal,
    organization: Uuid,
) -> Result<Allowed<Organization>, AppError> {
    precheck(principal, Resource::Members, Action::Update)?;
    let found = organizations::find(conn, organization)?.ok_or_else(|| not_found("organization"))?;
    create_for(principal, Resource::Members, organization)?;
    Ok(Allowed {
        resource: found,
        owners: vec![organization],
    })
}

/// Before validating a new resource: refuse a caller who may not write this kind at all,
/// so a missing scope answers 403 whatever the body holds.
pub fn precheck_write(principal: &Principal, scope: Resource) -> Result<(), AppError> {
    precheck(principal, scope, Action::Update)
}

pub fn agreement(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Agreement>, AppError> {
    precheck(principal, Resource::Agreements, action)?;
    lock_for(conn, action, Locked::Agreements, id)?;
    let agreement = agreements::find(conn, id)?.ok_or_else(|| not_found("agreement"))?;
    let owners: Vec<Uuid> = agreements::parties(conn, id)?
        .into_iter()
        .map(|p| p.organization_id)
        .collect();
    check(principal, Resource::Agreements, action, &owners, Ownership::AnyOwner)?;
    Ok(Allowed {
        resource: agreement,
        owners,
    })
}

/// Approving a joint item, or withdrawing the approval, for `organization`: the caller acts
/// for that very organization, so one party can never approve for another.
pub fn approve_for(principal: &Principal, scope: Resource, organization: Uuid) -> Result<(), AppError> {
    principal
        .require_write_for(scope, organization)
        .map_err(|_| AppError::Forbidden("You may approve only for an organization you act for.".into()))
}

/// The organizations whose events the caller follows in the change feed: `None` for all.
pub fn feed_scope(principal: &Principal) -> Option<Vec<Uuid>> {
    if principal.role == Role::Admin {
        None
    } else {
        Some(principal.organizations.clone())
    }
}

/// The token scope that reads events about `resource_type`; `None` for the kinds only
/// administrators manage (users, API tokens, webhooks) and for kinds this table does not
/// know yet. A branch recording events about a new kind adds its line here.
pub fn event_scope(resource_type: &str) -> Option<Resource> {
    match resource_type {
        "organization" => Some(Resource::Organizations),
        "member" | "membership" => Some(Resource::Members),
        "project" => Some(Resource::Projects),
        "working_group" => Some(Resource::WorkingGroups),
        "agreement" => Some(Resource::Agreements),
        "meeting" | "resolution" | "action_item" => Some(Resource::Meetings),
        "capacity" | "accreditation" | "capacity_request" => Some(Resource::Capacities),
        _ => None,
    }
}

/// Whether the caller may see an event about `resource_type` that concerns `organizations`.
pub fn may_see_event(principal: &Principal, resource_type: &str, organizations: &[Uuid]) -> bool {
    let kind = match event_scope(resource_type) {
        Some(scope) => principal.require_read(scope).is_ok(),
        None => principal.require_admin().is_ok(),
    };
    kind && feed_scope(principal).is_none_or(|mine| organizations.iter().any(|o| mine.contains(o)))
}

/// Whose webhooks the caller manages: `None` for all (administrators), an editor's
/// organizations; viewers and tokens are refused.
pub fn webhook_scope(principal: &Principal) -> Result<Option<Vec<Uuid>>, AppError> {
    match (principal.subject, principal.role) {
        (Subject::User(_), Role::Admin) => Ok(None),
        (Subject::User(_), Role::Editor) => Ok(Some(principal.organizations.clone())),
        _ => Err(AppError::Forbidden(
            "Only administrators and editors may manage webhooks.".into(),
        )),
    }
}

/// Creating a webhook for `organization` (none: every organization's events).
pub fn create_webhook(principal: &Principal, organization: Option<Uuid>) -> Result<(), AppError> {
    match (webhook_scope(principal)?, organization) {
        (None, _) => Ok(()),
        (Some(mine), Some(organization)) if mine.contains(&organization) => Ok(()),
        (Some(_), _) => Err(AppError::Forbidden(
            "Editors create webhooks for one of their own organizations: give its organization_id.".into(),
        )),
    }
}

pub fn webhook(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Webhook>, AppError> {
    let scope = webhook_scope(principal)?;
    lock_for(conn, action, Locked::Webhooks, id)?;
    let found = webhooks::find(conn, id)?.ok_or_else(|| not_found("webhook"))?;
    let owners: Vec<Uuid> = found.organization_id.into_iter().collect();
    if let Some(mine) = scope {
        if !owners.iter().any(|o| mine.contains(o)) {
            return Err(not_found("webhook"));
        }
    }
    Ok(Allowed {
        resource: found,
        owners,
    })
}

/// Who a webhook receives events as: an administrator for an endpoint of every
/// organization, an editor of its organization otherwise. Only ever used to read.
pub fn webhook_audience(webhook: &Webhook) -> Principal {
    match webhook.organization_id {
        None => Principal::user(webhook.id, Role::Admin, Vec::new()),
        Some(organization) => Principal::user(webhook.id, Role::Editor, vec![organization]),
    }
}
