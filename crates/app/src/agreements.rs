//! Cooperation agreements: two or more parties, each with the day it signed, and a status
//! lifecycle whose step into force needs every party's approval.

use chrono::NaiveDate;
use hamkari_domain::agreement::{party_set, Agreement, AgreementChanges, AgreementInput, AgreementStatus};
use hamkari_domain::approval::Approvable;
use hamkari_domain::auth::Resource;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::validation::clean_text;
use hamkari_domain::ValidationErrors;
pub use hamkari_persistence::agreements::{AgreementFilter, Party};
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::page::Page;
use hamkari_persistence::status_changes::{self, StatusChange};
use hamkari_persistence::{agreements as store, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::approvals;
use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action, Allowed};
use crate::versions::{check_if_match, saved};

const KIND: &str = "agreement";

/// An agreement with its parties.
#[derive(Debug, Clone)]
pub struct AgreementView {
    pub agreement: Agreement,
    pub parties: Vec<Party>,
}

fn view(conn: &mut DbConnection, agreement: Agreement) -> Result<AgreementView, AppError> {
    let parties = store::parties(conn, agreement.id)?;
    Ok(AgreementView { agreement, parties })
}

fn missing(conn: &mut DbConnection, ids: &[Uuid], field: &str) -> Result<(), AppError> {
    if let Some(first) = missing_organizations(conn, ids)?.first() {
        return Err(AppError::invalid(
            field,
            "not_found",
            format!("no organization has the id {first}"),
        ));
    }
    Ok(())
}

/// Records that the parties or their signatures changed: the version covers them.
fn touch(conn: &mut DbConnection, caller: &Caller, agreement: &mut Agreement) -> Result<(), AppError> {
    let before = agreement.version;
    agreement.touch(now());
    agreement.updated_by = Some(caller.actor_ref());
    saved(store::update(conn, agreement, before)?, before)
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    input: AgreementInput,
    organization_ids: Vec<Uuid>,
) -> Result<AgreementView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Agreements)?;
    let mut errors = ValidationErrors::default();
    let parties = errors.check("organization_ids", party_set(organization_ids));
    let (mut agreement, parties) = match (Agreement::create(input, hamkari_domain::new_id(), now()), parties) {
        (Ok(a), Some(p)) if errors.is_empty() => (a, p),
        (Err(more), _) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
        _ => return Err(errors.into()),
    };
    policy::create_joint(&caller.principal, Resource::Agreements, &parties)?;
    missing(conn, &parties, "organization_ids")?;
    agreement.created_by = Some(caller.actor_ref());
    agreement.updated_by = agreement.created_by;
    store::insert(conn, &agreement)?;
    for org in &parties {
        store::add_party(conn, agreement.id, *org)?;
    }
    record(
        conn,
        caller,
        Change::new(KIND, agreement.id, "created", &parties).after(&agreement)?,
    )?;
    view(conn, agreement)
}

pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &AgreementFilter,
) -> Result<Page<AgreementView>, AppError> {
    policy::list(&caller.principal, Resource::Agreements)?;
    let page = store::list(conn, filter)?;
    let ids: Vec<Uuid> = page.items.iter().map(|a| a.id).collect();
    let mut parties = store::parties_of_many(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|agreement| AgreementView {
            parties: parties.remove(&agreement.id).unwrap_or_default(),
            agreement,
        })
        .collect();
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<AgreementView, AppError> {
    let agreement = policy::agreement(conn, &caller.principal, Action::Read, id)?.resource;
    view(conn, agreement)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: AgreementChanges,
) -> Result<AgreementView, AppError> {
    let allowed = policy::agreement(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut agreement = before.clone();
    if agreement.apply(changes, now())? {
        agreement.updated_by = Some(caller.actor_ref());
        saved(store::update(conn, &agreement, before.version)?, before.version)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &allowed.owners)
                .before(&before)?
                .after(&agreement)?,
        )?;
    }
    view(conn, agreement)
}

/// Deletes a draft; an agreement that was in force stays on record (terminate it instead).
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::agreement(conn, &caller.principal, Action::Delete, id)?;
    let agreement = allowed.resource;
    check_if_match(if_match, agreement.version)?;
    if agreement.status != AgreementStatus::Draft {
        return Err(AppError::conflict(
            "not_draft",
            "Only a draft agreement can be deleted; terminate one that is in force.",
        ));
    }
    approvals::forget(conn, Approvable::Agreement, id)?;
    status_changes::delete_all(conn, KIND, id)?;
    saved(store::delete(conn, id, agreement.version)?, agreement.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&agreement)?,
    )
}

