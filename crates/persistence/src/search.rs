//! Substring search on a table's normalized `search_key`, through the trigram index each
//! backend has: PostgreSQL's pg_trgm GIN index serves `LIKE` directly; on SQLite the FTS5
//! trigram table `<table>_fts` answers phrases of three or more characters.

use diesel::expression::BoxableExpression;
use diesel::sql_types::Bool;
use diesel::BoolExpressionMethods;
use hamkari_domain::text::{escape_like, query_patterns};

use crate::connection::{DbConnection, MultiBackend};
use crate::fragment::Fragment;

/// A condition matching rows of `table` whose search key contains `key` (a query key from
/// `text::query_key`), or its other spelling when its last word may be a suffix.
pub(crate) fn contains<QS: 'static>(
    conn: &DbConnection,
    table: &'static str,
    key: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let patterns = query_patterns(key);
    if matches!(conn, DbConnection::Sqlite(_)) && patterns.iter().all(|p| p.chars().count() >= 3) {
        let head = format!("{table}.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ");
        let phrases: Vec<String> = patterns.iter().map(|p| fts_phrase(p)).collect();
        Box::new(Fragment::new(head).text(phrases.join(" OR ")).sql(")"))
    } else {
        // Shorter keys have no trigrams to look up; they scan, which two characters deserve.
        let like = |pattern: &str| -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
            Box::new(
                Fragment::new(format!("{table}.search_key LIKE "))
                    .text(format!("%{}%", escape_like(pattern)))
                    .sql(" ESCAPE '\\'"),
            )
        };
        match patterns.as_slice() {
            [one] => like(one),
            [first, rest @ ..] => rest.iter().fold(like(first), |acc, p| Box::new(acc.or(like(p)))),
            [] => unreachable!("query_patterns returns the key itself"),
        }
    }
}

/// Quotes a key as an FTS5 phrase, so its characters are matched literally.
pub(crate) fn fts_phrase(key: &str) -> String {
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
    Box::new(Fragment::new(head).id(id).sql(")"))
}
