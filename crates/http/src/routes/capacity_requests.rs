//! `/api/v1/capacity-requests`: one organization asking for a partner's capacity, the
//! steps the request takes and the comments both sides write.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::capacity_requests::{self as use_case, Comment, RequestFilter, RequestView, Step};
use hamkari_app::policy;
use hamkari_domain::auth::Resource;
use hamkari_domain::capacity_request::{RequestInput, RequestStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToApi, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::listing::{self, Window};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::roster::{created_key, SubListQuery};
use crate::state::AppState;

/// One step of a request, with who took it and for which side.
#[derive(Serialize, ToSchema)]
pub struct RequestStepBody {
    /// Null for the request's creation.
    pub from: Option<RequestStatus>,
    pub to: RequestStatus,
    /// The organization the step was taken for.
    pub organization_id: Uuid,
    pub by: ActorBody,
    pub at: DateTime<Utc>,
}

impl From<Step> for RequestStepBody {
    fn from(s: Step) -> Self {
        Self {
            from: s.from,
            to: s.to,
            organization_id: s.organization_id,
            by: ActorBody::from(s.by),
            at: utc(s.at),
        }
    }
}

/// A request for a partner's capacity.
#[derive(Serialize, ToSchema)]
pub struct CapacityRequestBody {
    pub id: Uuid,
    pub capacity_id: Uuid,
    /// The organization offering the capacity.
    pub offered_by: Uuid,
    /// The organization asking for it.
    pub organization_id: Uuid,
    #[schema(example = "کالیبراسیون ترازوهای بازرسان پیش از ممیزی")]
    pub purpose: String,
    pub project_id: Option<Uuid>,
    /// The agreement the capacity is offered under, if any.
    pub agreement_id: Option<Uuid>,
    pub from: Option<ApiDate>,
    pub until: Option<ApiDate>,
    /// Quantity or effort, in words.
    pub quantity: Option<String>,
    pub status: RequestStatus,
    /// The states it may move to next (each by one side only).
    pub allowed_transitions: Vec<RequestStatus>,
    /// Every step, oldest first; the first is its creation.
    pub steps: Vec<RequestStepBody>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<RequestView> for CapacityRequestBody {
    fn from(v: RequestView) -> Self {
        let r = v.request;
        Self {
            id: r.id,
            capacity_id: r.capacity_id,
            offered_by: r.provider_id,
            organization_id: r.organization_id,
            purpose: r.purpose,
            project_id: r.project_id,
            agreement_id: r.agreement_id,
            from: r.needed_from.api(),
            until: r.needed_until.api(),
            quantity: r.quantity,
            allowed_transitions: r.status.next().to_vec(),
            status: r.status,
            steps: v.steps.into_iter().map(RequestStepBody::from).collect(),
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
            created_by: actor(r.created_by),
            updated_by: actor(r.updated_by),
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "capacity_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c",
    "purpose": "کالیبراسیون ترازوهای بازرسان پیش از ممیزی",
    "from": "2027-01-10",
    "until": "2027-01-20",
    "quantity": "۳ ترازو"
}))]
pub struct CreateCapacityRequest {
    pub capacity_id: Uuid,
    /// The requesting organization: one you act for, offered the capacity.
    pub organization_id: Uuid,
    #[schema(min_length = 2, max_length = 10000)]
    pub purpose: String,
    /// The joint project it is for, if any.
    pub project_id: Option<Uuid>,
    pub from: Option<ApiDate>,
    /// On or after `from`.
    pub until: Option<ApiDate>,
    #[schema(min_length = 1, max_length = 300)]
    pub quantity: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "accepted"}))]
pub struct RequestTransition {
    pub to: RequestStatus,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "ترازوها را هفتهٔ آینده تحویل می‌دهیم."}))]
pub struct CreateComment {
    /// Up to 5000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// The side you write for; by default the first you act for (the offering side first).
    pub organization_id: Option<Uuid>,
}

/// A comment on a request.
#[derive(Serialize, ToSchema)]
pub struct CommentBody {
    pub id: Uuid,
    pub request_id: Uuid,
    /// The side it was written for.
    pub organization_id: Uuid,
    pub body: String,
    pub created_by: ActorBody,
    pub created_at: DateTime<Utc>,
}

