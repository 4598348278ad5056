//! Content negotiation for lists, and the one streamed export every list uses.
//!
//! A list answers `application/json` (a page, the default), `text/csv` or
//! `application/x-ndjson`. The two export forms carry every item the filters select, read
//! page by page along the keyset (`limit`/`cursor` only say where it starts), so memory
//! stays one page whatever the size, and the first bytes leave after the first page.
//!
//! CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Persian text), a header
//! row, one line per item, nested values flattened as [`CsvLine`] says; a cell that a
//! spreadsheet program would run as a formula gets a leading `'` (`spreadsheet::guard`,
//! which the importer undoes). NDJSON: each item's JSON body on a line of its own.
//!
//! `listing::respond` answers a keyset list in any of the three forms; [`whole`] exports a
//! list that is answered in one piece.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;
use hamkari_app::{AppError, DbConnection};
use hamkari_domain::spreadsheet;
use serde::Serialize;
use serde_json::Value;

use crate::dates::DateScope;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

pub const NDJSON: &str = "application/x-ndjson";
pub const CSV: &str = "text/csv";

/// Items read per query while streaming.
pub const STREAM_PAGE: u32 = 500;

/// What the client asked a list for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    Csv,
    Ndjson,
}

impl Representation {
    /// Reads `Accept` (quality values honoured, the first of equal ones preferred); none
    /// means JSON; nothing we can answer is a 406.
    pub fn negotiate(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(accept) = req.headers().get(header::ACCEPT) else {
            return Ok(Self::Json);
        };
        let accept = accept.to_str().unwrap_or("");
        if accept.trim().is_empty() {
            return Ok(Self::Json);
        }
        let mut best: Option<(Self, f32)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let found = match range.as_str() {
                "application/json" | "application/*" | "*/*" | "application/problem+json" => Self::Json,
                "text/csv" | "text/*" => Self::Csv,
                NDJSON => Self::Ndjson,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(_, top)| q > top) {
                best = Some((found, q));
            }
        }
        best.map(|(found, _)| found).ok_or_else(|| {
            ApiError::NotAcceptable(format!(
                "This list is available as application/json, {CSV} or {NDJSON}; the Accept header allows none of them."
            ))
        })
    }
}

/// An exportable list item: which of its JSON fields are CSV columns, in order.
///
/// A column is a path into the item's JSON (`member.full_name`: field `full_name` of the
/// object `member`); its header is the path with `_` for `.` (`member_full_name`). The
/// flattening, the same for every list:
/// - a string is written as it is, a number or boolean as JSON writes it, an absent or null
///   value as an empty cell; days in the request's calendar, times in RFC 3339;
/// - a list of values is one cell, the values joined by `;`;
/// - a path through a list takes the field from every element, in order, joined by `;`
///   (`organizations.id`: `id₁;id₂`), an element without it as an empty value, so two such
///   columns of the same list line up;
/// - a path that ends at an object, or a list of objects, is its JSON text.
pub trait CsvLine: Serialize {
    const COLUMNS: &'static [&'static str];
}

/// The header row of `B`'s CSV.
fn header_row<B: CsvLine>() -> Vec<String> {
    B::COLUMNS.iter().map(|path| path.replace('.', "_")).collect()
}

/// An item's cells, in its columns' order.
fn cells<B: CsvLine>(item: &B) -> Vec<String> {
    let json = serde_json::to_value(item).unwrap_or(Value::Null);
    B::COLUMNS.iter().map(|path| cell_at(&json, path)).collect()
}

/// The cell a column path reads from an item's JSON.
fn cell_at(item: &Value, path: &str) -> String {
    let mut found = vec![item];
    for key in path.split('.') {
        let mut next = Vec::with_capacity(found.len());
        for value in found {
            match value {
                Value::Array(elements) => {
                    next.extend(elements.iter().map(|e| e.get(key).unwrap_or(&Value::Null)));
                }
                other => next.push(other.get(key).unwrap_or(&Value::Null)),
            }
        }
        found = next;
    }
    let mut parts = Vec::new();
    for value in found {
        match value {
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                parts.extend(items.iter().map(scalar));
            }
            other => parts.push(scalar(other)),
        }
    }
    parts.join(";")
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One page of an export: its items and the query for the page after it, if any.
pub type Pages<Q, B> = (Vec<B>, Option<Q>);

