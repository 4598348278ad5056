//! Resolutions of held meetings (`/api/v1/meetings/{id}/resolutions`) and their action
//! items (`/api/v1/resolutions/{id}/action-items`, `/api/v1/action-items`).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};

use crate::dates::{ApiDate, ToApi, ToDay};
use crate::export::{self, Representation};
use crate::listing;
use hamkari_app::policy;
use hamkari_app::resolutions::{self as use_case, ActionItemFilter, NewActionItem, NewResolution, ResolutionView};
use hamkari_domain::auth::Resource;
use hamkari_domain::resolution::{ActionItem, ActionItemStatus, ResolutionOutcome, Vote};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    pub organization_id: Uuid,
    pub vote: Vote,
}

/// A follow-up a resolution set.
#[derive(Serialize, ToSchema)]
pub struct ActionItemBody {
    pub id: Uuid,
    pub resolution_id: Uuid,
    pub meeting_id: Uuid,
    pub what: String,
    /// The member who sees to it.
    pub owner_id: Uuid,
    /// The organization that owes it.
    pub organization_id: Uuid,
    pub due_on: ApiDate,
    pub status: ActionItemStatus,
    pub status_reason: Option<String>,
    /// Open and past its due day (UTC).
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

fn today() -> NaiveDate {
    hamkari_app::now().date()
}

impl From<ActionItem> for ActionItemBody {
    fn from(i: ActionItem) -> Self {
        Self {
            overdue: i.is_overdue(today()),
            id: i.id,
            resolution_id: i.resolution_id,
            meeting_id: i.meeting_id,
            what: i.what,
            owner_id: i.owner_id,
            organization_id: i.organization_id,
            due_on: i.due_on.api(),
            status: i.status,
            status_reason: i.status_reason,
            created_at: utc(i.created_at),
            updated_at: utc(i.updated_at),
            created_by: actor(i.created_by),
            updated_by: actor(i.updated_by),
            version: i.version,
        }
    }
}

/// A decision of a held meeting.
#[derive(Serialize, ToSchema)]
pub struct ResolutionBody {
    pub id: Uuid,
    pub meeting_id: Uuid,
    /// 1, 2, 3… within the meeting.
    pub number: i32,
    pub text: String,
    pub outcome: ResolutionOutcome,
    pub votes: Vec<VoteBody>,
    pub action_items: Vec<ActionItemBody>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
}

impl From<ResolutionView> for ResolutionBody {
    fn from(v: ResolutionView) -> Self {
        let r = v.resolution;
        Self {
            id: r.id,
            meeting_id: r.meeting_id,
            number: r.number,
            text: r.text,
            outcome: r.outcome,
            votes: r
                .votes
                .into_iter()
                .map(|(organization_id, vote)| VoteBody { organization_id, vote })
                .collect(),
            action_items: v.action_items.into_iter().map(ActionItemBody::from).collect(),
            created_at: utc(r.created_at),
            created_by: actor(r.created_by),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResolutionList {
    pub items: Vec<ResolutionBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "تشکیل کارگروه‌های تخصصی مشترک", "outcome": "adopted"}))]
pub struct CreateResolution {
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
    pub outcome: ResolutionOutcome,
    /// At most one per organization taking part in the meeting.
    #[serde(default)]
    pub votes: Vec<VoteBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActionItem {
    #[schema(min_length = 1, max_length = 2000)]
    pub what: String,
    /// A member of one of the meeting's organizations.
    pub owner_id: Uuid,
    /// One of the meeting's organizations.
    pub organization_id: Uuid,
    pub due_on: ApiDate,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "done"}))]
