//! `/api/v1/projects`: joint projects and their status lifecycle.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::policy;
use hamkari_app::projects::{self as use_case, NewProject, ProjectFilter, TransitionView};
use hamkari_domain::auth::Resource;
use hamkari_domain::project::{ProjectChanges, ProjectInput, ProjectKind, ProjectStatus};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::ProjectBody;
use crate::dates::{ApiDate, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{search_param, JsonBody, QueryParams};
use crate::listing::{self, Window};
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::roster::{created_key, SubListQuery};
use crate::state::AppState;

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
    #[schema(min_length = 2, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 300)]
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    #[schema(min_length = 1, max_length = 10000)]
    pub summary: Option<String>,
    pub starts_on: Option<ApiDate>,
    pub ends_on: Option<ApiDate>,
    /// The lead organization; it takes part whether or not `organization_ids` repeats it.
    pub lead_organization_id: Uuid,
    /// The organizations taking part: at least two with the lead. Others join as partners.
    #[schema(min_items = 1)]
    pub organization_ids: Vec<Uuid>,
    /// The cooperation agreement the project falls under; its parties include every
    /// organization taking part.
    pub agreement_id: Option<Uuid>,
}

/// Changes to a project's description. Status moves through `/transitions`, organizations
/// through `/organizations/{org_id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 300)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub title_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = ProjectKind)]
    pub kind: Patch<ProjectKind>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub starts_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub ends_on: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<Uuid>)]
    pub agreement_id: Patch<Uuid>,
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
    starts_after: Option<ApiDate>,
    /// Projects under this cooperation agreement.
    agreement_id: Option<Uuid>,
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
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// Who can change a project's status: a user or an API token (never the server itself).
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum StepActorKind {
    User,
    ApiToken,
}

impl StepActorKind {
    fn of(kind: &str) -> Self {
        if kind == "api_token" {
            Self::ApiToken
        } else {
            Self::User
        }
    }
}

/// Who made a change.
#[derive(Serialize, ToSchema)]
pub struct Actor {
    pub kind: StepActorKind,
    pub id: Uuid,
}

/// Who made a change, named.
#[derive(Serialize, ToSchema)]
pub struct NamedActor {
    #[serde(rename = "type")]
    pub kind: StepActorKind,
    pub id: Uuid,
    /// The user's display name or the token's name.
    #[schema(example = "مدیر سامانه")]
    pub name: Option<String>,
}

/// One step of a project's history. The first is its creation: `from` null, `to` the
/// initial status, `at` its `created_at`, the creator as actor, and the project's own id.
#[derive(Serialize, ToSchema)]
pub struct TransitionBody {
    pub id: Uuid,
    /// Null for the creation.
    pub from: Option<ProjectStatus>,
    pub to: ProjectStatus,
    pub reason: Option<String>,
    /// Null when not known: a status change's user or token has since been deleted, or the
    /// project was created before its creator was recorded. (A deleted creator keeps its id.)
    pub by: Option<Actor>,
    /// The same, with the actor's name; the name is null once the user or token is deleted.
    pub actor: Option<NamedActor>,
    pub at: DateTime<Utc>,
}

impl From<TransitionView> for TransitionBody {
    fn from(v: TransitionView) -> Self {
        Self {
            id: v.id,
            from: v.from,
            to: v.to,
            reason: v.reason,
            by: v.actor.as_ref().map(|a| Actor {
                kind: StepActorKind::of(a.kind),
                id: a.id,
            }),
            actor: v.actor.map(|a| NamedActor {
                kind: StepActorKind::of(a.kind),
                id: a.id,
                name: a.name,
            }),
            at: utc(v.at),
        }
    }
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
    policy::precheck_write(&caller.0, Resource::Projects)?;
    let b = body.value()?;
    let command = NewProject {
        input: ProjectInput {
            title: b.title,
            title_en: b.title_en,
            kind: b.kind,
            summary: b.summary,
            starts_on: b.starts_on.day(),
            ends_on: b.ends_on.day(),
            agreement_id: b.agreement_id,
        },
        lead_organization_id: b.lead_organization_id,
        organization_ids: b.organization_ids,
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, command)).await?;
    let body = ProjectBody::from(view);
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
        (status = 200, description = "A page of projects, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<ProjectBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
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
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = ProjectFilter {
        kind: q.kind,
        status: q.status,
        organization_id: q.organization_id,
        member_id: q.member_id,
        search: search_param(q.q)?,
        starts_after: q.starts_after.day(),
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
        |v| pagination::after_created(v.project.created_at, v.project.id),
        ProjectBody::from,
    )
    .await
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
    let id = id.into_inner();
    let body = ProjectBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
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
    policy::precheck_write(&caller.0, Resource::Projects)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = ProjectChanges {
        title: b.title.required("title", &mut errors),
        title_en: b.title_en.optional(),
        kind: b.kind.required("kind", &mut errors),
        summary: b.summary.optional(),
        starts_on: b.starts_on.optional().day(),
        ends_on: b.ends_on.optional().day(),
        agreement_id: b.agreement_id.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    let body = ProjectBody::from(view);
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
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    db::write(&state.db, move |conn| use_case::delete(conn, &caller.0, id, &if_match)).await?;
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
        (status = 409, description = "Not a legal next state, or approvals are missing (`approvals_pending`, with `pending_organization_ids`).", body = Problem, content_type = "application/problem+json"),
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
    policy::precheck_write(&caller.0, Resource::Projects)?;
    let id = id.into_inner();
    let b = body.value()?;
    let if_match = if_match(&req)?;
    let (step, version) = db::write(&state.db, move |conn| {
        use_case::transition(conn, &caller.0, id, &if_match, b.to, b.reason)
    })
    .await?;
    Ok(with_etag(HttpResponse::Created(), version).json(TransitionBody::from(step)))
}

/// A project's history, oldest first: its creation, then every status change.
///
/// Scope: `projects:read`.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_transitions",
    params(("id" = Uuid, Path), SubListQuery),
    responses(
        (status = 200, description = "A page of transitions, oldest first, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<TransitionBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{id}/transitions")]
pub async fn transitions(
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
        move |conn, w: &Window| use_case::transitions(conn, &caller, id, created_key(w.after.as_ref()), w.limit),
        |v| {
            let (at, id) = v.key();
            pagination::after_created(at, id)
        },
        TransitionBody::from,
    )
    .await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove)
        .service(transition)
        .service(transitions);
}
