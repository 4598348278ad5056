//! One event per committed change, written by the use case inside the change's transaction:
//! a rolled-back change leaves none, and no change commits without one.

use hamkari_persistence::events::{self as store, EventRecord};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;

/// What changed. `before` and `after` are the resource's stored form; the domain types that
/// reach here carry no secrets (password and token hashes never leave persistence).
#[derive(Debug)]
pub struct Change {
    pub resource_type: &'static str,
    pub resource_id: Uuid,
    pub action: &'static str,
    pub organization_ids: Vec<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

fn json<T: Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(AppError::internal)
}

impl Change {
    pub fn new(
        resource_type: &'static str,
        resource_id: Uuid,
        action: &'static str,
        organization_ids: &[Uuid],
    ) -> Self {
        let mut organization_ids = organization_ids.to_vec();
        organization_ids.sort();
        organization_ids.dedup();
        Self {
            resource_type,
            resource_id,
            action,
            organization_ids,
            before: None,
            after: None,
        }
    }

    pub fn before<T: Serialize>(mut self, value: &T) -> Result<Self, AppError> {
        self.before = Some(json(value)?);
        Ok(self)
    }

    pub fn after<T: Serialize>(mut self, value: &T) -> Result<Self, AppError> {
        self.after = Some(json(value)?);
        Ok(self)
    }
}

/// Who made a change, as the event stores it.
struct Actor<'a> {
    kind: &'static str,
    id: Option<uuid::Uuid>,
    request_id: Option<&'a str>,
}

fn write(conn: &mut hamkari_persistence::DbConnection, actor: Actor<'_>, change: Change) -> Result<(), AppError> {
    // A kind of event clients cannot subscribe to is a forgotten line in EVENT_TYPES: every
    // black-box test that makes the change catches it.
    debug_assert!(
        hamkari_domain::webhook::is_known_event(change.resource_type, change.action),
        "{}.{} is missing from hamkari_domain::webhook::EVENT_TYPES",
        change.resource_type,
        change.action
    );
    let record = EventRecord {
        id: hamkari_domain::new_id(),
        at: now(),
        actor_type: actor.kind.to_owned(),
        actor_id: actor.id,
        request_id: actor.request_id.map(str::to_owned),
        resource_type: change.resource_type.to_owned(),
        resource_id: change.resource_id,
        action: change.action.to_owned(),
        organization_ids: change.organization_ids,
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
    };
    store::insert(conn, &record)?;
    crate::webhooks::enqueue(conn, &record)?;
    Ok(())
}

/// Writes the event for `change` on the caller's connection, inside its transaction.
pub fn record(conn: &mut hamkari_persistence::DbConnection, caller: &Caller, change: Change) -> Result<(), AppError> {
    let (kind, id) = caller.actor();
    let actor = Actor {
        kind,
        id: Some(id),
        request_id: caller.request_id.as_deref(),
    };
    write(conn, actor, change)
}

/// Writes the event for a change no principal made (the first administrator at start-up,
/// the `create-admin` command): actor type `system`, no actor id, no request.
pub fn record_system(conn: &mut hamkari_persistence::DbConnection, change: Change) -> Result<(), AppError> {
    let actor = Actor {
        kind: "system",
        id: None,
        request_id: None,
    };
    write(conn, actor, change)
}
