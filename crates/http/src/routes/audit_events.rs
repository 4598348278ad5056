//! `/api/v1/audit-events`: the events table as an audit log, paged or streamed as NDJSON.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::audit::{self as use_case, EventFilter, EventRecord};
use hamkari_domain::audit::ActionFilter;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::extract::{query_error, QueryParams};
use crate::listing;
use crate::pagination::{self, utc, ListPage, Paging};
use crate::state::AppState;

fn resource_type() -> utoipa::openapi::Object {
    crate::openapi::string_enum([
        "organization",
        "member",
        "membership",
        "project",
        "working_group",
        "user",
        "api_token",
    ])
}

fn actor_type() -> utoipa::openapi::Object {
    crate::openapi::string_enum(["user", "api_token", "system"])
}

/// One committed change.
#[derive(Serialize, ToSchema)]
pub struct AuditEventBody {
    /// Time-ordered (UUID v7).
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// What happened: `created`, `updated`, `deleted`, `transitioned`, `team_member_added`, …
    pub action: String,
    #[schema(schema_with = resource_type)]
    pub resource_type: String,
    pub resource_id: Uuid,
    /// The user or API token that made the change.
    pub actor_id: Option<Uuid>,
    #[schema(schema_with = actor_type)]
    pub actor_type: String,
    /// The organizations the change concerns.
    pub organization_ids: Vec<Uuid>,
    /// The resource before the change (null for a creation); never holds a secret.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Box<RawValue>>,
    /// The resource after the change (null for a deletion).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Box<RawValue>>,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

/// The stored JSON text as it is: checked, not parsed into a tree to be serialized again (a
/// page of 50 updates holds 100 copies of a resource).
fn json_field(raw: Option<String>) -> Option<Box<RawValue>> {
    raw.and_then(|text| RawValue::from_string(text).ok())
}

impl From<EventRecord> for AuditEventBody {
    fn from(e: EventRecord) -> Self {
        Self {
            id: e.id,
            at: utc(e.at),
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            actor_id: e.actor_id,
            actor_type: e.actor_type,
            organization_ids: e.organization_ids,
            before: json_field(e.before),
            after: json_field(e.after),
            request_id: e.request_id,
        }
    }
}

/// The kinds of resource events are recorded for.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Organization,
    Member,
    Membership,
    Project,
    WorkingGroup,
    User,
    ApiToken,
}

impl ResourceType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Member => "member",
            Self::Membership => "membership",
            Self::Project => "project",
            Self::WorkingGroup => "working_group",
            Self::User => "user",
            Self::ApiToken => "api_token",
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEvents {
    #[param(inline)]
    resource_type: Option<ResourceType>,
    resource_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    /// Events that concern this organization.
    organization_id: Option<Uuid>,
    /// `created`, `updated`, `deleted`, `transitioned`, `member_added`, …
    #[param(pattern = "^[a-z_]{1,64}$")]
    action: Option<String>,
    /// Events at or after this time.
    since: Option<DateTime<Utc>>,
    /// Events before this time.
    until: Option<DateTime<Utc>>,
    /// `at` (default, oldest first) or `-at`.
    #[param(pattern = "^-?at$")]
    sort: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The audit log.
///
/// Administrators read every event; editors read the events that concern their
/// organizations; viewers and API tokens are refused (403). With
/// `Accept: application/x-ndjson` (or `text/csv`) the whole filtered log streams, one event
/// per line (`limit` and `cursor` then only set where it starts).
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_events",
    params(ListAuditEvents),
    responses(
        (status = 200, description = "A page of events, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<AuditEventBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator or editor.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cursor this list never issued.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListAuditEvents>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let paging = Paging::parse(q.sort, "at", &[("at", ())], |()| true, q.limit, q.cursor)?;
    let action = q
        .action
        .map(ActionFilter::parse)
        .transpose()
        .map_err(|p| query_error("action", p.code, p.message))?;
    let filter = EventFilter {
        resource_type: q.resource_type.map(|kind| kind.as_str().to_owned()),
        resource_id: q.resource_id,
        actor_id: q.actor_id,
        organization_id: q.organization_id,
        action: action.map(ActionFilter::into_inner),
        since: q.since.map(|t| t.naive_utc()),
        until: q.until.map(|t| t.naive_utc()),
        visible_to: None,
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
        move |conn, filter: &EventFilter| use_case::list(conn, &caller, filter.clone()),
        |e| pagination::after_created(e.at, e.id),
        AuditEventBody::from,
    )
    .await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(list);
}
