//! Capacities and the requests for them. Unlike the rest, a capacity is not for every
//! reader: it is seen by the organization offering it and by the partners it is offered to
//! (the parties of its agreement, or the organizations it lists); administrators and
//! unbound tokens see all. Anyone else gets 404. Only the offering organization changes a
//! capacity. A request is seen by its two sides; the offering side accepts, declines and
//! fulfils, the requesting side cancels, and either comments.

use hamkari_domain::auth::{Principal, Resource, Role};
use hamkari_domain::capacity::{Capacity, OfferedTo};
use hamkari_domain::capacity_request::{CapacityRequest, Side};
use hamkari_persistence::locks::Locked;
use hamkari_persistence::{agreements, capacities, capacity_requests, DbConnection};
use uuid::Uuid;

use super::{check, lock_for, not_found, precheck, Action, Allowed, Ownership};
use crate::error::AppError;

/// Everyone a capacity is visible to: its organization first, then its partners.
pub fn capacity_audience(conn: &mut DbConnection, capacity: &Capacity) -> Result<Vec<Uuid>, AppError> {
    let mut partners: Vec<Uuid> = match &capacity.offered_to {
        OfferedTo::Agreement(a) => agreements::parties(conn, *a)?
            .into_iter()
            .map(|p| p.organization_id)
            .collect(),
        OfferedTo::Organizations(orgs) => orgs.clone(),
    };
    partners.retain(|o| *o != capacity.organization_id);
    partners.sort();
    partners.dedup();
    let mut audience = vec![capacity.organization_id];
    audience.extend(partners);
    Ok(audience)
}

/// The organizations whose capacities and requests the caller sees: `None` for all.
pub fn capacity_view(principal: &Principal) -> Option<Vec<Uuid>> {
    (principal.role != Role::Admin).then(|| principal.organizations.clone())
}

fn sees(principal: &Principal, audience: &[Uuid]) -> bool {
    capacity_view(principal).is_none_or(|mine| audience.iter().any(|o| mine.contains(o)))
}

/// A capacity, with its audience as the owners events concern; changes need the offering
/// organization.
pub fn capacity(
    conn: &mut DbConnection,
    principal: &Principal,
    action: Action,
    id: Uuid,
) -> Result<Allowed<Capacity>, AppError> {
    precheck(principal, Resource::Capacities, action)?;
    lock_for(conn, action, Locked::Capacities, id)?;
    let capacity = capacities::find(conn, id)?.ok_or_else(|| not_found("capacity"))?;
    let audience = capacity_audience(conn, &capacity)?;
    if !sees(principal, &audience) {
        return Err(not_found("capacity"));
    }
    check(
        principal,
        Resource::Capacities,
        action,
        &[capacity.organization_id],
        Ownership::AnyOwner,
    )?;
    Ok(Allowed {
        resource: capacity,
        owners: audience,
    })
}

/// A request, with its two sides as owners; `acting` (for a change) names the side that
/// must take it, and the caller must act for that very organization.
pub fn capacity_request(
    conn: &mut DbConnection,
    principal: &Principal,
    acting: Option<Side>,
    id: Uuid,
) -> Result<Allowed<CapacityRequest>, AppError> {
    let action = if acting.is_some() { Action::Update } else { Action::Read };
    precheck(principal, Resource::Capacities, action)?;
    lock_for(conn, action, Locked::CapacityRequests, id)?;
    let request = capacity_requests::find(conn, id)?.ok_or_else(|| not_found("capacity request"))?;
    let owners = vec![request.provider_id, request.organization_id];
    if !sees(principal, &owners) {
        return Err(not_found("capacity request"));
    }
    match acting {
        None => {}
        Some(side) => {
            let (org, who) = match side {
                Side::Provider => (request.provider_id, "the organization offering the capacity"),
                Side::Requester => (request.organization_id, "the organization that asked"),
            };
            principal
                .require_write_for(Resource::Capacities, org)
                .map_err(|_| AppError::Forbidden(format!("Only {who} may take this step.")))?;
        }
    }
    Ok(Allowed {
        resource: request,
        owners,
    })
}
