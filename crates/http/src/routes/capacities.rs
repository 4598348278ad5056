//! `/api/v1/capacities`: what organizations offer their partners, and the accreditations
//! behind each offer.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::capacities::{self as use_case, CapacityFilter, CapacityView};
use hamkari_app::policy;
use hamkari_domain::accreditation::Standard;
use hamkari_domain::auth::Resource;
use hamkari_domain::capacity::{Availability, CapacityChanges, CapacityInput, CapacityKind, OfferedTo};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{search_param, JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::{if_match, representation, with_etag};
use crate::routes::accreditations::AccreditationBody;
use crate::state::AppState;

/// Whom a capacity is offered to: every party of an agreement (`agreement_id`), or the
/// listed partner organizations (`organization_ids`, empty when offered under an agreement).
#[derive(Serialize, ToSchema)]
pub struct OfferedToBody {
    pub agreement_id: Option<Uuid>,
    pub organization_ids: Vec<Uuid>,
}

/// Something an organization offers its partners.
#[derive(Serialize, ToSchema)]
pub struct CapacityBody {
    pub id: Uuid,
    /// The organization offering it.
    pub organization_id: Uuid,
    pub kind: CapacityKind,
    #[schema(example = "کالیبراسیون ترازوهای آزمایشگاهی")]
    pub title: String,
    pub title_en: Option<String>,
    pub description: Option<String>,
    /// The member who provides it (an expert, auditor or trainer).
    pub provider_member_id: Option<Uuid>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub availability: Availability,
    pub offered_to: OfferedToBody,
    /// Every organization that sees it: the offering one first, then its partners.
    pub visible_to: Vec<Uuid>,
    /// Its accreditations, those valid longest first.
    pub accreditations: Vec<AccreditationBody>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<CapacityView> for CapacityBody {
    fn from(v: CapacityView) -> Self {
        let c = v.capacity;
        let today = v.today;
        let offered_to = match c.offered_to {
            OfferedTo::Agreement(a) => OfferedToBody {
                agreement_id: Some(a),
                organization_ids: Vec::new(),
            },
            OfferedTo::Organizations(orgs) => OfferedToBody {
                agreement_id: None,
                organization_ids: orgs,
            },
        };
        Self {
            id: c.id,
            organization_id: c.organization_id,
            kind: c.kind,
            title: c.title,
            title_en: c.title_en,
            description: c.description,
            provider_member_id: c.provider_member_id,
            province: c.province,
            city: c.city,
            availability: c.availability,
            offered_to,
            visible_to: v.audience,
            accreditations: v
                .accreditations
                .into_iter()
                .map(|a| AccreditationBody::new(a, today))
                .collect(),
            created_at: utc(c.created_at),
            updated_at: utc(c.updated_at),
            created_by: actor(c.created_by),
            updated_by: actor(c.updated_by),
            version: c.version,
        }
    }
}

/// Exactly one of the two.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferedToInput {
    /// Offer it to every party of this agreement (the offering organization must be one).
    pub agreement_id: Option<Uuid>,
    /// Offer it to these organizations, each a partner: a party, with the offering
    /// organization, to one agreement that is a draft or in force.
    pub organization_ids: Option<Vec<Uuid>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "calibration",
    "title": "کالیبراسیون ترازوهای آزمایشگاهی",
    "organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "offered_to": {"agreement_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c"},
    "province": "تهران",
    "availability": "available"
}))]
pub struct CreateCapacity {
    pub kind: CapacityKind,
    #[schema(min_length = 2, max_length = 300)]
    pub title: String,
    /// The organization offering it.
    pub organization_id: Uuid,
    pub offered_to: OfferedToInput,
    #[schema(min_length = 1, max_length = 300)]
    pub title_en: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub description: Option<String>,
    pub provider_member_id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 100)]
    pub province: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub city: Option<String>,
    /// `available` unless given.
    pub availability: Option<Availability>,
}

