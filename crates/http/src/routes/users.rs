//! `/api/v1/users`: administrators manage who may log in.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_domain::auth::{Password, Role};
use hamkari_domain::user::{User, UserChanges, UserInput};
use hamkari_domain::ValidationErrors;
use hamkari_persistence::users::{self as store, UserFilter};
use hamkari_persistence::{refresh_tokens, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, not_modified, with_etag};
use crate::state::AppState;

/// A user as the API shows it (never the password).
#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    #[schema(example = "مریم احمدی")]
    pub display_name: String,
    pub role: Role,
    /// The organizations the user acts for.
    pub organization_ids: Vec<Uuid>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<User> for UserBody {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            organization_ids: u.organization_ids,
            disabled: u.disabled,
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
            version: u.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "editor@example.org",
    "display_name": "مریم احمدی",
    "role": "editor",
    "organization_ids": ["019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b"],
    "password": "a long passphrase of twelve or more"
}))]
pub struct CreateUser {
    /// Unique, compared case-insensitively.
    pub email: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub organization_ids: Vec<Uuid>,
    /// 12 to 1024 characters.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
}

/// Changes to a user. Changing the password or disabling the user ends all their sessions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_ids: Option<Vec<Uuid>>,
    pub disabled: Option<bool>,
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
    /// Required, and checked, when administrators change their own password.
    #[schema(max_length = 1024)]
    pub current_password: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    role: Option<Role>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("No user has this id.".into())
}

/// Organizations named but absent are a 422 on `organization_ids`.
fn check_organizations(conn: &mut DbConnection, ids: &[Uuid]) -> Result<(), ApiError> {
    let missing = hamkari_persistence::organizations::missing_organizations(conn, ids)?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors::single(
            "organization_ids",
            "not_found",
            format!(
                "no organization has the id {}",
                missing.iter().map(Uuid::to_string).collect::<Vec<_>>().join(", ")
            ),
        )
        .into())
    }
}

fn own_account(detail: &str) -> ApiError {
    ApiError::Conflict {
        code: "own_account",
        detail: detail.into(),
        field: None,
    }
}

/// Administrators cannot lock themselves out by accident, nor can a stolen access token
/// take the account over: their own role and status are changed by another administrator,
/// and their own password only with the current one.
async fn guard_own_account(state: &AppState, id: Uuid, change: &UpdateUser) -> Result<(), ApiError> {
    if change.role.is_some() || change.disabled.is_some() {
        return Err(own_account(
            "Administrators cannot change their own role or disable themselves; another administrator can.",
        ));
    }
    if change.password.is_none() {
        return Ok(());
    }
    let Some(current) = change.current_password.clone() else {
        return Err(ValidationErrors::single(
            "current_password",
            "required",
            "is required to change your own password",
        )
        .into());
    };
    let stored = db::run(&state.db, move |conn| {
        Ok::<_, ApiError>(store::find(conn, id)?.map(|(_, hash)| hash))
    })
    .await?;
    if !state.hasher.verify(current, stored).await?.ok {
        return Err(ValidationErrors::single("current_password", "incorrect", "is not your current password").into());
    }
    Ok(())
}

/// Refuses a change that would leave no active administrator.
fn keep_an_admin(conn: &mut DbConnection, before: &User, after: Option<&User>) -> Result<(), ApiError> {
    let was_admin = before.role == Role::Admin && !before.disabled;
    let still_admin = after.is_some_and(|u| u.role == Role::Admin && !u.disabled);
    if was_admin && !still_admin && store::count_admins(conn)? <= 1 {
        return Err(ApiError::Conflict {
            code: "last_admin",
            detail: "This is the last active administrator; make another one first.".into(),
            field: None,
        });
    }
    Ok(())
}

/// Create a user. Administrators only (a user session; API tokens cannot manage users).
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created.", body = UserBody, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_admin()?;
    let b = body.value()?;
    let new = User::create(
        UserInput {
            email: b.email,
            display_name: b.display_name,
            role: b.role,
            organization_ids: b.organization_ids,
            password: b.password,
        },
        hamkari_domain::new_id(),
        state.now(),
    )?;
    let hash = state.hasher.hash(&new.password).await?;
    let user = new.user;
    let user = db::write(&state.db, move |conn| {
        check_organizations(conn, &user.organization_ids)?;
        store::insert(conn, &user, &hash)?;
        Ok::<_, ApiError>(user)
    })
    .await?;
    Ok(with_etag(HttpResponse::Created(), user.version)
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .json(UserBody::from(user)))
}

