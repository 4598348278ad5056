//! Organization queries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hamkari_domain::organization::{Organization, OrganizationKind};
use uuid::Uuid;

use crate::actors;
use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::id_in;
use crate::page::{keyset, After, Direction, Page, SortValue};
use crate::schema::organizations::{self, dsl};
use crate::search;
use crate::sql_types::Id;

#[derive(Queryable)]
struct OrganizationRow {
    id: Id,
    name: String,
    name_en: Option<String>,
    slug: String,
    kind: String,
    description: Option<String>,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    founded_on: Option<NaiveDate>,
    name_key: String,
    search_key: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    created_by: Option<String>,
    updated_by: Option<String>,
    name_sort: String,
}

/// The names shown beside an organization's id wherever a read joins organizations.
#[derive(Queryable, Selectable)]
#[diesel(table_name = organizations, check_for_backend(MultiBackend))]
pub(crate) struct OrganizationNames {
    pub(crate) name: String,
    pub(crate) name_en: Option<String>,
    pub(crate) slug: String,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = DbError;

    fn try_from(row: OrganizationRow) -> Result<Self, DbError> {
        let kind = OrganizationKind::parse(&row.kind).map_err(|_| {
            DbError::Query(diesel::result::Error::DeserializationError(
                format!("unknown organization kind {:?}", row.kind).into(),
            ))
        })?;
        Ok(Organization {
            id: row.id.0,
            name: row.name,
            name_en: row.name_en,
            slug: row.slug,
            kind,
            description: row.description,
            website: row.website,
            email: row.email,
            phone: row.phone,
            founded_on: row.founded_on,
            created_at: row.created_at,
            updated_at: row.updated_at,
            created_by: actors::read(row.created_by)?,
            updated_by: actors::read(row.updated_by)?,
            version: row.version,
        })
    }
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct OrganizationValues<'a> {
    name: &'a str,
    name_en: Option<&'a str>,
    slug: &'a str,
    kind: &'a str,
    description: Option<&'a str>,
    website: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    founded_on: Option<NaiveDate>,
    name_key: String,
    search_key: String,
    name_sort: String,
    updated_at: NaiveDateTime,
    version: i64,
    updated_by: Option<String>,
}

impl<'a> From<&'a Organization> for OrganizationValues<'a> {
    fn from(org: &'a Organization) -> Self {
        Self {
            name: &org.name,
            name_en: org.name_en.as_deref(),
            slug: &org.slug,
            kind: org.kind.as_str(),
            description: org.description.as_deref(),
            website: org.website.as_deref(),
            email: org.email.as_deref(),
            phone: org.phone.as_deref(),
            founded_on: org.founded_on,
            name_key: org.name_key(),
            search_key: org.search_key(),
            name_sort: org.name_sort_key(),
            updated_at: org.updated_at,
            version: org.version,
            updated_by: actors::stored(org.updated_by),
        }
    }
}

pub fn insert(conn: &mut DbConnection, org: &Organization) -> Result<(), DbError> {
    diesel::insert_into(organizations::table)
        .values((
            dsl::id.eq(Id(org.id)),
            dsl::created_at.eq(org.created_at),
            dsl::created_by.eq(actors::stored(org.created_by)),
            OrganizationValues::from(org),
        ))
        .execute(conn)?;
    Ok(())
}

