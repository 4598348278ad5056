//! `ETag`, `If-Match` and `If-None-Match`, with the resource version as entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::error::ApiError;

/// The strong entity tag of a version: `"3"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Whether a conditional header's list names `version` (`*` names any).
fn names_version(value: &str, version: i64) -> bool {
    let wanted = etag(version);
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == wanted)
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    // A header that is not visible ASCII cannot name any of our tags.
    req.headers().get(name).map(|v| v.to_str().unwrap_or(""))
}

/// A request's `If-Match` header, taken out of the request so it can travel to the
/// blocking pool where the current version is read.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn from_request(req: &HttpRequest) -> Self {
        Self(header_str(req, header::IF_MATCH).map(str::to_owned))
    }

    /// Refuses a write when the header is present and does not name the current version.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match &self.0 {
            Some(value) if !names_version(value, current) => Err(ApiError::PreconditionFailed { current }),
            _ => Ok(()),
        }
    }
}

/// Answers 304 when `If-None-Match` already names the current version.
pub fn not_modified(req: &HttpRequest, version: i64) -> Option<HttpResponse> {
    let value = header_str(req, header::IF_NONE_MATCH)?;
    names_version(value, version).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag(version)))
            .finish()
    })
}

/// Sets the `ETag` of a response about one resource.
pub fn with_etag(mut builder: HttpResponseBuilder, version: i64) -> HttpResponseBuilder {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        builder.insert_header((header::ETAG, value));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists() {
        assert!(names_version("\"3\"", 3));
        assert!(names_version("W/\"3\"", 3));
        assert!(names_version("\"1\", \"3\"", 3));
        assert!(names_version("*", 9));
        assert!(!names_version("\"4\"", 3));
        assert!(!names_version("3", 3));
    }
}
