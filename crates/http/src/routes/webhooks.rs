//! `/api/v1/webhooks`: endpoints that receive signed messages (Standard Webhooks 1.0) for
//! the events they subscribe to, and their delivery log.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::webhooks::{self as use_case, WebhookChanges};
use hamkari_domain::webhook::{DeliveryStatus, EventTypes, Webhook, WebhookDelivery, WebhookInput, WebhookUrl};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::export::{self, Representation};
use crate::extract::{JsonBody, QueryParams};
use crate::listing::{self, Window};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, with_etag};
use crate::state::AppState;
use crate::webhook_worker::{new_secret, resolve};

/// An endpoint as listed: never the secret.
#[derive(Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: Uuid,
    #[schema(example = "https://example.org/hamkari-hooks")]
    pub url: String,
    #[schema(example = json!(["member.updated", "project.*"]))]
    pub event_types: Vec<String>,
    /// Only events concerning this organization; null: every organization's (administrators).
    pub organization_id: Option<Uuid>,
    pub enabled: bool,
    /// Why the server disabled the endpoint (it failed for days); null otherwise.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
}

impl From<Webhook> for WebhookBody {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            url: w.url,
            event_types: w.event_types.names(),
            organization_id: w.organization_id,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            created_at: utc(w.created_at),
            updated_at: utc(w.updated_at),
            version: w.version,
            created_by: actor(w.created_by),
            updated_by: actor(w.updated_by),
        }
    }
}

/// An endpoint with its signing secret: answered only on creation and rotation.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub details: WebhookBody,
    /// `whsec_` + base64 of the key bytes. Shown once: store it now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://example.org/hamkari-hooks", "event_types": ["member.*", "project.transitioned"]}))]
