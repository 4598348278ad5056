//! `/api/v1/meetings`: meetings of a working group, a joint project or two or more boards,
//! and their status (`scheduled → held | cancelled`).

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, Utc};
use hamkari_app::meetings::{self as use_case, MeetingFilter, MeetingView, NewMeeting};
use hamkari_app::policy;
use hamkari_domain::auth::Resource;
use hamkari_domain::meeting::{MeetingChanges, MeetingInput, MeetingKind, MeetingStatus};
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody, OrganizationRef};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{JsonBody, QueryParams};
use crate::listing;
use crate::nullable::{self, Patch};
use crate::pagination::{self, utc, ListPage, Paging};
use crate::preconditions::{if_match, representation, with_etag};
use crate::state::AppState;

/// A meeting. Times are UTC; `time_zone` says how to show them.
#[derive(Serialize, ToSchema)]
pub struct MeetingBody {
    pub id: Uuid,
    #[schema(example = "نشست مشترک هیئت‌مدیره‌ها")]
    pub title: String,
    pub kind: MeetingKind,
    pub status: MeetingStatus,
    /// What the last transition said.
    pub status_reason: Option<String>,
    pub allowed_transitions: Vec<MeetingStatus>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[schema(example = "Asia/Tehran")]
    pub time_zone: String,
    pub place: Option<String>,
    pub online_url: Option<String>,
    /// Set when a working group holds the meeting.
    pub working_group_id: Option<Uuid>,
    /// Set when a joint project holds the meeting.
    pub project_id: Option<Uuid>,
    /// The organizations taking part, fixed when the meeting was created.
    pub organization_ids: Vec<Uuid>,
    pub organizations: Vec<OrganizationRef>,
    pub minutes: Option<String>,
    /// Set once the minutes are final; they never change after.
    pub minutes_finalized_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<ActorBody>,
    pub updated_by: Option<ActorBody>,
    /// Bumped by every change, agenda and attendees included; calendars show it as `SEQUENCE`.
    pub version: i64,
}

impl From<MeetingView> for MeetingBody {
    fn from(v: MeetingView) -> Self {
        let (m, orgs) = (v.meeting, v.organizations);
        Self {
            id: m.id,
            title: m.title,
            kind: m.kind,
            status: m.status,
            status_reason: m.status_reason,
            allowed_transitions: m.status.next().to_vec(),
            starts_at: utc(m.starts_at),
            ends_at: utc(m.ends_at),
            time_zone: m.time_zone,
            place: m.place,
            online_url: m.online_url,
            working_group_id: m.working_group_id,
            project_id: m.project_id,
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
            minutes: m.minutes,
            minutes_finalized_at: m.minutes_finalized_at.map(utc),
            created_at: utc(m.created_at),
            updated_at: utc(m.updated_at),
            created_by: actor(m.created_by),
            updated_by: actor(m.updated_by),
            version: m.version,
        }
    }
}

/// A new meeting, held by exactly one of: a working group, a joint project, or two or more
/// organizations (a joint board meeting).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "نشست مشترک هیئت‌مدیره‌ها",
    "kind": "board",
    "starts_at": "2026-12-10T10:00:00+03:30",
    "ends_at": "2026-12-10T12:00:00+03:30",
    "place": "تهران، دفتر انجمن",
    "organization_ids": ["019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5c"]
}))]
pub struct CreateMeeting {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub kind: MeetingKind,
    /// With an offset; stored in UTC.
    pub starts_at: DateTime<FixedOffset>,
    /// With an offset; after `starts_at`.
    pub ends_at: DateTime<FixedOffset>,
    /// An IANA zone name; `Asia/Tehran` when absent.
    pub time_zone: Option<String>,
    #[schema(min_length = 1, max_length = 300)]
    pub place: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub online_url: Option<String>,
    pub working_group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// At least two, for a joint board meeting.
    pub organization_ids: Option<Vec<Uuid>>,
}