/// Moves an agreement to `to`; into force only once every party approved it.
pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: AgreementStatus,
    reason: Option<String>,
) -> Result<AgreementView, AppError> {
    let allowed = policy::agreement(conn, &caller.principal, Action::Update, id)?;
    let reason = reason
        .map(|r| clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| AppError::invalid("reason", p.code, p.message))?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut agreement = before.clone();
    let at = now();
    let from = agreement.transition(to, at).map_err(|allowed| {
        let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
        AppError::field_conflict(
            "illegal_transition",
            "to",
            format!(
                "The agreement is {}; it can move to: {}.",
                before.status.as_str(),
                if allowed.is_empty() {
                    "nothing, a final state".into()
                } else {
                    allowed.join(", ")
                }
            ),
        )
    })?;
    if from == AgreementStatus::Draft {
        approvals::require_all(conn, Approvable::Agreement, id, &allowed.owners)?;
    }
    agreement.updated_by = Some(caller.actor_ref());
    saved(store::update(conn, &agreement, before.version)?, before.version)?;
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
            .after(&agreement)?,
    )?;
    view(conn, agreement)
}

/// Adds a party, or sets the day it signed (`None` clears it). A new party of a draft
/// restarts the approvals; the second value says whether they were reset.
pub fn set_party(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    organization: Uuid,
    signed_on: Option<NaiveDate>,
) -> Result<(AgreementView, bool), AppError> {
    let Allowed {
        resource: mut agreement,
        owners,
    } = policy::agreement(conn, &caller.principal, Action::Update, id)?;
    if let Some(day) = signed_on.filter(|d| *d > now().date()) {
        return Err(AppError::invalid(
            "signed_on",
            "in_future",
            format!("{day} is in the future"),
        ));
    }
    let new = !owners.contains(&organization);
    let mut reset = false;
    if new {
        missing(conn, &[organization], "organization_id")?;
        store::add_party(conn, id, organization)?;
    }
    let before_day = store::parties(conn, id)?
        .into_iter()
        .find(|p| p.organization_id == organization)
        .and_then(|p| p.signed_on);
    if !new && before_day == signed_on {
        return Ok((view(conn, agreement)?, false));
    }
    store::set_signed_on(conn, id, organization, signed_on)?;
    touch(conn, caller, &mut agreement)?;
    let mut concerned = owners.clone();
    concerned.push(organization);
    let mut change = Change::new(KIND, id, if new { "party_added" } else { "party_updated" }, &concerned);
    change.before = (!new).then(|| json!({"organization_id": organization, "signed_on": before_day}));
    change.after = Some(json!({"organization_id": organization, "signed_on": signed_on}));
    record(conn, caller, change)?;
    if new && agreement.status == AgreementStatus::Draft {
        reset = approvals::reset_on_new_party(conn, caller, Approvable::Agreement, id, &owners, &concerned)?;
    }
    Ok((view(conn, agreement)?, reset))
}

/// Removes a party: never below two.
pub fn remove_party(conn: &mut DbConnection, caller: &Caller, id: Uuid, organization: Uuid) -> Result<(), AppError> {
    let Allowed {
        resource: mut agreement,
        owners,
    } = policy::agreement(conn, &caller.principal, Action::Update, id)?;
    if !owners.contains(&organization) {
        return Err(AppError::NotFound(
            "This organization is not a party to the agreement.".into(),
        ));
    }
    if owners.len() <= 2 {
        return Err(AppError::conflict(
            "participation_rule",
            "Refused: an agreement needs at least two parties.",
        ));
    }
    store::remove_party(conn, id, organization)?;
    crate::approvals::forget_leaver(conn, Approvable::Agreement, id, organization)?;
    touch(conn, caller, &mut agreement)?;
    let mut change = Change::new(KIND, id, "party_removed", &owners);
    change.before = Some(json!({"organization_id": organization}));
    record(conn, caller, change)
}

/// A project or working group naming an agreement falls under it only if the agreement's
/// parties include every one of the item's organizations (422 otherwise).
pub(crate) fn check_falls_under(
    conn: &mut DbConnection,
    agreement: Option<Uuid>,
    organizations: &[Uuid],
) -> Result<(), AppError> {
    let Some(agreement) = agreement else {
        return Ok(());
    };
    if store::find(conn, agreement)?.is_none() {
        return Err(AppError::invalid(
            "agreement_id",
            "not_found",
            "no agreement has this id",
        ));
    }
    let parties: Vec<Uuid> = store::parties(conn, agreement)?
        .into_iter()
        .map(|p| p.organization_id)
        .collect();
    if let Some(outside) = organizations.iter().find(|o| !parties.contains(o)) {
        return Err(AppError::invalid(
            "agreement_id",
            "not_a_party",
            format!("the organization {outside} is not a party to this agreement"),
        ));
    }
    Ok(())
}
