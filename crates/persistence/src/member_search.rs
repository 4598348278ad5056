//! Member search through whole words (migration `…_member_search_words`): every word start
//! of a member's search key is stored with the rest of the key after it (a *tail*), and
//! the key's words once each, in a vocabulary with a trigram index.
//!
//! A query key matches a stored key where it is a substring of it, as before; the words
//! only find those rows without reading every row that shares a trigram. For a query of
//! several words, the first may end a longer word and the last may begin one, but the
//! words between are whole. So an occurrence starts inside (or at) a stored word `w` that
//! ends with the first query word, and the tail at `w` then begins with `w` followed by the
//! rest of the query. The vocabulary gives the few such `w` (names repeat: there are far
//! fewer distinct words than members), and each is one B-tree range over the tails. A query
//! of one word may sit anywhere inside a stored word: every vocabulary word containing it
//! gives a range. Either way the ranges find exactly the keys containing the query.
//!
//! When the vocabulary cannot answer in a few rows (a first word under three characters,
//! which has no trigrams, or one inside hundreds of distinct words, like a run of digits),
//! or a range would reach past the stored length of a tail, the search falls back to the
//! trigram condition of [`crate::search::contains`], which gives the same rows.

use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use hamkari_domain::text::{escape_like, query_patterns};

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::fragment::Fragment;
use crate::page::{keyset_after, Direction};
use crate::schema::members;
use crate::search;
use crate::sql_types::Id;

/// How many characters of a tail are stored (the migration's `left(…, 128)`/`substr`).
const TAIL_CHARS: usize = 128;
/// Vocabulary words one query word may bring; more, and the trigram search is as good.
const MAX_WORDS: i64 = 64;

pub(crate) type Condition = Box<dyn BoxableExpression<members::table, MultiBackend, SqlType = Bool>>;

/// The condition for members whose search key contains `key` (a query key from
/// `text::query_key`), or its other spelling when its last word may be a suffix.
pub(crate) fn contains(conn: &mut DbConnection, key: &str) -> Result<Condition, DbError> {
    Ok(match prefixes(conn, key)? {
        Some(prefixes) => Box::new(tail_ranges(prefixes, false)),
        None => search::contains(conn, "members", key),
    })
}

/// The tail prefixes that find `key`, fewest first (a prefix covers every longer one it
/// begins); `None` when the vocabulary cannot answer and the trigram index must.
fn prefixes(conn: &mut DbConnection, key: &str) -> Result<Option<Vec<String>>, DbError> {
    let mut all = Vec::new();
    for pattern in query_patterns(key) {
        let (first, rest) = match pattern.split_once(' ') {
            Some((first, rest)) => (first, Some(rest)),
            None => (pattern.as_str(), None),
        };
        if first.chars().count() < 3 {
            return Ok(None);
        }
        let Some(words) = words_containing(conn, first)? else {
            return Ok(None);
        };
        for word in words {
            match rest {
                Some(rest) if word.ends_with(first) => all.push(format!("{word} {rest}")),
                Some(_) => {}
                // FTS5 matches without regard to case; a key is lower-case already, but
                // only a real substring may widen the search.
                None if word.contains(first) => all.push(word),
                None => {}
            }
        }
    }
    if all.iter().any(|p| p.chars().count() > TAIL_CHARS) {
        return Ok(None);
    }
    all.sort();
    let mut kept: Vec<String> = Vec::with_capacity(all.len());
    for prefix in all {
        // Sorted, every string beginning with a kept prefix follows it directly.
        if kept.last().is_some_and(|k| prefix.starts_with(k.as_str())) {
            continue;
        }
        kept.push(prefix);
    }
    Ok(Some(kept))
}

/// Vocabulary words containing `part` (three or more characters), or `None` when there are
/// more than [`MAX_WORDS`]. Built with the query builder, so each backend prepares the
/// statement once per connection: as `sql_query` text it was parsed, and on PostgreSQL
/// planned, again on every search (bench/README.md, log).
fn words_containing(conn: &mut DbConnection, part: &str) -> Result<Option<Vec<String>>, DbError> {
    let words: Vec<String> = match conn {
        DbConnection::Pg(_) => member_search_words::table
            .select(member_search_words::word)
            .filter(
                Fragment::new("member_search_words.word LIKE ")
                    .text(format!("%{}%", escape_like(part)))
                    .sql(" ESCAPE '\\'"),
            )
            .limit(MAX_WORDS + 1)
            .load(conn)?,
        DbConnection::Sqlite(_) => member_search_words_fts::table
            .select(member_search_words_fts::word)
            .filter(Fragment::new("member_search_words_fts MATCH ").text(search::fts_phrase(part)))
            .limit(MAX_WORDS + 1)
            .load(conn)?,
    };
    if words.len() as i64 > MAX_WORDS {
        return Ok(None);
    }
    Ok(Some(words))
}

/// The least string above every string that begins with `prefix` (in code point order,
/// which is the byte order both backends compare tails in), or `None` when nothing is.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

diesel::table! {
    /// Every word of the members' search keys once (written only by the triggers of
    /// migration `…_member_search_words`; the table has no key of its own).
    member_search_words (word) {
        word -> Text,
    }
}

