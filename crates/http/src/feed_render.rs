//! How the change feed and webhook messages show a resource: as its `GET` returns it now.
//!
//! One line per kind of resource in [`RENDERERS`]. A kind without a line, and a resource
//! that is gone (deleted since) or hidden from the reader, shows as `{id, kind}`. A branch
//! adding a resource registers it by adding a line that calls its `get` use case and
//! serializes its response body. A page of the feed loads its members in one query
//! ([`render_page`]): member updates are most of a busy feed, and one query each made a
//! page of 100 cost 100 round trips.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use hamkari_app::{AppError, Caller, DbConnection};
use serde::Serialize;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::routes;

/// A resource's body, serialized once: a page of 100 held as `Value` trees cost several
/// times the text, and was then serialized again.
pub type Rendered = Box<RawValue>;

type Render = fn(&mut DbConnection, &Caller, Uuid, NaiveDateTime) -> Result<Rendered, AppError>;

fn to_json<T: Serialize>(body: T) -> Result<Rendered, AppError> {
    serde_json::value::to_raw_value(&body).map_err(AppError::internal)
}

const RENDERERS: &[(&str, Render)] = &[
    ("organization", |conn, caller, id, _| {
        to_json(routes::organizations::OrganizationBody::from(
            hamkari_app::organizations::get(conn, caller, id)?,
        ))
    }),
    (MEMBER, |conn, caller, id, _| {
        member_json(hamkari_app::members::get(conn, caller, id)?)
    }),
    ("membership", |conn, caller, id, now| {
        let view = hamkari_app::memberships::get(conn, caller, id)?;
        to_json(routes::memberships::MembershipBody::new(view, now.date()))
    }),
    ("project", |conn, caller, id, _| {
        to_json(crate::bodies::ProjectBody::from(hamkari_app::projects::get(
            conn, caller, id,
        )?))
    }),
    ("working_group", |conn, caller, id, _| {
        to_json(routes::working_groups::WorkingGroupBody::from(
            hamkari_app::working_groups::get(conn, caller, id)?,
        ))
    }),
    ("user", |conn, caller, id, _| {
        to_json(routes::users::UserBody::from(hamkari_app::users::get(
            conn, caller, id,
        )?))
    }),
    ("api_token", |conn, caller, id, now| {
        to_json(routes::api_tokens::ApiTokenBody::new(
            hamkari_app::api_tokens::get(conn, caller, id)?,
            now,
        ))
    }),
    ("agreement", |conn, caller, id, _| {
        to_json(routes::agreements::AgreementBody::from(hamkari_app::agreements::get(
            conn, caller, id,
        )?))
    }),
    ("capacity", |conn, caller, id, _| {
        to_json(routes::capacities::CapacityBody::from(hamkari_app::capacities::get(
            conn, caller, id,
        )?))
    }),
    ("accreditation", |conn, caller, id, now| {
        to_json(routes::accreditations::AccreditationBody::new(
            hamkari_app::accreditations::get(conn, caller, id)?,
            now.date(),
        ))
    }),
    ("capacity_request", |conn, caller, id, _| {
        to_json(routes::capacity_requests::CapacityRequestBody::from(
            hamkari_app::capacity_requests::get(conn, caller, id)?,
        ))
    }),
    ("meeting", |conn, caller, id, _| {
        to_json(routes::meetings::MeetingBody::from(hamkari_app::meetings::get(
            conn, caller, id,
        )?))
    }),
    ("action_item", |conn, caller, id, _| {
        to_json(routes::resolutions::ActionItemBody::from(
            hamkari_app::resolutions::get_item(conn, caller, id)?,
        ))
    }),
    ("webhook", |conn, caller, id, _| {
        to_json(routes::webhooks::WebhookBody::from(hamkari_app::webhooks::get(
            conn, caller, id,
        )?))
    }),
];

/// The resources of a page of events, in the page's order, each as [`render`] shows it.
pub fn render_page(
    conn: &mut DbConnection,
    caller: &Caller,
    resources: &[(&str, Uuid)],
    now: NaiveDateTime,
) -> Result<Vec<Rendered>, AppError> {
    let member_ids: Vec<Uuid> = resources
        .iter()
        .filter(|(kind, _)| *kind == MEMBER)
        .map(|(_, id)| *id)
        .collect();
    let mut members = HashMap::new();
    if !member_ids.is_empty() {
        match hamkari_app::members::get_many(conn, caller, &member_ids) {
            Ok(found) => {
                for member in found {
                    members.insert(member.id, member_json(member)?);
                }
            }
            // Each shows as `{id, kind}`, as `render` shows a member the caller may not read.
            Err(AppError::Forbidden(_)) => {}
            Err(other) => return Err(other),
        }
    }
    resources
        .iter()
        .map(|&(kind, id)| match kind {
            MEMBER => Ok(members.get(&id).cloned().unwrap_or_else(|| unavailable(kind, id))),
            _ => render(conn, caller, kind, id, now),
        })
        .collect()
}

const MEMBER: &str = "member";

fn member_json(member: hamkari_domain::member::Member) -> Result<Rendered, AppError> {
    to_json(routes::members::MemberBody::from(member))
}

/// How a resource shows when it is gone, hidden from the reader, or of a kind without a line.
fn unavailable(kind: &str, id: Uuid) -> Rendered {
    #[derive(Serialize)]
    struct Unavailable<'a> {
        id: Uuid,
        kind: &'a str,
    }
    serde_json::value::to_raw_value(&Unavailable { id, kind }).expect("a UUID and a string serialize")
}

/// The resource as `caller` would `GET` it now, or `{id, kind}`.
pub fn render(
    conn: &mut DbConnection,
    caller: &Caller,
    kind: &str,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<Rendered, AppError> {
    let Some((_, render)) = RENDERERS.iter().find(|(k, _)| *k == kind) else {
        return Ok(unavailable(kind, id));
    };
    match render(conn, caller, id, now) {
        Ok(value) => Ok(value),
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => Ok(unavailable(kind, id)),
        Err(other) => Err(other),
    }
}