/// Streams every item a list's filter selects as CSV or NDJSON. `fetch` reads one page (it
/// runs the list's use case, so visibility and authorization are the list's own) and says
/// which query follows. The first page is read before answering, so a refused or invalid
/// request still gets its problem status; a failure later ends the body early (logged).
pub async fn stream<Q, B, F>(
    state: web::Data<AppState>,
    representation: Representation,
    first: Q,
    fetch: F,
) -> Result<HttpResponse, ApiError>
where
    Q: Send + 'static,
    B: CsvLine + Send + 'static,
    F: Fn(&mut DbConnection, Q) -> Result<Pages<Q, B>, AppError> + Clone + Send + 'static,
{
    let read = {
        let fetch = fetch.clone();
        move |conn: &mut DbConnection| fetch(conn, first)
    };
    let (items, next) = db::run(&state.db, read).await?;
    let dates = DateScope::current();
    let mut head = Vec::new();
    if representation == Representation::Csv {
        head.extend_from_slice("\u{FEFF}".as_bytes());
        write_csv(&mut head, &[header_row::<B>()]);
    }
    head.extend(dates.run(|| render(representation, &items)));
    let first_chunk = stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(head)) });
    let rest = stream::unfold(next, move |next| {
        let state = state.clone();
        let fetch = fetch.clone();
        async move {
            let query = next?;
            match db::run(&state.db, move |conn| fetch(conn, query)).await {
                Ok((items, following)) => Some((
                    Ok::<_, actix_web::Error>(web::Bytes::from(dates.run(|| render(representation, &items)))),
                    following,
                )),
                Err(err) => {
                    // Headers are gone already: end the stream early and log why; a client
                    // sees a short body, never a mixed one.
                    tracing::warn!(error = %err, "export stream ended early");
                    None
                }
            }
        }
    });
    let content_type = match representation {
        Representation::Csv => "text/csv; charset=utf-8",
        _ => NDJSON,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(futures_util::StreamExt::chain(first_chunk, rest)))
}

/// Exports a list that is read in one piece (a meeting's attendees, an item's approvals):
/// `read` runs its use case once.
pub async fn whole<B, F>(
    state: web::Data<AppState>,
    representation: Representation,
    read: F,
) -> Result<HttpResponse, ApiError>
where
    B: CsvLine + Send + 'static,
    F: Fn(&mut DbConnection) -> Result<Vec<B>, AppError> + Clone + Send + 'static,
{
    stream(state, representation, (), move |conn, ()| Ok((read(conn)?, None))).await
}

fn render<B: CsvLine>(representation: Representation, items: &[B]) -> Vec<u8> {
    let mut out = Vec::new();
    match representation {
        Representation::Csv => write_csv(&mut out, &items.iter().map(cells).collect::<Vec<_>>()),
        _ => {
            for item in items {
                if serde_json::to_writer(&mut out, item).is_ok() {
                    out.push(b'\n');
                }
            }
        }
    }
    out
}

fn write_csv(out: &mut Vec<u8>, lines: &[Vec<String>]) {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    for line in lines {
        if let Err(err) = writer.write_record(line.iter().map(|cell| spreadsheet::guard(cell).into_owned())) {
            tracing::warn!(error = %err, "a CSV line could not be written");
        }
    }
    let _ = writer.flush();
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn negotiate(accept: &str) -> Option<Representation> {
        Representation::negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT, accept))
                .to_http_request(),
        )
        .ok()
    }

    #[test]
    fn accept_picks_the_best_representation() {
        assert_eq!(negotiate("text/csv"), Some(Representation::Csv));
        assert_eq!(
            negotiate("application/x-ndjson, application/json;q=0.5"),
            Some(Representation::Ndjson)
        );
        assert_eq!(negotiate("text/csv;q=0.2, */*;q=0.9"), Some(Representation::Json));
        assert_eq!(negotiate("image/png"), None);
        assert_eq!(negotiate("text/csv;q=0"), None);
        assert_eq!(negotiate(""), Some(Representation::Json));
    }

    #[test]
    fn nested_values_flatten_one_way() {
        let item = serde_json::json!({
            "id": 7,
            "name": "انجمن",
            "note": null,
            "done": true,
            "organization_ids": ["a", "b"],
            "created_by": {"type": "user", "id": "u1"},
            "organizations": [{"id": "a", "name": "اول"}, {"id": "b"}],
            "memberships": [{"roles": ["x", "y"]}, {"roles": ["z"]}],
            "before": {"k": 1},
            "votes": [{"v": 1}],
        });
        let at = |path| cell_at(&item, path);
        assert_eq!(at("id"), "7");
        assert_eq!(at("name"), "انجمن");
        assert_eq!(at("note"), "");
        assert_eq!(at("absent"), "");
        assert_eq!(at("done"), "true");
        assert_eq!(at("organization_ids"), "a;b");
        assert_eq!(at("created_by.type"), "user");
        assert_eq!(at("organizations.id"), "a;b");
        assert_eq!(
            at("organizations.name"),
            "اول;",
            "positions line up with organizations.id"
        );
        assert_eq!(at("memberships.roles"), "x;y;z");
        assert_eq!(at("before"), r#"{"k":1}"#);
        assert_eq!(at("votes"), r#"[{"v":1}]"#);
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_quoted() {
        let mut out = Vec::new();
        write_csv(&mut out, &[vec!["+989121234567".into(), "=1+1".into(), "علی".into()]]);
        assert_eq!(String::from_utf8(out).unwrap(), "'+989121234567,'=1+1,علی\r\n");
    }
}
