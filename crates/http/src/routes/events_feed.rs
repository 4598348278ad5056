//! `GET /api/v1/events`: the change feed. Committed events in commit order after an opaque
//! cursor, each with the resource as its `GET` shows it now, long-polled with `wait`.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hamkari_app::feed::{self as use_case, FeedPage, FeedQuery, Position};
use hamkari_app::AppError;
use hamkari_domain::feed::Wait;
use hamkari_domain::page::Limit;
use hamkari_domain::webhook::EventTypes;
use hamkari_domain::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::{query_error, QueryParams};
use crate::pagination::utc;
use crate::state::AppState;

/// How often a waiting request looks again for events committed by other instances (a
/// commit in this process wakes it at once).
const POLL: Duration = Duration::from_millis(1000);

fn commits() -> &'static Notify {
    static COMMITS: OnceLock<Notify> = OnceLock::new();
    COMMITS.get_or_init(Notify::new)
}

/// Wakes the requests and workers waiting for new events; called after every write commits.
pub fn wake() {
    commits().notify_waiters();
}

/// Waits until a write commits in this process or `timeout` passes, whichever is first.
pub async fn next_commit(timeout: Duration) {
    let _ = tokio::time::timeout(timeout, commits().notified()).await;
}

const CURSOR_PREFIX: &str = "hkf1.";

pub fn encode_cursor(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

fn never_issued() -> ApiError {
    ApiError::Validation(ValidationErrors(vec![FieldError::new(
        "after",
        "invalid_cursor",
        "is not a cursor this feed gave out",
    )]))
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| never_issued())?;
    let text = String::from_utf8(bytes).map_err(|_| never_issued())?;
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(never_issued)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The `next_cursor` of the previous answer; absent: from the oldest event kept.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    after: Option<String>,
    /// Comma-separated event types: `<resource>.<action>` or `<resource>.*`, such as
    /// `member.updated,project.*`.
    #[param(max_length = 2000)]
    types: Option<String>,
    /// Only events that concern this organization.
    organization_id: Option<Uuid>,
    /// Seconds to wait for an event when none is new (long poll), at most 30.
    #[param(minimum = 0, maximum = 30)]
    wait: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// One committed change.
#[derive(Serialize, ToSchema)]
pub struct FeedItem {
    /// The event's id (time-ordered UUID v7).
    pub id: Uuid,
    /// `<resource>.<action>`, such as `member.updated`.
    #[serde(rename = "type")]
    #[schema(example = "member.updated")]
    pub event_type: String,
    pub time: DateTime<Utc>,
    pub resource_type: String,
    pub resource_id: Uuid,
    /// The organizations the change concerns.
    pub organization_ids: Vec<Uuid>,
    /// The resource as its `GET` returns it now; `{id, kind}` once it is deleted (or for a
    /// kind the feed cannot show).
    #[schema(value_type = Object)]
    pub data: crate::feed_render::Rendered,
    /// Resume after this event.
    pub cursor: String,
}

/// A page of the feed.
#[derive(Serialize, ToSchema)]
pub struct FeedPageBody {
    pub items: Vec<FeedItem>,
    /// Pass as `after` next time; present even when `items` is empty.
    pub next_cursor: String,
}

fn body(page: FeedPage, data: Vec<crate::feed_render::Rendered>) -> FeedPageBody {
    let items = page
        .items
        .into_iter()
        .zip(data)
        .map(|(item, data)| FeedItem {
            id: item.id,
            event_type: format!("{}.{}", item.resource_type, item.action),
            time: utc(item.at),
            resource_type: item.resource_type,
            resource_id: item.resource_id,
            organization_ids: item.organization_ids,
            data,
            cursor: encode_cursor(item.position),
        })
        .collect();
    FeedPageBody {
        items,
        next_cursor: encode_cursor(page.next),
    }
}

fn parse_types(raw: Option<String>) -> Result<Option<EventTypes>, ApiError> {
    raw.map(|raw| {
        let names: Vec<&str> = raw.split(',').collect();
        // Well formed (a list of names) but naming no event type: unusable, like a bad body field.
        EventTypes::parse(&names)
            .map_err(|p| ApiError::Validation(ValidationErrors(vec![FieldError::new("types", p.code, p.message)])))
    })
    .transpose()
}

/// The change feed.
///
/// Every committed change the caller may see, in commit order: users follow their
/// organizations' events (administrators all), tokens those their read scopes cover (an
/// event needs the read scope of its resource; user, token and webhook events reach
/// administrators only). Store `next_cursor` and pass it as `after`; a cursor stays valid
/// for the audit retention period, after which the answer is 410 and the client must
/// resynchronize. With `wait`, an empty answer waits up to that many seconds for news.
#[utoipa::path(
    tag = "events",
    operation_id = "list_feed_events",
    params(FeedParams),
    responses(
        (status = 200, description = "Events after the cursor (possibly none).", body = FeedPageBody),
        (status = 400, description = "Invalid query parameter (an unknown event type, `wait` over 30).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Events after the cursor were deleted: resynchronize.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cursor this feed never issued.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let wait = Wait::parse(q.wait).map_err(|p| query_error("wait", p.code, p.message))?;
    let limit = Limit::parse(q.limit)
        .map_err(|p| query_error("limit", p.code, p.message))?
        .get();
    let types = parse_types(q.types)?;
    let after = q.after.as_deref().map(decode_cursor).transpose()?;
    if let Some(after) = after {
        match db::run(&state.db, move |conn| use_case::check(conn, after)).await? {
            Position::Valid => {}
            Position::NeverIssued => return Err(never_issued()),
            Position::Expired => {
                return Err(ApiError::Gone {
                    code: "cursor_expired",
                    detail: "Events after this cursor were deleted by retention; resynchronize (read the resources again), then follow the feed without a cursor.".into(),
                })
            }
        }
    }
    let mut query = FeedQuery {
        after,
        types,
        organization_id: q.organization_id,
        limit: limit as usize,
    };
    let deadline = tokio::time::Instant::now() + wait.duration();
    // Rendering runs on the blocking pool, outside the request's calendar scope.
    let dates = crate::dates::DateScope::current();
    loop {
        // Listen before reading, so a commit between the read and the wait still wakes us.
        let mut notified = std::pin::pin!(commits().notified());
        notified.as_mut().enable();
        let caller = caller.0.clone();
        let asked = query.clone();
        let (page, data) = db::run(&state.db, move |conn| {
            let page = use_case::page(conn, &caller, &asked)?;
            let now = hamkari_app::now();
            let resources: Vec<(&str, uuid::Uuid)> = page
                .items
                .iter()
                .map(|e| (e.resource_type.as_str(), e.resource_id))
                .collect();
            let data = dates.run(|| crate::feed_render::render_page(conn, &caller, &resources, now))?;
            Ok::<_, AppError>((page, data))
        })
        .await?;
        let now = tokio::time::Instant::now();
        if !page.items.is_empty() || now >= deadline {
            return Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(body(page, data)));
        }
        query.after = Some(page.next);
        let _ = tokio::time::timeout((deadline - now).min(POLL), notified).await;
    }
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(list);
}
