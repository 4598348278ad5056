//! Request ids, request logging, and the guarantee that every error body is problem+json.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use tracing::Instrument;

use crate::error::{problem_response, PROBLEM_JSON};
use crate::messages::{localize, Lang};
use crate::metrics::UNMATCHED;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client-sent id is kept when it is short and plain, so ids can follow a call across
/// systems; anything else is replaced.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Methods outside the standard ones share one label, so clients cannot mint series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The request's id, left in its extensions for the events it causes.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = request_id(&req);
    // At ERROR level so the span (and its request id) exists whatever level the filter
    // lets through: a warning logged under a disabled span would lose its request id.
    // No raw path here or anywhere in the log: a path is only logged as its route pattern.
    let span = tracing::error_span!("request", request_id = %id);
    let started = Instant::now();
    let lang = Lang::of(req.headers());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<AppState>>().map(|state| state.metrics.clone());
    let method = method_label(req.method());
    async move {
        if let Some(refusal) = oversized_head(&req) {
            let mut response = localize(req.into_response(refusal), lang).await;
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            access_log(method, UNMATCHED, 431, started.elapsed(), &id);
            if let Some(metrics) = &metrics {
                metrics.observe_request(method, UNMATCHED, 431, started.elapsed());
            }
            return Ok(response);
        }
        let response = match next.call(req).await {
            Ok(response) => response.map_into_boxed_body(),
            Err(err) => return Err(err),
        };
        let mut response = localize(ensure_problem_body(response), lang).await;
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        let route = response.request().match_pattern();
        let route = route.as_deref().unwrap_or(UNMATCHED);
        if let Some(metrics) = &metrics {
            metrics.observe_request(method, route, status, elapsed);
        }
        access_log(method, route, status, elapsed, &id);
        Ok(response)
    }
    .instrument(span)
    .await
}

/// The target of the one line per request, so it can be filtered apart
/// (`HAMKARI_LOG=info,hamkari::access=warn` keeps only the failures).
pub const ACCESS_LOG: &str = "hamkari::access";

/// One line per request: method, route pattern (never the raw path or query, which may carry
/// ids or tokens), status, duration and request id. Server errors at ERROR and client errors
/// at WARN, so a filter that silences the successes keeps them; the fields are only formatted
/// when the line's level is enabled.
fn access_log(method: &'static str, route: &str, status: u16, elapsed: std::time::Duration, id: &str) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(target: ACCESS_LOG, method, route, status, duration_ms, request_id = id, "request");
    } else if status >= 400 {
        tracing::warn!(target: ACCESS_LOG, method, route, status, duration_ms, request_id = id, "request");
    } else {
        tracing::info!(target: ACCESS_LOG, method, route, status, duration_ms, request_id = id, "request");
    }
}

/// The largest request head (header names and values) and the most headers we read.
/// actix's own parser answers a bare 431 beyond 128 KiB or 96 headers, before any of our
/// code runs; below that, this limit answers first, as problem+json like every error.
const MAX_HEAD_BYTES: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

fn oversized_head(req: &ServiceRequest) -> Option<actix_web::HttpResponse> {
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let count = headers.len();
    (bytes > MAX_HEAD_BYTES || count > MAX_HEADERS).then(|| {
        problem_response(
            actix_web::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "The request headers are too large: at most {MAX_HEADERS} headers and {} KiB in all.",
                MAX_HEAD_BYTES / 1024
            ),
            None,
        )
    })
}

/// Rewrites an error response that some layer produced without a problem body
/// (a framework default), keeping its status and headers such as `Allow`.
fn ensure_problem_body(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let code = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let detail = status.canonical_reason().unwrap_or("Error").to_owned() + ".";
    let (req, old) = response.into_parts();
    let mut fresh = problem_response(status, &code, detail, None);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, fresh)
}
