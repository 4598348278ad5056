//! `/api/v1/capacities/{id}/accreditations` and `/api/v1/members/{id}/accreditations`: the
//! accreditations behind a capacity, and those a person holds.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use hamkari_app::accreditations as use_case;
use hamkari_app::policy;
use hamkari_domain::accreditation::{Accreditation, AccreditationInput, AccreditationStatus, Holder, Standard};
use hamkari_domain::auth::Resource;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::dates::{ApiDate, ToApi, ToDay};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::export::{self, Representation};
use crate::extract::JsonBody;
use crate::pagination::{self, utc, ListPage};
use crate::preconditions::with_etag;
use crate::state::AppState;

/// An accreditation to a standard, by an accrediting body.
#[derive(Serialize, ToSchema)]
pub struct AccreditationBody {
    pub id: Uuid,
    /// The capacity it backs; null for a member's.
    pub capacity_id: Option<Uuid>,
    /// The member who holds it; null for a capacity's.
    pub member_id: Option<Uuid>,
    pub standard: Standard,
    /// The standard's name when `standard` is `other`.
    pub standard_text: Option<String>,
    /// The accrediting body.
    #[schema(example = "مرکز ملی تأیید صلاحیت ایران")]
    pub body: String,
    pub certificate_number: Option<String>,
    /// What the accreditation covers.
    pub scope: Option<String>,
    pub valid_from: ApiDate,
    pub valid_until: ApiDate,
    pub status: AccreditationStatus,
    /// Whether `valid_until` has passed (today, UTC).
    pub expired: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
}

impl AccreditationBody {
    pub fn new(a: Accreditation, today: NaiveDate) -> Self {
        Self {
            expired: a.expired(today),
            id: a.id,
            capacity_id: a.capacity_id,
            member_id: a.member_id,
            standard: a.standard,
            standard_text: a.standard_text,
            body: a.body,
            certificate_number: a.certificate_number,
            scope: a.scope,
            valid_from: a.valid_from.api(),
            valid_until: a.valid_until.api(),
            status: a.status,
            created_at: utc(a.created_at),
            created_by: actor(a.created_by),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "standard": "iso_iec_17025",
    "body": "مرکز ملی تأیید صلاحیت ایران",
    "certificate_number": "NACI-L-0123",
    "scope": "کالیبراسیون جرم و ترازو",
    "valid_from": "2025-03-21",
    "valid_until": "2028-03-20"
}))]
pub struct CreateAccreditation {
    pub standard: Standard,
    /// Required when `standard` is `other`, refused otherwise.
    #[schema(min_length = 2, max_length = 200)]
    pub standard_text: Option<String>,
    #[schema(min_length = 2, max_length = 300)]
    pub body: String,
    #[schema(min_length = 1, max_length = 100)]
    pub certificate_number: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub scope: Option<String>,
    pub valid_from: ApiDate,
    /// On or after `valid_from` (422 `before_start` otherwise).
    pub valid_until: ApiDate,
    /// `active` unless given.
    pub status: Option<AccreditationStatus>,
}

/// Add an accreditation to a capacity.
///
/// An `accreditation.expiring` event goes out 60 and 14 days before `valid_until` (once
/// each). The capacity's version moves on. Scope: `capacities:write`, for the offering
/// organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "add_accreditation",
    params(("id" = Uuid, Path)),
    request_body = CreateAccreditation,
    responses(
        (status = 201, description = "Added.", body = AccreditationBody, headers(("ETag" = String, description = "The capacity's new version."))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the offering organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such capacity, or not offered to you.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `valid_until` before `valid_from`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/capacities/{id}/accreditations")]
pub async fn add(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateAccreditation>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Capacities)?;
    let id = id.into_inner();
    let input = input(body.value()?);
    let (accreditation, version) = db::write(&state.db, move |conn| {
        use_case::add(conn, &caller.0, Holder::Capacity(id), input)
    })
    .await?;
    let mut response = match version {
        Some(version) => with_etag(HttpResponse::Created(), version),
        None => HttpResponse::Created(),
    };
    Ok(response.json(AccreditationBody::new(accreditation, today())))
}

fn input(b: CreateAccreditation) -> AccreditationInput {
    AccreditationInput {
        standard: b.standard,
        standard_text: b.standard_text,
        body: b.body,
        certificate_number: b.certificate_number,
        scope: b.scope,
        valid_from: b.valid_from.day(),
        valid_until: b.valid_until.day(),
        status: b.status,
    }
}

/// The day `expired` compares with.
fn today() -> NaiveDate {
    hamkari_app::now().date()
}

/// Remove an accreditation from a capacity.
///
/// Scope: `capacities:write`, for the offering organization.
#[utoipa::path(
    tag = "capacities",
    operation_id = "remove_accreditation",
    params(("id" = Uuid, Path), ("accreditation_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for the offering organization.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such capacity or accreditation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/capacities/{id}/accreditations/{accreditation_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, accreditation) = path.into_inner();
    db::write(&state.db, move |conn| {
        use_case::remove(conn, &caller.0, Holder::Capacity(id), accreditation)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add an accreditation a member holds (ISO/IEC 17024 for persons, say).
///
/// An `accreditation.expiring` event goes out 60 and 14 days before `valid_until` (once
/// each). Scope: `members:write`, for every organization the member belongs to.
#[utoipa::path(
    tag = "members",
    operation_id = "add_member_accreditation",
    params(("id" = Uuid, Path)),
    request_body = CreateAccreditation,
    responses(
        (status = 201, description = "Added.", body = AccreditationBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for every organization of the member.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `valid_until` before `valid_from`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/members/{id}/accreditations")]
pub async fn add_to_member(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: JsonBody<CreateAccreditation>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Members)?;
    let id = id.into_inner();
    let input = input(body.value()?);
    let (accreditation, _) = db::write(&state.db, move |conn| {
        use_case::add(conn, &caller.0, Holder::Member(id), input)
    })
    .await?;
    Ok(HttpResponse::Created().json(AccreditationBody::new(accreditation, today())))
}

/// A member's accreditations, those valid longest first (one page: a person holds few).
///
/// Scope: `members:read`.
#[utoipa::path(
    tag = "members",
    operation_id = "list_member_accreditations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The member's accreditations, or all of them as CSV or NDJSON.",
            content(
                (ListPage<AccreditationBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/members/{id}/accreditations")]
pub async fn of_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let representation = Representation::negotiate(&req)?;
    if representation != Representation::Json {
        let caller = caller.0;
        return export::whole(state, representation, move |conn| {
            let today = today();
            let found = use_case::of_member(conn, &caller, id)?;
            Ok(found.into_iter().map(|a| AccreditationBody::new(a, today)).collect())
        })
        .await;
    }
    let found = db::run(&state.db, move |conn| use_case::of_member(conn, &caller.0, id)).await?;
    let today = today();
    let items = found.into_iter().map(|a| AccreditationBody::new(a, today)).collect();
    Ok(pagination::respond(&req, "created_at", items, None))
}

/// Remove an accreditation from a member.
///
/// Scope: `members:write`, for every organization the member belongs to.
#[utoipa::path(
    tag = "members",
    operation_id = "remove_member_accreditation",
    params(("id" = Uuid, Path), ("accreditation_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You do not act for every organization of the member.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member or accreditation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/members/{id}/accreditations/{accreditation_id}")]
pub async fn remove_from_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, accreditation) = path.into_inner();
    db::write(&state.db, move |conn| {
        use_case::remove(conn, &caller.0, Holder::Member(id), accreditation)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(add)
        .service(remove)
        .service(add_to_member)
        .service(of_member)
        .service(remove_from_member);
}
