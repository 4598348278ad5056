//! Approval by every party, one module for the three kinds of joint item: a project, a
//! working group and an agreement leave their proposed or draft state only when each
//! organization taking part has approved; a new party while approvals are collected starts
//! the collection again.

use hamkari_domain::agreement::AgreementStatus;
use hamkari_domain::approval::{self as rules, Approvable, Approval};
use hamkari_domain::auth::Resource;
use hamkari_domain::project::ProjectStatus;
use hamkari_domain::resolution::ResolutionOutcome;
use hamkari_domain::working_group::GroupStatus;
use hamkari_persistence::{approvals as store, meetings, resolutions, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};

/// An organization's approval as asked for.
#[derive(Debug)]
pub struct NewApproval {
    pub organization_id: Uuid,
    pub note: Option<String>,
    pub resolution_id: Option<Uuid>,
}

/// An item's approvals and the parties still to approve.
#[derive(Debug, Clone)]
pub struct ApprovalsView {
    pub approvals: Vec<Approval>,
    pub pending: Vec<Uuid>,
    /// Whether the item still waits for approvals (proposed or draft).
    pub open: bool,
}

/// The scope that guards approvals of this kind: the item's own.
pub fn scope(kind: Approvable) -> Resource {
    match kind {
        Approvable::Project => Resource::Projects,
        Approvable::WorkingGroup => Resource::WorkingGroups,
        Approvable::Agreement => Resource::Agreements,
    }
}

/// The item as far as approvals care: its parties and whether it still waits for them.
struct Item {
    owners: Vec<Uuid>,
    open: bool,
}

fn load(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: Approvable,
    action: Action,
    id: Uuid,
) -> Result<Item, AppError> {
    let p = &caller.principal;
    Ok(match kind {
        Approvable::Project => {
            let a = policy::project(conn, p, action, id)?;
            Item {
                open: a.resource.status == ProjectStatus::Proposed,
                owners: a.owners,
            }
        }
        Approvable::WorkingGroup => {
            let a = policy::working_group(conn, p, action, id)?;
            Item {
                open: a.resource.status == GroupStatus::Proposed,
                owners: a.owners,
            }
        }
        Approvable::Agreement => {
            let a = policy::agreement(conn, p, action, id)?;
            Item {
                open: a.resource.status == AgreementStatus::Draft,
                owners: a.owners,
            }
        }
    })
}

/// The meeting resolution an approval cites must be an adopted resolution of a meeting the
/// approving organization took part in: the decision it records is that organization's.
fn check_resolution(conn: &mut DbConnection, organization: Uuid, resolution_id: Option<Uuid>) -> Result<(), AppError> {
    let Some(id) = resolution_id else { return Ok(()) };
    let invalid = |code, message| Err(AppError::invalid("resolution_id", code, message));
    let Some(resolution) = resolutions::find(conn, id)? else {
        return invalid("not_found", "names no resolution");
    };
    if !meetings::organizations_of(conn, resolution.meeting_id)?
        .iter()
        .any(|o| o.organization_id == organization)
    {
        return invalid(
            "not_participating",
            "is a resolution of a meeting this organization did not take part in",
        );
    }
    if resolution.outcome != ResolutionOutcome::Adopted {
        return invalid("not_adopted", "is not an adopted resolution");
    }
    Ok(())
}

fn moved_on(kind: Approvable) -> AppError {
    AppError::conflict(
        "not_pending",
        format!(
            "The {} no longer waits for approvals; approvals are given and withdrawn only while it is proposed or a draft.",
            kind.as_str().replace('_', " ")
        ),
    )
}

