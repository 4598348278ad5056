//! A working group's status: proposed → active ⇄ dissolved (and a proposal nobody wants →
//! dissolved). Leaving `proposed` for `active` needs every organization's approval.

use hamkari_domain::approval::Approvable;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::validation::clean_text;
use hamkari_domain::working_group::{GroupStatus, WorkingGroupChanges};
use hamkari_persistence::status_changes::{self, StatusChange};
use hamkari_persistence::{working_groups as store, DbConnection};
use uuid::Uuid;

use crate::approvals;
use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};
use crate::working_groups::{view, GroupView, KIND};

/// The one rule for leaving `proposed` for `active`, whether by a transition or a `PATCH`
/// of `status`. Approvals are given only while a group is proposed, so a dissolved group
/// that comes back is not asked for them again: it was approved once, and asking would
/// stop for good a group that gained a party while active (nobody could approve it).
pub(crate) fn check_activation(
    conn: &mut DbConnection,
    id: Uuid,
    from: GroupStatus,
    to: GroupStatus,
    owners: &[Uuid],
) -> Result<(), AppError> {
    if from == GroupStatus::Proposed && to == GroupStatus::Active {
        approvals::require_all(conn, Approvable::WorkingGroup, id, owners)?;
    }
    Ok(())
}

pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: GroupStatus,
    reason: Option<String>,
) -> Result<GroupView, AppError> {
    let allowed = policy::working_group(conn, &caller.principal, Action::Update, id)?;
    let reason = reason
        .map(|r| clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| AppError::invalid("reason", p.code, p.message))?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let from = before.status;
    if let Err(next) = from.step(to) {
        let next: Vec<&str> = next.iter().map(|s| s.as_str()).collect();
        return Err(AppError::field_conflict(
            "illegal_transition",
            "to",
            format!("The group is {}; it can move to: {}.", from.as_str(), next.join(", ")),
        ));
    }
    check_activation(conn, id, from, to, &allowed.owners)?;
    let mut group = before.clone();
    let at = now();
    group.apply(
        WorkingGroupChanges {
            status: Some(to),
            ..Default::default()
        },
        at,
    )?;
    group.updated_by = Some(caller.actor_ref());
    saved(store::update(conn, &group, before.version)?, before.version)?;
    let (by_user, by_token) = match caller.actor() {
        ("user", actor) => (Some(actor), None),
        (_, actor) => (None, Some(actor)),
    };
    status_changes::insert(
        conn,
        &StatusChange {
            id: hamkari_domain::new_id(),
            resource_type: KIND,
            resource_id: id,
            from: from.as_str(),
            to: to.as_str(),
            reason,
            by_user,
            by_token,
            at,
        },
    )?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "transitioned", &allowed.owners)
            .before(&before)?
            .after(&group)?,
    )?;
    view(conn, group)
}
