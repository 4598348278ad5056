//! `/api/v1/members`: one identity per person.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::members::{self as use_case, MemberFilter, MemberSort};
use hamkari_app::{After, SortValue};
use hamkari_domain::contact::{Phone, PhoneType};
use hamkari_domain::member::{Member, MemberChanges, MemberInput};
use hamkari_domain::membership::RoleFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{query_error, search_param, JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{utc, ListPage, Paging};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

/// A person, as the API shows them.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "full_name": "علی رضایی",
    "full_name_en": "Ali Rezaei",
    "national_id": "0499370899",
    "email": "ali.rezaei@example.org",
    "phone": "+989121234567",
    "phone_type": "mobile",
    "expertise": "کالیبراسیون ابزار دقیق",
    "created_at": "2026-11-23T10:00:00Z",
    "updated_at": "2026-11-23T10:00:00Z",
    "created_by": {"type": "user", "id": "019ab1c2-0000-7000-8000-000000000001"},
    "updated_by": {"type": "api_token", "id": "019ab1c2-0000-7000-8000-000000000002"},
    "version": 1
}))]
pub struct MemberBody {
    pub id: Uuid,
    /// Stored as given (NFC), usually Persian.
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// Iranian national code: ten ASCII digits, check digit verified.
    pub national_id: Option<String>,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// What `phone` reaches by its numbering plan; null when `phone` is.
    pub phone_type: Option<PhoneType>,
    pub expertise: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<Member> for MemberBody {
    fn from(m: Member) -> Self {
        Self {
            id: m.id,
            full_name: m.full_name,
            full_name_en: m.full_name_en,
            national_id: m.national_id,
            email: m.email,
            phone_type: m.phone.as_deref().map(Phone::kind_of),
            phone: m.phone,
            expertise: m.expertise,
            created_at: utc(m.created_at),
            updated_at: utc(m.updated_at),
            created_by: actor(m.created_by),
            updated_by: actor(m.updated_by),
            version: m.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "full_name": "علی رضایی",
    "full_name_en": "Ali Rezaei",
    "national_id": "۰۴۹۹۳۷۰۸۹۹",
    "email": "Ali.Rezaei@example.org",
    "phone": "0912 123 4567"
}))]
pub struct CreateMember {
    #[schema(min_length = 2, max_length = 200)]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub full_name_en: Option<String>,
    /// Ten digits (Persian or Arabic digits accepted); unique.
    pub national_id: Option<String>,
    /// Unique, compared case-insensitively.
    pub email: Option<String>,
    /// Iranian forms (`0912…`, `+98 …`, Persian digits) or any E.164 number.
    pub phone: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub expertise: Option<String>,
}

/// Changes to a member: only the fields sent change; `null` clears an optional field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 2, max_length = 200)]
    pub full_name: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub full_name_en: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub national_id: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub expertise: Patch<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMembers {
    /// Search over names, national code, email and phone, after Persian normalization.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Members with a membership (at any time) in this organization.
    organization_id: Option<Uuid>,
    /// Members with a membership in this role, or `board` for any board role.
    #[param(pattern = "^(board|member|board_member|board_chair|board_vice_chair|secretary|treasurer|inspector)$")]
    role: Option<String>,
    /// `true`: members with a membership current today; `false`: without one.
    active: Option<bool>,
    /// `created_at` (default) or `full_name` (Persian alphabetical order, Latin after
    /// Persian); prefix `-` for descending.
    #[param(pattern = "^-?(created_at|full_name)$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteMember {
    /// Also delete the member's memberships; without it, a member who has any is refused (409).
    force: Option<bool>,
}

