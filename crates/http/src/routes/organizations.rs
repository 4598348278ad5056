//! `/api/v1/organizations`: create, list, read, change and delete organizations.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hamkari_app::organizations::{self as use_case, OrganizationFilter, OrganizationSort};
use hamkari_app::After;
use hamkari_domain::contact::{Phone, PhoneType};
use hamkari_domain::organization::{
    Organization, OrganizationChanges, OrganizationInput, OrganizationKind, ValidChanges,
};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToApi, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{search_param, JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{utc, ListPage, Paging};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

/// An organization as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "name": "انجمن آزمایشگاههای همکار آزمون و واسنجی ایران",
    "name_en": "Iranian Association of Cooperating Testing and Calibration Laboratories",
    "slug": "iranian-association-of-cooperating-testing-and-calibration",
    "kind": "association",
    "description": "همکاری آزمایشگاههای آزمون و واسنجی",
    "website": "https://example.org/",
    "email": "info@example.org",
    "phone": "+982188887777",
    "phone_type": "fixed_line",
    "founded_on": "2004-05-01",
    "created_at": "2026-11-23T10:00:00.000000Z",
    "updated_at": "2026-11-23T10:00:00.000000Z",
    "created_by": {"type": "user", "id": "019ab1c2-0000-7000-8000-000000000001"},
    "updated_by": {"type": "api_token", "id": "019ab1c2-0000-7000-8000-000000000002"},
    "version": 1
}))]
pub struct OrganizationBody {
    pub id: Uuid,
    /// Display name, usually Persian, stored as given (NFC).
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Unique URL-safe identifier.
    pub slug: String,
    pub kind: OrganizationKind,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// E.164, e.g. `+982188887777`.
    pub phone: Option<String>,
    /// What `phone` reaches by its numbering plan; null when `phone` is.
    pub phone_type: Option<PhoneType>,
    pub founded_on: Option<ApiDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
    /// Increases with every change; also the `ETag`.
    pub version: i64,
}

impl From<Organization> for OrganizationBody {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id,
            name: o.name,
            name_en: o.name_en,
            slug: o.slug,
            kind: o.kind,
            description: o.description,
            website: o.website,
            email: o.email,
            phone_type: o.phone.as_deref().map(Phone::kind_of),
            phone: o.phone,
            founded_on: o.founded_on.api(),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
            created_by: actor(o.created_by),
            updated_by: actor(o.updated_by),
            version: o.version,
        }
    }
}

/// A new organization. `slug` is derived from `name_en` when not given.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "جامعه ممیزی و بازرسی ایران",
    "name_en": "Iranian Audit and Inspection Society",
    "kind": "society",
    "website": "https://example.org",
    "phone": "021 8888 7777"
}))]
pub struct CreateOrganization {
    /// Unique after Persian normalization ("علي" and "علی" clash).
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
    /// 2 to 64 lower-case letters, digits and hyphens; unique.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", min_length = 2, max_length = 64)]
    pub slug: Option<String>,
    pub kind: OrganizationKind,
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<String>,
    /// An http or https address.
    #[schema(max_length = 2048)]
    pub website: Option<String>,
    pub email: Option<String>,
    /// Iranian forms (`0912…`, `+98 …`, Persian digits) or any E.164 number.
    pub phone: Option<String>,
    /// Not in the future.
    pub founded_on: Option<ApiDate>,
}

/// Changes to an organization: only the fields sent change; `null` clears an optional field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"website": null, "phone": "+98 21 8888 7777"}))]
pub struct UpdateOrganization {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 200)]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", min_length = 2, max_length = 64)]
    pub slug: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = OrganizationKind)]
    pub kind: Patch<OrganizationKind>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 5000)]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub website: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<ApiDate>)]
    pub founded_on: Patch<ApiDate>,
}

impl UpdateOrganization {
    fn validate(self, today: NaiveDate) -> Result<ValidChanges, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let changes = OrganizationChanges {
            name: self.name.required("name", &mut errors),
            name_en: self.name_en.optional(),
            slug: self.slug.required("slug", &mut errors),
            kind: self.kind.required("kind", &mut errors),
            description: self.description.optional(),
            website: self.website.optional(),
            email: self.email.optional(),
            phone: self.phone.optional(),
            founded_on: self.founded_on.optional().day(),
        };
        // Report a null required field together with any other invalid value.
        match changes.validate(today) {
            Ok(valid) => errors.finish(|| valid),
            Err(more) => {
                errors.0.extend(more.0);
                Err(errors)
            }
        }
    }
}

