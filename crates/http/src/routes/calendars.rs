//! iCalendar feeds of meetings, for calendar clients: an organization's and a working
//! group's. Clients that cannot send headers pass an API token as `?token=`.

use actix_web::{get, web, HttpResponse};
use hamkari_app::meetings::{self as use_case, Calendar};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::QueryParams;
use crate::ics;
use crate::state::AppState;

/// The credential of a calendar client that cannot send `Authorization`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// An API token with `meetings:read`, for clients that cannot send `Authorization:
    /// Bearer`. A URL ends up in browser histories, proxies and client settings: use a token
    /// that has only this scope, and rotate it if the URL leaks. The server never logs query
    /// strings.
    #[allow(dead_code)]
    token: Option<String>,
}

async fn feed(
    state: web::Data<AppState>,
    caller: Caller,
    of: Calendar,
    name: String,
) -> Result<HttpResponse, ApiError> {
    let meetings = db::run(&state.db, move |conn| use_case::calendar(conn, &caller.0, of)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(ics::calendar(&name, &meetings)))
}

/// An organization's meetings as an iCalendar feed.
///
/// Every meeting it takes part in (the latest 200 by start), cancelled ones as
/// `STATUS:CANCELLED`; `UID` stays, `SEQUENCE` grows with each change. Authenticate with
/// `Authorization: Bearer` or `?token=`. Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "organization_meetings_calendar",
    params(("id" = Uuid, Path), CalendarQuery),
    responses(
        (status = 200, description = "An RFC 5545 calendar.", body = String, content_type = "text/calendar"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/meetings.ics")]
pub async fn organization(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    _query: QueryParams<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    feed(state, caller, Calendar::Organization(id), format!("hamkari {id}")).await
}

/// A working group's meetings as an iCalendar feed.
///
/// As the organization feed, for the meetings the group holds. Scope: `meetings:read`.
#[utoipa::path(
    tag = "meetings",
    operation_id = "working_group_meetings_calendar",
    params(("id" = Uuid, Path), CalendarQuery),
    responses(
        (status = 200, description = "An RFC 5545 calendar.", body = String, content_type = "text/calendar"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such working group.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/working-groups/{id}/meetings.ics")]
pub async fn working_group(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    _query: QueryParams<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    feed(state, caller, Calendar::WorkingGroup(id), format!("hamkari {id}")).await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(organization).service(working_group);
}