diesel::table! {
    /// SQLite's FTS5 trigram index of [`member_search_words`], a virtual table.
    member_search_words_fts (rowid) {
        rowid -> BigInt,
        word -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::DbUuid;

    /// Written only by the triggers of migration `…_member_search_words`.
    member_search_tails (member_id, tail) {
        member_id -> DbUuid,
        tail -> Text,
        member_created_at -> Timestamp,
    }
}

/// Most matches [`matches`] sorts itself; a query matching more walks creation order and
/// probes each member (dense matches fill a page soon).
const MAX_SORTED_MATCHES: usize = 2000;

/// How a search alone, in creation order, finds its page.
pub(crate) enum Matches {
    /// Every match after the cursor (at most [`MAX_SORTED_MATCHES`]), in the page's order:
    /// the page is their first entries.
    Sorted(Vec<(NaiveDateTime, Id)>),
    /// More than that: the condition that asks one member's tails, for a walk through the
    /// members in creation order. Matches that common fill a page within a few thousand
    /// members whatever the table's size, where sorting them all would grow with it.
    Dense(Condition),
    /// The vocabulary cannot answer; the general query's trigram condition must.
    Unanswered,
}

/// How to find the members whose search key contains `key` after the cursor, in creation
/// order (see [`Matches`]). Each range of tails is its own query, read from the tails index
/// alone (tail, member's creation time, member): OR'ed ranges PostgreSQL reads as a bitmap
/// over the table's rows.
pub(crate) fn matches(
    conn: &mut DbConnection,
    key: &str,
    direction: Direction,
    after: Option<(NaiveDateTime, Uuid)>,
) -> Result<Matches, DbError> {
    let Some(prefixes) = prefixes(conn, key)? else {
        return Ok(Matches::Unanswered);
    };
    let mut rows: Vec<(NaiveDateTime, Id)> = Vec::new();
    for prefix in &prefixes {
        let room = MAX_SORTED_MATCHES + 1 - rows.len();
        rows.extend(matches_of_range(conn, prefix, direction, after, room)?);
        if rows.len() > MAX_SORTED_MATCHES {
            return Ok(Matches::Dense(Box::new(tail_ranges(prefixes, true))));
        }
    }
    rows.sort_by_key(|(at, id)| (*at, id.0));
    // A key holding the query twice, or in two ranges, has two tails that match.
    rows.dedup_by(|a, b| a.1 .0 == b.1 .0 && a.0 == b.0);
    if direction == Direction::Desc {
        rows.reverse();
    }
    Ok(Matches::Sorted(rows))
}

/// At most `limit` tails beginning with `prefix` after the cursor, as (creation time, member).
fn matches_of_range(
    conn: &mut DbConnection,
    prefix: &str,
    direction: Direction,
    after: Option<(NaiveDateTime, Uuid)>,
    limit: usize,
) -> Result<Vec<(NaiveDateTime, Id)>, DbError> {
    let mut query = member_search_tails::table
        .select((member_search_tails::member_created_at, member_search_tails::member_id))
        .filter(member_search_tails::tail.ge(prefix.to_owned()))
        .into_boxed::<MultiBackend>();
    if let Some(upper) = successor(prefix) {
        query = query.filter(member_search_tails::tail.lt(upper));
    }
    // Sorted by the caller: the index gives this range's entries in tail order.
    let query = keyset_after!(
        query,
        member_search_tails::member_created_at,
        member_search_tails::member_id,
        direction,
        after
    );
    Ok(query.limit(limit as i64).load(conn)?)
}

/// Members with a tail in one of the ranges, written two ways. As a set: `members.id IN
/// (SELECT member_id FROM member_search_tails WHERE <ranges>)`, one subquery for all the
/// ranges, so the planner reads the tails once and joins. As a probe: `(SELECT 1 FROM
/// member_search_tails WHERE member_id = members.id AND (<ranges>) LIMIT 1) = 1`, asked of
/// each member in turn from the index (member, tail). A scalar subquery is never turned
/// into a join, so a walk in creation order stays a walk: PostgreSQL, guessing one match
/// for a range with twenty thousand at 1m, joined them all and sorted (221 ms, against
/// 10 ms for the walk; bench/README.md, log).
fn tail_ranges(prefixes: Vec<String>, probe: bool) -> Fragment {
    let mut condition = Fragment::new(if probe {
        "(SELECT 1 FROM member_search_tails WHERE member_search_tails.member_id = members.id AND ("
    } else {
        "members.id IN (SELECT member_search_tails.member_id FROM member_search_tails WHERE ("
    });
    if prefixes.is_empty() {
        condition = condition.sql("1 = 0");
    }
    for (i, prefix) in prefixes.into_iter().enumerate() {
        if i > 0 {
            condition = condition.sql(" OR ");
        }
        let upper = successor(&prefix);
        condition = condition.sql("(member_search_tails.tail >= ").text(prefix);
        if let Some(upper) = upper {
            condition = condition.sql(" AND member_search_tails.tail < ").text(upper);
        }
        condition = condition.sql(")");
    }
    condition.sql(if probe { ") LIMIT 1) = 1" } else { "))" })
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn successor_bounds_every_continuation() {
        assert_eq!(successor("abc").as_deref(), Some("abd"));
        assert_eq!(successor("رضا").as_deref(), Some("رضب"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{10FFFF}"), None);
        let (from, to) = ("رضا حسینی", successor("رضا حسینی").unwrap_or_default());
        for longer in ["رضا حسینی", "رضا حسینیزاده", "رضا حسینی 0012"] {
            assert!(longer >= from && longer < to.as_str(), "{longer}");
        }
        for outside in ["رضا حسین", "رضا حسیو", "رضایی"] {
            assert!(!(outside >= from && outside < to.as_str()), "{outside}");
        }
    }
}
