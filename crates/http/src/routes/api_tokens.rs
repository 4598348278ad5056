//! `/api/v1/api-tokens`: administrators hand out, inspect, rotate and revoke the tokens
//! other associations' systems call with.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use hamkari_app::api_tokens::{self as use_case, StoredSecret, TokenFilter};
use hamkari_domain::api_token::{ApiToken, ApiTokenInput, TokenState};
use hamkari_domain::auth::{ApiTokenSecret, Resource, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{random_token, Caller};
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::listing;
use crate::pagination::{self, utc, ListPage};
use crate::state::AppState;

/// The scope names the server accepts: `<resource>:read` or `<resource>:write`.
pub(crate) fn scope_list() -> utoipa::openapi::Array {
    let names = Resource::ALL
        .into_iter()
        .flat_map(|r| {
            [
                Scope {
                    resource: r,
                    write: false,
                },
                Scope {
                    resource: r,
                    write: true,
                },
            ]
        })
        .map(Scope::as_string);
    let mut scopes = utoipa::openapi::Array::new(crate::openapi::string_enum(names));
    scopes.min_items = Some(1);
    scopes
}

/// An API token as listed: never the secret.
#[derive(Serialize, ToSchema)]
pub struct ApiTokenBody {
    pub id: Uuid,
    #[schema(example = "سامانه جامعه ممیزی")]
    pub name: String,
    /// The secret's first characters, to recognise it by.
    #[schema(example = "hk_Xq3vR9a")]
    pub prefix: String,
    #[schema(schema_with = scope_list, example = json!(["members:read", "projects:write"]))]
    pub scopes: Vec<String>,
    /// The organization whose data the token may write, if bound to one.
    pub organization_id: Option<Uuid>,
    /// The administrator who created it; null once unknown (e.g. that user was deleted).
    pub created_by: Option<ActorBody>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Who rotated or revoked it last (its creator until then); null when not recorded.
    pub updated_by: Option<ActorBody>,
    pub state: TokenState,
}

impl ApiTokenBody {
    pub(crate) fn new(t: ApiToken, now: NaiveDateTime) -> Self {
        let state = t.state(now);
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes.names(),
            organization_id: t.organization_id,
            created_by: actor(t.created_by),
            created_at: utc(t.created_at),
            expires_at: utc(t.expires_at),
            revoked_at: t.revoked_at.map(utc),
            last_used_at: t.last_used_at.map(utc),
            updated_by: actor(t.updated_by),
            state,
        }
    }
}

/// A token with its secret: answered only when it is created or rotated.
#[derive(Serialize, ToSchema)]
pub struct IssuedApiToken {
    #[serde(flatten)]
    pub details: ApiTokenBody,
    /// The secret, `hk_` + 43 characters. Shown once: store it now.
    #[schema(example = "hk_Xq3vR9aLk2mN8pQ4sT6uV0wY1zA3bC5dE7fG9hJ1kL")]
    pub token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "سامانه جامعه ممیزی",
    "scopes": ["organizations:read", "members:write"],
    "organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "expires_at": "2027-06-01T00:00:00Z"
}))]
pub struct CreateApiToken {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// One or more; a write scope includes reading the same resource.
    #[schema(schema_with = scope_list)]
    pub scopes: Vec<String>,
    /// Bind the token to one organization: it then writes only that organization's data.
    pub organization_id: Option<Uuid>,
    /// Required; at most one year ahead.
    pub expires_at: DateTime<Utc>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApiTokens {
    state: Option<TokenState>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A fresh secret and what is stored of it.
fn new_secret(state: &AppState) -> Result<(ApiTokenSecret, StoredSecret), ApiError> {
    let secret = ApiTokenSecret::from_random_body(random_token()).map_err(|p| ApiError::internal(p.message))?;
    let stored = StoredSecret {
        prefix: secret.prefix().to_owned(),
        hash: state.keys.token_hash(secret.expose()),
    };
    Ok((secret, stored))
}

fn issued(token: ApiToken, secret: &ApiTokenSecret, now: NaiveDateTime) -> IssuedApiToken {
    IssuedApiToken {
        details: ApiTokenBody::new(token, now),
        token: secret.expose().to_owned(),
    }
}

/// Create an API token. Administrators only (a user session; API tokens cannot manage tokens). The secret is in this response and nowhere else.
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "create_api_token",
    request_body = CreateApiToken,
    responses(
        (status = 201, description = "Created.", body = IssuedApiToken, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-tokens")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateApiToken>,
) -> Result<HttpResponse, ApiError> {
    use_case::authorize(&caller.0)?;
    let b = body.value()?;
    let input = ApiTokenInput {
        name: b.name,
        scopes: b.scopes,
        organization_id: b.organization_id,
        expires_at: b.expires_at.naive_utc(),
    };
    let (secret, stored) = new_secret(&state)?;
    let token = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input, &stored)).await?;
    let now = state.now();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-tokens/{}", token.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued(token, &secret, now)))
}

/// List API tokens. Administrators only (a user session; API tokens cannot manage tokens).
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "list_api_tokens",
    params(ListApiTokens),
    responses(
        (status = 200, description = "A page of tokens, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<ApiTokenBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-tokens")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListApiTokens>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let now = state.now();
    let filter = TokenFilter {
        state: q.state,
        now,
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
        |t| pagination::after_created(t.created_at, t.id),
        move |t| ApiTokenBody::new(t, now),
    )
    .await
}

/// Get an API token. Administrators only (a user session; API tokens cannot manage tokens).
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "get_api_token",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The token, without its secret.", body = ApiTokenBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-tokens/{id}")]
pub async fn get(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let token = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    Ok(HttpResponse::Ok().json(ApiTokenBody::new(token, state.now())))
}

/// Rotate an API token: a new secret, and the old one stops working at once. Administrators only (a user session; API tokens cannot manage tokens).
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "rotate_api_token",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The token with its new secret.", body = IssuedApiToken),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The token is revoked.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-tokens/{id}/rotate")]
pub async fn rotate(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (secret, stored) = new_secret(&state)?;
    let token = db::write(&state.db, move |conn| use_case::rotate(conn, &caller.0, id, &stored)).await;
    // After the commit, so no lookup can store the old secret's token again.
    state.sessions.forget_all();
    let token = token?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued(token, &secret, state.now())))
}

/// Revoke an API token; it answers 401 from the next request on (other instances sharing the database: within a second). Administrators only (a user session; API tokens cannot manage tokens).
#[utoipa::path(
    tag = "api-tokens",
    operation_id = "revoke_api_token",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked (also when it already was)."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-tokens/{id}")]
pub async fn revoke(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let revoked = db::write(&state.db, move |conn| use_case::revoke(conn, &caller.0, id)).await;
    state.sessions.forget_all();
    revoked?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(rotate)
        .service(revoke);
}
