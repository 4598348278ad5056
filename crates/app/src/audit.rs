//! The audit log: the events table read by administrators, and by editors for their
//! organizations.

use chrono::{Duration, NaiveDateTime};
pub use hamkari_persistence::events::{EventFilter, EventRecord};
use hamkari_persistence::page::Page;
use hamkari_persistence::{events as store, DbConnection};

use crate::caller::Caller;
use crate::error::AppError;
use crate::policy;

/// Events matching `filter`, narrowed to what the caller may see.
pub fn list(conn: &mut DbConnection, caller: &Caller, mut filter: EventFilter) -> Result<Page<EventRecord>, AppError> {
    filter.visible_to = policy::audit_scope(&caller.principal)?;
    Ok(store::list(conn, &filter)?)
}

/// Checks up front that the caller may read the log at all (before a stream starts).
pub fn authorize(caller: &Caller) -> Result<(), AppError> {
    policy::audit_scope(&caller.principal).map(|_| ())
}

/// Deletes one batch of events older than `retention_days` before `now`; returns how many.
/// Run by the server in the background until it returns 0.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime, retention_days: u32) -> Result<usize, AppError> {
    let cutoff = now - Duration::days(i64::from(retention_days));
    Ok(store::prune(conn, cutoff, 1000)?)
}
