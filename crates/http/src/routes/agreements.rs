//! `/api/v1/agreements`: cooperation agreements, their parties and status lifecycle.

use crate::dates::{ApiDate, ToApi, ToDay};
use crate::listing;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::agreements::{self as use_case, AgreementFilter, AgreementView};
use hamkari_app::policy;
use hamkari_domain::agreement::{AgreementChanges, AgreementInput, AgreementStatus, DocumentInput};
use hamkari_domain::auth::Resource;
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

/// A party to an agreement.
#[derive(Serialize, ToSchema)]
pub struct PartyBody {
    pub organization_id: Uuid,
    #[schema(example = "جامعه ممیزی و بازرسی ایران")]
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
    /// The day this party signed; null until it has.
    pub signed_on: Option<ApiDate>,
}

/// A cooperation agreement (memorandum) between two or more organizations.
#[derive(Serialize, ToSchema)]
pub struct AgreementBody {
    pub id: Uuid,
    #[schema(example = "تفاهم‌نامهٔ همکاری دو انجمن")]
    pub title: String,
    pub summary: Option<String>,
    pub scope: Option<String>,
    pub status: AgreementStatus,
    /// The states the agreement may move to next.
    pub allowed_transitions: Vec<AgreementStatus>,
    pub organization_ids: Vec<Uuid>,
    pub parties: Vec<PartyBody>,
    pub valid_from: Option<ApiDate>,
    pub valid_until: Option<ApiDate>,
    /// The signed text's address, or null when a file is named instead.
    pub document_url: Option<String>,
    pub document_name: Option<String>,
    /// The named file's SHA-256, lower-case hex.
    pub document_sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<AgreementView> for AgreementBody {
    fn from(v: AgreementView) -> Self {
        let (a, parties) = (v.agreement, v.parties);
        Self {
            id: a.id,
            title: a.title,
            summary: a.summary,
            scope: a.scope,
            allowed_transitions: a.status.next().to_vec(),
            status: a.status,
            organization_ids: parties.iter().map(|p| p.organization_id).collect(),
            parties: parties
                .into_iter()
                .map(|p| PartyBody {
                    organization_id: p.organization_id,
                    name: p.name,
                    name_en: p.name_en,
                    slug: p.slug,
                    signed_on: p.signed_on.api(),
                })
                .collect(),
            valid_from: a.valid_from.api(),
            valid_until: a.valid_until.api(),
            document_url: a.document_url,
            document_name: a.document_name,
            document_sha256: a.document_sha256,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
            created_by: actor(a.created_by),
            updated_by: actor(a.updated_by),
            version: a.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "تفاهم‌نامهٔ همکاری دو انجمن",
    "organization_ids": ["019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c"],
    "valid_from": "2027-01-01",
    "document_name": "mou.pdf",
    "document_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}))]
pub struct CreateAgreement {
    #[schema(min_length = 2, max_length = 300)]
    pub title: String,
    /// The parties: at least two organizations.
    pub organization_ids: Vec<Uuid>,
    #[schema(min_length = 1, max_length = 10000)]
    pub summary: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub scope: Option<String>,
    pub valid_from: Option<ApiDate>,
    pub valid_until: Option<ApiDate>,
    /// Either this, or `document_name` with `document_sha256`.
    #[schema(max_length = 2048)]
    pub document_url: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub document_name: Option<String>,
    pub document_sha256: Option<String>,
}

/// Changes; `null` clears optional fields. Sending any `document_*` field replaces the
/// whole document reference. Status moves through `/transitions`, parties through
/// `/parties/{organization_id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgreement {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 300)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub summary: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub scope: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub valid_from: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub valid_until: Patch<ApiDate>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub document_url: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub document_name: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub document_sha256: Patch<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAgreements {
    status: Option<AgreementStatus>,
    /// Agreements this organization is a party to.
    organization_id: Option<Uuid>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "in_force", "reason": "امضا و تصویب هر دو هیئت‌مدیره"}))]
