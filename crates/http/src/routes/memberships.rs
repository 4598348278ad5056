//! Memberships: `/api/v1/organizations/{id}/memberships`, `/api/v1/memberships/{id}` and
//! `/api/v1/members/{id}/memberships`.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hamkari_app::memberships::{self as use_case, MembershipFilter, MembershipView};
use hamkari_app::{AppError, DbConnection, Page};
use hamkari_domain::membership::{MembershipChanges, MembershipInput, MembershipRole};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::OrganizationRef;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToApi, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

/// The person a membership is about.
#[derive(Serialize, ToSchema)]
pub struct MemberRef {
    pub id: Uuid,
    #[schema(example = "علی رضایی")]
    pub full_name: String,
    pub full_name_en: Option<String>,
}

/// A person's role in an organization over a term, with both names embedded.
#[derive(Serialize, ToSchema)]
pub struct MembershipBody {
    pub id: Uuid,
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub member: MemberRef,
    pub organization: OrganizationRef,
    pub role: MembershipRole,
    pub starts_on: ApiDate,
    /// Null while the membership is open.
    pub ends_on: Option<ApiDate>,
    pub end_reason: Option<String>,
    /// Whether the membership is current today.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl MembershipBody {
    pub fn new(v: MembershipView, today: NaiveDate) -> Self {
        let m = v.membership;
        Self {
            id: m.id,
            member_id: m.member_id,
            organization_id: m.organization_id,
            member: MemberRef {
                id: m.member_id,
                full_name: v.member_name,
                full_name_en: v.member_name_en,
            },
            organization: OrganizationRef {
                id: m.organization_id,
                name: v.organization_name,
                name_en: v.organization_name_en,
                slug: v.organization_slug,
            },
            role: m.role,
            starts_on: m.term.starts_on.api(),
            ends_on: m.term.ends_on.api(),
            end_reason: m.end_reason,
            current: m.term.is_current_on(today),
            created_at: utc(m.created_at),
            updated_at: utc(m.updated_at),
            created_by: actor(m.created_by),
            updated_by: actor(m.updated_by),
            version: m.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"member_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "role": "board_chair", "starts_on": "2024-03-20"}))]
pub struct CreateMembership {
    pub member_id: Uuid,
    pub role: MembershipRole,
    pub starts_on: ApiDate,
    /// On or after `starts_on`; omit while the membership is open.
    pub ends_on: Option<ApiDate>,
    /// Only with `ends_on`.
    #[schema(min_length = 1, max_length = 500)]
    pub end_reason: Option<String>,
}

/// Changes to a membership; `null` reopens (`ends_on`) or clears (`end_reason`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ends_on": "2026-03-20", "end_reason": "پایان دوره"}))]
pub struct UpdateMembership {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = MembershipRole)]
    pub role: Patch<MembershipRole>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = ApiDate)]
    pub starts_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub ends_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub end_reason: Patch<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMemberships {
    role: Option<MembershipRole>,
    /// Only memberships current on this day.
    on: Option<ApiDate>,
    /// `true`: only memberships current today (same as `on` = today).
    current: Option<bool>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Answers either membership list: `list` runs its use case for one page.
async fn respond<L>(
    state: web::Data<AppState>,
    req: &HttpRequest,
    sort_name: &str,
    filter: MembershipFilter,
    today: NaiveDate,
    list: L,
) -> Result<HttpResponse, ApiError>
where
    L: Fn(&mut DbConnection, MembershipFilter) -> Result<Page<MembershipView>, AppError> + Clone + Send + 'static,
{
    listing::respond(
        state,
        req,
        sort_name,
        filter,
        move |conn, filter: &MembershipFilter| list(conn, filter.clone()),
        |v| pagination::after_created(v.membership.created_at, v.membership.id),
        move |v| MembershipBody::new(v, today),
    )
    .await
}

/// Parses the list parameters shared by both membership lists.
fn list_filter(q: ListMemberships, today: NaiveDate) -> Result<(MembershipFilter, String), ApiError> {
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let current_on = match (q.on.day(), q.current) {
        (Some(day), _) => Some(day),
        (None, Some(true)) => Some(today),
        _ => None,
    };
    let filter = MembershipFilter {
        organization_id: None,
        member_id: None,
        role: q.role,
        current_on,
        direction: paging.direction,
        after: paging.after,
        limit: paging.limit,
    };
    Ok((filter, paging.sort_name))
}

/// Add a membership to an organization.
///
/// Rules: `ends_on` ≥ `starts_on`; one membership per person, organization and role over
/// any period; one board chair per organization at a time (409 otherwise). Editors and bound
/// tokens add only to their own organizations. Scope: `members:write`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "create_membership",
    params(("id" = Uuid, Path, description = "Organization id.")),
    request_body = CreateMembership,
    responses(
        (status = 201, description = "Created.", body = MembershipBody, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Breaks a membership rule.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations/{id}/memberships")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateMembership>,
) -> Result<HttpResponse, ApiError> {
    let b = body.value()?;
    let input = MembershipInput {
        member_id: b.member_id,
        organization_id: id.into_inner(),
        role: b.role,
        starts_on: b.starts_on.day(),
        ends_on: b.ends_on.day(),
        end_reason: b.end_reason,
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input)).await?;
    let today = state.now().date();
    Ok(with_etag(HttpResponse::Created(), view.membership.version)
        .insert_header((header::LOCATION, format!("/api/v1/memberships/{}", view.membership.id)))
        .json(MembershipBody::new(view, today)))
}

/// List an organization's memberships.
///
/// Scope: `members:read`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "list_organization_memberships",
    params(("id" = Uuid, Path, description = "Organization id."), ListMemberships),
    responses(
        (status = 200, description = "A page of memberships, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<MembershipBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/memberships")]
pub async fn list_for_organization(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<ListMemberships>,
) -> Result<HttpResponse, ApiError> {
    let today = state.now().date();
    let (filter, sort_name) = list_filter(query.0, today)?;
    let organization_id = id.into_inner();
    let caller = caller.0;
    respond(state, &req, &sort_name, filter, today, move |conn, filter| {
        use_case::list_for_organization(conn, &caller, organization_id, filter)
    })
    .await
}

/// List a member's memberships in every organization.
///
/// Scope: `members:read`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "list_member_memberships",
    params(("id" = Uuid, Path, description = "Member id."), ListMemberships),
    responses(
        (status = 200, description = "A page of memberships, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<MembershipBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/members/{id}/memberships")]
pub async fn list_for_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<ListMemberships>,
) -> Result<HttpResponse, ApiError> {
    let today = state.now().date();
    let (filter, sort_name) = list_filter(query.0, today)?;
    let member_id = id.into_inner();
    let caller = caller.0;
    respond(state, &req, &sort_name, filter, today, move |conn, filter| {
        use_case::list_for_member(conn, &caller, member_id, filter)
    })
    .await
}

/// Get a membership.
///
/// Scope: `members:read`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "get_membership",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The membership.", body = MembershipBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/memberships/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    representation(
        &req,
        view.membership.version,
        MembershipBody::new(view, state.now().date()),
    )
}

/// Change a membership (end it, correct its term or role).
///
/// The same rules as creating apply. Honours `If-Match`. Scope: `members:write`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "update_membership",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateMembership,
    responses(
        (status = 200, description = "The changed membership.", body = MembershipBody, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Breaks a membership rule.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/memberships/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateMembership>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = MembershipChanges {
        role: b.role.required("role", &mut errors),
        starts_on: b.starts_on.required("starts_on", &mut errors).day(),
        ends_on: b.ends_on.optional().day(),
        end_reason: b.end_reason.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    let today = state.now().date();
    Ok(with_etag(HttpResponse::Ok(), view.membership.version).json(MembershipBody::new(view, today)))
}

/// Delete a membership (a record made in error; to end one, set `ends_on`).
///
/// Honours `If-Match`. Scope: `members:write`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "delete_membership",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/memberships/{id}")]
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

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list_for_organization)
        .service(list_for_member)
        .service(get)
        .service(update)
        .service(remove);
}
