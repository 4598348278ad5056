//! Rebuilds stored keys (search, unique name and sort keys) after the rules that compute
//! them changed.
//!
//! The rules live in Rust (`hamkari_domain::text`), so a SQL migration cannot recompute the
//! keys. Instead `server_settings` remembers which version of the rules computed the stored
//! keys, and [`run`] (called after the migrations, under the same lock) recomputes every key
//! in batches when that version is older than the code's, then records the code's version.
//! Interrupted, it starts over at the next start: rewriting a key is idempotent.

use chrono::{SubsecRound, Utc};
use diesel::prelude::*;
use hamkari_domain::text::KEY_VERSION;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::server_settings;
use crate::transaction::write_transaction;
use crate::{capacities, members, organizations, projects, working_groups};

/// The `server_settings` row naming the rules' version behind the stored keys.
pub const KEY_VERSION_SETTING: &str = "key_version";

/// Rows read and rewritten per transaction: short enough not to hold writers up for long.
const BATCH: i64 = 1000;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rekeyed {
    pub from_version: i64,
    pub rows_changed: u64,
}

/// Rebuilds the keys if they are older than the code's rules; `None` when they are current.
pub fn run(conn: &mut DbConnection) -> Result<Option<Rekeyed>, DbError> {
    let stored = stored_version(conn)?;
    if stored >= KEY_VERSION {
        return Ok(None);
    }
    tracing::info!(from = stored, to = KEY_VERSION, "rebuilding stored keys");
    let mut changed = write_transaction(conn, rekey_organizations)?;
    changed += rekey_table(conn, members::rekey_batch)?;
    changed += rekey_table(conn, projects::rekey_batch)?;
    changed += rekey_table(conn, working_groups::rekey_batch)?;
    changed += rekey_table(conn, capacities::rekey_batch)?;
    write_transaction(conn, |conn| record_version(conn, KEY_VERSION))?;
    tracing::info!(rows = changed, "stored keys rebuilt");
    Ok(Some(Rekeyed {
        from_version: stored,
        rows_changed: changed,
    }))
}

/// The version that computed the stored keys; a database that never recorded one has keys
/// from the first rules.
fn stored_version(conn: &mut DbConnection) -> Result<i64, DbError> {
    let value: Option<String> = server_settings::table
        .filter(server_settings::name.eq(KEY_VERSION_SETTING))
        .select(server_settings::value)
        .first(conn)
        .optional()?;
    match value {
        None => Ok(1),
        Some(v) => v
            .parse()
            .map_err(|_| DbError::corrupt(format!("unexpected {KEY_VERSION_SETTING} {v:?}"))),
    }
}

fn record_version(conn: &mut DbConnection, version: i64) -> Result<(), DbError> {
    let now = Utc::now().naive_utc().trunc_subsecs(6);
    let updated = diesel::update(server_settings::table.filter(server_settings::name.eq(KEY_VERSION_SETTING)))
        .set((
            server_settings::value.eq(version.to_string()),
            server_settings::updated_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(server_settings::table)
            .values((
                server_settings::name.eq(KEY_VERSION_SETTING),
                server_settings::value.eq(version.to_string()),
                server_settings::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What one batch of a table's rebuild saw and changed.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub last: Option<Uuid>,
    pub seen: usize,
    pub changed: u64,
}

type RekeyBatch = fn(&mut DbConnection, Option<Uuid>, i64) -> Result<Batch, DbError>;

/// Walks a table in id order, one transaction per batch.
fn rekey_table(conn: &mut DbConnection, batch: RekeyBatch) -> Result<u64, DbError> {
    let mut after = None;
    let mut changed = 0;
    loop {
        let done = write_transaction(conn, |conn| batch(conn, after, BATCH))?;
        changed += done.changed;
        after = done.last;
        if done.seen < BATCH as usize || after.is_none() {
            return Ok(changed);
        }
    }
}

/// Organizations carry the unique name key as well. New rules may make two stored names
/// one ("آزمون" and "ازمون"): the organization whose key does not change, else the older
/// one, gets the new key; the other keeps its old key (still unique: an old key that the
/// new rules change is not a key they can produce) and is logged, so that an administrator
/// can rename one of them. Until then, changing that organization's name answers 409.
fn rekey_organizations(conn: &mut DbConnection) -> Result<u64, DbError> {
    let orgs = organizations::with_stored_keys(conn)?;
    let mut taken = std::collections::HashSet::new();
    for (org, [name_key, ..]) in &orgs {
        if org.name_key() == *name_key {
            taken.insert(name_key.clone());
        }
    }
    let mut changed = 0;
    for (org, stored) in &orgs {
        let mut name_key = org.name_key();
        if name_key != stored[0] && !taken.insert(name_key.clone()) {
            tracing::warn!(
                organization = %org.id,
                name = %org.name,
                "two organization names now read as one; this one keeps its old key until renamed"
            );
            name_key = stored[0].clone();
        }
        let fresh = [name_key, org.search_key(), org.name_sort_key()];
        if fresh != *stored {
            organizations::set_keys(conn, org.id, &fresh)?;
            changed += 1;
        }
    }
    Ok(changed)
}