/// Inserts inside a savepoint: a refused insert then leaves the caller's transaction usable
/// (PostgreSQL aborts the whole transaction on any error), so the caller may try again.
pub fn try_insert(conn: &mut DbConnection, org: &Organization) -> Result<(), DbError> {
    conn.transaction(|conn| insert(conn, org))
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Organization>, DbError> {
    organizations::table
        .filter(dsl::id.eq(Id(id)))
        .first::<OrganizationRow>(conn)
        .optional()?
        .map(Organization::try_from)
        .transpose()
}

/// Writes `org` over the stored row if that row is still at `expected_version`.
/// Returns false when it is not (changed or deleted meanwhile).
pub fn update(conn: &mut DbConnection, org: &Organization, expected_version: i64) -> Result<bool, DbError> {
    let updated =
        diesel::update(organizations::table.filter(dsl::id.eq(Id(org.id)).and(dsl::version.eq(expected_version))))
            .set(OrganizationValues::from(org))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Deletes the row if it is at `expected_version`; returns whether a row went.
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i64) -> Result<bool, DbError> {
    let deleted =
        diesel::delete(organizations::table.filter(dsl::id.eq(Id(id)).and(dsl::version.eq(expected_version))))
            .execute(conn)?;
    Ok(deleted == 1)
}

/// The fields a list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationSort {
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    /// An already-normalized search key.
    pub search: Option<String>,
    pub sort: OrganizationSort,
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

impl OrganizationSort {
    /// The value of this sort field in `org`, for the next page's cursor.
    pub fn value_of(self, org: &Organization) -> SortValue {
        match self {
            Self::Name => SortValue::Text(org.name_sort_key()),
            Self::Slug => SortValue::Text(org.slug.clone()),
            Self::CreatedAt => SortValue::Timestamp(org.created_at),
            Self::UpdatedAt => SortValue::Timestamp(org.updated_at),
        }
    }
}

pub fn list(conn: &mut DbConnection, filter: &OrganizationFilter) -> Result<Page<Organization>, DbError> {
    let mut query = organizations::table.into_boxed::<MultiBackend>();
    if let Some(kind) = filter.kind {
        query = query.filter(dsl::kind.eq(kind.as_str()));
    }
    if let Some(key) = filter.search.as_deref().filter(|k| !k.is_empty()) {
        query = query.filter(search::contains(conn, "organizations", key));
    }
    let after = filter.after.as_ref().map(|a| (a.value.clone(), a.id));
    let limit = i64::from(filter.limit) + 1;
    let mismatch = || {
        DbError::Query(diesel::result::Error::QueryBuilderError(
            "cursor does not match the sort".into(),
        ))
    };
    let rows: Vec<OrganizationRow> = match filter.sort {
        OrganizationSort::Name | OrganizationSort::Slug => {
            let after = match after {
                None => None,
                Some((SortValue::Text(v), id)) => Some((v, id)),
                Some(_) => return Err(mismatch()),
            };
            if filter.sort == OrganizationSort::Name {
                keyset!(query, dsl::name_sort, dsl::id, filter.direction, after)
            } else {
                keyset!(query, dsl::slug, dsl::id, filter.direction, after)
            }
            .limit(limit)
            .load(conn)?
        }
        OrganizationSort::CreatedAt | OrganizationSort::UpdatedAt => {
            let after = match after {
                None => None,
                Some((SortValue::Timestamp(v), id)) => Some((v, id)),
                Some(_) => return Err(mismatch()),
            };
            if filter.sort == OrganizationSort::CreatedAt {
                keyset!(query, dsl::created_at, dsl::id, filter.direction, after)
            } else {
                keyset!(query, dsl::updated_at, dsl::id, filter.direction, after)
            }
            .limit(limit)
            .load(conn)?
        }
    };
    let items = rows
        .into_iter()
        .map(Organization::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, filter.limit))
}

/// Ids from `candidates` that name no organization.
pub fn missing_organizations(conn: &mut DbConnection, candidates: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Id> = organizations::table
        .filter(id_in(organizations::id, candidates))
        .select(organizations::id)
        .load(conn)?;
    Ok(candidates
        .iter()
        .copied()
        .filter(|c| !found.iter().any(|f| f.0 == *c))
        .collect())
}

/// Every organization's id, email and phone as stored, oldest first, for re-checking
/// contact details against today's rules.
pub fn contacts(conn: &mut DbConnection) -> Result<Vec<crate::members::ContactRow>, DbError> {
    let rows: Vec<crate::members::StoredContact> = organizations::table
        .filter(
            organizations::email
                .is_not_null()
                .or(organizations::phone.is_not_null()),
        )
        .select((organizations::id, organizations::email, organizations::phone))
        .order(organizations::id)
        .load(conn)?;
    Ok(rows.into_iter().map(crate::members::ContactRow::from).collect())
}

/// Every organization with its stored name, search and sort keys (there are few: associations,
/// not people), for the key rebuild in [`crate::rekey`].
pub(crate) fn with_stored_keys(conn: &mut DbConnection) -> Result<Vec<(Organization, [String; 3])>, DbError> {
    let rows: Vec<OrganizationRow> = organizations::table.order((dsl::created_at, dsl::id)).load(conn)?;
    rows.into_iter()
        .map(|row| {
            let keys = [row.name_key.clone(), row.search_key.clone(), row.name_sort.clone()];
            Ok((Organization::try_from(row)?, keys))
        })
        .collect()
}

/// Stores an organization's name, search and sort keys.
pub(crate) fn set_keys(conn: &mut DbConnection, id: Uuid, keys: &[String; 3]) -> Result<(), DbError> {
    let [name_key, search_key, name_sort] = keys;
    diesel::update(organizations::table.filter(dsl::id.eq(Id(id))))
        .set((
            dsl::name_key.eq(name_key),
            dsl::search_key.eq(search_key),
            dsl::name_sort.eq(name_sort),
        ))
        .execute(conn)?;
    Ok(())
}