const SORTS: [(&str, OrganizationSort); 4] = [
    ("name", OrganizationSort::Name),
    ("slug", OrganizationSort::Slug),
    ("created_at", OrganizationSort::CreatedAt),
    ("updated_at", OrganizationSort::UpdatedAt),
];

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrganizations {
    /// Text search over names and slug, after Persian normalization ("علي" finds "علی").
    #[param(max_length = 200)]
    q: Option<String>,
    kind: Option<OrganizationKind>,
    /// `name` (Persian alphabetical order, Latin after Persian), `slug`, `created_at`
    /// (default) or `updated_at`; prefix `-` for descending.
    #[param(pattern = "^-?(name|slug|created_at|updated_at)$")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl ListOrganizations {
    fn into_filter(self) -> Result<(OrganizationFilter, String), ApiError> {
        let is_timestamp = |s| matches!(s, OrganizationSort::CreatedAt | OrganizationSort::UpdatedAt);
        let paging = Paging::parse(self.sort, "created_at", &SORTS, is_timestamp, self.limit, self.cursor)?;
        let filter = OrganizationFilter {
            kind: self.kind,
            search: search_param(self.q)?,
            sort: paging.sort,
            direction: paging.direction,
            after: paging.after,
            limit: paging.limit,
        };
        Ok((filter, paging.sort_name))
    }
}

/// Create an organization.
///
/// Scope: `organizations:write`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created.", body = OrganizationBody,
            headers(("Location" = String, description = "The new organization's URL."), ("ETag" = String, description = "The version."))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name or slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    )
)]
#[post("/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let b = body.value()?;
    let input = OrganizationInput {
        name: b.name,
        name_en: b.name_en,
        slug: b.slug,
        kind: b.kind,
        description: b.description,
        website: b.website,
        email: b.email,
        phone: b.phone,
        founded_on: b.founded_on.day(),
    };
    let org = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input)).await?;
    let location = format!("/api/v1/organizations/{}", org.id);
    Ok(with_etag(HttpResponse::Created(), org.version)
        .insert_header((header::LOCATION, location))
        .json(OrganizationBody::from(org)))
}

/// List organizations.
///
/// Keyset-paginated; filters combine with AND. With `Accept: text/csv` or
/// `application/x-ndjson`, every organization the filters select streams. Scope:
/// `organizations:read`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    params(ListOrganizations),
    responses(
        (status = 200, description = "A page of organizations, or all of them as CSV or NDJSON.",
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when another page exists.")),
            content(
                (ListPage<OrganizationBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    )
)]
#[get("/organizations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListOrganizations>,
) -> Result<HttpResponse, ApiError> {
    let (filter, sort_name) = query.0.into_filter()?;
    let sort = filter.sort;
    let caller = caller.0;
    listing::respond(
        state,
        &req,
        &sort_name,
        filter,
        move |conn, filter| use_case::list(conn, &caller, filter),
        move |last| After {
            value: sort.value_of(last),
            id: last.id,
        },
        OrganizationBody::from,
    )
    .await
}

/// Get an organization.
///
/// Honours `If-None-Match` (304). Scope: `organizations:read`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "get_organization",
    params(("id" = Uuid, Path, description = "Organization id."),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier response; 304 when unchanged.")),
    responses(
        (status = 200, description = "The organization.", body = OrganizationBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    )
)]
#[get("/organizations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    representation(&req, org.version, OrganizationBody::from(org))
}

/// Change an organization.
///
/// Only the fields sent change; `null` clears an optional field. Honours `If-Match` (412).
/// Scope: `organizations:write`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "update_organization",
    params(("id" = Uuid, Path, description = "Organization id."),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on; 412 when it is stale.")),
    request_body(content = UpdateOrganization, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed organization.", body = OrganizationBody, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name or slug is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    )
)]
#[patch("/organizations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let changes = body.value()?.validate(state.now().date())?;
    let if_match = if_match(&req)?;
    let org = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), org.version).json(OrganizationBody::from(org)))
}

/// Delete an organization.
///
/// Honours `If-Match` (412). Scope: `organizations:write`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "delete_organization",
    params(("id" = Uuid, Path, description = "Organization id."),
        ("If-Match" = Option<String>, Header, description = "The ETag the deletion is based on; 412 when it is stale.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Other records still refer to it.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    )
)]
#[delete("/organizations/{id}")]
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

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove);
}
