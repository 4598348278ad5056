//! Approvals of joint items by their organizations, one row per (item, organization).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hamkari_domain::approval::{Approvable, Approval};
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::schema::approvals;
use crate::sql_types::Id;

#[derive(Queryable, Selectable)]
#[diesel(table_name = approvals, check_for_backend(MultiBackend))]
struct Row {
    resource_type: String,
    resource_id: Id,
    organization_id: Id,
    note: Option<String>,
    resolution_id: Option<Id>,
    by_user: Option<Id>,
    by_token: Option<Id>,
    approved_at: NaiveDateTime,
}

fn to_approval(r: Row) -> Result<Approval, DbError> {
    Ok(Approval {
        resource_type: Approvable::parse(&r.resource_type)
            .ok_or_else(|| DbError::corrupt(format!("unexpected resource type {:?}", r.resource_type)))?,
        resource_id: r.resource_id.0,
        organization_id: r.organization_id.0,
        note: r.note,
        resolution_id: r.resolution_id.map(|i| i.0),
        by_user: r.by_user.map(|i| i.0),
        by_token: r.by_token.map(|i| i.0),
        approved_at: r.approved_at,
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
        .select(Row::as_select())
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