/// Changes; `null` clears optional fields; `offered_to` is replaced as a whole. The
/// offering organization does not change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCapacity {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = CapacityKind)]
    pub kind: Patch<CapacityKind>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 300)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub title_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 10000)]
    pub description: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<Uuid>)]
    pub provider_member_id: Patch<Uuid>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub province: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    pub city: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Availability)]
    pub availability: Patch<Availability>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = OfferedToInput)]
    pub offered_to: Patch<OfferedToInput>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCapacities {
    kind: Option<CapacityKind>,
    /// Capacities this organization offers.
    organization_id: Option<Uuid>,
    availability: Option<Availability>,
    /// Capacities this member provides.
    provider_member_id: Option<Uuid>,
    /// Search over the titles, description, accreditation scopes and the provider's name
    /// and expertise, after Persian normalization.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Capacities with an accreditation to this standard.
    standard: Option<Standard>,
    /// Capacities with an active accreditation valid on this day (with `standard`: to that
    /// standard).
    accredited_on: Option<ApiDate>,
    /// `created_at` (default) or `-created_at`.
    #[param(pattern = "^-?created_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

fn offered_to(
    input: OfferedToInput,
    organization: Uuid,
) -> Result<OfferedTo, hamkari_domain::validation::FieldProblem> {
    OfferedTo::parse(input.agreement_id, input.organization_ids, organization)
}

/// Offer a capacity to partners.
///
/// Offered under an agreement, every party of it sees the capacity (as its parties are
/// when read); offered to listed organizations, each must be a **partner**: a party, with
/// the offering organization, to one agreement that is a draft or in force (422
/// `not_a_partner` otherwise). Nobody else sees it (404); administrators and unbound tokens
/// see every capacity. Scope: `capacities:write`, for the offering organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "create_capacity",
    request_body = CreateCapacity,
    responses(
        (status = 201, description = "Created.", body = CapacityBody, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the offering organization, or lack the scope.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an organization that is no partner, or an agreement the organization is no party to.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/capacities")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateCapacity>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let b = body.value()?;
    let input = CapacityInput {
        organization_id: b.organization_id,
        kind: b.kind,
        title: b.title,
        title_en: b.title_en,
        description: b.description,
        provider_member_id: b.provider_member_id,
        province: b.province,
        city: b.city,
        availability: b.availability,
        offered_to: offered_to(b.offered_to, b.organization_id),
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input)).await?;
    let body = CapacityBody::from(view);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/capacities/{}", body.id)))
        .json(body))
}

/// List the capacities you may see.
///
/// Those your organizations offer or are offered; every one for administrators and
/// unbound tokens. Scope: `capacities:read`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "list_capacities",
    params(ListCapacities),
    responses(
        (status = 200, description = "A page of capacities, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<CapacityBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day the calendar does not have.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/capacities")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListCapacities>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = pagination::by_creation(q.sort, q.limit, q.cursor)?;
    let filter = CapacityFilter {
        visible_to: None,
        kind: q.kind,
        organization_id: q.organization_id,
        availability: q.availability,
        provider_member_id: q.provider_member_id,
        search: search_param(q.q)?,
        standard: q.standard,
        accredited_on: q.accredited_on.day(),
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
        move |conn, filter| use_case::list(conn, &caller, filter.clone()),
        |v| pagination::after_created(v.capacity.created_at, v.capacity.id),
        CapacityBody::from,
    )
    .await
}

/// Get a capacity.
///
/// 404 unless your organization offers it or is offered it. Scope: `capacities:read`.
#[utoipa::path(
    tag = "capacities",
    operation_id = "get_capacity",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The capacity.", body = CapacityBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such capacity, or not offered to you.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/capacities/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = CapacityBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
}

/// Change a capacity.
///
/// Honours `If-Match`. Scope: `capacities:write`, for the offering organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "update_capacity",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateCapacity,
    responses(
        (status = 200, description = "The changed capacity.", body = CapacityBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the offering organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such capacity, or not offered to you.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an organization that is no partner.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/capacities/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateCapacity>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let offer = b.offered_to.required("offered_to", &mut errors);
    let changes = CapacityChanges {
        kind: b.kind.required("kind", &mut errors),
        title: b.title.required("title", &mut errors),
        title_en: b.title_en.optional(),
        description: b.description.optional(),
        provider_member_id: b.provider_member_id.optional(),
        province: b.province.optional(),
        city: b.city.optional(),
        availability: b.availability.required("availability", &mut errors),
        // The offering organization is checked against the stored capacity's in the use
        // case; here only the form (one of the two) is.
        offered_to: offer.map(|o| OfferedTo::parse(o.agreement_id, o.organization_ids, Uuid::nil())),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    let body = CapacityBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Withdraw a capacity.
///
/// A capacity that was requested stays on record (409 `has_requests`): mark it
/// `unavailable` instead. Honours `If-Match`. Scope: `capacities:write`, for the offering
/// organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "delete_capacity",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the offering organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such capacity, or not offered to you.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The capacity was requested.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/capacities/{id}")]
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