pub struct CreateWebhook {
    /// `http` or `https`, without credentials, not resolving to a loopback, private or
    /// link-local address.
    #[schema(max_length = 2000)]
    pub url: String,
    /// `<resource>.<action>` or `<resource>.*`.
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Vec<String>,
    /// Required for editors: one of their organizations.
    pub organization_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct UpdateWebhook {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    pub event_types: Option<Vec<String>>,
    /// `true` turns a disabled endpoint on again (and clears `disabled_reason`).
    pub enabled: Option<bool>,
}

/// One message to an endpoint and its latest attempt.
#[derive(Serialize, ToSchema)]
pub struct DeliveryBody {
    /// The `webhook-id` header, the same on every attempt.
    pub id: Uuid,
    pub event_id: Uuid,
    #[schema(example = "member.updated")]
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When it is tried next (pending messages).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's status code in the last attempt.
    pub response_status: Option<i32>,
    /// How long the last attempt took.
    pub duration_ms: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookDelivery> for DeliveryBody {
    fn from(d: WebhookDelivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(utc),
            response_status: d.response_status,
            duration_ms: d.duration_ms,
            last_error: d.last_error,
            created_at: utc(d.created_at),
            updated_at: utc(d.updated_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveries {
    /// `-created_at` (default, newest first) or `created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Checks where the URL leads (a name is resolved); 422 naming `url` when it is refused.
async fn destination(state: &AppState, url: &WebhookUrl) -> Result<(), ApiError> {
    resolve(url.url(), state.webhooks.allow_private)
        .await
        .map(|_| ())
        .map_err(|p| ValidationErrors::single("url", p.code, p.message).into())
}

/// Create a webhook endpoint. Administrators; editors for one of their organizations.
/// The signing secret is in this response and nowhere else.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Created.", body = WebhookWithSecret, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator, or an editor naming no organization of theirs.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: a URL that is not http(s), holds credentials or leads to a refused address; an unknown event type.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    use_case::authorize(&caller.0)?;
    let b = body.value()?;
    let valid = WebhookInput {
        url: b.url,
        event_types: b.event_types,
        organization_id: b.organization_id,
    }
    .validate()?;
    destination(&state, &valid.url).await?;
    let secret = new_secret();
    let shown = secret.clone();
    let webhook = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, valid, &secret)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/webhooks/{}", webhook.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(WebhookWithSecret {
            details: webhook.into(),
            secret: shown,
        }))
}

/// List webhook endpoints: all for administrators, their organizations' for editors.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhooks",
    responses(
        (status = 200, description = "The endpoints, oldest first, or all of them as CSV or NDJSON.",
            content(
                (ListPage<WebhookBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let representation = Representation::negotiate(&req)?;
    if representation != Representation::Json {
        let caller = caller.0;
        return export::whole(state, representation, move |conn| {
            Ok(use_case::list(conn, &caller)?
                .into_iter()
                .map(WebhookBody::from)
                .collect())
        })
        .await;
    }
    let hooks = db::run(&state.db, move |conn| use_case::list(conn, &caller.0)).await?;
    Ok(HttpResponse::Ok().json(ListPage {
        items: hooks.into_iter().map(WebhookBody::from).collect(),
        next_cursor: None,
    }))
}

/// Read a webhook endpoint.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook",
    params(("id" = Uuid, Path, description = "Webhook id.")),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or not one of your organizations'.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let webhook = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    Ok(with_etag(HttpResponse::Ok(), webhook.version).json(WebhookBody::from(webhook)))
}

/// Change an endpoint's URL or event types, or turn it on or off. Honours `If-Match` (412).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "update_webhook",
    params(("id" = Uuid, Path, description = "Webhook id."),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; 412 when it is stale.")),
    request_body(content = UpdateWebhook, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed endpoint.", body = WebhookBody, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or not one of your organizations'.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    use_case::authorize(&caller.0)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let url = errors.check_sent("url", b.url.as_deref().map(WebhookUrl::parse));
    let event_types = errors.check_sent("event_types", b.event_types.as_deref().map(EventTypes::parse));
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if let Some(url) = &url {
        destination(&state, url).await?;
    }
    let changes = WebhookChanges {
        url,
        event_types,
        enabled: b.enabled,
    };
    let if_match = if_match(&req)?;
    let webhook = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), webhook.version).json(WebhookBody::from(webhook)))
}

/// Delete an endpoint and its queued messages.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "delete_webhook",
    params(("id" = Uuid, Path, description = "Webhook id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or not one of your organizations'.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn remove(state: web::Data<AppState>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::write(&state.db, move |conn| use_case::delete(conn, &caller.0, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give an endpoint a new signing secret, shown in this response only; messages sent from
/// now on (retries included) are signed with it.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    params(("id" = Uuid, Path, description = "Webhook id.")),
    responses(
        (status = 200, description = "The endpoint with its new secret.", body = WebhookWithSecret),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or not one of your organizations'.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let secret = new_secret();
    let shown = secret.clone();
    let webhook = db::write(&state.db, move |conn| {
        use_case::rotate_secret(conn, &caller.0, id, &secret)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(WebhookWithSecret {
            details: webhook.into(),
            secret: shown,
        }))
}

/// An endpoint's messages and how their latest attempts went, newest first.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    params(("id" = Uuid, Path, description = "Webhook id."), ListDeliveries),
    responses(
        (status = 200, description = "A page of messages, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<DeliveryBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint, or not one of your organizations'.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cursor this list never issued.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<ListDeliveries>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    let paging = pagination::Paging::parse(
        Some(q.sort.unwrap_or_else(|| "-created_at".into())),
        "-created_at",
        &[("created_at", ())],
        |()| true,
        q.limit,
        q.cursor,
    )?;
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        Window::from(&paging),
        move |conn, w: &Window| use_case::deliveries(conn, &caller, id, w.direction, w.after.as_ref(), w.limit),
        |d| pagination::after_created(d.created_at, d.id),
        DeliveryBody::from,
    )
    .await
}

/// Send a message again soon, with the same `webhook-id`, whatever became of it.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "retry_webhook_delivery",
    params(("id" = Uuid, Path, description = "Webhook id."), ("delivery_id" = Uuid, Path, description = "Delivery id.")),
    responses(
        (status = 202, description = "Queued again.", body = DeliveryBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such endpoint or message.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let delivery = db::write(&state.db, move |conn| use_case::retry(conn, &caller.0, id, delivery)).await?;
    Ok(HttpResponse::Accepted().json(DeliveryBody::from(delivery)))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove)
        .service(rotate_secret)
        .service(deliveries)
        .service(retry);
}
