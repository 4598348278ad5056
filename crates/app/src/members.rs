//! Members: one identity per person, whatever organizations they belong to.

use hamkari_domain::auth::Resource;
use hamkari_domain::member::{Member, MemberChanges, MemberInput};
use hamkari_domain::precondition::IfMatch;
pub use hamkari_persistence::members::{MemberFilter, MemberSort};
use hamkari_persistence::page::Page;
use hamkari_persistence::{members as store, memberships, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

const KIND: &str = "member";

pub fn create(conn: &mut DbConnection, caller: &Caller, input: MemberInput) -> Result<Member, AppError> {
    policy::create_unowned(&caller.principal, Resource::Members)?;
    let mut member = Member::create(input, hamkari_domain::new_id(), now())?;
    member.created_by = Some(caller.actor_ref());
    member.updated_by = member.created_by;
    crate::member_duplicates::check(conn, caller, &member)?;
    store::insert(conn, &member)?;
    record(
        conn,
        caller,
        Change::new(KIND, member.id, "created", &[]).after(&member)?,
    )?;
    Ok(member)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &MemberFilter) -> Result<Page<Member>, AppError> {
    policy::list(&caller.principal, Resource::Members)?;
    Ok(store::list(conn, filter)?)
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Member, AppError> {
    Ok(policy::member(conn, &caller.principal, Action::Read, id)?.resource)
}

/// The members of `ids` that exist, in no particular order; a missing one is left out.
pub fn get_many(conn: &mut DbConnection, caller: &Caller, ids: &[Uuid]) -> Result<Vec<Member>, AppError> {
    policy::members_to_read(conn, &caller.principal, ids)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: MemberChanges,
) -> Result<Member, AppError> {
    let allowed = policy::member(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    let mut member = before.clone();
    // An invalid body is refused whatever the version: 422 before 412.
    let changed = member.apply(changes, now())?;
    check_if_match(if_match, before.version)?;
    if changed {
        member.updated_by = Some(caller.actor_ref());
        crate::member_duplicates::check(conn, caller, &member)?;
        saved(store::update(conn, &member, before.version)?, before.version)?;
        let provided = crate::capacities::provided_by(conn, id)?;
        crate::capacities::provider_changed(conn, &provided)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &allowed.owners)
                .before(&before)?
                .after(&member)?,
        )?;
    }
    Ok(member)
}

/// Deletes a member; `force` also deletes their memberships, which the policy allowed only
/// if the caller may write for every organization holding one.
pub fn delete(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    force: bool,
) -> Result<(), AppError> {
    let allowed = policy::member(conn, &caller.principal, Action::Delete, id)?;
    let member = allowed.resource;
    check_if_match(if_match, member.version)?;
    let held = memberships::count_for_member(conn, id)?;
    if held > 0 && !force {
        return Err(AppError::conflict(
            "has_memberships",
            format!("The member has {held} membership(s); end or delete them, or pass force=true."),
        ));
    }
    if held > 0 {
        crate::memberships::record_cascade(conn, caller, id)?;
    }
    // The capacities they provided lose their provider (the foreign key clears it), and
    // with it the name they were found by.
    let provided = crate::capacities::provided_by(conn, id)?;
    saved(store::delete(conn, id, member.version)?, member.version)?;
    crate::capacities::provider_changed(conn, &provided)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&member)?,
    )?;
    Ok(())
}