/// Create a member.
///
/// Scope: `members:write`; any editor may register a person.
#[utoipa::path(
    tag = "members",
    operation_id = "create_member",
    request_body = CreateMember,
    responses(
        (status = 201, description = "Created.", body = MemberBody, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to write members.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "National code or email taken.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/members")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateMember>,
) -> Result<HttpResponse, ApiError> {
    let b = body.value()?;
    let input = MemberInput {
        full_name: b.full_name,
        full_name_en: b.full_name_en,
        national_id: b.national_id,
        email: b.email,
        phone: b.phone,
        expertise: b.expertise,
    };
    let member = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, input)).await?;
    Ok(with_etag(HttpResponse::Created(), member.version)
        .insert_header((header::LOCATION, format!("/api/v1/members/{}", member.id)))
        .json(MemberBody::from(member)))
}

/// List members.
///
/// With `Accept: text/csv` or `application/x-ndjson`, every member the filters select
/// streams (see the conventions on export). Scope: `members:read`.
#[utoipa::path(
    tag = "members",
    operation_id = "list_members",
    params(ListMembers),
    responses(
        (status = 200, description = "A page of members, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<MemberBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/members")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListMembers>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sorts = [
        ("created_at", MemberSort::CreatedAt),
        ("full_name", MemberSort::FullName),
    ];
    let paging = Paging::parse(
        q.sort,
        "created_at",
        &sorts,
        |s| s == MemberSort::CreatedAt,
        q.limit,
        q.cursor,
    )?;
    let roles = q
        .role
        .map(|r| RoleFilter::parse(&r).map(RoleFilter::roles))
        .transpose()
        .map_err(|p| query_error("role", p.code, p.message))?;
    let filter = MemberFilter {
        search: search_param(q.q)?,
        organization_id: q.organization_id,
        roles,
        active: q.active,
        today: state.now().date(),
        sort: paging.sort,
        direction: paging.direction,
        after: paging.after,
        limit: paging.limit,
    };
    let caller = caller.0;
    let sort = paging.sort;
    listing::respond(
        state,
        &req,
        &paging.sort_name,
        filter,
        move |conn, filter| use_case::list(conn, &caller, filter),
        after_member(sort),
        MemberBody::from,
    )
    .await
}

/// Where the page after `last` starts, in this sort.
fn after_member(sort: MemberSort) -> impl Fn(&Member) -> After + Clone + Send + 'static {
    move |last| After {
        value: match sort {
            MemberSort::CreatedAt => SortValue::Timestamp(last.created_at),
            MemberSort::FullName => SortValue::Text(last.full_name_sort_key()),
        },
        id: last.id,
    }
}

/// Get a member.
///
/// Honours `If-None-Match`. Scope: `members:read`.
#[utoipa::path(
    tag = "members",
    operation_id = "get_member",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The member.", body = MemberBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/members/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let member = db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?;
    representation(&req, member.version, MemberBody::from(member))
}

/// Change a member.
///
/// Editors change people of their own organizations. Honours `If-Match`. Scope: `members:write`.
#[utoipa::path(
    tag = "members",
    operation_id = "update_member",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateMember,
    responses(
        (status = 200, description = "The changed member.", body = MemberBody, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to change this member.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "National code or email taken.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/members/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateMember>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    let b = body.value()?;
    let mut errors = hamkari_domain::ValidationErrors::default();
    let changes = MemberChanges {
        full_name: b.full_name.required("full_name", &mut errors),
        full_name_en: b.full_name_en.optional(),
        national_id: b.national_id.optional(),
        email: b.email.optional(),
        phone: b.phone.optional(),
        expertise: b.expertise.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let member = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), member.version).json(MemberBody::from(member)))
}

/// Delete a member.
///
/// A member who still has memberships is refused (409) unless `force=true`, which deletes
/// those memberships with them. Honours `If-Match`. Scope: `members:write`.
#[utoipa::path(
    tag = "members",
    operation_id = "delete_member",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), DeleteMember),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to delete this member.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such member.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The member has memberships.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/members/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<DeleteMember>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let force = query.0.force.unwrap_or(false);
    let if_match = if_match(&req)?;
    db::write(&state.db, move |conn| {
        use_case::delete(conn, &caller.0, id, &if_match, force)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(remove);
}
