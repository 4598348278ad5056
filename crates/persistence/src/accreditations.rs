//! Accreditation queries, and which expiry warnings went out.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::accreditation::{Accreditation, AccreditationStatus, Standard};
use std::collections::HashMap;
use uuid::Uuid;

use crate::actors;
use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{accreditation_expiry_notices as notices, accreditations};
use crate::sql_types::Id;

type Row = (
    Id,
    Option<Id>,
    Option<Id>,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    NaiveDate,
    NaiveDate,
    String,
    NaiveDateTime,
    Option<String>,
);

type Columns = (
    accreditations::id,
    accreditations::capacity_id,
    accreditations::member_id,
    accreditations::standard,
    accreditations::standard_text,
    accreditations::body,
    accreditations::certificate_number,
    accreditations::scope,
    accreditations::valid_from,
    accreditations::valid_until,
    accreditations::status,
    accreditations::created_at,
    accreditations::created_by,
);

const COLUMNS: Columns = (
    accreditations::id,
    accreditations::capacity_id,
    accreditations::member_id,
    accreditations::standard,
    accreditations::standard_text,
    accreditations::body,
    accreditations::certificate_number,
    accreditations::scope,
    accreditations::valid_from,
    accreditations::valid_until,
    accreditations::status,
    accreditations::created_at,
    accreditations::created_by,
);

fn to_accreditation(r: Row) -> Result<Accreditation, DbError> {
    Ok(Accreditation {
        id: r.0 .0,
        capacity_id: r.1.map(|i| i.0),
        member_id: r.2.map(|i| i.0),
        standard: Standard::parse(&r.3).map_err(|_| DbError::corrupt(format!("unexpected standard {:?}", r.3)))?,
        standard_text: r.4,
        body: r.5,
        certificate_number: r.6,
        scope: r.7,
        valid_from: r.8,
        valid_until: r.9,
        status: AccreditationStatus::parse(&r.10)
            .map_err(|_| DbError::corrupt(format!("unexpected status {:?}", r.10)))?,
        created_at: r.11,
        created_by: actors::read(r.12)?,
    })
}

pub fn insert(conn: &mut DbConnection, a: &Accreditation) -> Result<(), DbError> {
    diesel::insert_into(accreditations::table)
        .values((
            accreditations::id.eq(Id(a.id)),
            accreditations::capacity_id.eq(a.capacity_id.map(Id)),
            accreditations::member_id.eq(a.member_id.map(Id)),
            accreditations::standard.eq(a.standard.as_str()),
            accreditations::standard_text.eq(&a.standard_text),
            accreditations::body.eq(&a.body),
            accreditations::certificate_number.eq(&a.certificate_number),
            accreditations::scope.eq(&a.scope),
            accreditations::valid_from.eq(a.valid_from),
            accreditations::valid_until.eq(a.valid_until),
            accreditations::status.eq(a.status.as_str()),
            accreditations::created_at.eq(a.created_at),
            accreditations::created_by.eq(actors::stored(a.created_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Accreditation>, DbError> {
    accreditations::table
        .filter(accreditations::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
        .map(to_accreditation)
        .transpose()
}

pub fn delete(conn: &mut DbConnection, id: Uuid) -> Result<bool, DbError> {
    Ok(diesel::delete(accreditations::table.filter(accreditations::id.eq(Id(id)))).execute(conn)? == 1)
}

/// The accreditations of several capacities, by capacity, those valid longest first.
pub fn of_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Accreditation>>, DbError> {
    let mut by_capacity: HashMap<Uuid, Vec<Accreditation>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_capacity);
    }
    let rows: Vec<Row> = accreditations::table
        .filter(accreditations::capacity_id.eq_any(ids.iter().copied().map(Id).collect::<Vec<_>>()))
        .select(COLUMNS)
        .order((accreditations::valid_until.desc(), accreditations::id))
        .load(conn)?;
    for r in rows {
        let a = to_accreditation(r)?;
        if let Some(capacity) = a.capacity_id {
            by_capacity.entry(capacity).or_default().push(a);
        }
    }
    Ok(by_capacity)
}

/// A member's accreditations, those valid longest first.
pub fn of_member(conn: &mut DbConnection, member: Uuid) -> Result<Vec<Accreditation>, DbError> {
    let rows: Vec<Row> = accreditations::table
        .filter(accreditations::member_id.eq(Id(member)))
        .select(COLUMNS)
        .order((accreditations::valid_until.desc(), accreditations::id))
        .load(conn)?;
    rows.into_iter().map(to_accreditation).collect()
}

/// Active accreditations ending on or after `today` and by `by` with no notice for
/// `days_before` yet.
pub fn due(conn: &mut DbConnection, today: NaiveDate, by: NaiveDate, days_before: i32) -> Result<Vec<Uuid>, DbError> {
    let warned = notices::table
        .filter(notices::days_before.eq(days_before))
        .select(notices::accreditation_id);
    let ids: Vec<Id> = accreditations::table
        .filter(accreditations::status.eq(AccreditationStatus::Active.as_str()))
        .filter(accreditations::valid_until.ge(today))
        .filter(accreditations::valid_until.le(by))
        .filter(accreditations::id.ne_all(warned))
        .select(accreditations::id)
        // Instances checking at once lock rows in the same order, so they queue instead
        // of deadlocking (each also holds the event sequence's lock once it wrote one).
        .order(accreditations::id)
        .limit(500)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// Whether the warning `days_before` for this accreditation went out already.
pub fn sent(conn: &mut DbConnection, id: Uuid, days_before: i32) -> Result<bool, DbError> {
    let count: i64 = notices::table
        .filter(notices::accreditation_id.eq(Id(id)))
        .filter(notices::days_before.eq(days_before))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn mark_sent(conn: &mut DbConnection, id: Uuid, days_before: i32, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(notices::table)
        .values((
            notices::accreditation_id.eq(Id(id)),
            notices::days_before.eq(days_before),
            notices::sent_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
