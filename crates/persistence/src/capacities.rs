//! Capacity queries: capacities, the organizations each is offered to, who may see them,
//! and who counts as a partner.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use hamkari_domain::accreditation::Standard;
use hamkari_domain::capacity::{Availability, Capacity, CapacityKind, OfferedTo};
use std::collections::HashMap;
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::Fragment;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{accreditations, agreement_parties, agreements, capacities, capacity_recipients, members};
use crate::search;
use crate::sql_types::Id;

type Row = (
    Id,
    Id,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<Id>,
    Option<String>,
    Option<String>,
    String,
    Option<Id>,
    NaiveDateTime,
    NaiveDateTime,
    i64,
    Option<String>,
    Option<String>,
);

type Columns = (
    capacities::id,
    capacities::organization_id,
    capacities::kind,
    capacities::title,
    capacities::title_en,
    capacities::description,
    capacities::provider_member_id,
    capacities::province,
    capacities::city,
    capacities::availability,
    capacities::agreement_id,
    capacities::created_at,
    capacities::updated_at,
    capacities::version,
    capacities::created_by,
    capacities::updated_by,
);

const COLUMNS: Columns = (
    capacities::id,
    capacities::organization_id,
    capacities::kind,
    capacities::title,
    capacities::title_en,
    capacities::description,
    capacities::provider_member_id,
    capacities::province,
    capacities::city,
    capacities::availability,
    capacities::agreement_id,
    capacities::created_at,
    capacities::updated_at,
    capacities::version,
    capacities::created_by,
    capacities::updated_by,
);

fn to_capacity(r: Row, recipients: &mut HashMap<Uuid, Vec<Uuid>>) -> Result<Capacity, DbError> {
    let id = r.0 .0;
    let offered_to = match r.10 {
        Some(agreement) => OfferedTo::Agreement(agreement.0),
        None => OfferedTo::Organizations(recipients.remove(&id).unwrap_or_default()),
    };
    Ok(Capacity {
        id,
        organization_id: r.1 .0,
        kind: CapacityKind::parse(&r.2).map_err(|_| DbError::corrupt(format!("unexpected kind {:?}", r.2)))?,
        title: r.3,
        title_en: r.4,
        description: r.5,
        provider_member_id: r.6.map(|i| i.0),
        province: r.7,
        city: r.8,
        availability: Availability::parse(&r.9)
            .map_err(|_| DbError::corrupt(format!("unexpected availability {:?}", r.9)))?,
        offered_to,
        created_at: r.11,
        updated_at: r.12,
        version: r.13,
        created_by: actors::read(r.14)?,
        updated_by: actors::read(r.15)?,
    })
}

fn agreement_of(c: &Capacity) -> Option<Id> {
    match c.offered_to {
        OfferedTo::Agreement(a) => Some(Id(a)),
        OfferedTo::Organizations(_) => None,
    }
}

