//! `ETag`, `If-Match` and `If-None-Match`, with the resource version as entity tag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use hamkari_domain::precondition::IfMatch;
use serde::Serialize;

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

/// Whether a parsed `If-None-Match` names `version` (`*` names any). Weak comparison
/// (RFC 9110, 8.8.3.2): `W/"3"` matches version 3.
fn names_version(tags: &[Tag<'_>], version: i64) -> bool {
    let wanted = version.to_string();
    tags.iter().any(|tag| match tag {
        Tag::Any => true,
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

/// A request's `If-Match` header as the rule the use case checks against the stored version;
/// 400 when the header is not a tag list. Weak tags never match `If-Match` (strong
/// comparison), and neither does a tag that is not one of our versions.
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let Some(value) = header_str(req, header::IF_MATCH) else {
        return Ok(IfMatch::Absent);
    };
    parse_if_match(value).ok_or_else(|| malformed("If-Match"))
}

fn parse_if_match(value: &str) -> Option<IfMatch> {
    let tags = parse_tags(value)?;
    if tags.contains(&Tag::Any) {
        return Some(IfMatch::Any);
    }
    Some(IfMatch::Versions(
        tags.iter()
            .filter_map(|tag| match tag {
                Tag::Entity { weak: false, opaque } => opaque.parse().ok(),
                _ => None,
            })
            .collect(),
    ))
}

/// Answers 304 when `If-None-Match` already names the current version, and 400 when the
/// header is not a tag list.
pub fn not_modified(req: &HttpRequest, version: i64) -> Result<Option<HttpResponse>, ApiError> {
    let Some(value) = header_str(req, header::IF_NONE_MATCH) else {
        return Ok(None);
    };
    let tags = parse_tags(value).ok_or_else(|| malformed("If-None-Match"))?;
    Ok(names_version(&tags, version).then(|| {
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

/// A resource's representation with its `ETag`, or 304 when `If-None-Match` names the
/// version the client already holds: what every GET of one resource answers.
pub fn representation(req: &HttpRequest, version: i64, body: impl Serialize) -> Result<HttpResponse, ApiError> {
    if let Some(response) = not_modified(req, version)? {
        return Ok(response);
    }
    Ok(with_etag(HttpResponse::Ok(), version).json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `If-Match` compares strongly: a weak tag never matches.
    fn strong(value: &str, version: i64) -> bool {
        parse_if_match(value).unwrap().check(version).is_ok()
    }

    /// `If-None-Match` compares weakly.
    fn weak(value: &str, version: i64) -> bool {
        names_version(&parse_tags(value).unwrap(), version)
    }

    #[test]
    fn tag_lists() {
        assert!(strong("\"3\"", 3));
        assert!(weak("W/\"3\"", 3));
        assert!(!strong("W/\"3\"", 3));
        assert!(strong("\"1\", \"3\"", 3));
        assert!(strong("\"a,b\" ,\t\"3\"", 3));
        assert!(strong("*", 9));
        assert!(!weak("\"4\"", 3));
        assert!(strong("3", 3));
        assert!(!strong("33", 3));
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
