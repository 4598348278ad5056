//! Webhook endpoints: created, changed, re-keyed and deleted by administrators (and editors
//! for their organizations), and fed in the transaction of every event they subscribe to.

use hamkari_domain::precondition::IfMatch;
use hamkari_domain::webhook::{EventTypes, ValidWebhook, Webhook, WebhookDelivery, WebhookUrl};
use hamkari_persistence::events::EventRecord;
use hamkari_persistence::page::{After, Direction, Page};
use hamkari_persistence::{organizations, webhook_deliveries as deliveries, webhooks as store, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::check_if_match;

const KIND: &str = "webhook";

/// Checks up front that the caller may manage webhooks at all (403 before the body).
pub fn authorize(caller: &Caller) -> Result<(), AppError> {
    policy::webhook_scope(&caller.principal).map(|_| ())
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    valid: ValidWebhook,
    secret: &str,
) -> Result<Webhook, AppError> {
    policy::create_webhook(&caller.principal, valid.organization_id)?;
    if let Some(organization) = valid.organization_id {
        if !organizations::missing_organizations(conn, &[organization])?.is_empty() {
            return Err(AppError::invalid(
                "organization_id",
                "not_found",
                "no organization has this id",
            ));
        }
    }
    let at = now();
    let webhook = Webhook {
        id: hamkari_domain::new_id(),
        url: valid.url.as_str().to_owned(),
        event_types: valid.event_types,
        organization_id: valid.organization_id,
        enabled: true,
        disabled_reason: None,
        created_at: at,
        updated_at: at,
        version: 1,
        created_by: Some(caller.actor_ref()),
        updated_by: Some(caller.actor_ref()),
    };
    store::insert(conn, &webhook, secret)?;
    let concerned: Vec<Uuid> = webhook.organization_id.into_iter().collect();
    record(
        conn,
        caller,
        Change::new(KIND, webhook.id, "created", &concerned).after(&webhook)?,
    )?;
    Ok(webhook)
}

pub fn list(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<Webhook>, AppError> {
    let scope = policy::webhook_scope(&caller.principal)?;
    Ok(store::list(conn, scope.as_deref())?)
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Webhook, AppError> {
    Ok(policy::webhook(conn, &caller.principal, Action::Read, id)?.resource)
}

/// What a `PATCH` may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<WebhookUrl>,
    pub event_types: Option<EventTypes>,
    pub enabled: Option<bool>,
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: WebhookChanges,
) -> Result<Webhook, AppError> {
    let allowed = policy::webhook(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut after = before.clone();
    if let Some(url) = changes.url {
        after.url = url.as_str().to_owned();
    }
    if let Some(types) = changes.event_types {
        after.event_types = types;
    }
    if let Some(enabled) = changes.enabled {
        after.enabled = enabled;
        if enabled {
            // Turned on again by a person: the server's reason no longer holds.
            after.disabled_reason = None;
        }
    }
    if after == before {
        return Ok(before);
    }
    after.updated_at = now();
    after.version += 1;
    after.updated_by = Some(caller.actor_ref());
    store::update(conn, &after)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "updated", &allowed.owners)
            .before(&before)?
            .after(&after)?,
    )?;
    Ok(after)
}

/// Replaces the signing secret; messages sent from now on are signed with the new one.
pub fn rotate_secret(conn: &mut DbConnection, caller: &Caller, id: Uuid, secret: &str) -> Result<Webhook, AppError> {
    let allowed = policy::webhook(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    let mut after = before.clone();
    after.updated_at = now();
    after.version += 1;
    after.updated_by = Some(caller.actor_ref());
    store::update(conn, &after)?;
    store::replace_secret(conn, id, secret)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "secret_rotated", &allowed.owners)
            .before(&before)?
            .after(&after)?,
    )?;
    Ok(after)
}

pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    let allowed = policy::webhook(conn, &caller.principal, Action::Delete, id)?;
    store::delete(conn, id)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&allowed.resource)?,
    )?;
    Ok(())
}

/// One endpoint's messages.
pub fn deliveries(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    direction: Direction,
    after: Option<&After>,
    limit: u32,
) -> Result<Page<WebhookDelivery>, AppError> {
    policy::webhook(conn, &caller.principal, Action::Read, id)?;
    Ok(deliveries::list(conn, id, direction, after, limit)?)
}

/// Sends a message again as soon as a worker is free, with the same `webhook-id`.
pub fn retry(conn: &mut DbConnection, caller: &Caller, id: Uuid, delivery: Uuid) -> Result<WebhookDelivery, AppError> {
    policy::webhook(conn, &caller.principal, Action::Update, id)?;
    let not_found = || AppError::NotFound("This webhook has no delivery with this id.".into());
    deliveries::find(conn, id, delivery)?.ok_or_else(not_found)?;
    deliveries::retry(conn, delivery, now())?;
    deliveries::find(conn, id, delivery)?.ok_or_else(not_found)
}

/// Queues a message for every enabled endpoint that subscribes to `event` and whose
/// audience may see it; runs inside the event's transaction, so the two commit together.
pub(crate) fn enqueue(conn: &mut DbConnection, event: &EventRecord) -> Result<(), AppError> {
    let event_type = format!("{}.{}", event.resource_type, event.action);
    for webhook in store::enabled(conn)? {
        let audience = policy::webhook_audience(&webhook);
        if webhook.event_types.matches(&event.resource_type, &event.action)
            && policy::may_see_event(&audience, &event.resource_type, &event.organization_ids)
        {
            deliveries::enqueue(
                conn,
                hamkari_domain::new_id(),
                webhook.id,
                event.id,
                &event_type,
                event.at,
            )?;
        }
    }
    Ok(())
}
