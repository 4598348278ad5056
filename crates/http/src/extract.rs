//! Request extractors whose failures are problem+json, with the field that was wrong.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use futures_util::StreamExt;
use hamkari_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body limit of a route whose one text field may be long (minutes: 100 000 characters),
/// so that the schema's `maxLength` is reachable even when every character is sent as a
/// six-byte `\uXXXX` escape.
pub const LONG_TEXT_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body: `application/json` (or any `+json` type), at most `LIMIT` bytes
/// ([`MAX_BODY_BYTES`] unless the route says otherwise), deserialized with the path of any
/// field that does not fit.
///
/// Reading never fails the request by itself: the handler calls [`JsonBody::value`] after
/// its permission checks, so a caller who may not do something learns that (403) before
/// anything about the body.
pub struct JsonBody<T, const LIMIT: usize = MAX_BODY_BYTES>(Result<T, ApiError>);

impl<T, const LIMIT: usize> JsonBody<T, LIMIT> {
    pub fn value(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for JsonBody<T, LIMIT> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = check_content_type(req).and_then(|()| check_declared_length(req, LIMIT));
        let mut payload = payload.take();
        Box::pin(async move {
            if let Err(err) = checked {
                return Ok(JsonBody(Err(err)));
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        let detail = format!("the request body could not be read: {e}");
                        return Ok(JsonBody(Err(ApiError::bad_request("unreadable_body", detail))));
                    }
                };
                if body.len() + chunk.len() > LIMIT {
                    return Ok(JsonBody(Err(ApiError::PayloadTooLarge { limit: LIMIT })));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(JsonBody(parse_json(&body)))
        })
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let unsupported = || {
        ApiError::UnsupportedMediaType(
            "The request body must be JSON, sent with Content-Type: application/json.".into(),
        )
    };
    let value = req
        .headers()
        .get(header::CONTENT_TYPE)
        .ok_or_else(unsupported)?
        .to_str()
        .map_err(|_| unsupported())?;
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        Err(unsupported())
    }
}

fn check_declared_length(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(len) if len > limit => Err(ApiError::PayloadTooLarge { limit }),
        _ => Ok(()),
    }
}

/// Syntax errors are 400; well-formed JSON that does not fit the schema is 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Syntax first: `[1, 2` is malformed even though its first element already has the wrong type.
    if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err(match err.classify() {
            serde_json::error::Category::Eof => ApiError::bad_request(
                "malformed_json",
                "The request body is empty or ends too early; send a JSON object.",
            ),
            _ => ApiError::bad_request(
                "malformed_json",
                format!(
                    "The request body is not valid JSON: {}.",
                    strip_position(&err.to_string())
                ),
            ),
        });
    }
    // Every body this API takes is an object. serde reads a struct from an array too
    // (`[]` would be a PATCH that changes nothing), so anything else is refused by name.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::Validation(hamkari_domain::ValidationErrors(vec![
            FieldError::new("", "invalid_type", "the request body must be a JSON object"),
        ])));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| (err.path().to_string(), err.into_inner()))
        .and_then(|value: T| de.end().map(|()| value).map_err(|e| (String::new(), e)));
    result.map_err(|(path, inner)| {
        let message = strip_position(&inner.to_string());
        // The body already parsed as JSON above, so whatever serde reports now (even the
        // "syntax" error an enum gives for `{}`) is a value of the wrong shape.
        let error = field_error(&path, &message);
        crate::dates::implausible(&error)
            .unwrap_or_else(|| ApiError::Validation(hamkari_domain::ValidationErrors(vec![error])))
    })
}

/// Names the field a serde message is about: the path, or for unknown and missing fields
/// the name serde quotes.
fn field_error(path: &str, message: &str) -> FieldError {
    let quoted = message.split('`').nth(1).unwrap_or("");
    // serde_path_to_error's path ends at an unknown field itself, or at a missing one's parent.
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(problem) = crate::dates::problem_in(message) {
        FieldError::new(path.trim_start_matches('.'), problem.code, problem.message)
    } else if message.starts_with("unknown field") {
        FieldError::new(join(quoted), "unknown_field", "is not a field of this resource")
    } else if message.starts_with("missing field") {
        FieldError::new(join(quoted), "required", "is required")
    } else {
        let field = if path == "." { String::new() } else { path.to_owned() };
        FieldError::new(field, "invalid_type", message.to_owned())
    }
}

/// serde_json appends "at line 1 column 7"; clients need the field, not the offset.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Query-string parameters; repeated keys fill `Vec` fields. Problems are 400 naming the
/// parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(QueryParams))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // `limit=` would otherwise read as no limit at all; a parameter is given or omitted.
    if let Some((key, _)) = form_urlencoded_parse(query).find(|(_, value)| value.is_empty()) {
        return Err(query_error(
            &key,
            "empty",
            "must not be empty; omit the parameter instead",
        ));
    }
    let de = serde_html_form::Deserializer::new(form_urlencoded_parse(query));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.into_inner().to_string());
        let mut error = field_error(&path, &message);
        if let Some(refusal) = crate::dates::implausible(&error) {
            return refusal;
        }
        // Shaped like a day but none of the calendar's (1403-12-30 in a common year): well
        // formed, unusable, as the same value in a body is. Text not shaped like a day stays 400.
        if error.code == "invalid_date" && hamkari_domain::calendar::names_no_day(&error.message) {
            return ApiError::Validation(hamkari_domain::ValidationErrors(vec![error]));
        }
        if error.code == "required" {
            error.message = "is a required query parameter".into();
        }
        if error.code == "unknown_field" {
            error.message = "is not a query parameter of this operation".into();
        }
        ApiError::BadRequest {
            code: "invalid_query",
            detail: format!("The query parameter {} is invalid.", error.field),
            errors: vec![error],
        }
    })
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// A query-parameter problem found after parsing (a bad cursor, an out-of-range limit).
pub fn query_error(field: &str, code: &'static str, message: impl Into<String>) -> ApiError {
    let message = message.into();
    ApiError::BadRequest {
        code: "invalid_query",
        detail: format!("The query parameter {field} is invalid: {message}."),
        errors: vec![FieldError::new(field, code, message)],
    }
}

/// Path parameters that do not parse (an id that is not a UUID) are 404: no such resource.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound(format!("No resource at this address ({err}).")).into()
}

/// Refuses a query value longer than the `maxLength` the document gives it (in characters,
/// as JSON Schema counts them).
pub fn query_at_most(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(query_error(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// The `q` parameter as a normalized search key, at most 200 characters as sent and after
/// normalizing.
pub fn search_param(q: Option<String>) -> Result<Option<String>, ApiError> {
    query_at_most("q", q.as_deref(), 200)?;
    let key = q.map(|q| hamkari_domain::text::query_key(&q));
    if key.as_ref().is_some_and(|k| k.chars().count() > 200) {
        return Err(query_error("q", "too_long", "must be at most 200 characters"));
    }
    Ok(key)
}
