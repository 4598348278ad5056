//! A project's organizations (`/projects/{id}/organizations/{org_id}`) and team
//! (`/projects/{id}/members`).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_domain::auth::Resource;
use hamkari_domain::project::{check_participants, ParticipantRole, TeamRole};
use hamkari_domain::ValidationErrors;
use hamkari_persistence::projects::{self as store, TeamMember};
use hamkari_persistence::{members, organizations};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::projects::{load_for_change, not_found, touch, ParticipantBody, ProjectBody};
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::pagination::{utc, ListPage};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "partner"}))]
pub struct SetParticipant {
    /// Making an organization `lead` makes the previous lead a partner.
    pub role: ParticipantRole,
}

/// A person on a project's team.
#[derive(Serialize, ToSchema)]
pub struct TeamMemberBody {
    pub member_id: Uuid,
    #[schema(example = "مریم احمدی")]
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// The organization the person represents; it takes part in the project.
    pub organization_id: Uuid,
    pub role: TeamRole,
    pub added_at: DateTime<Utc>,
}

impl From<TeamMember> for TeamMemberBody {
    fn from(m: TeamMember) -> Self {
        Self {
            member_id: m.member_id,
            full_name: m.full_name,
            full_name_en: m.full_name_en,
            organization_id: m.organization_id,
            role: m.role,
            added_at: utc(m.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTeamMember {
    pub member_id: Uuid,
    /// Must take part in the project.
    pub organization_id: Uuid,
    pub role: TeamRole,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamMember {
    pub organization_id: Option<Uuid>,
    pub role: Option<TeamRole>,
}

fn not_participating() -> ApiError {
    ApiError::NotFound("This organization does not take part in this project.".into())
}

fn invariant(message: &str) -> ApiError {
    ApiError::Conflict {
        code: "participation_rule",
        detail: format!("Refused: {message}."),
        field: None,
    }
}

fn not_a_participant_field() -> ApiError {
    ValidationErrors::single(
        "organization_id",
        "not_participating",
        "does not take part in this project",
    )
    .into()
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
    caller.0.require_read(Resource::Projects)?;
    let (id, org) = path.into_inner();
    let part = db::run(&state.db, move |conn| {
        store::find(conn, id)?.ok_or_else(not_found)?;
        store::participants(conn, id)?
            .into_iter()
            .find(|p| p.organization_id == org)
            .ok_or_else(not_participating)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ParticipantBody::from(part)))
}

/// Add an organization to a project or change its role.
///
/// A project keeps exactly one lead: naming a new lead demotes the old one to partner, and
/// the lead cannot be demoted directly (409). Scope: `projects:write`, for an organization
/// taking part.
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
    caller.0.require_write(Resource::Projects)?;
    let (id, org) = path.into_inner();
    let role = body.value()?.role;
    let now = state.now();
    let body = db::write(&state.db, move |conn| {
        let (mut project, participants) = load_for_change(conn, &caller, id)?;
        organizations::find(conn, org)?.ok_or_else(|| ApiError::NotFound("No organization has this id.".into()))?;
        let current_lead = participants
            .iter()
            .find(|p| p.role == ParticipantRole::Lead)
            .map(|p| p.organization_id);
        if current_lead == Some(org) && role != ParticipantRole::Lead {
            return Err(invariant(
                "a joint project has exactly one lead; make another organization lead first",
            ));
        }
        if role == ParticipantRole::Lead {
            if let Some(old) = current_lead.filter(|old| *old != org) {
                store::set_participant(conn, id, old, ParticipantRole::Partner)?;
            }
        }
        store::set_participant(conn, id, org, role)?;
        let after: Vec<_> = store::participants(conn, id)?
            .into_iter()
            .map(|p| (p.organization_id, p.role))
            .collect();
        check_participants(&after).map_err(|e| invariant(e.message()))?;
        touch(conn, &mut project, now)?;
        let participants = store::participants(conn, id)?;
        Ok(ProjectBody::new(project, participants))
    })
    .await?;
    Ok(crate::preconditions::with_etag(HttpResponse::Ok(), body.version).json(body))
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
    caller.0.require_write(Resource::Projects)?;
    let (id, org) = path.into_inner();
    let now = state.now();
    db::write(&state.db, move |conn| {
        let (mut project, participants) = load_for_change(conn, &caller, id)?;
        if !participants.iter().any(|p| p.organization_id == org) {
            return Err(not_participating());
        }
        let after: Vec<_> = participants
            .iter()
            .filter(|p| p.organization_id != org)
            .map(|p| (p.organization_id, p.role))
            .collect();
        check_participants(&after).map_err(|e| invariant(e.message()))?;
        if store::team(conn, id)?.iter().any(|m| m.organization_id == org) {
            return Err(invariant(
                "team members still represent this organization; move or remove them first",
            ));
        }
        store::remove_participant(conn, id, org)?;
        touch(conn, &mut project, now)
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
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The whole team (teams are small; returned whole).", body = ListPage<TeamMemberBody>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}/members")]
pub async fn team(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    caller.0.require_read(Resource::Projects)?;
    let id = id.into_inner();
    let team = db::run(&state.db, move |conn| {
        store::find(conn, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(store::team(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage {
        items: team.into_iter().map(TeamMemberBody::from).collect(),
        next_cursor: None,
    }))
}

/// Add a person to a project's team.
///
/// The organization they represent must take part in the project. Scope: `projects:write`,
/// for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "add_project_member",
    params(("id" = Uuid, Path)),
    request_body = AddTeamMember,
    responses(
        (status = 201, description = "Added.", body = TeamMemberBody),
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
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<AddTeamMember>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let id = id.into_inner();
    let b = body.value()?;
    let now = state.now();
    let added = db::write(&state.db, move |conn| {
        let (mut project, participants) = load_for_change(conn, &caller, id)?;
        let person = members::find(conn, b.member_id)?.ok_or_else(|| {
            ApiError::from(ValidationErrors::single(
                "member_id",
                "not_found",
                "no member has this id",
            ))
        })?;
        if !participants.iter().any(|p| p.organization_id == b.organization_id) {
            return Err(not_a_participant_field());
        }
        if store::team(conn, id)?.iter().any(|m| m.member_id == b.member_id) {
            return Err(ApiError::Conflict {
                code: "already_on_team",
                detail: "The person is on the team already.".into(),
                field: Some("member_id"),
            });
        }
        let member = TeamMember {
            member_id: person.id,
            full_name: person.full_name,
            full_name_en: person.full_name_en,
            organization_id: b.organization_id,
            role: b.role,
            created_at: now,
        };
        store::add_team_member(conn, id, &member)?;
        touch(conn, &mut project, now)?;
        Ok(member)
    })
    .await?;
    Ok(HttpResponse::Created().json(TeamMemberBody::from(added)))
}

/// Change a team member's role or the organization they represent.
///
/// Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    request_body = UpdateTeamMember,
    responses(
        (status = 200, description = "The changed team member.", body = TeamMemberBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project or team member.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/projects/{id}/members/{member_id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<UpdateTeamMember>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let (id, member_id) = path.into_inner();
    let b = body.value()?;
    let now = state.now();
    let member = db::write(&state.db, move |conn| {
        let (mut project, participants) = load_for_change(conn, &caller, id)?;
        let mut member = store::team(conn, id)?
            .into_iter()
            .find(|m| m.member_id == member_id)
            .ok_or_else(|| ApiError::NotFound("This person is not on the team.".into()))?;
        if let Some(org) = b.organization_id {
            if !participants.iter().any(|p| p.organization_id == org) {
                return Err(not_a_participant_field());
            }
            member.organization_id = org;
        }
        member.role = b.role.unwrap_or(member.role);
        store::update_team_member(conn, id, &member)?;
        touch(conn, &mut project, now)?;
        Ok(member)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TeamMemberBody::from(member)))
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
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let (id, member_id) = path.into_inner();
    let now = state.now();
    db::write(&state.db, move |conn| {
        let (mut project, _) = load_for_change(conn, &caller, id)?;
        if !store::remove_team_member(conn, id, member_id)? {
            return Err(ApiError::NotFound("This person is not on the team.".into()));
        }
        touch(conn, &mut project, now)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_participant)
        .service(set_participant)
        .service(remove_participant)
        .service(team)
        .service(add_member)
        .service(update_member)
        .service(remove_member);
}
