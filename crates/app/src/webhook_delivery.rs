//! The delivery worker's steps, each a short transaction: claim due messages, find what a
//! message is about, record how an attempt went (retry later, give up, disable an endpoint
//! that has failed for days), and give claims back at shutdown.

use chrono::{Duration, NaiveDateTime};
use hamkari_domain::webhook::{next_attempt, DeliveryStatus};
use hamkari_persistence::webhook_deliveries::{self as store, Attempt};
pub use hamkari_persistence::webhook_deliveries::{Claimed, QueueStats};
use hamkari_persistence::{feed, webhooks, DbConnection};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::events::{record_system, Change};
use crate::feed::FeedEvent;
use crate::policy;

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry's delay; each next one doubles, up to a day.
    pub base: Duration,
    /// Attempts before a message counts as failed (and its endpoint may be disabled).
    pub max_attempts: i32,
    /// How long a claim keeps other instances off a message.
    pub lease: Duration,
}

/// Whether `claim` would find anything (read-only).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, AppError> {
    Ok(store::any_due(conn, now)?)
}

pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    now: NaiveDateTime,
    policy: &RetryPolicy,
    limit: i64,
) -> Result<Vec<Claimed>, AppError> {
    Ok(store::claim(conn, instance, now, now + policy.lease, limit)?)
}

/// The event a message carries and who its endpoint receives it as; `None` when either is
/// gone (pruned, deleted) and there is nothing left to send.
pub fn subject(conn: &mut DbConnection, claimed: &Claimed) -> Result<Option<(FeedEvent, Caller)>, AppError> {
    let Some(webhook) = webhooks::find(conn, claimed.webhook_id)? else {
        return Ok(None);
    };
    let Some(event) = feed::find(conn, claimed.event_id)? else {
        return Ok(None);
    };
    Ok(Some((event, Caller::new(policy::webhook_audience(&webhook), None))))
}

pub fn store_payload(conn: &mut DbConnection, id: Uuid, payload: &str) -> Result<(), AppError> {
    Ok(store::store_payload(conn, id, payload)?)
}

/// What one attempt got back.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub delivered: bool,
    pub response_status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
}

/// Records an attempt. A message out of attempts fails; if its endpoint has not accepted
/// anything since that message was queued (days, with the default schedule), the endpoint
/// is disabled with the reason shown to its owners.
pub fn finish(
    conn: &mut DbConnection,
    claimed: &Claimed,
    instance: &str,
    outcome: &Outcome,
    policy: &RetryPolicy,
    now: NaiveDateTime,
) -> Result<DeliveryStatus, AppError> {
    let attempts = claimed.attempts + 1;
    let (status, next_attempt_at) = if outcome.delivered {
        (DeliveryStatus::Succeeded, None)
    } else {
        match next_attempt(attempts, policy.base, policy.max_attempts) {
            Some(delay) => (DeliveryStatus::Pending, Some(now + delay)),
            None => (DeliveryStatus::Failed, None),
        }
    };
    let attempt = Attempt {
        status,
        next_attempt_at,
        response_status: outcome.response_status,
        duration_ms: outcome.duration_ms,
        error: outcome.error.clone(),
        at: now,
    };
    if !store::finish(conn, claimed, instance, &attempt)? || status != DeliveryStatus::Failed {
        return Ok(status);
    }
    let Some(delivery) = store::find(conn, claimed.webhook_id, claimed.id)? else {
        return Ok(status);
    };
    if !store::succeeded_since(conn, claimed.webhook_id, delivery.created_at)? {
        disable(conn, claimed, attempts, delivery.created_at, outcome, now)?;
    }
    Ok(status)
}

fn disable(
    conn: &mut DbConnection,
    claimed: &Claimed,
    attempts: i32,
    since: NaiveDateTime,
    outcome: &Outcome,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(before) = webhooks::find(conn, claimed.webhook_id)? else {
        return Ok(());
    };
    let last = match (&outcome.error, outcome.response_status) {
        (Some(error), _) => error.clone(),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => "no answer".into(),
    };
    let reason = format!(
        "Disabled at {now}: nothing delivered since {since}; message {} failed {attempts} attempts, the last with {last}.",
        claimed.id
    );
    if !webhooks::disable(conn, claimed.webhook_id, &reason, now)? {
        return Ok(());
    }
    let Some(after) = webhooks::find(conn, claimed.webhook_id)? else {
        return Ok(());
    };
    tracing::warn!(webhook = %claimed.webhook_id, %reason, "webhook disabled");
    let concerned: Vec<Uuid> = after.organization_id.into_iter().collect();
    record_system(
        conn,
        Change::new("webhook", after.id, "updated", &concerned)
            .before(&before)?
            .after(&after)?,
    )
}

/// Gives back the claims `instance` holds; returns how many.
pub fn release(conn: &mut DbConnection, instance: &str) -> Result<usize, AppError> {
    Ok(store::release(conn, instance)?)
}

/// The queue's depth and lag and the feed's last position, for the metrics.
pub fn queue_stats(conn: &mut DbConnection, now: NaiveDateTime) -> Result<QueueStats, AppError> {
    Ok(store::queue_stats(conn, now)?)
}