/// Replaces the listed organizations with the capacity's current ones.
fn store_recipients(conn: &mut DbConnection, c: &Capacity) -> Result<(), DbError> {
    diesel::delete(capacity_recipients::table.filter(capacity_recipients::capacity_id.eq(Id(c.id)))).execute(conn)?;
    if let OfferedTo::Organizations(orgs) = &c.offered_to {
        for org in orgs {
            diesel::insert_into(capacity_recipients::table)
                .values((
                    capacity_recipients::capacity_id.eq(Id(c.id)),
                    capacity_recipients::organization_id.eq(Id(*org)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, c: &Capacity, search_key: &str) -> Result<(), DbError> {
    diesel::insert_into(capacities::table)
        .values((
            capacities::id.eq(Id(c.id)),
            capacities::organization_id.eq(Id(c.organization_id)),
            capacities::kind.eq(c.kind.as_str()),
            capacities::title.eq(&c.title),
            capacities::title_en.eq(&c.title_en),
            capacities::description.eq(&c.description),
            capacities::provider_member_id.eq(c.provider_member_id.map(Id)),
            capacities::province.eq(&c.province),
            capacities::city.eq(&c.city),
            capacities::availability.eq(c.availability.as_str()),
            capacities::agreement_id.eq(agreement_of(c)),
            capacities::search_key.eq(search_key),
            capacities::created_at.eq(c.created_at),
            capacities::updated_at.eq(c.updated_at),
            capacities::version.eq(c.version),
            capacities::created_by.eq(actors::stored(c.created_by)),
            capacities::updated_by.eq(actors::stored(c.updated_by)),
        ))
        .execute(conn)?;
    store_recipients(conn, c)
}

pub fn update(conn: &mut DbConnection, c: &Capacity, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        capacities::table.filter(
            capacities::id
                .eq(Id(c.id))
                .and(capacities::version.eq(expected_version)),
        ),
    )
    .set((
        capacities::kind.eq(c.kind.as_str()),
        capacities::title.eq(&c.title),
        capacities::title_en.eq(&c.title_en),
        capacities::description.eq(&c.description),
        capacities::provider_member_id.eq(c.provider_member_id.map(Id)),
        capacities::province.eq(&c.province),
        capacities::city.eq(&c.city),
        capacities::availability.eq(c.availability.as_str()),
        capacities::agreement_id.eq(agreement_of(c)),
        capacities::updated_at.eq(c.updated_at),
        capacities::version.eq(c.version),
        capacities::updated_by.eq(actors::stored(c.updated_by)),
    ))
    .execute(conn)?;
    if updated == 1 {
        store_recipients(conn, c)?;
    }
    Ok(updated == 1)
}

pub fn set_search_key(conn: &mut DbConnection, id: Uuid, key: &str) -> Result<(), DbError> {
    diesel::update(capacities::table.filter(capacities::id.eq(Id(id))))
        .set(capacities::search_key.eq(key))
        .execute(conn)?;
    Ok(())
}

/// Deletes the capacity with its recipients and accreditations (cascade); a capacity that
/// was requested stays (the foreign key refuses).
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        capacities::table.filter(capacities::id.eq(Id(id)).and(capacities::version.eq(expected_version))),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

fn recipients_of_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, DbError> {
    let mut by_capacity: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_capacity);
    }
    let rows: Vec<(Id, Id)> = capacity_recipients::table
        .filter(capacity_recipients::capacity_id.eq_any(ids.iter().copied().map(Id).collect::<Vec<_>>()))
        .select((capacity_recipients::capacity_id, capacity_recipients::organization_id))
        .order((capacity_recipients::capacity_id, capacity_recipients::organization_id))
        .load(conn)?;
    for (capacity, org) in rows {
        by_capacity.entry(capacity.0).or_default().push(org.0);
    }
    Ok(by_capacity)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Capacity>, DbError> {
    let Some(row) = capacities::table
        .filter(capacities::id.eq(Id(id)))
        .select(COLUMNS)
        .first::<Row>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut recipients = recipients_of_many(conn, &[id])?;
    to_capacity(row, &mut recipients).map(Some)
}

/// The capacities `member` provides, so their search keys follow the member's name.
pub fn provided_by(conn: &mut DbConnection, member: Uuid) -> Result<Vec<Uuid>, DbError> {
    let ids: Vec<Id> = capacities::table
        .filter(capacities::provider_member_id.eq(Id(member)))
        .select(capacities::id)
        .load(conn)?;
    Ok(ids.into_iter().map(|i| i.0).collect())
}

/// The organizations `organization` may offer capacities to: the other parties of every
/// agreement it is a party to that is a draft or in force.
pub fn partners(conn: &mut DbConnection, organization: Uuid) -> Result<Vec<Uuid>, DbError> {
    let agreements: Vec<Id> = agreement_parties::table
        .inner_join(agreements::table)
        .filter(agreement_parties::organization_id.eq(Id(organization)))
        .filter(agreements::status.eq_any(["draft", "in_force"]))
        .select(agreement_parties::agreement_id)
        .load(conn)?;
    let mut others: Vec<Uuid> = agreement_parties::table
        .filter(agreement_parties::agreement_id.eq_any(agreements))
        .filter(agreement_parties::organization_id.ne(Id(organization)))
        .select(agreement_parties::organization_id)
        .load::<Id>(conn)?
        .into_iter()
        .map(|i| i.0)
        .collect();
    others.sort();
    others.dedup();
    Ok(others)
}

/// The provider's name and expertise, for the search key.
pub fn provider(conn: &mut DbConnection, member: Uuid) -> Result<Option<(String, Option<String>)>, DbError> {
    Ok(members::table
        .filter(members::id.eq(Id(member)))
        .select((members::full_name, members::expertise))
        .first(conn)
        .optional()?)
}

/// The scopes of the capacity's accreditations, for the search key.
pub fn scopes(conn: &mut DbConnection, id: Uuid) -> Result<Vec<String>, DbError> {
    let scopes: Vec<Option<String>> = accreditations::table
        .filter(accreditations::capacity_id.eq(Id(id)))
        .order(accreditations::id)
        .select(accreditations::scope)
        .load(conn)?;
    Ok(scopes.into_iter().flatten().collect())
}

/// The search key the current rules give a stored capacity.
pub fn fresh_key(conn: &mut DbConnection, c: &Capacity) -> Result<String, DbError> {
    let scopes = scopes(conn, c.id)?;
    let provider = match c.provider_member_id {
        Some(m) => provider(conn, m)?,
        None => None,
    };
    Ok(c.search_key(&scopes, provider.as_ref().map(|(n, e)| (n.as_str(), e.as_deref()))))
}

#[derive(Debug, Clone)]
pub struct CapacityFilter {
    /// The caller's organizations when it sees only what they offer or are offered;
    /// `None` for every capacity.
    pub visible_to: Option<Vec<Uuid>>,
    pub kind: Option<CapacityKind>,
    pub organization_id: Option<Uuid>,
    pub availability: Option<Availability>,
    pub provider_member_id: Option<Uuid>,
    pub search: Option<String>,
    pub standard: Option<Standard>,
    pub accredited_on: Option<NaiveDate>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

type Condition = Box<dyn BoxableExpression<capacities::table, MultiBackend, SqlType = Bool>>;

/// Offered by `org`, listed for it, or offered to the parties of an agreement it is one of.
/// Written as SQL because diesel cannot nest these subqueries in a multi-backend query.
fn visible_to(org: Uuid) -> Condition {
    Box::new(
        Fragment::new("(capacities.organization_id = ")
            .id(org)
            .sql(" OR capacities.id IN (SELECT capacity_id FROM capacity_recipients WHERE organization_id = ")
            .id(org)
            .sql(") OR capacities.agreement_id IN (SELECT agreement_id FROM agreement_parties WHERE organization_id = ")
            .id(org)
            .sql("))"),
    )
}

fn accredited(standard: Option<Standard>, on: Option<NaiveDate>) -> Condition {
    let head = "capacities.id IN (SELECT capacity_id FROM accreditations WHERE ";
    match (standard, on) {
        (Some(s), None) => Box::new(Fragment::new(head).sql("standard = ").text(s.as_str()).sql(")")),
        (None, Some(day)) => Box::new(
            Fragment::new(head)
                .sql("status = 'active' AND valid_from <= ")
                .date(day)
                .sql(" AND valid_until >= ")
                .date(day)
                .sql(")"),
        ),
        (Some(s), Some(day)) => Box::new(
            Fragment::new(head)
                .sql("standard = ")
                .text(s.as_str())
                .sql(" AND status = 'active' AND valid_from <= ")
                .date(day)
                .sql(" AND valid_until >= ")
                .date(day)
                .sql(")"),
        ),
        (None, None) => Box::new(Fragment::new("1 = 1")),
    }
}

pub fn list(conn: &mut DbConnection, f: &CapacityFilter) -> Result<Page<Capacity>, DbError> {
    let mut query = capacities::table.select(COLUMNS).into_boxed::<MultiBackend>();
    if let Some(orgs) = &f.visible_to {
        let mut seen = orgs.iter().map(|o| visible_to(*o));
        let Some(first) = seen.next() else {
            return Ok(Page::from_rows(Vec::new(), f.limit));
        };
        query = query.filter(seen.fold(first, |acc, c| Box::new(acc.or(c))));
    }
    if let Some(kind) = f.kind {
        query = query.filter(capacities::kind.eq(kind.as_str()));
    }
    if let Some(org) = f.organization_id {
        query = query.filter(capacities::organization_id.eq(Id(org)));
    }
    if let Some(availability) = f.availability {
        query = query.filter(capacities::availability.eq(availability.as_str()));
    }
    if let Some(member) = f.provider_member_id {
        query = query.filter(capacities::provider_member_id.eq(Id(member)));
    }
    if f.standard.is_some() || f.accredited_on.is_some() {
        query = query.filter(accredited(f.standard, f.accredited_on));
    }
    if let Some(key) = f.search.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(search::contains(conn, "capacities", key));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<Row> = keyset!(query, capacities::created_at, capacities::id, f.direction, after)
        .limit(i64::from(f.limit) + 1)
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0 .0).collect();
    let mut recipients = recipients_of_many(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|r| to_capacity(r, &mut recipients))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}

/// Rewrites the search keys of up to `limit` capacities after `after` (in id order) that
/// the current rules would compute differently; see [`crate::rekey`].
pub(crate) fn rekey_batch(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::rekey::Batch, DbError> {
    let mut query = capacities::table
        .select((COLUMNS, capacities::search_key))
        .order(capacities::id)
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(after) = after {
        query = query.filter(capacities::id.gt(Id(after)));
    }
    let rows: Vec<(Row, String)> = query.load(conn)?;
    let mut batch = crate::rekey::Batch::default();
    for (row, stored) in rows {
        let id = row.0 .0;
        let mut recipients = recipients_of_many(conn, &[id])?;
        let capacity = to_capacity(row, &mut recipients)?;
        let key = fresh_key(conn, &capacity)?;
        if key != stored {
            set_search_key(conn, id, &key)?;
            batch.changed += 1;
        }
        batch.seen += 1;
        batch.last = Some(id);
    }
    Ok(batch)
}
