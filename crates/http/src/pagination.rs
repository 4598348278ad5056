//! Opaque list cursors and the `Link: rel="next"` header.
//!
//! A cursor is base64url JSON naming the sort it belongs to, the last row's sort value
//! and id; a cursor from another sort is refused rather than silently misread.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use hamkari_app::{After, SortValue};
use hamkari_domain::page::{parse_sort, Direction, Limit};
use hamkari_domain::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::query_error;

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// The `sort` parameter the cursor was made for.
    s: String,
    /// Text sort value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<String>,
    /// Timestamp sort value, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ts: Option<DateTime<Utc>>,
    id: Uuid,
}

pub fn encode(sort: &str, after: &After) -> String {
    let (t, ts) = match &after.value {
        SortValue::Text(v) => (Some(v.clone()), None),
        SortValue::Timestamp(v) => (None, Some(v.and_utc())),
    };
    let body = CursorBody {
        s: sort.to_owned(),
        t,
        ts,
        id: after.id,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

/// The syntax of every cursor: unpadded base64url, as the OpenAPI document states.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]{1,1024}$";

fn cursor_shaped(cursor: &str) -> bool {
    (1..=1024).contains(&cursor.len())
        && cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Decodes a cursor made for `sort`; `timestamp` says which kind of value that sort has.
pub fn decode(cursor: &str, sort: &str, timestamp: bool) -> Result<After, ApiError> {
    // Not cursor-shaped at all is a malformed request (400); cursor-shaped but not one this
    // list issued for this sort is well-formed yet unusable (422).
    if !cursor_shaped(cursor) {
        return Err(query_error(
            "cursor",
            "invalid_cursor",
            "must be a next_cursor value returned by this list",
        ));
    }
    let invalid =
        |why: &str| ApiError::Validation(ValidationErrors(vec![FieldError::new("cursor", "invalid_cursor", why)]));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid("is not a cursor returned by this list"))?;
    let body: CursorBody =
        serde_json::from_slice(&bytes).map_err(|_| invalid("is not a cursor returned by this list"))?;
    if body.s != sort {
        return Err(invalid(
            "was made for another sort order; keep the same sort while paging",
        ));
    }
    let value = match (timestamp, body.t, body.ts) {
        (false, Some(t), None) => SortValue::Text(t),
        (true, None, Some(ts)) => SortValue::Timestamp(ts.naive_utc()),
        _ => return Err(invalid("is not a cursor returned by this list")),
    };
    Ok(After { value, id: body.id })
}

/// A page of items as every list answers it.
#[derive(Serialize, ToSchema)]
pub struct ListPage<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Adds `Link: <…?cursor=…>; rel="next"`, keeping the request's other parameters.
pub fn link_next(builder: &mut HttpResponseBuilder, req: &HttpRequest, next_cursor: Option<&str>) {
    let Some(cursor) = next_cursor else { return };
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key != "cursor" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("cursor", cursor);
    let link = format!("<{}?{}>; rel=\"next\"", req.path(), query.finish());
    if let Ok(value) = HeaderValue::from_str(&link) {
        builder.insert_header((header::LINK, value));
    }
}

/// RFC 3339 UTC rendering of the naive UTC timestamps we store.
pub fn utc(ts: NaiveDateTime) -> DateTime<Utc> {
    ts.and_utc()
}

/// A list's paging parameters, checked: sort field and direction, page size, cursor.
pub struct Paging<F> {
    pub sort: F,
    /// The `sort` parameter as given (or defaulted); cursors are tied to it.
    pub sort_name: String,
    pub direction: Direction,
    pub limit: u32,
    pub after: Option<After>,
}

impl<F: Copy> Paging<F> {
    /// Parses `sort` (one of `fields`, `-` for descending; `default` when absent), `limit`
    /// and `cursor`. `is_timestamp` tells which fields sort by time, to decode cursors.
    pub fn parse(
        sort: Option<String>,
        default: &str,
        fields: &[(&str, F)],
        is_timestamp: impl Fn(F) -> bool,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<Self, ApiError> {
        let sort_name = sort.unwrap_or_else(|| default.to_owned());
        let (sort, direction) = parse_sort(&sort_name, fields).map_err(|p| query_error("sort", p.code, p.message))?;
        let limit = Limit::parse(limit)
            .map_err(|p| query_error("limit", p.code, p.message))?
            .get();
        let after = cursor.map(|c| decode(&c, &sort_name, is_timestamp(sort))).transpose()?;
        Ok(Self {
            sort,
            sort_name,
            direction,
            limit,
            after,
        })
    }
}

/// Paging for lists ordered by creation time only (`created_at` or `-created_at`).
pub fn by_creation(sort: Option<String>, limit: Option<u32>, cursor: Option<String>) -> Result<Paging<()>, ApiError> {
    Paging::parse(sort, "created_at", &[("created_at", ())], |()| true, limit, cursor)
}

/// Where the next page starts, when one follows `last`.
pub fn next_after<T>(has_more: bool, last: Option<&T>, key: impl FnOnce(&T) -> After) -> Option<After> {
    match (has_more, last) {
        (true, Some(last)) => Some(key(last)),
        _ => None,
    }
}

/// The position after a row of a creation-ordered list.
pub fn after_created(created_at: NaiveDateTime, id: Uuid) -> After {
    After {
        value: SortValue::Timestamp(created_at),
        id,
    }
}

/// Answers one page: the items, `next_cursor`, and the `Link: rel="next"` header.
pub fn respond<T: Serialize + ToSchema>(
    req: &HttpRequest,
    sort_name: &str,
    items: Vec<T>,
    next: Option<After>,
) -> HttpResponse {
    let next_cursor = next.map(|after| encode(sort_name, &after));
    let mut response = HttpResponse::Ok();
    link_next(&mut response, req, next_cursor.as_deref());
    response.json(ListPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let after = After {
            value: SortValue::Text("علی".into()),
            id: Uuid::now_v7(),
        };
        let cursor = encode("-name", &after);
        assert_eq!(decode(&cursor, "-name", false).unwrap(), after);
        assert!(decode(&cursor, "name", false).is_err());
        assert!(decode(&cursor, "-name", true).is_err());
        assert!(decode("not a cursor", "name", false).is_err());
        assert!(decode("", "name", false).is_err());
    }
}
