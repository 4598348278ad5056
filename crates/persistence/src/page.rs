//! Keyset pagination: a page starts strictly after the last row of the previous one.

use chrono::NaiveDateTime;
use uuid::Uuid;

pub use hamkari_domain::page::Direction;

/// The sort key of the last row a client saw.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Text(String),
    Timestamp(NaiveDateTime),
}

/// Where the next page starts: after this sort value, ties broken by id.
#[derive(Debug, Clone, PartialEq)]
pub struct After {
    pub value: SortValue,
    pub id: Uuid,
}

/// The cursor's creation time and id, for a list in creation order; a cursor of another
/// sort is refused (the HTTP layer checks the sort name first, so this is corruption).
pub fn timestamp_after(after: &Option<After>) -> Result<Option<(NaiveDateTime, Uuid)>, crate::error::DbError> {
    match after {
        None => Ok(None),
        Some(After {
            value: SortValue::Timestamp(at),
            id,
        }) => Ok(Some((*at, *id))),
        Some(_) => Err(mismatch()),
    }
}

/// The cursor's text sort key and id, for a list sorted by a name.
pub fn text_after(after: &Option<After>) -> Result<Option<(String, Uuid)>, crate::error::DbError> {
    match after {
        None => Ok(None),
        Some(After {
            value: SortValue::Text(text),
            id,
        }) => Ok(Some((text.clone(), *id))),
        Some(_) => Err(mismatch()),
    }
}

fn mismatch() -> crate::error::DbError {
    crate::error::DbError::corrupt("cursor does not match the sort".into())
}

/// One page of rows and whether more follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Splits off the extra row fetched to learn whether another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u32) -> Self {
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Self { items: rows, has_more }
    }
}

/// Applies `(column, id) > (value, after_id)` (or `<` when descending) to a boxed query:
/// the rows after the cursor, in no particular order.
macro_rules! keyset_after {
    ($query:expr, $column:expr, $id:expr, $direction:expr, $after:expr) => {{
        let mut query = $query;
        if let Some((value, after_id)) = $after {
            let after_id = $crate::sql_types::Id(after_id);
            query = match $direction {
                // The plain bound first: it is what lets an index start at the cursor (an OR
                // alone is only a filter, read from the start of the range).
                $crate::page::Direction::Asc => query
                    .filter($column.ge(value.clone()))
                    .filter($column.gt(value.clone()).or($column.eq(value).and($id.gt(after_id)))),
                $crate::page::Direction::Desc => query
                    .filter($column.le(value.clone()))
                    .filter($column.lt(value.clone()).or($column.eq(value).and($id.lt(after_id)))),
            };
        }
        query
    }};
}
pub(crate) use keyset_after;

/// [`keyset_after`] and the matching `ORDER BY`.
macro_rules! keyset {
    ($query:expr, $column:expr, $id:expr, $direction:expr, $after:expr) => {{
        let query = $crate::page::keyset_after!($query, $column, $id, $direction, $after);
        match $direction {
            $crate::page::Direction::Asc => query.order(($column.asc(), $id.asc())),
            $crate::page::Direction::Desc => query.order(($column.desc(), $id.desc())),
        }
    }};
}
pub(crate) use keyset;