/// Records `organization`'s approval of the item.
pub fn approve(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: Approvable,
    id: Uuid,
    command: NewApproval,
) -> Result<Approval, AppError> {
    policy::precheck_write(&caller.principal, scope(kind))?;
    let note = command
        .note
        .map(|n| rules::note(&n))
        .transpose()
        .map_err(|p| AppError::invalid("note", p.code, p.message))?;
    let item = load(conn, caller, kind, Action::Update, id)?;
    let org = command.organization_id;
    policy::approve_for(&caller.principal, scope(kind), org)?;
    if !item.owners.contains(&org) {
        return Err(AppError::invalid(
            "organization_id",
            "not_a_party",
            "is not one of the organizations taking part",
        ));
    }
    if !item.open {
        return Err(moved_on(kind));
    }
    if store::of(conn, kind, id)?.iter().any(|a| a.organization_id == org) {
        return Err(AppError::field_conflict(
            "already_approved",
            "organization_id",
            "This organization has approved it already.",
        ));
    }
    check_resolution(conn, org, command.resolution_id)?;
    let (by_user, by_token) = match caller.actor() {
        ("user", actor) => (Some(actor), None),
        (_, actor) => (None, Some(actor)),
    };
    let approval = Approval {
        resource_type: kind,
        resource_id: id,
        organization_id: org,
        note,
        resolution_id: command.resolution_id,
        by_user,
        by_token,
        approved_at: now(),
    };
    store::insert(conn, &approval)?;
    record(
        conn,
        caller,
        Change::new(kind.as_str(), id, "approved", &item.owners).after(&approval)?,
    )?;
    Ok(approval)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, kind: Approvable, id: Uuid) -> Result<ApprovalsView, AppError> {
    let item = load(conn, caller, kind, Action::Read, id)?;
    let approvals = store::of(conn, kind, id)?;
    let approved: Vec<Uuid> = approvals.iter().map(|a| a.organization_id).collect();
    Ok(ApprovalsView {
        pending: rules::pending(&item.owners, &approved),
        approvals,
        open: item.open,
    })
}

/// Withdraws `organization`'s approval while the item still waits for approvals.
pub fn withdraw(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: Approvable,
    id: Uuid,
    organization: Uuid,
) -> Result<(), AppError> {
    policy::precheck_write(&caller.principal, scope(kind))?;
    let item = load(conn, caller, kind, Action::Update, id)?;
    policy::approve_for(&caller.principal, scope(kind), organization)?;
    let Some(approval) = store::of(conn, kind, id)?
        .into_iter()
        .find(|a| a.organization_id == organization)
    else {
        return Err(AppError::NotFound("This organization has not approved it.".into()));
    };
    if !item.open {
        return Err(moved_on(kind));
    }
    store::delete(conn, kind, id, organization)?;
    record(
        conn,
        caller,
        Change::new(kind.as_str(), id, "approval_withdrawn", &item.owners).before(&approval)?,
    )
}

/// Refuses (409, listing them) to move the item on while parties have not approved. The
/// caller has loaded and locked the item, so no approval can be withdrawn meanwhile.
pub(crate) fn require_all(
    conn: &mut DbConnection,
    kind: Approvable,
    id: Uuid,
    owners: &[Uuid],
) -> Result<(), AppError> {
    let approved: Vec<Uuid> = store::of(conn, kind, id)?.iter().map(|a| a.organization_id).collect();
    let pending = rules::pending(owners, &approved);
    if pending.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = pending.iter().map(Uuid::to_string).collect();
    Err(AppError::ApprovalsPending {
        detail: format!(
            "Every organization taking part must approve first; still to approve: {}.",
            list.join(", ")
        ),
        pending,
    })
}

/// An organization that leaves an item still waiting for approvals takes its approval
/// with it, so the list shows only parties' approvals. (Once the item moved on, approvals
/// are its history and stay.)
pub(crate) fn forget_leaver(
    conn: &mut DbConnection,
    kind: Approvable,
    id: Uuid,
    organization: Uuid,
) -> Result<(), AppError> {
    store::delete(conn, kind, id, organization)?;
    Ok(())
}

/// After the parties of an item still waiting for approvals changed from `before` to
/// `after`: a new party means the others approved a different cooperation, so every
/// approval is dropped and an `approvals_reset` event names them. Returns whether it reset.
pub(crate) fn reset_on_new_party(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: Approvable,
    id: Uuid,
    before: &[Uuid],
    after: &[Uuid],
) -> Result<bool, AppError> {
    if !rules::resets(before, after) {
        return Ok(false);
    }
    let dropped = store::of(conn, kind, id)?;
    if dropped.is_empty() {
        return Ok(false);
    }
    store::delete_all(conn, kind, id)?;
    let mut concerned = before.to_vec();
    concerned.extend_from_slice(after);
    record(
        conn,
        caller,
        Change::new(kind.as_str(), id, "approvals_reset", &concerned).before(&dropped)?,
    )?;
    Ok(true)
}

/// Deletes an item's approvals with the item.
pub(crate) fn forget(conn: &mut DbConnection, kind: Approvable, id: Uuid) -> Result<(), AppError> {
    store::delete_all(conn, kind, id)?;
    Ok(())
}
