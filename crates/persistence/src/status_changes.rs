//! The status steps of agreements and working groups, each with who made it and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::status_changes;
use crate::sql_types::Id;

/// One recorded step; the statuses are stored by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub id: Uuid,
    pub resource_type: &'static str,
    pub resource_id: Uuid,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: Option<String>,
    pub by_user: Option<Uuid>,
    pub by_token: Option<Uuid>,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, c: &StatusChange) -> Result<(), DbError> {
    diesel::insert_into(status_changes::table)
        .values((
            status_changes::id.eq(Id(c.id)),
            status_changes::resource_type.eq(c.resource_type),
            status_changes::resource_id.eq(Id(c.resource_id)),
            status_changes::from_status.eq(c.from),
            status_changes::to_status.eq(c.to),
            status_changes::reason.eq(&c.reason),
            status_changes::by_user.eq(c.by_user.map(Id)),
            status_changes::by_token.eq(c.by_token.map(Id)),
            status_changes::at.eq(c.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes an item's steps with the item (the table has no foreign key: two kinds).
pub fn delete_all(conn: &mut DbConnection, resource_type: &'static str, id: Uuid) -> Result<usize, DbError> {
    Ok(diesel::delete(
        status_changes::table
            .filter(status_changes::resource_type.eq(resource_type))
            .filter(status_changes::resource_id.eq(Id(id))),
    )
    .execute(conn)?)
}
