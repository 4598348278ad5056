//! `/api/v1/working-groups`: specialized and general working groups and their members.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::policy;
use hamkari_app::roster::GroupMembers;
use hamkari_app::working_groups::{self as use_case, GroupFilter, GroupView};
use hamkari_domain::auth::Resource;
use hamkari_domain::working_group::{GroupRole, GroupScope, GroupStatus, WorkingGroupChanges, WorkingGroupInput};
use hamkari_domain::ValidationErrors;
use serde::Deserialize;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::OrganizationRef;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToApi, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{search_param, JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::roster::{self, AddRosterEntry, ChangeRosterEntry, Ctx, RosterEntryBody, SubListQuery};
use crate::state::AppState;

/// A working group.
#[derive(Serialize, ToSchema)]
pub struct WorkingGroupBody {
    pub id: Uuid,
    #[schema(example = "کارگروه تخصصی واسنجی")]
    pub name: String,
    pub name_en: Option<String>,
    pub scope: GroupScope,
    pub topic: Option<String>,
    pub mandate: Option<String>,
    pub status: GroupStatus,
    pub established_on: Option<ApiDate>,
    pub dissolved_on: Option<ApiDate>,
    /// The organizations forming the group; a joint group has several.
    pub organization_ids: Vec<Uuid>,
    pub organizations: Vec<OrganizationRef>,
    pub project_id: Option<Uuid>,
    /// The cooperation agreement the group falls under.
    pub agreement_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<GroupView> for WorkingGroupBody {
    fn from(v: GroupView) -> Self {
        let (g, orgs) = (v.group, v.organizations);
        Self {
            id: g.id,
            name: g.name,
            name_en: g.name_en,
            scope: g.scope,
            topic: g.topic,
            mandate: g.mandate,
            status: g.status,
            established_on: g.established_on.api(),
            dissolved_on: g.dissolved_on.api(),
            organization_ids: orgs.iter().map(|o| o.organization_id).collect(),
            organizations: orgs
                .into_iter()
                .map(|o| OrganizationRef {
                    id: o.organization_id,
                    name: o.name,
                    name_en: o.name_en,
                    slug: o.slug,
                })
                .collect(),
            project_id: g.project_id,
            agreement_id: g.agreement_id,
            created_at: utc(g.created_at),
            updated_at: utc(g.updated_at),
            created_by: actor(g.created_by),
            updated_by: actor(g.updated_by),
            version: g.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "کارگروه تخصصی واسنجی",
    "scope": "specialized",
    "topic": "واسنجی تجهیزات اندازه‌گیری",
    "organization_ids": ["019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c"]
}))]
pub struct CreateWorkingGroup {
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
    pub scope: GroupScope,
    #[schema(min_length = 1, max_length = 300)]
    pub topic: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub mandate: Option<String>,
    pub established_on: Option<ApiDate>,
    /// At least one.
    #[schema(min_items = 1)]
    pub organization_ids: Vec<Uuid>,
    /// A joint project the group belongs to.
    pub project_id: Option<Uuid>,
    /// The cooperation agreement the group falls under; its parties include every
    /// organization of the group.
    pub agreement_id: Option<Uuid>,
}

/// Changes; `null` clears optional fields. Dissolving without `dissolved_on` dissolves today.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkingGroup {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 200)]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = GroupScope)]
    pub scope: Patch<GroupScope>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub topic: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub mandate: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = GroupStatus)]
    pub status: Patch<GroupStatus>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub established_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub dissolved_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Patch<Uuid>,
    /// Replaces the set; an organization still represented by a member cannot leave (409). A
    /// new organization on a proposed group resets its approvals (an `approvals_reset` event).
    pub organization_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<Uuid>)]
    pub agreement_id: Patch<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListWorkingGroups {
    scope: Option<GroupScope>,
    status: Option<GroupStatus>,
    organization_id: Option<Uuid>,
    member_id: Option<Uuid>,
    /// Groups under this cooperation agreement.
    agreement_id: Option<Uuid>,
    /// Search over names and topic, after Persian normalization.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Create a working group.
///
/// Editors and bound tokens create groups their organization forms. Scope: `working_groups:write`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "create_working_group",
    request_body = CreateWorkingGroup,
    responses(
        (status = 201, description = "Created.", body = WorkingGroupBody, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "None of your organizations forms it.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/working-groups")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateWorkingGroup>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::WorkingGroups)?;
    let b = body.value()?;
    let input = WorkingGroupInput {
        name: b.name,
        name_en: b.name_en,
        scope: b.scope,
        topic: b.topic,
        mandate: b.mandate,
        established_on: b.established_on.day(),
        project_id: b.project_id,
        agreement_id: b.agreement_id,
    };
    let organizations = b.organization_ids;
    let view = db::write(&state.db, move |conn| {
        use_case::create(conn, &caller.0, input, organizations)
    })
    .await?;
    let body = WorkingGroupBody::from(view);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/working-groups/{}", body.id)))
        .json(body))
}

