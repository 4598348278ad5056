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
    Meetings,
    ActionItems,
    Agreements,
    Capacities,
    Accreditations,
    CapacityRequests,
    Users,
    ApiTokens,
    Webhooks,
}

impl Locked {
    fn table(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Members => "members",
            Self::Memberships => "memberships",
            Self::Projects => "projects",
            Self::WorkingGroups => "working_groups",
            Self::Meetings => "meetings",
            Self::ActionItems => "action_items",
            Self::Agreements => "agreements",
            Self::Capacities => "capacities",
            Self::Accreditations => "accreditations",
            Self::CapacityRequests => "capacity_requests",
            Self::Users => "users",
            Self::ApiTokens => "api_tokens",
            Self::Webhooks => "webhooks",
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

/// Serializes every change to users until the transaction ends (PostgreSQL; SQLite's write
/// transactions are serial already). Row locks are not enough for "an active administrator
/// remains": two administrators demoting each other lock two different rows, both count two
/// admins, and both succeed. Changes to users are rare, so one lock for all costs nothing.
pub fn lock_user_changes(conn: &mut DbConnection) -> Result<(), DbError> {
    /// An arbitrary key, fixed so every instance takes the same lock ("hamkari users").
    const USERS: i64 = 0x6861_6d6b_7573_6572;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(USERS)
            .execute(pg)?;
    }
    Ok(())
}
