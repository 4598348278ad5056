//! Opaque list cursors and the `Link: rel="next"` header.
//!
//! A cursor is base64url JSON naming the sort it belongs to, the last row's sort value
//! and id; a cursor from another sort is refused rather than silently misread.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponseBuilder};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use hamkari_persistence::page::{After, SortValue};
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

/// Decodes a cursor made for `sort`; `timestamp` says which kind of value that sort has.
pub fn decode(cursor: &str, sort: &str, timestamp: bool) -> Result<After, ApiError> {
    let invalid = |why: &str| query_error("cursor", "invalid_cursor", why.to_owned());
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
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
