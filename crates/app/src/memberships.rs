//! Memberships: a person's role in an organization over a term. A membership is its
//! organization's record, so whoever acts for the organization keeps it.

use hamkari_domain::auth::Resource;
use hamkari_domain::membership::{Membership, MembershipChanges, MembershipConflict, MembershipInput};
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::ValidationErrors;
pub use hamkari_persistence::memberships::{MembershipFilter, MembershipView};
use hamkari_persistence::page::Page;
use hamkari_persistence::{members, memberships as store, organizations, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

pub(crate) const KIND: &str = "membership";

fn conflict(found: MembershipConflict) -> AppError {
    match found {
        MembershipConflict::DuplicateRole { existing } => AppError::field_conflict(
            "duplicate_membership",
            "role",
            format!("The person already holds this role here over an overlapping term (membership {existing})."),
        ),
        MembershipConflict::SecondChair { existing } => AppError::field_conflict(
            "board_chair_taken",
            "role",
            format!("The organization already has a board chair over an overlapping term (membership {existing})."),
        ),
    }
}

/// Checks the rules against the rest of the organization. The organization's row lock (on
/// PostgreSQL) makes concurrent changes take turns, so two cannot both pass the one-chair check.
fn check_rules(conn: &mut DbConnection, candidate: &Membership) -> Result<(), AppError> {
    store::lock_organization(conn, candidate.organization_id)?;
    candidate
        .check_against(&store::rivals(conn, candidate)?)
        .map_err(conflict)
}

/// Adds a membership to `input.organization_id`.
pub fn create(conn: &mut DbConnection, caller: &Caller, input: MembershipInput) -> Result<MembershipView, AppError> {
    let organization = policy::new_membership(conn, &caller.principal, input.organization_id)?.resource;
    let mut membership = Membership::create(input, hamkari_domain::new_id(), now())?;
    membership.created_by = Some(caller.actor_ref());
    membership.updated_by = membership.created_by;
    // The member is named in the body, so a missing one is an invalid field, not a 404.
    let member = members::find(conn, membership.member_id)?
        .ok_or_else(|| ValidationErrors::single("member_id", "not_found", "no member has this id"))?;
    check_rules(conn, &membership)?;
    store::insert(conn, &membership)?;
    record(
        conn,
        caller,
        Change::new(KIND, membership.id, "created", &[membership.organization_id]).after(&membership)?,
    )?;
    Ok(MembershipView {
        membership,
        member_name: member.full_name,
        member_name_en: member.full_name_en,
        organization_name: organization.name,
        organization_name_en: organization.name_en,
        organization_slug: organization.slug,
    })
}

/// An organization's memberships; `filter.organization_id` is set from `organization_id`.
pub fn list_for_organization(
    conn: &mut DbConnection,
    caller: &Caller,
    organization_id: Uuid,
    mut filter: MembershipFilter,
) -> Result<Page<MembershipView>, AppError> {
    policy::list(&caller.principal, Resource::Members)?;
    if organizations::find(conn, organization_id)?.is_none() {
        return Err(AppError::NotFound("No organization has this id.".into()));
    }
    filter.organization_id = Some(organization_id);
    Ok(store::list(conn, &filter)?)
}

/// A member's memberships in every organization; `filter.member_id` is set from `member_id`.
pub fn list_for_member(
    conn: &mut DbConnection,
    caller: &Caller,
    member_id: Uuid,
    mut filter: MembershipFilter,
) -> Result<Page<MembershipView>, AppError> {
    policy::list(&caller.principal, Resource::Members)?;
    if members::find(conn, member_id)?.is_none() {
        return Err(AppError::NotFound("No member has this id.".into()));
    }
    filter.member_id = Some(member_id);
    Ok(store::list(conn, &filter)?)
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<MembershipView, AppError> {
    Ok(policy::membership(conn, &caller.principal, Action::Read, id)?.resource)
}

/// Ends a membership or corrects its term or role; the rules of creation apply again.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: MembershipChanges,
) -> Result<MembershipView, AppError> {
    let allowed = policy::membership(conn, &caller.principal, Action::Update, id)?;
    let mut view = allowed.resource;
    let before = view.membership.clone();
    check_if_match(if_match, before.version)?;
    if view.membership.apply(changes, now())? {
        view.membership.updated_by = Some(caller.actor_ref());
        check_rules(conn, &view.membership)?;
        saved(store::update(conn, &view.membership, before.version)?, before.version)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &allowed.owners)
                .before(&before)?
                .after(&view.membership)?,
        )?;
    }
    Ok(view)
}

/// Deletes a membership recorded in error (ending one is an update).
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::membership(conn, &caller.principal, Action::Delete, id)?;
    let membership = allowed.resource.membership;
    check_if_match(if_match, membership.version)?;
    saved(store::delete(conn, id, membership.version)?, membership.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&membership)?,
    )?;
    Ok(())
}

/// The events for memberships that go with their member (a forced member delete): recorded
/// before the rows cascade away, so every removed membership has its `deleted` event.
pub(crate) fn record_cascade(conn: &mut DbConnection, caller: &Caller, member_id: Uuid) -> Result<(), AppError> {
    for membership in store::of_member(conn, member_id)? {
        record(
            conn,
            caller,
            Change::new(KIND, membership.id, "deleted", &[membership.organization_id]).before(&membership)?,
        )?;
    }
    Ok(())
}
