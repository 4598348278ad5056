//! Conditions written as SQL that may still be prepared once and reused.
//!
//! Some conditions need SQL that diesel cannot build across both backends (a correlated or
//! nested subquery). `diesel::dsl::sql` writes them, but diesel must assume its text could
//! be anything, so every query holding one is parsed, and on PostgreSQL planned, again on
//! every request. A [`Fragment`]'s text is built only from constants, table names and enum
//! names, never from client input, so each call site has a few shapes, and the statement
//! cache keeps one prepared statement per shape (bench/README.md has the measurement).

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Date, Text, Timestamp};
use diesel::QueryResult;
use uuid::Uuid;

use hamkari_domain::membership::MembershipRole;

use crate::connection::MultiBackend;
use crate::sql_types::{DbUuid, Id};

/// A boolean condition: SQL text with bound values between its pieces.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fragment {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    Sql(Cow<'static, str>),
    Id(Id),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
    Count(i64),
    Text(String),
}

impl Fragment {
    /// Starts with `sql`, which must not hold client text (bind that with [`Fragment::text`]).
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Self::default().sql(sql)
    }

    pub(crate) fn sql(mut self, sql: impl Into<Cow<'static, str>>) -> Self {
        self.pieces.push(Piece::Sql(sql.into()));
        self
    }

    pub(crate) fn id(mut self, id: Uuid) -> Self {
        self.pieces.push(Piece::Id(Id(id)));
        self
    }

    pub(crate) fn date(mut self, day: NaiveDate) -> Self {
        self.pieces.push(Piece::Date(day));
        self
    }

    pub(crate) fn timestamp(mut self, at: NaiveDateTime) -> Self {
        self.pieces.push(Piece::Timestamp(at));
        self
    }

    /// A number bound as a parameter (a `LIMIT`), so every value shares one statement.
    pub(crate) fn count(mut self, n: i64) -> Self {
        self.pieces.push(Piece::Count(n));
        self
    }

    /// `AND <column> IN ('a', 'b')`: the roles' names are the enum's own constants, written
    /// into the text so each set of roles is one statement. No roles match nothing.
    pub(crate) fn role_in(self, column: &str, roles: &[MembershipRole]) -> Self {
        if roles.is_empty() {
            return self.sql(" AND 1 = 0");
        }
        let names: Vec<String> = roles.iter().map(|r| format!("'{}'", r.as_str())).collect();
        self.sql(format!(" AND {column} IN ({})", names.join(", ")))
    }

    pub(crate) fn text(mut self, value: impl Into<String>) -> Self {
        self.pieces.push(Piece::Text(value.into()));
        self
    }
}

impl Expression for Fragment {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for Fragment {}

impl<QS> SelectableExpression<QS> for Fragment {}

impl<GB> ValidGrouping<GB> for Fragment {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for Fragment {
    type QueryId = ();
    // The text varies between shapes, so the cache keys it by SQL, not by type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for Fragment {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Id(id) => out.push_bind_param::<DbUuid, _>(id)?,
                Piece::Date(day) => out.push_bind_param::<Date, _>(day)?,
                Piece::Timestamp(at) => out.push_bind_param::<Timestamp, _>(at)?,
                Piece::Count(n) => out.push_bind_param::<BigInt, _>(n)?,
                Piece::Text(text) => out.push_bind_param::<Text, _>(text)?,
            }
        }
        Ok(())
    }
}

/// `column IN (ids)`, cacheable on both backends. diesel's `eq_any` writes one bind per
/// value on SQLite and so is never cached there; here the list is padded to the next power
/// of two by repeating its last id (which changes no result), so a page of up to 200 ids
/// has nine shapes.
#[derive(Debug, Clone)]
pub(crate) struct IdIn<C> {
    column: C,
    ids: Vec<Id>,
}

pub(crate) fn id_in<C>(column: C, ids: &[Uuid]) -> IdIn<C> {
    IdIn {
        column,
        ids: ids.iter().copied().map(Id).collect(),
    }
}

impl<C> Expression for IdIn<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdIn<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for IdIn<C> {}

impl<C: ValidGrouping<GB>, GB> ValidGrouping<GB> for IdIn<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryId for IdIn<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        let Some(last) = self.ids.last() else {
            out.push_sql("1 = 0");
            return Ok(());
        };
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        for i in 0..self.ids.len().next_power_of_two() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<DbUuid, _>(self.ids.get(i).unwrap_or(last))?;
        }
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::pg::Pg;
    use diesel::sqlite::Sqlite;

    use super::*;

    fn backends() -> [MultiBackend; 2] {
        [MultiBackend::Pg(Pg), MultiBackend::Sqlite(Sqlite)]
    }

    #[test]
    fn a_fragment_may_be_cached_where_a_literal_may_not() {
        let fragment = Fragment::new("x = ")
            .id(Uuid::nil())
            .sql(" AND d <= ")
            .date(NaiveDate::MIN);
        let literal = sql::<Bool>("x = ").bind::<DbUuid, _>(Id(Uuid::nil()));
        for backend in backends() {
            assert!(fragment.is_safe_to_cache_prepared(&backend).unwrap());
            assert!(!literal.is_safe_to_cache_prepared(&backend).unwrap());
        }
    }

    #[test]
    fn an_id_list_may_be_cached_where_eq_any_may_not_on_sqlite() {
        use crate::schema::members;
        use diesel::ExpressionMethods;
        let ids = [Uuid::nil(), Uuid::max(), Uuid::nil()];
        let list = id_in(members::id, &ids);
        let eq_any = members::id.eq_any(ids.map(Id));
        for backend in backends() {
            assert!(list.is_safe_to_cache_prepared(&backend).unwrap());
        }
        assert!(!eq_any.is_safe_to_cache_prepared(&MultiBackend::Sqlite(Sqlite)).unwrap());
    }
}