/// List users. Administrators only (a user session; API tokens cannot manage users).
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    params(ListUsers),
    responses(
        (status = 200, description = "A page of users.", body = ListPage<UserBody>, headers(("Link" = String))),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListUsers>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_admin()?;
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = UserFilter {
        role: q.role,
        after: paging.after,
        direction: paging.direction,
        limit: paging.limit,
    };
    let page = db::run(&state.db, move |conn| {
        store::list(conn, &filter).map_err(ApiError::from)
    })
    .await?;
    let next = pagination::next_after(page.has_more, page.items.last(), |u| {
        pagination::after_created(u.created_at, u.id)
    });
    Ok(pagination::respond(
        &req,
        &paging.sort_name,
        page.items.into_iter().map(UserBody::from).collect(),
        next,
    ))
}

/// Get a user. Administrators only (a user session; API tokens cannot manage users).
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The user.", body = UserBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_admin()?;
    let id = id.into_inner();
    let user = db::run(&state.db, move |conn| {
        Ok::<_, ApiError>(store::find(conn, id)?.ok_or_else(not_found)?.0)
    })
    .await?;
    if let Some(response) = not_modified(&req, user.version)? {
        return Ok(response);
    }
    Ok(with_etag(HttpResponse::Ok(), user.version).json(UserBody::from(user)))
}

/// Change a user. Administrators only. Honours `If-Match`.
///
/// On their own account administrators cannot change `role` or `disabled` (409
/// `own_account`), and changing `password` needs `current_password`.
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The changed user.", body = UserBody, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_admin()?;
    let id = id.into_inner();
    let b = body.value()?;
    if caller.0.user_id() == Some(id) {
        guard_own_account(&state, id, &b).await?;
    }
    // Hash before the transaction: hashing waits for a slot and must not hold a connection.
    let new_hash = match &b.password {
        Some(raw) => {
            let password =
                Password::parse(raw.clone()).map_err(|p| ValidationErrors::single("password", p.code, p.message))?;
            Some(state.hasher.hash(&password).await?)
        }
        None => None,
    };
    let changes = UserChanges {
        display_name: b.display_name,
        role: b.role,
        organization_ids: b.organization_ids,
        disabled: b.disabled,
        password: b.password,
    };
    let now = state.now();
    let if_match = if_match(&req)?;
    let user = db::write(&state.db, move |conn| {
        let (mut user, _) = store::find(conn, id)?.ok_or_else(not_found)?;
        if_match.check(user.version)?;
        let before = user.clone();
        if let Some(ids) = &changes.organization_ids {
            check_organizations(conn, ids)?;
        }
        let (changed, _) = user.apply(changes, now)?;
        if changed {
            keep_an_admin(conn, &before, Some(&user))?;
            if !store::update(conn, &user, before.version)? {
                return Err(ApiError::PreconditionFailed {
                    current: before.version,
                });
            }
            if let Some(hash) = &new_hash {
                store::set_password_hash(conn, id, hash)?;
            }
            if user.session_version != before.session_version {
                refresh_tokens::revoke_all_for_user(conn, id, now)?;
            }
        }
        Ok(user)
    })
    .await;
    // After the commit: a disabled user or an old session is refused from the next request.
    state.sessions.forget_all();
    let user = user?;
    Ok(with_etag(HttpResponse::Ok(), user.version).json(UserBody::from(user)))
}

/// Delete a user. Administrators only; not their own account (409 `own_account`). Honours `If-Match`.
#[utoipa::path(
    tag = "users",
    operation_id = "delete_user",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted; their sessions end."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.0.require_admin()?;
    let id = id.into_inner();
    if caller.0.user_id() == Some(id) {
        return Err(own_account(
            "Administrators cannot delete their own account; another administrator can.",
        ));
    }
    let if_match = if_match(&req)?;
    let deleted = db::write(&state.db, move |conn| {
        let (user, _) = store::find(conn, id)?.ok_or_else(not_found)?;
        if_match.check(user.version)?;
        keep_an_admin(conn, &user, None)?;
        store::delete(conn, id)?;
        Ok::<_, ApiError>(())
    })
    .await;
    state.sessions.forget_all();
    deleted?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove);
}
