//! A project's organizations (`/projects/{id}/organizations/{org_id}`) and team
//! (`/projects/{id}/members`).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use hamkari_app::policy;
use hamkari_app::project_parts as use_case;
use hamkari_app::roster::ProjectTeam;
use hamkari_domain::auth::Resource;
use hamkari_domain::project::{ParticipantRole, TeamRole};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{ParticipantBody, ProjectBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::pagination::ListPage;
use crate::preconditions::with_etag;
use crate::roster::{self, AddRosterEntry, ChangeRosterEntry, Ctx, RosterEntryBody, SubListQuery};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "partner"}))]
pub struct SetParticipant {
    /// Making an organization `lead` makes the previous lead a partner.
    pub role: ParticipantRole,
}

/// One organization's part in a project.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_organization",
    params(("id" = Uuid, Path), ("org_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The organization's part.", body = ParticipantBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or the organization does not take part.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}/organizations/{org_id}")]
pub async fn get_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, org) = path.into_inner();
    let part = db::run(&state.db, move |conn| use_case::participant(conn, &caller.0, id, org)).await?;
    Ok(HttpResponse::Ok().json(ParticipantBody::from(part)))
}

/// Add an organization to a project or change its role.
///
/// A project keeps exactly one lead: naming a new lead demotes the old one to partner, and
/// the lead cannot be demoted directly (409). A new party on a proposed project resets its
/// approvals: every organization, the new one included, approves again (the change feed and
/// audit log record an `approvals_reset` event). Scope: `projects:write`, for an
/// organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "set_project_organization",
    params(("id" = Uuid, Path), ("org_id" = Uuid, Path)),
    request_body = SetParticipant,
    responses(
        (status = 200, description = "The project.", body = ProjectBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave the project without exactly one lead.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/projects/{id}/organizations/{org_id}")]
pub async fn set_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<SetParticipant>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Projects)?;
    let (id, org) = path.into_inner();
    let role = body.value()?.role;
    let view = db::write(&state.db, move |conn| {
        use_case::set_participant(conn, &caller.0, id, org, role)
    })
    .await?;
    let body = ProjectBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Remove an organization from a project.
///
/// Refused (409) for the lead, when fewer than two would remain, or while team members
/// represent it. Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "remove_project_organization",
    params(("id" = Uuid, Path), ("org_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or the organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would break a participation rule.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/projects/{id}/organizations/{org_id}")]
pub async fn remove_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, org) = path.into_inner();
    db::write(&state.db, move |conn| {
        use_case::remove_participant(conn, &caller.0, id, org)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A project's team.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_members",
    params(("id" = Uuid, Path), SubListQuery),
    responses(
        (status = 200, description = "A page of the team, in the order they joined, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<RosterEntryBody<TeamRole>> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}/members")]
pub async fn team(ctx: Ctx, id: web::Path<Uuid>, query: QueryParams<SubListQuery>) -> Result<HttpResponse, ApiError> {
    roster::list::<ProjectTeam>(ctx, id.into_inner(), query.0).await
}

/// Add a person to a project's team.
///
/// The organization they represent must take part in the project. Scope: `projects:write`,
/// for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "add_project_member",
    params(("id" = Uuid, Path)),
    request_body = AddRosterEntry<TeamRole>,
    responses(
        (status = 201, description = "Added.", body = RosterEntryBody<TeamRole>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already on the team.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{id}/members")]
pub async fn add_member(
    ctx: Ctx,
    id: web::Path<Uuid>,
    body: JsonBody<AddRosterEntry<TeamRole>>,
) -> Result<HttpResponse, ApiError> {
    roster::add::<ProjectTeam>(ctx, id.into_inner(), body).await
}

/// Change a team member's role or the organization they represent.
///
/// Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    request_body = ChangeRosterEntry<TeamRole>,
    responses(
        (status = 200, description = "The changed team member.", body = RosterEntryBody<TeamRole>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or team member.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/projects/{id}/members/{member_id}")]
pub async fn update_member(
    ctx: Ctx,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<ChangeRosterEntry<TeamRole>>,
) -> Result<HttpResponse, ApiError> {
    roster::update::<ProjectTeam>(ctx, path.into_inner(), body).await
}

/// Remove a person from a project's team.
///
/// Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "remove_project_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or team member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/projects/{id}/members/{member_id}")]
pub async fn remove_member(ctx: Ctx, path: web::Path<(Uuid, Uuid)>) -> Result<HttpResponse, ApiError> {
    roster::remove::<ProjectTeam>(ctx, path.into_inner()).await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(get_participant)
        .service(set_participant)
        .service(remove_participant)
        .service(team)
        .service(add_member)
        .service(update_member)
        .service(remove_member);
}