/// List working groups.
///
/// Scope: `working_groups:read`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "list_working_groups",
    params(ListWorkingGroups),
    responses(
        (status = 200, description = "A page of working groups, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<WorkingGroupBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/working-groups")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListWorkingGroups>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = GroupFilter {
        scope: q.scope,
        status: q.status,
        organization_id: q.organization_id,
        member_id: q.member_id,
        search: search_param(q.q)?,
        agreement_id: q.agreement_id,
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
        move |conn, filter| use_case::list(conn, &caller, filter),
        |v| pagination::after_created(v.group.created_at, v.group.id),
        WorkingGroupBody::from,
    )
    .await
}

/// Get a working group.
///
/// Scope: `working_groups:read`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "get_working_group",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The working group.", body = WorkingGroupBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/working-groups/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = WorkingGroupBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
}

/// Change a working group.
///
/// Honours `If-Match`. Scope: `working_groups:write`, for an organization forming the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "update_working_group",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateWorkingGroup,
    responses(
        (status = 200, description = "The changed group.", body = WorkingGroupBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not form it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An organization leaving is still represented, or `status: active` while approvals are missing (`approvals_pending`).", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/working-groups/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateWorkingGroup>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::WorkingGroups)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = WorkingGroupChanges {
        name: b.name.required("name", &mut errors),
        name_en: b.name_en.optional(),
        scope: b.scope.required("scope", &mut errors),
        topic: b.topic.optional(),
        mandate: b.mandate.optional(),
        status: b.status.required("status", &mut errors),
        established_on: b.established_on.optional().day(),
        dissolved_on: b.dissolved_on.optional().day(),
        project_id: b.project_id.optional(),
        agreement_id: b.agreement_id.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let organizations = b.organization_ids;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes, organizations)
    })
    .await?;
    let body = WorkingGroupBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Delete a working group with its members.
///
/// Honours `If-Match`. Scope: `working_groups:write`, for an organization forming the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "delete_working_group",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not form it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/working-groups/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    db::write(&state.db, move |conn| use_case::delete(conn, &caller.0, id, &if_match)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A working group's members.
///
/// Scope: `working_groups:read`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "list_working_group_members",
    params(("id" = Uuid, Path), SubListQuery),
    responses(
        (status = 200, description = "A page of members, in the order they joined, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<RosterEntryBody<GroupRole>> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/working-groups/{id}/members")]
pub async fn list_members(
    ctx: Ctx,
    id: web::Path<Uuid>,
    query: QueryParams<SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    roster::list::<GroupMembers>(ctx, id.into_inner(), query.0).await
}

/// Add a person to a working group.
///
/// They represent one of the group's organizations. One chair per group; a co-chair per
/// organization (409 otherwise). Scope: `working_groups:write`, for an organization forming it.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "add_working_group_member",
    params(("id" = Uuid, Path)),
    request_body = AddRosterEntry<GroupRole>,
    responses(
        (status = 201, description = "Added.", body = RosterEntryBody<GroupRole>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not form it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already in the group, or the role is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/working-groups/{id}/members")]
pub async fn add_member(
    ctx: Ctx,
    id: web::Path<Uuid>,
    body: JsonBody<AddRosterEntry<GroupRole>>,
) -> Result<HttpResponse, ApiError> {
    roster::add::<GroupMembers>(ctx, id.into_inner(), body).await
}

/// Change a working group member's role or represented organization.
///
/// Scope: `working_groups:write`, for an organization forming the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "update_working_group_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    request_body = ChangeRosterEntry<GroupRole>,
    responses(
        (status = 200, description = "The changed member.", body = RosterEntryBody<GroupRole>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not form it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group or member.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The role is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/working-groups/{id}/members/{member_id}")]
pub async fn update_member(
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<ChangeRosterEntry<GroupRole>>,
) -> Result<HttpResponse, ApiError> {
    roster::update::<GroupMembers>(ctx, path.into_inner(), body).await
}

/// Remove a person from a working group.
///
/// Scope: `working_groups:write`, for an organization forming the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "remove_working_group_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not form it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group or member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/working-groups/{id}/members/{member_id}")]
pub async fn remove_member(ctx: Ctx, path: web::Path<(Uuid, Uuid)>) -> Result<HttpResponse, ApiError> {
    roster::remove::<GroupMembers>(ctx, path.into_inner()).await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove)
        .service(list_members)
        .service(add_member)
        .service(update_member)
        .service(remove_member);
}
