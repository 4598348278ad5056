//! Row locks that make a write wait for the one before it instead of failing its version
//! check: a client that sent no `If-Match` must never be told its precondition failed.

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::sql_types::{DbUuid, Id};

/// The tables whose rows a use case locks before it reads and changes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    Organizations,
    Members,
    Memberships,
    Projects,
    WorkingGroups,
    Users,
    ApiTokens,
}

impl Locked {
    fn table(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Members => "members",
            Self::Memberships => "memberships",
            Self::Projects => "projects",
            Self::WorkingGroups => "working_groups",
            Self::Users => "users",
            Self::ApiTokens => "api_tokens",
        }
    }
}

/// Locks one row until the transaction ends (PostgreSQL). SQLite needs nothing: a write
/// transaction there holds the whole database (`BEGIN IMMEDIATE`).
pub fn lock_row(conn: &mut DbConnection, table: Locked, id: uuid::Uuid) -> Result<(), DbError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT 1 FROM {} WHERE id = $1 FOR UPDATE", table.table()))
            .bind::<DbUuid, _>(Id(id))
            .execute(pg)?;
    }
    Ok(())
}
