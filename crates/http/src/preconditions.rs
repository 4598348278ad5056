//! `ETag`, `If-Match` and `If-None-Match`, with the resource version as entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::error::ApiError;

/// The strong entity tag of a version: `"3"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// One element of a conditional header: `*`, or an entity tag's opaque part and weakness.
#[derive(Debug, PartialEq, Eq)]
enum Tag<'a> {
    Any,
    Entity { weak: bool, opaque: &'a str },
}

/// Parses `*` or a comma-separated list of entity tags (RFC 9110, 8.8.3); `None` when the
/// value is anything else. A bare version (`3`, as the `version` field shows it) is read as
/// the tag `"3"`: clients copy it so often that refusing it would only teach them to drop
/// the header.
fn parse_tags(value: &str) -> Option<Vec<Tag<'_>>> {
    let value = value.trim_matches([' ', '\t']);
    if value == "*" {
        return Some(vec![Tag::Any]);
    }
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        let (weak, body) = match rest.strip_prefix("W/") {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let (opaque, after) = if let Some(quoted) = body.strip_prefix('"') {
            let end = quoted.find('"')?;
            let opaque = &quoted[..end];
            if !opaque.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
                return None;
            }
            (opaque, &quoted[end + 1..])
        } else if !weak {
            let end = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
            if end == 0 {
                return None;
            }
            (&body[..end], &body[end..])
        } else {
            return None;
        };
        tags.push(Tag::Entity { weak, opaque });
        let after = after.trim_start_matches([' ', '\t']);
        if after.is_empty() {
            return Some(tags);
        }
        rest = after.strip_prefix(',')?.trim_start_matches([' ', '\t']);
    }
}

/// How a tag list is compared: `If-Match` uses strong comparison, so a weak tag never
/// matches it; `If-None-Match` uses weak comparison (RFC 9110, 8.8.3.2).
#[derive(Clone, Copy)]
enum Comparison {
    Strong,
    Weak,
}

/// Whether a parsed conditional header names `version` (`*` names any).
fn names_version(tags: &[Tag<'_>], version: i64, comparison: Comparison) -> bool {
    let wanted = version.to_string();
    tags.iter().any(|tag| match tag {
        Tag::Any => true,
        Tag::Entity { weak: true, .. } if matches!(comparison, Comparison::Strong) => false,
        Tag::Entity { opaque, .. } => *opaque == wanted,
    })
}

fn malformed(name: &str) -> ApiError {
    ApiError::bad_request(
        "invalid_header",
        format!("The {name} header must be * or a list of entity tags such as \"3\"."),
    )
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
            None => Ok(()),
            Some(value) => match parse_tags(value) {
                None => Err(malformed("If-Match")),
                Some(tags) if !names_version(&tags, current, Comparison::Strong) => {
                    Err(ApiError::PreconditionFailed { current })
                }
                Some(_) => Ok(()),
            },
        }
    }
}

/// Answers 304 when `If-None-Match` already names the current version, and 400 when the
/// header is not a tag list.
pub fn not_modified(req: &HttpRequest, version: i64) -> Result<Option<HttpResponse>, ApiError> {
    let Some(value) = header_str(req, header::IF_NONE_MATCH) else {
        return Ok(None);
    };
    let tags = parse_tags(value).ok_or_else(|| malformed("If-None-Match"))?;
    Ok(names_version(&tags, version, Comparison::Weak).then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, etag(version)))
            .finish()
    }))
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

    fn names(value: &str, version: i64, comparison: Comparison) -> bool {
        names_version(&parse_tags(value).unwrap(), version, comparison)
    }

    #[test]
    fn tag_lists() {
        use Comparison::{Strong, Weak};
        assert!(names("\"3\"", 3, Strong));
        assert!(names("W/\"3\"", 3, Weak));
        assert!(!names("W/\"3\"", 3, Strong));
        assert!(names("\"1\", \"3\"", 3, Strong));
        assert!(names("\"a,b\" ,\t\"3\"", 3, Strong));
        assert!(names("*", 9, Strong));
        assert!(!names("\"4\"", 3, Weak));
        assert!(names("3", 3, Strong));
        assert!(!names("33", 3, Strong));
    }

    #[test]
    fn tag_list_syntax() {
        for good in [
            "*",
            "\"3\"",
            "W/\"3\"",
            "\"1\", W/\"2\"",
            "\"\"",
            "3",
            "1, \"2\"",
            "\"#s,}\"",
        ] {
            assert!(parse_tags(good).is_some(), "{good}");
        }
        for bad in [
            "", "-3", "\"3", "abc", "\"1\",", "**", "\"a\"b\"", "null", "W/3", "\"a b\"", "*, \"1\"",
        ] {
            assert!(parse_tags(bad).is_none(), "{bad}");
        }
    }
}
