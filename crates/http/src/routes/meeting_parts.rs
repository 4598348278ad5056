//! A meeting's parts: its agenda (replaced whole), its attendees, and its minutes (drafted
//! once the meeting has begun, finalized once, then immutable).

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use hamkari_app::meeting_parts as use_case;
use hamkari_app::policy;
use hamkari_domain::auth::Resource;
use hamkari_domain::meeting::Attendee;
use hamkari_domain::meeting::{AgendaItem, AttendeeStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::export::{self, Representation};
use crate::extract::{JsonBody, LONG_TEXT_BODY_BYTES};
use crate::preconditions::{if_match, with_etag};
use crate::routes::meetings::MeetingBody;
use crate::state::AppState;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItemBody {
    #[schema(example = "تشکیل کارگروه‌های تخصصی", min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
}

/// The whole agenda, in order.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaBody {
    /// At most 100 items.
    #[schema(max_items = 100)]
    pub items: Vec<AgendaItemBody>,
}

fn agenda_body(items: Vec<AgendaItem>) -> AgendaBody {
    AgendaBody {
        items: items
            .into_iter()
            .map(|i| AgendaItemBody {
                title: i.title,
                notes: i.notes,
            })
            .collect(),
    }
}

/// A person at a meeting.
#[derive(Serialize, ToSchema)]
pub struct AttendeeBody {
    pub member_id: Uuid,
    pub full_name: String,
    /// The organization they represent; a guest may represent none.
    pub organization_id: Option<Uuid>,
    pub status: AttendeeStatus,
}

impl From<Attendee> for AttendeeBody {
    fn from(a: Attendee) -> Self {
        Self {
            member_id: a.member_id,
            full_name: a.full_name,
            organization_id: a.organization_id,
            status: a.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeList {
    pub items: Vec<AttendeeBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b", "status": "present"}))]
pub struct SetAttendee {
    /// One of the meeting's organizations, which the person belongs to; a guest may omit it.
    pub organization_id: Option<Uuid>,
    pub status: AttendeeStatus,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesDraft {
    /// Up to 100 000 characters.
    #[schema(min_length = 1, max_length = 100000)]
    pub text: String,
}

/// A meeting's agenda.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_meeting_agenda",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The agenda, in order.", body = AgendaBody, headers(("ETag" = String, description = "The meeting's version."))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/agenda")]
pub async fn get_agenda(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (items, version) = db::run(&state.db, move |conn| use_case::agenda_of(conn, &caller.0, id)).await?;
    Ok(with_etag(HttpResponse::Ok(), version).json(agenda_body(items)))
}

/// Replace a scheduled meeting's agenda.
///
/// The items in the order given. Honours `If-Match` (the meeting's version). Scope:
/// `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "set_meeting_agenda",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = AgendaBody,
    responses(
        (status = 200, description = "The agenda.", body = AgendaBody, headers(("ETag" = String, description = "The meeting's new version."))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is no longer scheduled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}/agenda")]
pub async fn set_agenda(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<AgendaBody>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let items: Vec<(String, Option<String>)> = body.value()?.items.into_iter().map(|i| (i.title, i.notes)).collect();
    let if_match = if_match(&req)?;
    let (items, version) = db::write(&state.db, move |conn| {
        use_case::set_agenda(conn, &caller.0, id, &if_match, items)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), version).json(agenda_body(items)))
}

/// A meeting's attendees, in the order they were added.
///
/// Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_meeting_attendees",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The attendees, or all of them as CSV or NDJSON.", headers(("ETag" = String, description = "The meeting's version.")),
            content(
                (AttendeeList = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{id}/attendees")]
pub async fn list_attendees(
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
            let (items, _) = use_case::attendees_of(conn, &caller, id)?;
            Ok(items.into_iter().map(AttendeeBody::from).collect())
        })
        .await;
    }
    let (items, version) = db::run(&state.db, move |conn| use_case::attendees_of(conn, &caller.0, id)).await?;
    let items = items.into_iter().map(AttendeeBody::from).collect();
    Ok(with_etag(HttpResponse::Ok(), version).json(AttendeeList { items }))
}

/// Add a person to a scheduled meeting, or change how they attend.
///
/// They represent one of the meeting's organizations and belong to it (422
/// `not_participating` / `not_a_member` otherwise); a `guest` may represent none.
/// Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "set_meeting_attendee",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    request_body = SetAttendee,
    responses(
        (status = 200, description = "The attendee.", body = AttendeeBody),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is no longer scheduled.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}/attendees/{member_id}")]
pub async fn set_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<SetAttendee>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let (id, member) = path.into_inner();
    let b = body.value()?;
    let attendee = db::write(&state.db, move |conn| {
        use_case::set_attendee(conn, &caller.0, id, member, b.organization_id, b.status)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AttendeeBody::from(attendee)))
}

/// Remove a person from a scheduled meeting.
///
/// Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "remove_meeting_attendee",
    params(("id" = Uuid, Path), ("member_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting or attendee.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The meeting is no longer scheduled.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/meetings/{id}/attendees/{member_id}")]
pub async fn remove_attendee(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, member) = path.into_inner();
    db::write(&state.db, move |conn| {
        use_case::remove_attendee(conn, &caller.0, id, member)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Draft a meeting's minutes.
///
/// Allowed once the meeting has begun (409 `meeting_not_started` before) and until the
/// minutes are finalized (409 `minutes_finalized`). Honours `If-Match`. Scope:
/// `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "draft_meeting_minutes",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = MinutesDraft,
    responses(
        (status = 200, description = "The meeting with its minutes.", body = MeetingBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not begun, cancelled, or the minutes are final.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/meetings/{id}/minutes")]
pub async fn draft_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<MinutesDraft, LONG_TEXT_BODY_BYTES>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let text = body.value()?.text;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::draft_minutes(conn, &caller.0, id, &if_match, text)
    })
    .await?;
    let body = MeetingBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

/// Finalize a meeting's minutes, once; they never change after.
///
/// Honours `If-Match`. Scope: `meetings:write`, for an organization taking part.
#[utoipa::path(
    tag = "meetings",
    operation_id = "finalize_meeting_minutes",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 200, description = "The meeting with final minutes.", body = MeetingBody, headers(("ETag" = String))),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your organization does not take part.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No minutes yet, already final, or the meeting is cancelled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` names an older version.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/minutes/finalize")]
pub async fn finalize_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Meetings)?;
    let id = id.into_inner();
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::finalize_minutes(conn, &caller.0, id, &if_match)
    })
    .await?;
    let body = MeetingBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(get_agenda)
        .service(set_agenda)
        .service(list_attendees)
        .service(set_attendee)
        .service(remove_attendee)
        .service(draft_minutes)
        .service(finalize_minutes);
}
