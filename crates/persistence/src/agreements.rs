//! Agreement queries: agreements and their parties with each party's signing date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::agreement::{Agreement, AgreementStatus};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::organizations::OrganizationNames;
use crate::page::{keyset, After, Direction, Page};
use crate::schema::{agreement_parties, agreements, organizations};
use crate::search;
use crate::sql_types::Id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = agreements, check_for_backend(MultiBackend))]
struct Row {
    id: Id,
    title: String,
    summary: Option<String>,
    scope: Option<String>,
    status: String,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    document_url: Option<String>,
    document_name: Option<String>,
    document_sha256: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
}

fn to_agreement(r: Row) -> Result<Agreement, DbError> {
    Ok(Agreement {
        id: r.id.0,
        title: r.title,
        summary: r.summary,
        scope: r.scope,
        status: AgreementStatus::parse(&r.status)
            .map_err(|_| DbError::corrupt(format!("unexpected status {:?}", r.status)))?,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        document_url: r.document_url,
        document_name: r.document_name,
        document_sha256: r.document_sha256,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        created_by: actors::read(r.created_by)?,
        updated_by: actors::read(r.updated_by)?,
    })
}

pub fn insert(conn: &mut DbConnection, a: &Agreement) -> Result<(), DbError> {
    diesel::insert_into(agreements::table)
        .values((
            agreements::id.eq(Id(a.id)),
            agreements::title.eq(&a.title),
            agreements::summary.eq(&a.summary),
            agreements::scope.eq(&a.scope),
            agreements::status.eq(a.status.as_str()),
            agreements::valid_from.eq(a.valid_from),
            agreements::valid_until.eq(a.valid_until),
            agreements::document_url.eq(&a.document_url),
            agreements::document_name.eq(&a.document_name),
            agreements::document_sha256.eq(&a.document_sha256),
            agreements::created_at.eq(a.created_at),
            agreements::updated_at.eq(a.updated_at),
            agreements::version.eq(a.version),
            agreements::created_by.eq(actors::stored(a.created_by)),
            agreements::updated_by.eq(actors::stored(a.updated_by)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Agreement>, DbError> {
    agreements::table
        .filter(agreements::id.eq(Id(id)))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(to_agreement)
        .transpose()
}

pub fn update(conn: &mut DbConnection, a: &Agreement, expected_version: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        agreements::table.filter(
            agreements::id
                .eq(Id(a.id))
                .and(agreements::version.eq(expected_version)),
        ),
    )
    .set((
        agreements::title.eq(&a.title),
        agreements::summary.eq(&a.summary),
        agreements::scope.eq(&a.scope),
        agreements::status.eq(a.status.as_str()),
        agreements::valid_from.eq(a.valid_from),
        agreements::valid_until.eq(a.valid_until),
        agreements::document_url.eq(&a.document_url),
        agreements::document_name.eq(&a.document_name),
        agreements::document_sha256.eq(&a.document_sha256),
        agreements::updated_at.eq(a.updated_at),
        agreements::version.eq(a.version),
        agreements::updated_by.eq(actors::stored(a.updated_by)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes the agreement with its parties (cascade).
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        agreements::table.filter(agreements::id.eq(Id(id)).and(agreements::version.eq(expected_version))),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// A party to an agreement, with its names and the day it signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub organization_id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
    pub signed_on: Option<NaiveDate>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = agreement_parties, check_for_backend(MultiBackend))]
struct PartyRow {
    agreement_id: Id,
    organization_id: Id,
    #[diesel(embed)]
    organization: OrganizationNames,
    signed_on: Option<NaiveDate>,
}

/// The parties of several agreements in one query, by agreement, ordered by name.
pub fn parties_of_many(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Party>>, DbError> {
    let mut by_agreement: std::collections::HashMap<Uuid, Vec<Party>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(by_agreement);
    }
    let rows: Vec<PartyRow> = agreement_parties::table
        .inner_join(organizations::table)
        .filter(agreement_parties::agreement_id.eq_any(ids.iter().copied().map(Id).collect::<Vec<_>>()))
        .select(PartyRow::as_select())
        .order(organizations::name.asc())
        .load(conn)?;
    for r in rows {
        by_agreement.entry(r.agreement_id.0).or_default().push(Party {
            organization_id: r.organization_id.0,
            name: r.organization.name,
            name_en: r.organization.name_en,
            slug: r.organization.slug,
            signed_on: r.signed_on,
        });
    }
    Ok(by_agreement)
}

pub fn parties(conn: &mut DbConnection, id: Uuid) -> Result<Vec<Party>, DbError> {
    Ok(parties_of_many(conn, &[id])?.remove(&id).unwrap_or_default())
}

/// Adds a party (unsigned) unless it is one already.
pub fn add_party(conn: &mut DbConnection, id: Uuid, organization: Uuid) -> Result<(), DbError> {
    let exists = agreement_parties::table
        .filter(agreement_parties::agreement_id.eq(Id(id)))
        .filter(agreement_parties::organization_id.eq(Id(organization)))
        .count()
        .get_result::<i64>(conn)?;
    if exists == 0 {
        diesel::insert_into(agreement_parties::table)
            .values((
                agreement_parties::agreement_id.eq(Id(id)),
                agreement_parties::organization_id.eq(Id(organization)),
                agreement_parties::signed_on.eq(None::<NaiveDate>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove_party(conn: &mut DbConnection, id: Uuid, organization: Uuid) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        agreement_parties::table
            .filter(agreement_parties::agreement_id.eq(Id(id)))
            .filter(agreement_parties::organization_id.eq(Id(organization))),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Sets or clears the day a party signed; false when it is not a party.
pub fn set_signed_on(
    conn: &mut DbConnection,
    id: Uuid,
    organization: Uuid,
    signed_on: Option<NaiveDate>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        agreement_parties::table
            .filter(agreement_parties::agreement_id.eq(Id(id)))
            .filter(agreement_parties::organization_id.eq(Id(organization))),
    )
    .set(agreement_parties::signed_on.eq(signed_on))
    .execute(conn)?;
    Ok(updated == 1)
}

#[derive(Debug, Clone)]
pub struct AgreementFilter {
    pub status: Option<AgreementStatus>,
    pub organization_id: Option<Uuid>,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

pub fn list(conn: &mut DbConnection, f: &AgreementFilter) -> Result<Page<Agreement>, DbError> {
    let mut query = agreements::table.select(Row::as_select()).into_boxed::<MultiBackend>();
    if let Some(status) = f.status {
        query = query.filter(agreements::status.eq(status.as_str()));
    }
    if let Some(org) = f.organization_id {
        query = query.filter(search::linked_to(
            "agreements",
            "agreement_parties",
            "agreement_id",
            "organization_id",
            org,
        ));
    }
    let after = crate::page::timestamp_after(&f.after)?;
    let rows: Vec<Row> = keyset!(query, agreements::created_at, agreements::id, f.direction, after)
        .limit(i64::from(f.limit) + 1)
        .load(conn)?;
    let items = rows.into_iter().map(to_agreement).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, f.limit))
}
