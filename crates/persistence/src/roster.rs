//! Rosters: the people on a project's team and in a working group. Both are the same
//! table shape (parent, member, represented organization, role, added at) with another
//! parent column and role type, so their queries are written once, here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::project::TeamRole;
use hamkari_domain::validation::FieldProblem;
use hamkari_domain::working_group::GroupRole;
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::page::{keyset, Direction, Page};
use crate::schema::{members, project_members, working_group_members};
use crate::sql_types::Id;

/// A role a roster stores by name.
pub trait RosterRole: Copy + Eq + std::fmt::Debug + Send + 'static {
    fn name(self) -> &'static str;
    fn from_name(raw: &str) -> Result<Self, FieldProblem>;
}

impl RosterRole for TeamRole {
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn from_name(raw: &str) -> Result<Self, FieldProblem> {
        Self::parse(raw)
    }
}

impl RosterRole for GroupRole {
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn from_name(raw: &str) -> Result<Self, FieldProblem> {
        Self::parse(raw)
    }
}

/// A person on a roster, with their names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<R> {
    pub member_id: Uuid,
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// The organization the person represents; one of the parent's.
    pub organization_id: Uuid,
    pub role: R,
    pub created_at: NaiveDateTime,
}

/// Where a roster page starts: after this (added at, member id).
pub type RosterAfter = (NaiveDateTime, Uuid);

/// One roster table. Entries are ordered by when they were added, then by member id.
pub trait Roster: Send + 'static {
    type Role: RosterRole;

    /// Up to `limit` entries after `after`; `None` for every entry (rule checks).
    fn page(
        conn: &mut DbConnection,
        parent: Uuid,
        after: Option<RosterAfter>,
        limit: Option<u32>,
    ) -> Result<Page<Entry<Self::Role>>, DbError>;

    fn find(conn: &mut DbConnection, parent: Uuid, member: Uuid) -> Result<Option<Entry<Self::Role>>, DbError>;

    /// Whether anyone on the roster represents `organization`.
    fn represents(conn: &mut DbConnection, parent: Uuid, organization: Uuid) -> Result<bool, DbError>;

    fn add(conn: &mut DbConnection, parent: Uuid, entry: &Entry<Self::Role>) -> Result<(), DbError>;

    /// Changes the represented organization and role; false when the person is not on it.
    fn update(conn: &mut DbConnection, parent: Uuid, entry: &Entry<Self::Role>) -> Result<bool, DbError>;

    fn remove(conn: &mut DbConnection, parent: Uuid, member: Uuid) -> Result<bool, DbError>;

    /// Every entry of the parent, for rules that look at the whole roster.
    fn all(conn: &mut DbConnection, parent: Uuid) -> Result<Vec<Entry<Self::Role>>, DbError> {
        Ok(Self::page(conn, parent, None, None)?.items)
    }
}

type EntryRow = (Id, String, Option<String>, Id, String, NaiveDateTime);

fn to_entry<R: RosterRole>(r: EntryRow) -> Result<Entry<R>, DbError> {
    Ok(Entry {
        member_id: r.0 .0,
        full_name: r.1,
        full_name_en: r.2,
        organization_id: r.3 .0,
        role: R::from_name(&r.4).map_err(|_| DbError::corrupt(format!("unexpected roster role {:?}", r.4)))?,
        created_at: r.5,
    })
}

/// The project team.
pub struct ProjectTeam;

/// A working group's members.
pub struct GroupMembers;

/// Implements [`Roster`] for one table: diesel needs the table and parent column as
/// concrete types, which a generic function cannot name; the body is the same for each.
macro_rules! roster_table {
    ($name:ty, $table:ident, $parent:ident, $role:ty) => {
        impl Roster for $name {
            type Role = $role;

            fn page(
                conn: &mut DbConnection,
                parent: Uuid,
                after: Option<RosterAfter>,
                limit: Option<u32>,
            ) -> Result<Page<Entry<$role>>, DbError> {
                let query = $table::table
                    .inner_join(members::table)
                    .filter($table::$parent.eq(Id(parent)))
                    .select((
                        $table::member_id,
                        members::full_name,
                        members::full_name_en,
                        $table::organization_id,
                        $table::role,
                        $table::created_at,
                    ))
                    .into_boxed::<MultiBackend>();
                let mut query = keyset!(
                    query,
                    $table::created_at,
                    $table::member_id,
                    Direction::Asc,
                    after
                );
                if let Some(limit) = limit {
                    query = query.limit(i64::from(limit) + 1);
                }
                let rows: Vec<EntryRow> = query.load(conn)?;
                let items = rows.into_iter().map(to_entry).collect::<Result<Vec<_>, _>>()?;
                Ok(match limit {
                    Some(limit) => Page::from_rows(items, limit),
                    None => Page {
                        items,
                        has_more: false,
                    },
                })
            }

            fn find(conn: &mut DbConnection, parent: Uuid, member: Uuid) -> Result<Option<Entry<$role>>, DbError> {
                let row: Option<EntryRow> = $table::table
                    .inner_join(members::table)
                    .filter($table::$parent.eq(Id(parent)))
                    .filter($table::member_id.eq(Id(member)))
                    .select((
                        $table::member_id,
                        members::full_name,
                        members::full_name_en,
                        $table::organization_id,
                        $table::role,
                        $table::created_at,
                    ))
                    .first(conn)
                    .optional()?;
                row.map(to_entry).transpose()
            }

            fn represents(conn: &mut DbConnection, parent: Uuid, organization: Uuid) -> Result<bool, DbError> {
                let count: i64 = $table::table
                    .filter($table::$parent.eq(Id(parent)))
                    .filter($table::organization_id.eq(Id(organization)))
                    .count()
                    .get_result(conn)?;
                Ok(count > 0)
            }

            fn add(conn: &mut DbConnection, parent: Uuid, e: &Entry<$role>) -> Result<(), DbError> {
                diesel::insert_into($table::table)
                    .values((
                        $table::$parent.eq(Id(parent)),
                        $table::member_id.eq(Id(e.member_id)),
                        $table::organization_id.eq(Id(e.organization_id)),
                        $table::role.eq(e.role.name()),
                        $table::created_at.eq(e.created_at),
                    ))
                    .execute(conn)?;
                Ok(())
            }

            fn update(conn: &mut DbConnection, parent: Uuid, e: &Entry<$role>) -> Result<bool, DbError> {
                let updated = diesel::update(
                    $table::table
                        .filter($table::$parent.eq(Id(parent)))
                        .filter($table::member_id.eq(Id(e.member_id))),
                )
                .set((
                    $table::organization_id.eq(Id(e.organization_id)),
                    $table::role.eq(e.role.name()),
                ))
                .execute(conn)?;
                Ok(updated == 1)
            }

            fn remove(conn: &mut DbConnection, parent: Uuid, member: Uuid) -> Result<bool, DbError> {
                let deleted = diesel::delete(
                    $table::table
                        .filter($table::$parent.eq(Id(parent)))
                        .filter($table::member_id.eq(Id(member))),
                )
                .execute(conn)?;
                Ok(deleted == 1)
            }
        }
    };
}

roster_table!(ProjectTeam, project_members, project_id, TeamRole);
roster_table!(GroupMembers, working_group_members, group_id, GroupRole);
