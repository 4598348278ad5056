//! The webhooks table: endpoints, their secrets, and who may receive what.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::webhook::{EventTypes, Webhook};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::schema::webhooks;
use crate::sql_types::Id;

#[derive(Queryable)]
#[diesel(check_for_backend(MultiBackend))]
struct WebhookRow {
    id: Id,
    url: String,
    event_types: String,
    organization_id: Option<Id>,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

const COLUMNS: (
    webhooks::id,
    webhooks::url,
    webhooks::event_types,
    webhooks::organization_id,
    webhooks::enabled,
    webhooks::disabled_reason,
    webhooks::created_at,
    webhooks::updated_at,
    webhooks::version,
    webhooks::created_by,
    webhooks::updated_by,
) = (
    webhooks::id,
    webhooks::url,
    webhooks::event_types,
    webhooks::organization_id,
    webhooks::enabled,
    webhooks::disabled_reason,
    webhooks::created_at,
    webhooks::updated_at,
    webhooks::version,
    webhooks::created_by,
    webhooks::updated_by,
);

impl TryFrom<WebhookRow> for Webhook {
    type Error = DbError;

    fn try_from(row: WebhookRow) -> Result<Self, DbError> {
        let event_types = EventTypes::from_stored(&row.event_types)
            .map_err(|p| DbError::corrupt(format!("stored webhook event types: {}", p.message)))?;
        Ok(Webhook {
            id: row.id.0,
            url: row.url,
            event_types,
            organization_id: row.organization_id.map(|i| i.0),
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            created_by: actors::read(row.created_by)?,
            updated_by: actors::read(row.updated_by)?,
        })
    }
}

fn convert(rows: Vec<WebhookRow>) -> Result<Vec<Webhook>, DbError> {
    rows.into_iter().map(Webhook::try_from).collect()
}

pub fn insert(conn: &mut DbConnection, w: &Webhook, secret: &str) -> Result<(), DbError> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(Id(w.id)),
            webhooks::url.eq(&w.url),
            webhooks::event_types.eq(w.event_types.to_stored()),
            webhooks::organization_id.eq(w.organization_id.map(Id)),
            webhooks::secret.eq(secret),
            webhooks::enabled.eq(w.enabled),
            webhooks::disabled_reason.eq(&w.disabled_reason),
            webhooks::created_at.eq(w.created_at),
            webhooks::updated_at.eq(w.updated_at),
            webhooks::version.eq(w.version),
            webhooks::created_by.eq(actors::stored(w.created_by)),
            webhooks::updated_by.eq(actors::stored(w.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Webhook>, DbError> {
    webhooks::table
        .filter(webhooks::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<WebhookRow>(conn)
        .optional()?
        .map(Webhook::try_from)
        .transpose()
}

/// The endpoint's signing secret (`whsec_…`).
pub fn secret(conn: &mut DbConnection, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(webhooks::table
        .filter(webhooks::id.eq(Id(id)))
        .select(webhooks::secret)
        .first(conn)
        .optional()?)
}

/// Endpoints oldest first, only those of these organizations when given; at most 500.
pub fn list(conn: &mut DbConnection, organizations: Option<&[Uuid]>) -> Result<Vec<Webhook>, DbError> {
    let mut query = webhooks::table
        .select(COLUMNS)
        .order((webhooks::created_at.asc(), webhooks::id.asc()))
        .limit(500)
        .into_boxed::<MultiBackend>();
    if let Some(organizations) = organizations {
        let ids: Vec<Id> = organizations.iter().copied().map(Id).collect();
        query = query.filter(webhooks::organization_id.eq_any(ids));
    }
    convert(query.load(conn)?)
}

/// The endpoints that receive new events.
pub fn enabled(conn: &mut DbConnection) -> Result<Vec<Webhook>, DbError> {
    convert(
        webhooks::table
            .filter(webhooks::enabled.eq(true))
            .select(COLUMNS)
            .load(conn)?,
    )
}

/// Writes the changeable fields and the version of `w`.
pub fn update(conn: &mut DbConnection, w: &Webhook) -> Result<(), DbError> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(Id(w.id))))
        .set((
            webhooks::url.eq(&w.url),
            webhooks::event_types.eq(w.event_types.to_stored()),
            webhooks::enabled.eq(w.enabled),
            webhooks::disabled_reason.eq(&w.disabled_reason),
            webhooks::updated_at.eq(w.updated_at),
            webhooks::version.eq(w.version),
            webhooks::updated_by.eq(actors::stored(w.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn replace_secret(conn: &mut DbConnection, id: Uuid, secret: &str) -> Result<(), DbError> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(Id(id))))
        .set(webhooks::secret.eq(secret))
        .execute(conn)?;
    Ok(())
}

/// Deletes the endpoint and its queued messages.
pub fn delete(conn: &mut DbConnection, id: Uuid) -> Result<bool, DbError> {
    diesel::delete(
        crate::schema::webhook_deliveries::table.filter(crate::schema::webhook_deliveries::webhook_id.eq(Id(id))),
    )
    .execute(conn)?;
    Ok(diesel::delete(webhooks::table.filter(webhooks::id.eq(Id(id)))).execute(conn)? > 0)
}

/// Turns an endpoint off with the reason shown to its owners; false if it was off already.
pub fn disable(conn: &mut DbConnection, id: Uuid, reason: &str, at: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        webhooks::table
            .filter(webhooks::id.eq(Id(id)))
            .filter(webhooks::enabled.eq(true)),
    )
    .set((
        webhooks::enabled.eq(false),
        webhooks::disabled_reason.eq(reason),
        webhooks::updated_at.eq(at),
        webhooks::version.eq(webhooks::version + 1),
    ))
    .execute(conn)?
        > 0)
}
