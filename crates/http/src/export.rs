//! Content negotiation for lists, and the one streamed export every list uses.
//!
//! A list answers `application/json` (a page, the default), `text/csv` or
//! `application/x-ndjson`. The two export forms carry every item the filters select, read
//! page by page along the keyset (`limit`/`cursor` only say where it starts), so memory
//! stays one page whatever the size, and the first bytes leave after the first page.
//!
//! CSV: UTF-8 with a byte-order mark (so spreadsheet programs read Persian text), a header
//! row, one line per item. A nested list is flattened to its values joined by `;`, a nested
//! object to its JSON text, absent values to an empty cell, times to RFC 3339.

use crate::dates::DateScope;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;
use hamkari_app::{AppError, DbConnection};
use serde::Serialize;

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

/// An item as a CSV line: the header names its columns, `cells` gives them in that order.
pub trait CsvLine {
    const HEADER: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// An optional value as a cell.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A nested list as one cell: values joined by `;`.
pub fn joined<T: ToString>(values: &[T]) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(";")
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
    B: Serialize + CsvLine + Send + 'static,
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
        write_csv(&mut head, &[B::HEADER.iter().map(|h| (*h).to_owned()).collect()]);
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

fn render<B: Serialize + CsvLine>(representation: Representation, items: &[B]) -> Vec<u8> {
    let mut out = Vec::new();
    match representation {
        Representation::Csv => write_csv(&mut out, &items.iter().map(CsvLine::cells).collect::<Vec<_>>()),
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
        if let Err(err) = writer.write_record(line) {
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
}