/// Changes to a scheduled meeting; `null` clears `place` and `online_url`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeeting {
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = MeetingKind)]
    pub kind: Patch<MeetingKind>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = DateTime<FixedOffset>)]
    pub starts_at: Patch<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = DateTime<FixedOffset>)]
    pub ends_at: Patch<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = String)]
    pub time_zone: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 300)]
    pub place: Patch<String>,
    #[serde(default, deserialize_with = "nullable::deserialize")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 2000)]
    pub online_url: Patch<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMeetings {
    /// Meetings this organization takes part in.
    organization_id: Option<Uuid>,
    working_group_id: Option<Uuid>,
    project_id: Option<Uuid>,
    status: Option<MeetingStatus>,
    /// Meetings ending at or after this time (with an offset).
    from: Option<DateTime<FixedOffset>>,
    /// Meetings starting before this time (with an offset).
    to: Option<DateTime<FixedOffset>>,
    /// `starts_at` (default) or `-starts_at`.
    #[param(pattern = "^-?starts_at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "held", "reason": "برگزار شد"}))]
pub struct MeetingTransition {
    pub to: MeetingStatus,
    /// Up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

fn naive(t: DateTime<FixedOffset>) -> chrono::NaiveDateTime {
    t.naive_utc()
}

/// Create a meeting.
///
/// Give exactly one of `working_group_id`, `project_id` and `organization_ids` (two or
/// more); the meeting's organizations come from it. Scope: `meetings:write`, for one of them.
#[utoipa::path(
    tag = "meetings",
    operation_id = "create_meeting",
    request_body = CreateMeeting,
    responses(
        (status = 201, description = "Created.", body = MeetingBody, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "None of your organizations takes part.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, such as a meeting ending before it starts.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateMeeting>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let b = body.value()?;
    let command = NewMeeting {
        input: MeetingInput {
            title: b.title,
            kind: b.kind,
            starts_at: naive(b.starts_at),
            ends_at: naive(b.ends_at),
            time_zone: b.time_zone,
            place: b.place,
            online_url: b.online_url,
        },
        working_group_id: b.working_group_id,
        project_id: b.project_id,
        organization_ids: b.organization_ids,
    };
    let view = db::write(&state.db, move |conn| use_case::create(conn, &caller.0, command)).await?;
    let body = MeetingBody::from(view);
    Ok(with_etag(HttpResponse::Created(), body.version)
        .insert_header((header::LOCATION, format!("/api/v1/meetings/{}", body.id)))
        .json(body))
}

/// List meetings, in start order.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_meetings",
    params(ListMeetings),
    responses(
        (status = 200, description = "A page of meetings, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<MeetingBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListMeetings>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = Paging::parse(q.sort, "starts_at", &[("starts_at", ())], |()| true, q.limit, q.cursor)?;
    let filter = MeetingFilter {
        organization_id: q.organization_id,
        working_group_id: q.working_group_id,
        project_id: q.project_id,
        status: q.status,
        from: q.from.map(naive),
        to: q.to.map(naive),
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
        |v| pagination::after_created(v.meeting.starts_at, v.meeting.id),
        MeetingBody::from,
    )
    .await
}

/// Get a meeting.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_meeting",
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The meeting.", body = MeetingBody, headers(("ETag" = String))),
        (status = 304, description = "Not modified."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = MeetingBody::from(db::run(&state.db, move |conn| use_case::get(conn, &caller.0, id)).await?);
    representation(&req, body.version, body)
}

/// Change a scheduled meeting.
///
/// Honours `If-Match`. Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "update_meeting",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = UpdateMeeting,
    responses(
        (status = 200, description = "The changed meeting.", body = MeetingBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is no longer scheduled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/meetings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateMeeting>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let b = body.value()?;
    let mut errors = ValidationErrors::default();
    let changes = MeetingChanges {
        title: b.title.required("title", &mut errors),
        kind: b.kind.required("kind", &mut errors),
        starts_at: b.starts_at.required("starts_at", &mut errors).map(naive),
        ends_at: b.ends_at.required("ends_at", &mut errors).map(naive),
        time_zone: b.time_zone.required("time_zone", &mut errors),
        place: b.place.optional(),
        online_url: b.online_url.optional(),
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::update(conn, &caller.0, id, &if_match, changes)
    })
    .await?;
    let body = MeetingBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Delete a scheduled meeting.
///
/// A held meeting is a record and a cancelled one stays in calendars: neither is deleted.
/// Honours `If-Match`. Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "delete_meeting",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is no longer scheduled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}")]
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

/// Move a meeting: `scheduled → held | cancelled`.
///
/// `held` needs finalized minutes (409 `minutes_not_finalized`). Honours `If-Match`.
/// Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "transition_meeting",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = MeetingTransition,
    responses(
        (status = 200, description = "The moved meeting.", body = MeetingBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a legal next state, or the minutes are not final.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<MeetingTransition>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let b = body.value()?;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::transition(conn, &caller.0, id, &if_match, b.to, b.reason)
    })
    .await?;
    let body = MeetingBody::from(view);
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
