//! Capacities: what an organization offers its partners, with the accreditations behind
//! it. Offered to every party of one of its agreements, or to listed partners.

use chrono::NaiveDate;
use hamkari_domain::accreditation::Accreditation;
use hamkari_domain::auth::Resource;
use hamkari_domain::capacity::{Capacity, CapacityChanges, CapacityInput, OfferedTo};
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::validation::FieldProblem;
pub use hamkari_persistence::capacities::CapacityFilter;
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::page::Page;
use hamkari_persistence::{accreditations, agreements, capacities as store, members, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

pub(crate) const KIND: &str = "capacity";

/// A capacity with its accreditations and the organizations that see it.
#[derive(Debug, Clone)]
pub struct CapacityView {
    pub capacity: Capacity,
    pub accreditations: Vec<Accreditation>,
    /// The offering organization first, then the partners it is offered to.
    pub audience: Vec<Uuid>,
    /// The day reads compare validity with (today, UTC).
    pub today: NaiveDate,
}

fn view(conn: &mut DbConnection, capacity: Capacity) -> Result<CapacityView, AppError> {
    let accreditations = accreditations::of_many(conn, &[capacity.id])?
        .remove(&capacity.id)
        .unwrap_or_default();
    let audience = policy::capacity_audience(conn, &capacity)?;
    Ok(CapacityView {
        capacity,
        accreditations,
        audience,
        today: now().date(),
    })
}

/// An offer is made to partners only: under an agreement the offering organization is a
/// party to, or to organizations that share an agreement (draft or in force) with it.
fn check_offer(conn: &mut DbConnection, organization: Uuid, offered_to: &OfferedTo) -> Result<(), AppError> {
    match offered_to {
        OfferedTo::Agreement(a) => {
            if agreements::find(conn, *a)?.is_none() {
                return Err(AppError::invalid(
                    "offered_to.agreement_id",
                    "not_found",
                    "no agreement has this id",
                ));
            }
            if !agreements::parties(conn, *a)?
                .iter()
                .any(|p| p.organization_id == organization)
            {
                return Err(AppError::invalid(
                    "offered_to.agreement_id",
                    "not_a_party",
                    "the offering organization is not a party to this agreement",
                ));
            }
        }
        OfferedTo::Organizations(orgs) => {
            if let Some(first) = missing_organizations(conn, orgs)?.first() {
                return Err(AppError::invalid(
                    "offered_to.organization_ids",
                    "not_found",
                    format!("no organization has the id {first}"),
                ));
            }
            let partners = store::partners(conn, organization)?;
            if let Some(outsider) = orgs.iter().find(|o| !partners.contains(o)) {
                return Err(AppError::invalid(
                    "offered_to.organization_ids",
                    "not_a_partner",
                    format!("the organization {outsider} shares no agreement in draft or in force with the offering organization"),
                ));
            }
        }
    }
    Ok(())
}

fn check_provider(conn: &mut DbConnection, provider: Option<Uuid>) -> Result<(), AppError> {
    if let Some(member) = provider {
        if members::find(conn, member)?.is_none() {
            return Err(AppError::invalid(
                "provider_member_id",
                "not_found",
                "no member has this id",
            ));
        }
    }
    Ok(())
}

/// Recomputes the stored search key from the capacity, its accreditations and its provider.
pub(crate) fn rekey(conn: &mut DbConnection, capacity: &Capacity) -> Result<(), AppError> {
    let key = store::fresh_key(conn, capacity)?;
    store::set_search_key(conn, capacity.id, &key)?;
    Ok(())
}

/// The capacities `member` provides.
pub(crate) fn provided_by(conn: &mut DbConnection, member: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(store::provided_by(conn, member)?)
}

/// Their provider changed its name or expertise, or is gone: the capacities are found by
/// what the provider is now.
pub(crate) fn provider_changed(conn: &mut DbConnection, capacities: &[Uuid]) -> Result<(), AppError> {
    for id in capacities {
        if let Some(capacity) = store::find(conn, *id)? {
            rekey(conn, &capacity)?;
        }
    }
    Ok(())
}

pub fn create(conn: &mut DbConnection, caller: &Caller, input: CapacityInput) -> Result<CapacityView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Capacities)?;
    let organization = input.organization_id;
    let mut capacity = Capacity::create(input, hamkari_domain::new_id(), now())?;
    policy::create_for(&caller.principal, Resource::Capacities, organization)?;
    if !missing_organizations(conn, &[organization])?.is_empty() {
        return Err(AppError::invalid(
            "organization_id",
            "not_found",
            "no organization has this id",
        ));
    }
    check_offer(conn, organization, &capacity.offered_to)?;
    check_provider(conn, capacity.provider_member_id)?;
    capacity.created_by = Some(caller.actor_ref());
    capacity.updated_by = capacity.created_by;
    store::insert(conn, &capacity, "")?;
    rekey(conn, &capacity)?;
    let view = view(conn, capacity)?;
    record(
        conn,
        caller,
        Change::new(KIND, view.capacity.id, "created", &view.audience).after(&view.capacity)?,
    )?;
    Ok(view)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: CapacityFilter) -> Result<Page<CapacityView>, AppError> {
    policy::list(&caller.principal, Resource::Capacities)?;
    let filter = CapacityFilter {
        visible_to: policy::capacity_view(&caller.principal),
        ..filter
    };
    let page = store::list(conn, &filter)?;
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let mut accreditations = accreditations::of_many(conn, &ids)?;
    let today = now().date();
    let items = page
        .items
        .into_iter()
        .map(|capacity| {
            let audience = policy::capacity_audience(conn, &capacity)?;
            Ok(CapacityView {
                accreditations: accreditations.remove(&capacity.id).unwrap_or_default(),
                capacity,
                audience,
                today,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<CapacityView, AppError> {
    let capacity = policy::capacity(conn, &caller.principal, Action::Read, id)?.resource;
    view(conn, capacity)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    mut changes: CapacityChanges,
) -> Result<CapacityView, AppError> {
    let allowed = policy::capacity(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    // The offering organization sees its capacity anyway: it is never a listed partner.
    if let Some(Ok(OfferedTo::Organizations(orgs))) = &mut changes.offered_to {
        orgs.retain(|o| *o != before.organization_id);
        if orgs.is_empty() {
            changes.offered_to = Some(Err(FieldProblem::new(
                "too_few",
                "name at least one partner organization",
            )));
        }
    }
    let mut capacity = before.clone();
    // An invalid body is refused whatever the version: 422 before 412.
    let changed = capacity.apply(changes, now())?;
    check_if_match(if_match, before.version)?;
    if changed {
        if capacity.offered_to != before.offered_to {
            check_offer(conn, capacity.organization_id, &capacity.offered_to)?;
        }
        if capacity.provider_member_id != before.provider_member_id {
            check_provider(conn, capacity.provider_member_id)?;
        }
        capacity.updated_by = Some(caller.actor_ref());
        saved(store::update(conn, &capacity, before.version)?, before.version)?;
        rekey(conn, &capacity)?;
        // Partners who lose sight of it learn that it changed, as do those who gain it.
        let mut concerned = allowed.owners.clone();
        concerned.extend(policy::capacity_audience(conn, &capacity)?);
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &concerned)
                .before(&before)?
                .after(&capacity)?,
        )?;
    }
    view(conn, capacity)
}

/// Deletes a capacity with its accreditations; one that was requested stays on record (409).
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::capacity(conn, &caller.principal, Action::Delete, id)?;
    let capacity = allowed.resource;
    check_if_match(if_match, capacity.version)?;
    if hamkari_persistence::capacity_requests::requested(conn, id)? {
        return Err(AppError::conflict(
            "has_requests",
            "The capacity was requested; mark it unavailable instead of deleting it.",
        ));
    }
    saved(store::delete(conn, id, capacity.version)?, capacity.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&capacity)?,
    )
}