impl From<Comment> for CommentBody {
    fn from(c: Comment) -> Self {
        Self {
            id: c.id,
            request_id: c.request_id,
            organization_id: c.organization_id,
            body: c.body,
            created_by: ActorBody::from(c.created_by),
            created_at: utc(c.created_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRequests {
    /// "What we are asked for": requests for this organization's capacities.
    offered_by: Option<Uuid>,
    /// "What we asked for": requests this organization made.
    requested_by: Option<Uuid>,
    capacity_id: Option<Uuid>,
    status: Option<RequestStatus>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Ask for a partner's capacity.
///
/// The requesting organization must be offered the capacity (422 `not_offered`) and must
/// not be the one offering it (422 `own_capacity`); an `unavailable` capacity is 409
/// `capacity_unavailable`. Starts `requested`. Scope: `capacities:write`, for the
/// requesting organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "create_capacity_request",
    request_body = CreateCapacityRequest,
    responses(
        (status = 201, description = "Created.", body = CapacityRequestBody, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the requesting organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The capacity is unavailable.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, one's own capacity, or a capacity not offered to the organization.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/capacity-requests")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateCapacityRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let b = body.value()?;
    let input = RequestInput {
        capacity_id: b.capacity_id,
        organization_id: b.organization_id,
        purpose: b.purpose,
        project_id: b.project_id,
        agreement_id: None,
        needed_from: b.from.day(),
        needed_until: b.until.day(),
        quantity: b.quantity,
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input)).await?;
    let body = CapacityRequestBody::from(view);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/capacity-requests/{}", body.id)))
        .json(body))
}

/// List the requests your organizations are a side of.
///
/// `offered_by` gives what an organization is asked for, `requested_by` what it asked
/// for. Administrators and unbound tokens see every request. Scope: `capacities:read`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "list_capacity_requests",
    params(ListRequests),
    responses(
        (status = 200, description = "A page of requests, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<CapacityRequestBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/capacity-requests")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListRequests>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = RequestFilter {
        visible_to: None,
        offered_by: q.offered_by,
        requested_by: q.requested_by,
        capacity_id: q.capacity_id,
        status: q.status,
        direction: paging.direction,
        after: paging.after,
        limit: paging.limit,
    };
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        filter,
        move |conn, filter| use_case::list(conn, &caller, filter.clone()),
        |v| pagination::after_created(v.request.created_at, v.request.id),
        CapacityRequestBody::from,
    )
    .await
}

/// Get a capacity request.
///
/// 404 unless your organization is one of its two sides. Scope: `capacities:read`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "get_capacity_request",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The request.", body = CapacityRequestBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/capacity-requests/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = CapacityRequestBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
}

/// Move a request to another status.
///
/// `requested → accepted | declined | cancelled`, `accepted → fulfilled | cancelled`.
/// Only the offering organization accepts, declines and fulfils; only the requesting one
/// cancels (403 for the other side, nothing stored). An illegal step is 409
/// `illegal_transition`. Honours `If-Match`. Scope: `capacities:write`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "transition_capacity_request",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = RequestTransition,
    responses(
        (status = 200, description = "The request in its new status.", body = CapacityRequestBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The other side takes this step.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal next state.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/capacity-requests/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<RequestTransition>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let id = id.into_inner();
    let to = body.value()?.to;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::transition(conn, &caller.0, id, &if_match, to)
    })
    .await?;
    let body = CapacityRequestBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Comment on a request.
///
/// Either side may. Scope: `capacities:write`, for that side.
#[utoipa::path(
    tag = "capacities",
    operation_id = "comment_capacity_request",
    params(("id" = Uuid, Path)),
    request_body = CreateComment,
    responses(
        (status = 201, description = "The comment.", body = CommentBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You act for neither side.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/capacity-requests/{id}/comments")]
pub async fn comment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateComment>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let id = id.into_inner();
    let b = body.value()?;
    let comment = db::write(&state.db, move |conn| {
        use_case::comment(conn, &caller.0, id, b.organization_id, b.body)
    })
    .await?;
    Ok(HttpResponse::Created().json(CommentBody::from(comment)))
}

/// A request's comments, oldest first.
///
/// Scope: `capacities:read`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "list_capacity_request_comments",
    params(("id" = Uuid, Path), SubListQuery),
    responses(
        (status = 200, description = "A page of comments, oldest first, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<CommentBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/capacity-requests/{id}/comments")]
pub async fn comments(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let paging = query.0.paging()?;
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        Window::from(&paging),
        move |conn, w: &Window| use_case::comments(conn, &caller, id, created_key(w.after.as_ref()), w.limit),
        |c| pagination::after_created(c.created_at, c.id),
        CommentBody::from,
    )
    .await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(transition)
        .service(comment)
        .service(comments);
}
