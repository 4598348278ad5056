//! Approvals of joint items by their organizations, one row per (item, organization).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::approval::{Approvable, Approval};
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::approvals;
use crate::sql_types::Id;

type Row = (
    String,
    Id,
    Id,
    Option<String>,
    Option<Id>,
    Option<Id>,
    Option<Id>,
    NaiveDateTime,
);

fn to_approval(r: Row) -> Result<Approval, DbError> {
    Ok(Approval {
        resource_type: Approvable::parse(&r.0)
            .ok_or_else(|| DbError::corrupt(format!("unexpected resource type {:?}", r.0)))?,
        resource_id: r.1 .0,
        organization_id: r.2 .0,
        note: r.3,
        resolution_id: r.4.map(|i| i.0),
        by_user: r.5.map(|i| i.0),
        by_token: r.6.map(|i| i.0),
        approved_at: r.7,
    })
}

pub fn insert(conn: &mut DbConnection, a: &Approval) -> Result<(), DbError> {
    diesel::insert_into(approvals::table)
        .values((
            approvals::resource_type.eq(a.resource_type.as_str()),
            approvals::resource_id.eq(Id(a.resource_id)),
            approvals::organization_id.eq(Id(a.organization_id)),
            approvals::note.eq(&a.note),
            approvals::resolution_id.eq(a.resolution_id.map(Id)),
            approvals::by_user.eq(a.by_user.map(Id)),
            approvals::by_token.eq(a.by_token.map(Id)),
            approvals::approved_at.eq(a.approved_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// An item's approvals, oldest first.
pub fn of(conn: &mut DbConnection, kind: Approvable, id: Uuid) -> Result<Vec<Approval>, DbError> {
    let rows: Vec<Row> = approvals::table
        .filter(approvals::resource_type.eq(kind.as_str()))
        .filter(approvals::resource_id.eq(Id(id)))
        .select((
            approvals::resource_type,
            approvals::resource_id,
            approvals::organization_id,
            approvals::note,
            approvals::resolution_id,
            approvals::by_user,
            approvals::by_token,
            approvals::approved_at,
        ))
        .order((approvals::approved_at.asc(), approvals::organization_id.asc()))
        .load(conn)?;
    rows.into_iter().map(to_approval).collect()
}

/// Withdraws one organization's approval; false when there was none.
pub fn delete(conn: &mut DbConnection, kind: Approvable, id: Uuid, organization: Uuid) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        approvals::table
            .filter(approvals::resource_type.eq(kind.as_str()))
            .filter(approvals::resource_id.eq(Id(id)))
            .filter(approvals::organization_id.eq(Id(organization))),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Deletes every approval of an item (a reset, or the item's deletion); returns how many.
pub fn delete_all(conn: &mut DbConnection, kind: Approvable, id: Uuid) -> Result<usize, DbError> {
    Ok(diesel::delete(
        approvals::table
            .filter(approvals::resource_type.eq(kind.as_str()))
            .filter(approvals::resource_id.eq(Id(id))),
    )
    .execute(conn)?)
}
