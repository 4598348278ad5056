//! `/api/v1/projects`: joint projects and their status lifecycle.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hamkari_domain::auth::{Resource, Subject};
use hamkari_domain::project::{
    check_participants, ParticipantRole, Project, ProjectChanges, ProjectInput, ProjectKind, ProjectStatus,
};
use hamkari_domain::ValidationErrors;
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::projects::{self as store, Participant, ProjectFilter, Transition};
use hamkari_persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{search_param, JsonBody, QueryParams};
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, not_modified, with_etag};
use crate::state::AppState;

/// An organization taking part in a project.
#[derive(Serialize, ToSchema)]
pub struct ParticipantBody {
    pub organization_id: Uuid,
    pub role: ParticipantRole,
    #[schema(example = "انجمن آزمایشگاههای همکار آزمون و واسنجی ایران")]
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

impl From<Participant> for ParticipantBody {
    fn from(p: Participant) -> Self {
        Self {
            organization_id: p.organization_id,
            role: p.role,
            name: p.name,
            name_en: p.name_en,
            slug: p.slug,
        }
    }
}

/// A joint project.
#[derive(Serialize, ToSchema)]
pub struct ProjectBody {
    pub id: Uuid,
    #[schema(example = "پژوهش مشترک در عدم قطعیت اندازه‌گیری")]
    pub title: String,
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    pub summary: Option<String>,
    pub status: ProjectStatus,
    /// The states the project may move to next.
    pub allowed_transitions: Vec<ProjectStatus>,
    pub lead_organization_id: Option<Uuid>,
    /// At least two, exactly one of them the lead.
    pub organizations: Vec<ParticipantBody>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ProjectBody {
    pub fn new(p: Project, participants: Vec<Participant>) -> Self {
        let lead = participants
            .iter()
            .find(|x| x.role == ParticipantRole::Lead)
            .map(|x| x.organization_id);
        Self {
            id: p.id,
            title: p.title,
            title_en: p.title_en,
            kind: p.kind,
            summary: p.summary,
            allowed_transitions: p.status.next().to_vec(),
            status: p.status,
            lead_organization_id: lead,
            organizations: participants.into_iter().map(ParticipantBody::from).collect(),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
            version: p.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "پژوهش مشترک در عدم قطعیت اندازه‌گیری",
    "title_en": "Joint research on measurement uncertainty",
    "kind": "research",
    "lead_organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "organization_ids": ["019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c"],
    "starts_on": "2027-01-01"
}))]
pub struct CreateProject {
    pub title: String,
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    pub summary: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The lead organization; it takes part whether or not `organization_ids` repeats it.
    pub lead_organization_id: Uuid,
    /// The organizations taking part: at least two with the lead. Others join as partners.
    pub organization_ids: Vec<Uuid>,
}

/// Changes to a project's description. Status moves through `/transitions`, organizations
/// through `/organizations/{org_id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub title_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = ProjectKind)]
    pub kind: Patch<ProjectKind>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProjects {
    kind: Option<ProjectKind>,
    status: Option<ProjectStatus>,
    /// Projects this organization takes part in.
    organization_id: Option<Uuid>,
    /// Projects this person is on the team of.
    member_id: Option<Uuid>,
    /// Search over the titles, after Persian normalization.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Projects starting after this day.
    starts_after: Option<NaiveDate>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "approved", "reason": "تصویب در نشست مشترک هیئت‌مدیره‌ها"}))]
pub struct TransitionRequest {
    pub to: ProjectStatus,
    /// Up to 1000 characters.
    pub reason: Option<String>,
}

/// Who made a change.
#[derive(Serialize, ToSchema)]
pub struct Actor {
    /// `user` or `api_token`.
    #[schema(example = "user")]
    pub kind: &'static str,
    pub id: Uuid,
}

/// One recorded status change.
#[derive(Serialize, ToSchema)]
pub struct TransitionBody {
    pub id: Uuid,
    pub from: ProjectStatus,
    pub to: ProjectStatus,
    pub reason: Option<String>,
    /// Null when the user or token has since been deleted.
    pub by: Option<Actor>,
    pub at: DateTime<Utc>,
}

impl From<Transition> for TransitionBody {
    fn from(t: Transition) -> Self {
        let by = match (t.by_user, t.by_token) {
            (Some(id), _) => Some(Actor { kind: "user", id }),
            (None, Some(id)) => Some(Actor { kind: "api_token", id }),
            (None, None) => None,
        };
        Self {
            id: t.id,
            from: t.from,
            to: t.to,
            reason: t.reason,
            by,
            at: utc(t.at),
        }
    }
}

