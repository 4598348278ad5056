//! Requests for a partner's capacity: created by the requesting organization, accepted,
//! declined and fulfilled by the offering one, cancelled by the requester; each step keeps
//! who took it, and either side comments.

use hamkari_domain::auth::Resource;
use hamkari_domain::capacity::{Availability, OfferedTo};
use hamkari_domain::capacity_request::{CapacityRequest, RequestInput, RequestStatus};
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::validation::clean_text;
use hamkari_persistence::capacity_requests as store;
pub use hamkari_persistence::capacity_requests::{Comment, RequestFilter, Step};
use hamkari_persistence::page::Page;
use hamkari_persistence::{projects, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

const KIND: &str = "capacity_request";

/// A request with every step it took.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: CapacityRequest,
    pub steps: Vec<Step>,
}

fn view(conn: &mut DbConnection, request: CapacityRequest) -> Result<RequestView, AppError> {
    let steps = store::steps(conn, request.id)?;
    Ok(RequestView { request, steps })
}

fn step(caller: &Caller, from: Option<RequestStatus>, to: RequestStatus, organization: Uuid) -> Step {
    Step {
        id: hamkari_domain::new_id(),
        from,
        to,
        organization_id: organization,
        by: caller.actor_ref(),
        at: now(),
    }
}

pub fn create(conn: &mut DbConnection, caller: &Caller, input: RequestInput) -> Result<RequestView, AppError> {
    policy::precheck_write(&caller.principal, Resource::Capacities)?;
    policy::create_for(&caller.principal, Resource::Capacities, input.organization_id)?;
    // The caller must see the capacity (404 otherwise), as any reader.
    let capacity = policy::capacity(conn, &caller.principal, Action::Read, input.capacity_id)
        .map_err(|e| match e {
            AppError::NotFound(_) => {
                AppError::invalid("capacity_id", "not_found", "no capacity you may see has this id")
            }
            other => other,
        })?
        .resource;
    let mut request = CapacityRequest::create(input, capacity.organization_id, hamkari_domain::new_id(), now())?;
    let audience = policy::capacity_audience(conn, &capacity)?;
    if !audience.contains(&request.organization_id) {
        return Err(AppError::invalid(
            "organization_id",
            "not_offered",
            "the capacity is not offered to this organization",
        ));
    }
    if capacity.availability == Availability::Unavailable {
        return Err(AppError::field_conflict(
            "capacity_unavailable",
            "capacity_id",
            "The capacity is unavailable at present; ask again when it is offered.",
        ));
    }
    if let Some(project) = request.project_id {
        if projects::find(conn, project)?.is_none() {
            return Err(AppError::invalid("project_id", "not_found", "no project has this id"));
        }
    }
    request.agreement_id = match capacity.offered_to {
        OfferedTo::Agreement(a) => Some(a),
        OfferedTo::Organizations(_) => None,
    };
    request.created_by = Some(caller.actor_ref());
    request.updated_by = request.created_by;
    store::insert(conn, &request)?;
    store::insert_step(
        conn,
        request.id,
        &step(caller, None, RequestStatus::INITIAL, request.organization_id),
    )?;
    record(
        conn,
        caller,
        Change::new(
            KIND,
            request.id,
            "created",
            &[request.provider_id, request.organization_id],
        )
        .after(&request)?,
    )?;
    view(conn, request)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: RequestFilter) -> Result<Page<RequestView>, AppError> {
    policy::list(&caller.principal, Resource::Capacities)?;
    let filter = RequestFilter {
        visible_to: policy::capacity_view(&caller.principal),
        ..filter
    };
    let page = store::list(conn, &filter)?;
    let items = page
        .items
        .into_iter()
        .map(|r| view(conn, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        has_more: page.has_more,
    })
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<RequestView, AppError> {
    let request = policy::capacity_request(conn, &caller.principal, None, id)?.resource;
    view(conn, request)
}

/// Moves a request to `to`: the offering side accepts, declines and fulfils, the
/// requesting side cancels (403 for the other side, nothing stored).
pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    to: RequestStatus,
) -> Result<RequestView, AppError> {
    let allowed = policy::capacity_request(conn, &caller.principal, Some(to.moved_by()), id)?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut request = before.clone();
    let from = request.transition(to, now()).map_err(|next| {
        let next: Vec<&str> = next.iter().map(|s| s.as_str()).collect();
        AppError::field_conflict(
            "illegal_transition",
            "to",
            format!(
                "The request is {}; it can move to: {}.",
                before.status.as_str(),
                if next.is_empty() {
                    "nothing, a final state".into()
                } else {
                    next.join(", ")
                }
            ),
        )
    })?;
    request.updated_by = Some(caller.actor_ref());
    saved(store::update_status(conn, &request, before.version)?, before.version)?;
    let side = match to.moved_by() {
        hamkari_domain::capacity_request::Side::Provider => request.provider_id,
        hamkari_domain::capacity_request::Side::Requester => request.organization_id,
    };
    store::insert_step(conn, id, &step(caller, Some(from), to, side))?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "transitioned", &allowed.owners)
            .before(&before)?
            .after(&request)?,
    )?;
    view(conn, request)
}

/// Adds a comment for `organization` (one of the two sides the caller acts for; by
/// default the first of them, the offering side before the requesting one).
pub fn comment(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    organization: Option<Uuid>,
    body: String,
) -> Result<Comment, AppError> {
    policy::precheck_write(&caller.principal, Resource::Capacities)?;
    let allowed = policy::capacity_request(conn, &caller.principal, None, id)?;
    let body = clean_text(&body, 1, 5000).map_err(|p| AppError::invalid("body", p.code, p.message))?;
    let side = match organization {
        Some(o) if allowed.owners.contains(&o) => o,
        Some(_) => {
            return Err(AppError::invalid(
                "organization_id",
                "not_a_party",
                "the organization is neither side of this request",
            ))
        }
        None => *allowed
            .owners
            .iter()
            .find(|o| caller.principal.acts_for(**o))
            .ok_or_else(|| AppError::Forbidden("Only the two sides of a request comment on it.".into()))?,
    };
    policy::create_for(&caller.principal, Resource::Capacities, side)
        .map_err(|_| AppError::Forbidden("Only the two sides of a request comment on it.".into()))?;
    let comment = Comment {
        id: hamkari_domain::new_id(),
        request_id: id,
        organization_id: side,
        body,
        created_by: caller.actor_ref(),
        created_at: now(),
    };
    store::insert_comment(conn, &comment)?;
    let mut change = Change::new(KIND, id, "commented", &allowed.owners);
    change.after = Some(json!({
        "comment_id": comment.id,
        "organization_id": comment.organization_id,
        "body": comment.body,
    }));
    record(conn, caller, change)?;
    Ok(comment)
}

pub fn comments(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    after: Option<(chrono::NaiveDateTime, Uuid)>,
    limit: u32,
) -> Result<Page<Comment>, AppError> {
    policy::capacity_request(conn, &caller.principal, None, id)?;
    Ok(store::comments(conn, id, after, limit)?)
}