pub struct ActionItemTransition {
    pub to: ActionItemStatus,
    /// Up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListActionItems {
    /// Items this organization owes.
    organization_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    meeting_id: Option<Uuid>,
    status: Option<ActionItemStatus>,
    /// `true`: open items past their due day; `false` is not a filter and is refused.
    overdue: Option<bool>,
    /// Due before this day.
    due_before: Option<ApiDate>,
    /// Due after this day.
    due_after: Option<ApiDate>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Record a resolution of a held meeting.
///
/// It takes the meeting's next number. A meeting that is not held answers 409
/// `meeting_not_held`. Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_resolution",
    params(("id" = Uuid, Path)),
    request_body = CreateResolution,
    responses(
        (status = 201, description = "Recorded.", body = ResolutionBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is not held.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/resolutions")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateResolution>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let b = body.value()?;
    let command = NewResolution {
        text: b.text,
        outcome: b.outcome,
        votes: b.votes.into_iter().map(|v| (v.organization_id, v.vote)).collect(),
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, id, command)).await?;
    Ok(HttpResponse::Created().json(ResolutionBody::from(view)))
}

/// A meeting's resolutions, in number order, with their action items.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_resolutions",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The resolutions, or all of them as CSV or NDJSON.",
            content(
                (ResolutionList = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/resolutions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let representation = Representation::negotiate(&req)?;
    if representation != Representation::Json {
        let caller = caller.0;
        return export::whole(state, representation, move |conn| {
            Ok(use_case::of_meeting(conn, &caller, id)?
                .into_iter()
                .map(ResolutionBody::from)
                .collect())
        })
        .await;
    }
    let views = db::run(&state.db, move |conn| use_case::of_meeting(conn, &caller.0, id)).await?;
    Ok(HttpResponse::Ok().json(ResolutionList {
        items: views.into_iter().map(ResolutionBody::from).collect(),
    }))
}

/// Add an action item to a resolution.
///
/// The responsible organization takes part in the meeting and the owner belongs to one of
/// its organizations (422 `not_participating` otherwise). Scope: `meetings:write`, for an
/// organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_action_item",
    params(("id" = Uuid, Path)),
    request_body = CreateActionItem,
    responses(
        (status = 201, description = "Added.", body = ActionItemBody, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resolution.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/resolutions/{id}/action-items")]
pub async fn add_item(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateActionItem>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let b = body.value()?;
    let command = NewActionItem {
        what: b.what,
        owner_id: b.owner_id,
        organization_id: b.organization_id,
        due_on: b.due_on.day(),
    };
    let item = db::write(&state.db, move |conn| use_case::add_item(conn, &caller.0, id, command)).await?;
    let body = ActionItemBody::from(item);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/action-items/{}", body.id)))
        .json(body))
}

/// Action items across the cooperation.
///
/// `organization_id` with `overdue=true` lists what one organization owes and is late on.
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_action_items",
    params(ListActionItems),
    responses(
        (status = 200, description = "A page of action items, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<ActionItemBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-items")]
pub async fn list_items(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListActionItems>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let overdue_on = match q.overdue {
        Some(true) => Some(today()),
        None => None,
        // Well formed, but not a filter this list has: unusable, so 422 as in a body.
        Some(false) => {
            return Err(ApiError::Validation(hamkari_domain::ValidationErrors(vec![
                hamkari_domain::FieldError::new(
                    "overdue",
                    "invalid_value",
                    "only overdue=true filters; leave it out for every item",
                ),
            ])))
        }
    };
    let filter = ActionItemFilter {
        organization_id: q.organization_id,
        owner_id: q.owner_id,
        meeting_id: q.meeting_id,
        status: q.status,
        overdue_on,
        due_before: q.due_before.day(),
        due_after: q.due_after.day(),
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
        move |conn, filter| use_case::list_items(conn, &caller, filter),
        |i| pagination::after_created(i.created_at, i.id),
        ActionItemBody::from,
    )
    .await
}

/// Get an action item.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_action_item",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The action item.", body = ActionItemBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action item.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/action-items/{id}")]
pub async fn get_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let item = db::run(&state.db, move |conn| use_case::get_item(conn, &caller.0, id)).await?;
    let body = ActionItemBody::from(item);
    representation(&req, body.version, body)
}

/// Move an action item: `open → done | dropped`.
///
/// Honours `If-Match`. Scope: `meetings:write`, for an organization taking part in its meeting.
#[utoipa::path(
    tag = "meetings",
    operation_id = "transition_action_item",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ActionItemTransition,
    responses(
        (status = 200, description = "The moved item.", body = ActionItemBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action item.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal next state.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/action-items/{id}/transitions")]
pub async fn transition_item(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<ActionItemTransition>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let b = body.value()?;
    let if_match = if_match(&req)?;
    let item = db::write(&state.db, move |conn| {
        use_case::transition_item(conn, &caller.0, id, &if_match, b.to, b.reason)
    })
    .await?;
    let body = ActionItemBody::from(item);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(add_item)
        .service(list_items)
        .service(get_item)
        .service(transition_item);
}
