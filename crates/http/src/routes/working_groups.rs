//! `/api/v1/working-groups`: specialized and general working groups and their members.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hamkari_domain::auth::Resource;
use hamkari_domain::working_group::{
    check_group_roles, organization_set, GroupRole, GroupRoleConflict, GroupScope, GroupStatus, WorkingGroup,
    WorkingGroupChanges, WorkingGroupInput,
};
use hamkari_domain::ValidationErrors;
use hamkari_persistence::organizations::missing_organizations;
use hamkari_persistence::working_groups::{self as store, GroupFilter, GroupMember, GroupOrganization};
use hamkari_persistence::{members, projects, DbConnection};
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
use crate::routes::memberships::OrganizationRef;
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
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    /// The organizations forming the group; a joint group has several.
    pub organization_ids: Vec<Uuid>,
    pub organizations: Vec<OrganizationRef>,
    pub project_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl WorkingGroupBody {
    fn new(g: WorkingGroup, orgs: Vec<GroupOrganization>) -> Self {
        Self {
            id: g.id,
            name: g.name,
            name_en: g.name_en,
            scope: g.scope,
            topic: g.topic,
            mandate: g.mandate,
            status: g.status,
            established_on: g.established_on,
            dissolved_on: g.dissolved_on,
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
            created_at: utc(g.created_at),
            updated_at: utc(g.updated_at),
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
    pub name: String,
    pub name_en: Option<String>,
    pub scope: GroupScope,
    pub topic: Option<String>,
    pub mandate: Option<String>,
    pub established_on: Option<NaiveDate>,
    /// At least one.
    pub organization_ids: Vec<Uuid>,
    /// A joint project the group belongs to.
    pub project_id: Option<Uuid>,
}

/// Changes; `null` clears optional fields. Dissolving without `dissolved_on` dissolves today.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkingGroup {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String)]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub name_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = GroupScope)]
    pub scope: Patch<GroupScope>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub topic: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub mandate: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = GroupStatus)]
    pub status: Patch<GroupStatus>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<NaiveDate>)]
    pub established_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<NaiveDate>)]
    pub dissolved_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Patch<Uuid>,
    /// Replaces the set; an organization still represented by a member cannot leave (409).
    pub organization_ids: Option<Vec<Uuid>>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListWorkingGroups {
    scope: Option<GroupScope>,
    status: Option<GroupStatus>,
    organization_id: Option<Uuid>,
    member_id: Option<Uuid>,
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

/// A person in a working group.
#[derive(Serialize, ToSchema)]
pub struct GroupMemberBody {
    pub member_id: Uuid,
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// The organization the person represents; one of the group's.
    pub organization_id: Uuid,
    pub role: GroupRole,
    pub added_at: DateTime<Utc>,
}

impl From<GroupMember> for GroupMemberBody {
    fn from(m: GroupMember) -> Self {
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
pub struct AddGroupMember {
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub role: GroupRole,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupMember {
    pub organization_id: Option<Uuid>,
    pub role: Option<GroupRole>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("No working group has this id.".into())
}

fn load_for_change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(WorkingGroup, Vec<GroupOrganization>), ApiError> {
    let group = store::find(conn, id)?.ok_or_else(not_found)?;
    let orgs = store::organizations_of(conn, id)?;
    let ids: Vec<Uuid> = orgs.iter().map(|o| o.organization_id).collect();
    caller.0.require_write_for_any(Resource::WorkingGroups, &ids)?;
    Ok((group, orgs))
}

fn check_refs(conn: &mut DbConnection, organizations: &[Uuid], project: Option<Uuid>) -> Result<(), ApiError> {
    if let Some(first) = missing_organizations(conn, organizations)?.first() {
        return Err(ValidationErrors::single(
            "organization_ids",
            "not_found",
            format!("no organization has the id {first}"),
        )
        .into());
    }
    if let Some(project) = project {
        if projects::find(conn, project)?.is_none() {
            return Err(ValidationErrors::single("project_id", "not_found", "no project has this id").into());
        }
    }
    Ok(())
}

fn role_conflict(conflict: GroupRoleConflict) -> ApiError {
    let detail = match conflict {
        GroupRoleConflict::SecondChair => "The group has a chair already.",
        GroupRoleConflict::SecondCoChair => "This organization has a co-chair in the group already.",
    };
    ApiError::Conflict {
        code: "group_role_taken",
        detail: detail.into(),
        field: Some("role"),
    }
}

fn check_roles(others: &[GroupMember], candidate: &GroupMember) -> Result<(), ApiError> {
    let others: Vec<_> = others
        .iter()
        .map(|m| (m.member_id, m.organization_id, m.role))
        .collect();
    check_group_roles(
        (candidate.member_id, candidate.organization_id, candidate.role),
        &others,
    )
    .map_err(role_conflict)
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
    caller.0.require_write(Resource::WorkingGroups)?;
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let organizations = errors.check("organization_ids", organization_set(b.organization_ids));
    let input = WorkingGroupInput {
        name: b.name,
        name_en: b.name_en,
        scope: b.scope,
        topic: b.topic,
        mandate: b.mandate,
        established_on: b.established_on,
        project_id: b.project_id,
    };
    let group = WorkingGroup::create(input, hamkari_domain::new_id(), state.now());
    let (group, organizations) = match (group, organizations) {
        (Ok(g), Some(o)) if errors.is_empty() => (g, o),
        (Err(more), _) => {
            errors.0.extend(more.0);
            return Err(errors.into());
        }
        _ => return Err(errors.into()),
    };
    caller
        .0
        .require_write_for_any(Resource::WorkingGroups, &organizations)?;
    let body = db::write(&state.db, move |conn| {
        check_refs(conn, &organizations, group.project_id)?;
        store::insert(conn, &group)?;
        store::set_organizations(conn, group.id, &organizations)?;
        let orgs = store::organizations_of(conn, group.id)?;
        Ok::<_, ApiError>(WorkingGroupBody::new(group, orgs))
    })
    .await?;
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
        (status = 200, description = "A page of working groups.", body = ListPage<WorkingGroupBody>, headers(("Link" = String))),
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
    caller.0.require_read(Resource::WorkingGroups)?;
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = GroupFilter {
        scope: q.scope,
        status: q.status,
        organization_id: q.organization_id,
        member_id: q.member_id,
        search: search_param(q.q)?,
        direction: paging.direction,
        after: paging.after,
        limit: paging.limit,
    };
    let (page, mut orgs) = db::run(&state.db, move |conn| {
        let page = store::list(conn, &filter)?;
        let ids: Vec<Uuid> = page.items.iter().map(|g| g.id).collect();
        Ok::<_, ApiError>((page, store::organizations_of_many(conn, &ids)?))
    })
    .await?;
    let next = pagination::next_after(page.has_more, page.items.last(), |g| {
        pagination::after_created(g.created_at, g.id)
    });
    let items = page
        .items
        .into_iter()
        .map(|g| {
            let o = orgs.remove(&g.id).unwrap_or_default();
            WorkingGroupBody::new(g, o)
        })
        .collect();
    Ok(pagination::respond(&req, &paging.sort_name, items, next))
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
    caller.0.require_read(Resource::WorkingGroups)?;
    let id = id.into_inner();
    let body = db::run(&state.db, move |conn| {
        let group = store::find(conn, id)?.ok_or_else(not_found)?;
        let orgs = store::organizations_of(conn, id)?;
        Ok::<_, ApiError>(WorkingGroupBody::new(group, orgs))
    })
    .await?;
    if let Some(response) = not_modified(&req, body.version)? {
        return Ok(response);
    }
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
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
        (status = 409, description = "An organization leaving is still represented.", body = Problem, content_type = "application/problem+json"),
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
    caller.0.require_write(Resource::WorkingGroups)?;
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
        established_on: b.established_on.optional(),
        dissolved_on: b.dissolved_on.optional(),
        project_id: b.project_id.optional(),
    };
    let organizations = b
        .organization_ids
        .map(|ids| errors.check("organization_ids", organization_set(ids)));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let organizations = organizations.flatten();
    let now = state.now();
    let if_match = if_match(&req)?;
    let body = db::write(&state.db, move |conn| {
        let (mut group, _) = load_for_change(conn, &caller, id)?;
        if_match.check(group.version)?;
        let before = group.version;
        let mut changed = group.apply(changes, now)?;
        check_refs(conn, organizations.as_deref().unwrap_or(&[]), group.project_id)?;
        if let Some(ids) = &organizations {
            let current: Vec<Uuid> = store::organizations_of(conn, id)?
                .into_iter()
                .map(|o| o.organization_id)
                .collect();
            if *ids != current {
                store::set_organizations(conn, id, ids)?;
                if !changed {
                    group.version += 1;
                    group.updated_at = now.max(group.updated_at);
                    changed = true;
                }
            }
        }
        if changed && !store::update(conn, &group, before)? {
            return Err(ApiError::PreconditionFailed { current: before });
        }
        let orgs = store::organizations_of(conn, id)?;
        Ok(WorkingGroupBody::new(group, orgs))
    })
    .await?;
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
    caller.0.require_write(Resource::WorkingGroups)?;
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    db::write(&state.db, move |conn| {
        let (group, _) = load_for_change(conn, &caller, id)?;
        if_match.check(group.version)?;
        if !store::delete(conn, id, group.version)? {
            return Err(ApiError::PreconditionFailed { current: group.version });
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A working group's members.
///
/// Scope: `working_groups:read`.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "list_working_group_members",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Every member (groups are small; returned whole).", body = ListPage<GroupMemberBody>),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/working-groups/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_read(Resource::WorkingGroups)?;
    let id = id.into_inner();
    let people = db::run(&state.db, move |conn| {
        store::find(conn, id)?.ok_or_else(not_found)?;
        Ok::<_, ApiError>(store::members_of(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage {
        items: people.into_iter().map(GroupMemberBody::from).collect(),
        next_cursor: None,
    }))
}

/// Add a person to a working group.
///
/// They represent one of the group's organizations. One chair per group; a co-chair per
/// organization (409 otherwise). Scope: `working_groups:write`, for an organization forming it.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "add_working_group_member",
    params(("id" = Uuid, Path)),
    request_body = AddGroupMember,
    responses(
        (status = 201, description = "Added.", body = GroupMemberBody),
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
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<AddGroupMember>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::WorkingGroups)?;
    let id = id.into_inner();
    let b = body.value()?;
    let now = state.now();
    let added = db::write(&state.db, move |conn| {
        let (_, orgs) = load_for_change(conn, &caller, id)?;
        let person = members::find(conn, b.member_id)?.ok_or_else(|| {
            ApiError::from(ValidationErrors::single(
                "member_id",
                "not_found",
                "no member has this id",
            ))
        })?;
        if !orgs.iter().any(|o| o.organization_id == b.organization_id) {
            return Err(ValidationErrors::single(
                "organization_id",
                "not_in_group",
                "is not one of the group's organizations",
            )
            .into());
        }
        let others = store::members_of(conn, id)?;
        if others.iter().any(|m| m.member_id == b.member_id) {
            return Err(ApiError::Conflict {
                code: "already_in_group",
                detail: "The person is in the group already.".into(),
                field: Some("member_id"),
            });
        }
        let member = GroupMember {
            member_id: person.id,
            full_name: person.full_name,
            full_name_en: person.full_name_en,
            organization_id: b.organization_id,
            role: b.role,
            created_at: now,
        };
        check_roles(&others, &member)?;
        store::add_member(conn, id, &member)?;
        Ok(member)
    })
    .await?;
    Ok(HttpResponse::Created().json(GroupMemberBody::from(added)))
}

/// Change a working group member's role or represented organization.
///
/// Scope: `working_groups:write`, for an organization forming the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "update_working_group_member",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    request_body = UpdateGroupMember,
    responses(
        (status = 200, description = "The changed member.", body = GroupMemberBody),
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
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<UpdateGroupMember>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::WorkingGroups)?;
    let (id, member_id) = path.into_inner();
    let b = body.value()?;
    let member = db::write(&state.db, move |conn| {
        let (_, orgs) = load_for_change(conn, &caller, id)?;
        let others = store::members_of(conn, id)?;
        let mut member = others
            .iter()
            .find(|m| m.member_id == member_id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound("This person is not in the group.".into()))?;
        if let Some(org) = b.organization_id {
            if !orgs.iter().any(|o| o.organization_id == org) {
                return Err::<_, ApiError>(
                    ValidationErrors::single(
                        "organization_id",
                        "not_in_group",
                        "is not one of the group's organizations",
                    )
                    .into(),
                );
            }
            member.organization_id = org;
        }
        member.role = b.role.unwrap_or(member.role);
        check_roles(&others, &member)?;
        store::update_member(conn, id, &member)?;
        Ok(member)
    })
    .await?;
    Ok(HttpResponse::Ok().json(GroupMemberBody::from(member)))
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
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_write(Resource::WorkingGroups)?;
    let (id, member_id) = path.into_inner();
    db::write(&state.db, move |conn| {
        load_for_change(conn, &caller, id)?;
        if !store::remove_member(conn, id, member_id)? {
            return Err(ApiError::NotFound("This person is not in the group.".into()));
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
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