pub(crate) fn not_found() -> ApiError {
    ApiError::NotFound("No project has this id.".into())
}

/// Loads a project and checks the caller may change it: their organization takes part.
pub(crate) fn load_for_change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(Project, Vec<Participant>), ApiError> {
    let project = store::find(conn, id)?.ok_or_else(not_found)?;
    let participants = store::participants(conn, id)?;
    let ids: Vec<Uuid> = participants.iter().map(|p| p.organization_id).collect();
    caller.0.require_write_for_any(Resource::Projects, &ids)?;
    Ok((project, participants))
}

/// Records that the project changed (its participants or team), for `ETag`s and `If-Match`.
pub(crate) fn touch(
    conn: &mut DbConnection,
    project: &mut Project,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let before = project.version;
    project.version += 1;
    project.updated_at = now.max(project.updated_at);
    if store::update(conn, project, before)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed { current: before })
    }
}

fn project_body(conn: &mut DbConnection, project: Project) -> Result<ProjectBody, ApiError> {
    let participants = store::participants(conn, project.id)?;
    Ok(ProjectBody::new(project, participants))
}

/// Create a joint project.
///
/// Starts `proposed`. Editors and bound tokens create projects their organization takes
/// part in. Scope: `projects:write`.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project",
    request_body = CreateProject,
    responses(
        (status = 201, description = "Created.", body = ProjectBody, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "None of your organizations takes part.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateProject>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let b = body.value()?;
    let now = state.now();
    let mut errors = ValidationErrors::default();
    let mut participants: Vec<(Uuid, ParticipantRole)> = vec![(b.lead_organization_id, ParticipantRole::Lead)];
    for id in b.organization_ids {
        if !participants.iter().any(|(p, _)| *p == id) {
            participants.push((id, ParticipantRole::Partner));
        }
    }
    if let Err(e) = check_participants(&participants) {
        errors.push(hamkari_domain::FieldError::new(
            "organization_ids",
            "too_few",
            e.message(),
        ));
    }
    let project = Project::create(
        ProjectInput {
            title: b.title,
            title_en: b.title_en,
            kind: b.kind,
            summary: b.summary,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
        },
        hamkari_domain::new_id(),
        now,
    );
    let project = match project {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(errors.into()),
        Err(more) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
    };
    let ids: Vec<Uuid> = participants.iter().map(|(id, _)| *id).collect();
    caller.0.require_write_for_any(Resource::Projects, &ids)?;
    let body = db::write(&state.db, move |conn| {
        let missing = missing_organizations(conn, &ids)?;
        if let Some(first) = missing.first() {
            return Err(ValidationErrors::single(
                "organization_ids",
                "not_found",
                format!("no organization has the id {first}"),
            )
            .into());
        }
        store::insert(conn, &project)?;
        for (org, role) in &participants {
            store::set_participant(conn, project.id, *org, *role)?;
        }
        project_body(conn, project)
    })
    .await?;
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/projects/{}", body.id)))
        .json(body))
}

/// List joint projects.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_projects",
    params(ListProjects),
    responses(
        (status = 200, description = "A page of projects.", body = ListPage<ProjectBody>, headers(("Link" = String))),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListProjects>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_read(Resource::Projects)?;
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = ProjectFilter {
        kind: q.kind,
        status: q.status,
        organization_id: q.organization_id,
        member_id: q.member_id,
        search: search_param(q.q)?,
        starts_after: q.starts_after,
        direction: paging.direction,
        after: paging.after,
        limit: paging.limit,
    };
    let (page, mut participants) = db::run(&state.db, move |conn| {
        let page = store::list(conn, &filter)?;
        let ids: Vec<Uuid> = page.items.iter().map(|p| p.id).collect();
        Ok::<_, ApiError>((page, store::participants_of_many(conn, &ids)?))
    })
    .await?;
    let next = pagination::next_after(page.has_more, page.items.last(), |p| {
        pagination::after_created(p.created_at, p.id)
    });
    let items = page
        .items
        .into_iter()
        .map(|p| {
            let parts = participants.remove(&p.id).unwrap_or_default();
            ProjectBody::new(p, parts)
        })
        .collect();
    Ok(pagination::respond(&req, &paging.sort_name, items, next))
}

