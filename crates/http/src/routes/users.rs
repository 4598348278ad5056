//! `/api/v1/users`: administrators manage who may log in.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::users::{self as use_case, CurrentPassword, PasswordChange, UserFilter};
use hamkari_domain::auth::{Password, Role};
use hamkari_domain::user::{User, UserChanges, UserInput};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::listing;
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
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
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
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
            created_by: actor(u.created_by),
            updated_by: actor(u.updated_by),
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
    #[schema(min_length = 1, max_length = 200)]
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
    #[schema(min_length = 1, max_length = 200)]
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

/// The outcome of checking an administrator's `current_password` before changing their own
/// password: hashing is CPU work done here, the rule is the use case's.
async fn check_current_password(
    state: &AppState,
    caller: &hamkari_app::Caller,
    current: Option<String>,
) -> Result<Option<CurrentPassword>, ApiError> {
    let Some(current) = current else {
        return Ok(None);
    };
    let reader = caller.clone();
    let stored = db::run(&state.db, move |conn| use_case::own_password_hash(conn, &reader)).await?;
    let Some(stored) = stored else {
        return Ok(None);
    };
    let verified = state.hasher.verify(current, Some(stored.clone())).await?;
    Ok(Some(CurrentPassword {
        checked_against: stored,
        matches: verified.ok,
    }))
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
    use_case::authorize(&caller.0)?;
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
    // Hash before the transaction: hashing waits for a slot and must not hold a connection.
    let hash = state.hasher.hash(&new.password).await?;
    let user = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, new, &hash)).await?;
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
        (status = 200, description = "A page of users, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<UserBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
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
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = UserFilter {
        role: q.role,
        after: paging.after,
        direction: paging.direction,
        limit: paging.limit,
    };
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        filter,
        move |conn, filter| use_case::list(conn, &caller, filter),
        |u| pagination::after_created(u.created_at, u.id),
        UserBody::from,
    )
    .await
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
    let id = id.into_inner();
    let user = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    representation(&req, user.version, UserBody::from(user))
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
    use_case::authorize(&caller.0)?;
    let id = id.into_inner();
    let b = body.value()?;
    // The document's `maxLength`; a longer one could never match and would only cost a hash.
    if b.current_password.as_ref().is_some_and(|c| c.chars().count() > 1024) {
        return Err(ValidationErrors::single("current_password", "too_long", "must be at most 1024 characters").into());
    }
    let if_match = if_match(&req)?;
    // Hash and check before the transaction: hashing waits for a slot and must not hold a
    // connection.
    let password = match &b.password {
        Some(raw) => {
            let password =
                Password::parse(raw.clone()).map_err(|p| ValidationErrors::single("password", p.code, p.message))?;
            let current = if caller.0.user_id() == Some(id) {
                check_current_password(&state, &caller.0, b.current_password).await?
            } else {
                None
            };
            Some(PasswordChange {
                hash: state.hasher.hash(&password).await?,
                current,
            })
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
    let user = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes, password)
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
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    let deleted = db::write(&state.db, move |conn| use_case::delete(conn, &caller.0, id, &if_match)).await;
    state.sessions.forget_all();
    deleted?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove);
}
