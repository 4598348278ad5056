//! Substring search on a table's normalized `search_key`, through the trigram index each
//! backend has: PostgreSQL's pg_trgm GIN index serves `LIKE` directly; on SQLite the FTS5
//! trigram table `<table>_fts` answers phrases of three or more characters.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};
use hamkari_domain::text::escape_like;

use crate::connection::{DbConnection, MultiBackend};

/// A condition matching rows of `table` whose search key contains `key` (already normalized).
pub(crate) fn contains<QS>(
    conn: &DbConnection,
    table: &'static str,
    key: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    if matches!(conn, DbConnection::Sqlite(_)) && key.chars().count() >= 3 {
        let head = format!("{table}.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ");
        Box::new(sql::<Bool>(&head).bind::<Text, _>(fts_phrase(key)).sql(")"))
    } else {
        // Shorter keys have no trigrams to look up; they scan, which two characters deserve.
        let head = format!("{table}.search_key LIKE ");
        Box::new(
            sql::<Bool>(&head)
                .bind::<Text, _>(format!("%{}%", escape_like(key)))
                .sql(" ESCAPE '\\'"),
        )
    }
}

/// Quotes a key as an FTS5 phrase, so its characters are matched literally.
fn fts_phrase(key: &str) -> String {
    format!("\"{}\"", key.replace('"', "\"\""))
}

/// `<table>.id IN (SELECT <owner> FROM <link> WHERE <column> = id)`: rows linked to `id`
/// through a join table. Written as SQL because diesel cannot nest a subquery in a
/// multi-backend query; the names are constants, only `id` is bound.
pub(crate) fn linked_to<QS>(
    table: &'static str,
    link: &'static str,
    owner: &'static str,
    column: &'static str,
    id: uuid::Uuid,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let head = format!("{table}.id IN (SELECT {link}.{owner} FROM {link} WHERE {link}.{column} = ");
    Box::new(
        sql::<Bool>(&head)
            .bind::<crate::sql_types::DbUuid, _>(crate::sql_types::Id(id))
            .sql(")"),
    )
}
