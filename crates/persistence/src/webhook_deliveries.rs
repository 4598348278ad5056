//! The webhook delivery queue: one row per message, claimed with an expiring lease so that
//! several instances deliver each message once and a crashed one's claims come back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::webhook::{DeliveryStatus, WebhookDelivery};
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, After, Direction, Page, SortValue};
use crate::schema::{webhook_deliveries as d, webhooks};
use crate::sql_types::{DbUuid, Id};

#[derive(Queryable)]
#[diesel(check_for_backend(MultiBackend))]
struct DeliveryRow {
    id: Id,
    webhook_id: Id,
    event_id: Id,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    response_status: Option<i32>,
    duration_ms: Option<i32>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

const COLUMNS: (
    d::id,
    d::webhook_id,
    d::event_id,
    d::event_type,
    d::status,
    d::attempts,
    d::next_attempt_at,
    d::response_status,
    d::duration_ms,
    d::last_error,
    d::created_at,
    d::updated_at,
) = (
    d::id,
    d::webhook_id,
    d::event_id,
    d::event_type,
    d::status,
    d::attempts,
    d::next_attempt_at,
    d::response_status,
    d::duration_ms,
    d::last_error,
    d::created_at,
    d::updated_at,
);

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = DbError;

    fn try_from(r: DeliveryRow) -> Result<Self, DbError> {
        let status = DeliveryStatus::from_stored(&r.status)
            .ok_or_else(|| DbError::corrupt(format!("unknown delivery status {:?}", r.status)))?;
        Ok(WebhookDelivery {
            id: r.id.0,
            webhook_id: r.webhook_id.0,
            event_id: r.event_id.0,
            event_type: r.event_type,
            status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            response_status: r.response_status,
            duration_ms: r.duration_ms,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Queues one message, due at once.
pub fn enqueue(
    conn: &mut DbConnection,
    id: Uuid,
    webhook_id: Uuid,
    event_id: Uuid,
    event_type: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(d::table)
        .values((
            d::id.eq(Id(id)),
            d::webhook_id.eq(Id(webhook_id)),
            d::event_id.eq(Id(event_id)),
            d::event_type.eq(event_type),
            d::status.eq(DeliveryStatus::Pending.as_str()),
            d::attempts.eq(0),
            d::next_attempt_at.eq(Some(at)),
            d::created_at.eq(at),
            d::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// One endpoint's messages, newest first by default.
pub fn list(
    conn: &mut DbConnection,
    webhook_id: Uuid,
    direction: Direction,
    after: Option<&After>,
    limit: u32,
) -> Result<Page<WebhookDelivery>, DbError> {
    let query = d::table
        .select(COLUMNS)
        .filter(d::webhook_id.eq(Id(webhook_id)))
        .into_boxed::<MultiBackend>();
    let after = match after {
        None => None,
        Some(After {
            value: SortValue::Timestamp(at),
            id,
        }) => Some((*at, *id)),
        Some(_) => return Err(DbError::corrupt("cursor does not match the sort".into())),
    };
    let rows: Vec<DeliveryRow> = keyset!(query, d::created_at, d::id, direction, after)
        .limit(i64::from(limit) + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit);
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(WebhookDelivery::try_from)
            .collect::<Result<_, _>>()?,
        has_more: page.has_more,
    })
}

pub fn find(conn: &mut DbConnection, webhook_id: Uuid, id: Uuid) -> Result<Option<WebhookDelivery>, DbError> {
    d::table
        .select(COLUMNS)
        .filter(d::id.eq(Id(id)))
        .filter(d::webhook_id.eq(Id(webhook_id)))
        .first::<DeliveryRow>(conn)
        .optional()?
        .map(WebhookDelivery::try_from)
        .transpose()
}

/// Makes a message due again now, whatever became of it (a manual redelivery).
pub fn retry(conn: &mut DbConnection, id: Uuid, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(d::table.filter(d::id.eq(Id(id))))
        .set((
            d::status.eq(DeliveryStatus::Pending.as_str()),
            d::next_attempt_at.eq(Some(at)),
            d::claimed_by.eq(None::<String>),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A message this instance holds the lease on, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// Attempts made before this one; finishing checks it, so a claim that ran out and was
    /// taken over cannot overwrite the newer attempt's result.
    pub attempts: i32,
    pub payload: Option<String>,
    pub url: String,
    pub secret: String,
}

#[derive(Queryable)]
#[diesel(check_for_backend(MultiBackend))]
struct ClaimRow {
    id: Id,
    webhook_id: Id,
    event_id: Id,
    event_type: String,
    attempts: i32,
    payload: Option<String>,
    url: String,
    secret: String,
}

#[derive(QueryableByName)]
struct DueId {
    #[diesel(sql_type = DbUuid)]
    id: Id,
}

/// Ids of due messages of enabled endpoints. PostgreSQL locks them and skips rows another
/// instance is claiming right now; SQLite's single writer needs no lock.
fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> Result<Vec<Id>, DbError> {
    if let DbConnection::Pg(pg) = conn {
        let rows: Vec<DueId> = diesel::sql_query(
            "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.claimed_until IS NULL OR d.claimed_until < $1) AND w.enabled \
             ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED",
        )
        .bind::<diesel::sql_types::Timestamp, _>(now)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(pg)?;
        return Ok(rows.into_iter().map(|r| r.id).collect());
    }
    let enabled = webhooks::table.filter(webhooks::enabled.eq(true)).select(webhooks::id);
    Ok(d::table
        .filter(d::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(d::next_attempt_at.le(now))
        .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
        .filter(d::webhook_id.eq_any(enabled))
        .order(d::next_attempt_at.asc())
        .select(d::id)
        .limit(limit)
        .load(conn)?)
}

/// Whether any message is due: a plain read, so an idle queue costs no write transaction.
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, DbError> {
    let enabled = webhooks::table.filter(webhooks::enabled.eq(true)).select(webhooks::id);
    let due: Vec<Id> = d::table
        .filter(d::webhook_id.eq_any(enabled))
        .filter(d::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(d::next_attempt_at.le(now))
        .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
        .select(d::id)
        .limit(1)
        .load(conn)?;
    Ok(!due.is_empty())
}

/// Takes the lease on up to `limit` due messages for `instance` until `lease_until`.
/// Run inside a write transaction.
pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    let ids = due(conn, now, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The conditions again: on PostgreSQL a row updated by another instance since is
    // re-checked here and left alone.
    diesel::update(
        d::table
            .filter(d::id.eq_any(ids.clone()))
            .filter(d::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now))),
    )
    .set((d::claimed_by.eq(instance), d::claimed_until.eq(lease_until)))
    .execute(conn)?;
    let rows: Vec<ClaimRow> = d::table
        .inner_join(webhooks::table)
        .filter(d::id.eq_any(ids))
        .filter(d::claimed_by.eq(instance))
        .filter(d::claimed_until.eq(lease_until))
        .select((
            d::id,
            d::webhook_id,
            d::event_id,
            d::event_type,
            d::attempts,
            d::payload,
            webhooks::url,
            webhooks::secret,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            id: r.id.0,
            webhook_id: r.webhook_id.0,
            event_id: r.event_id.0,
            event_type: r.event_type,
            attempts: r.attempts,
            payload: r.payload,
            url: r.url,
            secret: r.secret,
        })
        .collect())
}

/// Keeps the first rendering of a message, so every retry sends the same bytes.
pub fn store_payload(conn: &mut DbConnection, id: Uuid, payload: &str) -> Result<(), DbError> {
    diesel::update(d::table.filter(d::id.eq(Id(id))).filter(d::payload.is_null()))
        .set(d::payload.eq(payload))
        .execute(conn)?;
    Ok(())
}

/// How one attempt ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub at: NaiveDateTime,
}

/// Records an attempt made under `instance`'s claim and releases the claim; false when the
/// claim was lost meanwhile (the lease ran out and another instance took over).
pub fn finish(conn: &mut DbConnection, claimed: &Claimed, instance: &str, attempt: &Attempt) -> Result<bool, DbError> {
    Ok(diesel::update(
        d::table
            .filter(d::id.eq(Id(claimed.id)))
            .filter(d::claimed_by.eq(instance))
            .filter(d::attempts.eq(claimed.attempts)),
    )
    .set((
        d::status.eq(attempt.status.as_str()),
        d::attempts.eq(claimed.attempts + 1),
        d::next_attempt_at.eq(attempt.next_attempt_at),
        d::claimed_by.eq(None::<String>),
        d::claimed_until.eq(None::<NaiveDateTime>),
        d::response_status.eq(attempt.response_status),
        d::duration_ms.eq(Some(attempt.duration_ms)),
        d::last_error.eq(&attempt.error),
        d::updated_at.eq(attempt.at),
    ))
    .execute(conn)?
        > 0)
}

/// Gives back every claim `instance` holds (at shutdown), so others need not wait out the lease.
pub fn release(conn: &mut DbConnection, instance: &str) -> Result<usize, DbError> {
    Ok(diesel::update(d::table.filter(d::claimed_by.eq(instance)))
        .set((
            d::claimed_by.eq(None::<String>),
            d::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?)
}

/// The queue as the metrics show it.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueStats {
    /// Messages not yet delivered nor given up on, disabled endpoints' included.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pending: i64,
    /// Pending messages of enabled endpoints whose attempt time has come (in flight or waiting).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub due: i64,
    /// When the oldest of the due messages was queued.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub oldest_due: Option<NaiveDateTime>,
    /// The feed's last position handed out.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub last_position: i64,
}

/// One statement read at every scrape. Each part stays within the pending range of
/// `webhook_deliveries_due_idx` (status, next_attempt_at), so its cost follows the queue,
/// never the table's history of delivered messages. (`$1` is also SQLite's syntax.)
const QUEUE_STATS: &str = "SELECT \
    (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending, \
    due.due, due.oldest_due, \
    (SELECT last_position FROM event_sequence WHERE id = 1) AS last_position \
    FROM (SELECT count(*) AS due, min(d.created_at) AS oldest_due \
          FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.enabled) AS due";

pub fn queue_stats(conn: &mut DbConnection, now: NaiveDateTime) -> Result<QueueStats, DbError> {
    let query = diesel::sql_query(QUEUE_STATS).bind::<diesel::sql_types::Timestamp, _>(now);
    Ok(match conn {
        DbConnection::Pg(pg) => query.get_result(pg)?,
        DbConnection::Sqlite(sqlite) => query.get_result(sqlite)?,
    })
}

/// Whether any message to this endpoint succeeded since `since`.
pub fn succeeded_since(conn: &mut DbConnection, webhook_id: Uuid, since: NaiveDateTime) -> Result<bool, DbError> {
    let count: i64 = d::table
        .filter(d::webhook_id.eq(Id(webhook_id)))
        .filter(d::status.eq(DeliveryStatus::Succeeded.as_str()))
        .filter(d::updated_at.ge(since))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}