pub struct AgreementTransitionRequest {
    pub to: AgreementStatus,
    /// Up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

fn document(url: Patch<String>, name: Patch<String>, sha: Patch<String>) -> Option<DocumentInput> {
    let absent = |p: &Patch<String>| matches!(p, Patch::Absent);
    let sent = !(absent(&url) && absent(&name) && absent(&sha));
    sent.then(|| DocumentInput {
        url: url.optional().flatten(),
        name: name.optional().flatten(),
        sha256: sha.optional().flatten(),
    })
}

/// Create a cooperation agreement.
///
/// Starts `draft`. Editors and bound tokens create agreements their organization is a party
/// to. Scope: `agreements:write`.
#[utoipa::path(
    tag = "agreements",
    operation_id = "create_agreement",
    request_body = CreateAgreement,
    responses(
        (status = 201, description = "Created.", body = AgreementBody, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "None of your organizations is a party.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agreements")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateAgreement>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Agreements)?;
    let b = body.value()?;
    let input = AgreementInput {
        title: b.title,
        summary: b.summary,
        scope: b.scope,
        valid_from: b.valid_from.day(),
        valid_until: b.valid_until.day(),
        document: DocumentInput {
            url: b.document_url,
            name: b.document_name,
            sha256: b.document_sha256,
        },
    };
    let orgs = b.organization_ids;
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input, orgs)).await?;
    let body = AgreementBody::from(view);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/agreements/{}", body.id)))
        .json(body))
}

/// List cooperation agreements.
///
/// Scope: `agreements:read`.
#[utoipa::path(
    tag = "agreements",
    operation_id = "list_agreements",
    params(ListAgreements),
    responses(
        (status = 200, description = "A page of agreements, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<AgreementBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agreements")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListAgreements>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = AgreementFilter {
        status: q.status,
        organization_id: q.organization_id,
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
        |v| pagination::after_created(v.agreement.created_at, v.agreement.id),
        AgreementBody::from,
    )
    .await
}

/// Get a cooperation agreement.
///
/// Scope: `agreements:read`.
#[utoipa::path(
    tag = "agreements",
    operation_id = "get_agreement",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The agreement.", body = AgreementBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
    )
)]
#[get("/agreements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = AgreementBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
}

/// Change an agreement's description.
///
/// Honours `If-Match`. Scope: `agreements:write`, for a party.
#[utoipa::path(
    tag = "agreements",
    operation_id = "update_agreement",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateAgreement,
    responses(
        (status = 200, description = "The changed agreement.", body = AgreementBody, headers(("ETag" = String))),
        (status = 403, description = "Your organization is not a party.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/agreements/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateAgreement>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Agreements)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = AgreementChanges {
        title: b.title.required("title", &mut errors),
        summary: b.summary.optional(),
        scope: b.scope.optional(),
        valid_from: b.valid_from.optional().day(),
        valid_until: b.valid_until.optional().day(),
        document: document(b.document_url, b.document_name, b.document_sha256),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    let body = AgreementBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Delete a draft agreement.
///
/// An agreement that was in force stays on record (409); terminate it instead. Honours
/// `If-Match`. Scope: `agreements:write`, for a party.
#[utoipa::path(
    tag = "agreements",
    operation_id = "delete_agreement",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "Not a draft.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/agreements/{id}")]
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

/// Move an agreement to another status.
///
/// `draft → in_force → expired | terminated`. Into force only once every party approved it
/// (409 `approvals_pending` with `pending_organization_ids`); an illegal step is 409
/// `illegal_transition`. Honours `If-Match`. Scope: `agreements:write`, for a party.
#[utoipa::path(
    tag = "agreements",
    operation_id = "transition_agreement",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = AgreementTransitionRequest,
    responses(
        (status = 200, description = "The agreement in its new status.", body = AgreementBody, headers(("ETag" = String))),
        (status = 409, description = "Not a legal next state, or approvals are missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/agreements/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<AgreementTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Agreements)?;
    let id = id.into_inner();
    let b = body.value()?;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::transition(conn, &caller.0, id, &if_match, b.to, b.reason)
    })
    .await?;
    let body = AgreementBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove)
        .service(transition);
}