/// Get a joint project.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The project.", body = ProjectBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_read(Resource::Projects)?;
    let id = id.into_inner();
    let body = db::run(&state.db, move |conn| {
        let project = store::find(conn, id)?.ok_or_else(not_found)?;
        project_body(conn, project)
    })
    .await?;
    if let Some(response) = not_modified(&req, body.version)? {
        return Ok(response);
    }
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Change a joint project's description.
///
/// Honours `If-Match`. Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateProject,
    responses(
        (status = 200, description = "The changed project.", body = ProjectBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/projects/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateProject>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = ProjectChanges {
        title: b.title.required("title", &mut errors),
        title_en: b.title_en.optional(),
        kind: b.kind.required("kind", &mut errors),
        summary: b.summary.optional(),
        starts_on: b.starts_on.optional(),
        ends_on: b.ends_on.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = state.now();
    let if_match = if_match(&req)?;
    let body = db::write(&state.db, move |conn| {
        let (mut project, participants) = load_for_change(conn, &caller, id)?;
        if_match.check(project.version)?;
        let before = project.version;
        if project.apply(changes, now)? && !store::update(conn, &project, before)? {
            return Err(ApiError::PreconditionFailed { current: before });
        }
        Ok(ProjectBody::new(project, participants))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Delete a joint project with its organizations, team and history.
///
/// Honours `If-Match`. Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "delete_project",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/projects/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    db::write(&state.db, move |conn| {
        let (project, _) = load_for_change(conn, &caller, id)?;
        if_match.check(project.version)?;
        if !store::delete(conn, id, project.version)? {
            return Err(ApiError::PreconditionFailed {
                current: project.version,
            });
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Move a project to another status.
///
/// `proposed → approved → active → completed`, `active ⇄ on_hold`, and any state that is not
/// final → `cancelled`. An illegal step is 409 naming the allowed next states. Every step is
/// kept. Scope: `projects:write`, for an organization taking part.
#[utoipa::path(
    tag = "projects",
    operation_id = "transition_project",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = TransitionRequest,
    responses(
        (status = 201, description = "The recorded transition.", body = TransitionBody, headers(("ETag" = String, description = "The project's new version."))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal next state.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::Projects)?;
    let id = id.into_inner();
    let b = body.value()?;
    let reason = b
        .reason
        .map(|r| hamkari_domain::validation::clean_text(&r, 1, 1000))
        .transpose()
        .map_err(|p| ValidationErrors::single("reason", p.code, p.message))?;
    let now = state.now();
    let if_match = if_match(&req)?;
    let (by_user, by_token) = match caller.0.subject {
        Subject::User(id) => (Some(id), None),
        Subject::ApiToken(id) => (None, Some(id)),
    };
    let (record, version) = db::write(&state.db, move |conn| {
        let (mut project, _) = load_for_change(conn, &caller, id)?;
        if_match.check(project.version)?;
        let before = project.version;
        let from = project.transition(b.to, now).map_err(|e| {
            let allowed: Vec<&str> = e.allowed.iter().map(|s| s.as_str()).collect();
            ApiError::Conflict {
                code: "illegal_transition",
                detail: if allowed.is_empty() {
                    format!("The project is {}, a final state; it cannot move.", e.from.as_str())
                } else {
                    format!(
                        "The project is {}; it can move to: {}.",
                        e.from.as_str(),
                        allowed.join(", ")
                    )
                },
                field: Some("to"),
            }
        })?;
        if !store::update(conn, &project, before)? {
            return Err(ApiError::PreconditionFailed { current: before });
        }
        let record = Transition {
            id: hamkari_domain::new_id(),
            from,
            to: b.to,
            reason,
            by_user,
            by_token,
            at: now,
        };
        store::record_transition(conn, id, &record)?;
        Ok((record, project.version))
    })
    .await?;
    Ok(with_etag(HttpResponse::Created(), version).json(TransitionBody::from(record)))
}

/// A project's status history, oldest first.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_transitions",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Every transition (a project has few; returned whole).", body = ListPage<TransitionBody>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}/transitions")]
pub async fn transitions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_read(Resource::Projects)?;
    let id = id.into_inner();
    let records = db::run(&state.db, move |conn| {
        store::find(conn, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(store::transitions(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage {
        items: records.into_iter().map(TransitionBody::from).collect(),
        next_cursor: None,
    }))
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove)
        .service(transition)
        .service(transitions);
}
