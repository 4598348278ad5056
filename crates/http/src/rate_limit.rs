//! Request quotas per credential (a user, an API token) or, without one, per client address,
//! announced on every response with the IETF `RateLimit-Policy` and `RateLimit` fields
//! (draft-ietf-httpapi-ratelimit-headers, structured-field syntax) and enforced with 429.
//!
//! Counted in this instance's memory: with N instances behind a balancer a credential may
//! make up to N times the quota. Login throttling (in the database) is separate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use hamkari_domain::auth::{Principal, Subject};
use uuid::Uuid;

use crate::error::problem_response;
use crate::state::AppState;

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// A quota of `requests` per `window`; 0 requests turns limiting off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub requests: u32,
    pub window: Duration,
}

impl Default for RateLimits {
    /// 20 requests a second sustained: far above what a syncing system needs, low enough
    /// that a runaway loop is noticed.
    fn default() -> Self {
        Self {
            requests: 1200,
            window: Duration::from_secs(60),
        }
    }
}

/// Whose quota a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    User(Uuid),
    Token(Uuid),
    Address(Option<IpAddr>),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u32,
}

struct Windows {
    by_key: HashMap<Key, Window>,
    next_sweep: Instant,
}

/// One request's standing: whether it may proceed, what is left, and when the window resets.
#[derive(Debug, Clone, Copy)]
struct Standing {
    allowed: bool,
    remaining: u32,
    reset_secs: u64,
}

pub struct RateLimiter {
    limits: RateLimits,
    policy: Option<HeaderValue>,
    windows: Mutex<Windows>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        let window = limits.window.max(Duration::from_secs(1));
        let limits = RateLimits { window, ..limits };
        let policy = (limits.requests > 0)
            .then(|| HeaderValue::from_str(&format!("\"default\";q={};w={}", limits.requests, window.as_secs())).ok())
            .flatten();
        Self {
            limits,
            policy,
            windows: Mutex::new(Windows {
                by_key: HashMap::new(),
                next_sweep: Instant::now() + window,
            }),
        }
    }

    /// Takes one request from `key`'s quota (fixed windows, from the key's first request).
    /// One lock for the check and the count, so parallel requests never overspend it.
    fn take(&self, key: Key, now: Instant) -> Standing {
        let window = self.limits.window;
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if now >= windows.next_sweep {
            // Forget finished windows now and then, so one-off addresses do not pile up.
            windows.by_key.retain(|_, w| now.duration_since(w.started) < window);
            windows.next_sweep = now + window;
        }
        let entry = windows.by_key.entry(key).or_insert(Window { started: now, used: 0 });
        if now.duration_since(entry.started) >= window {
            *entry = Window { started: now, used: 0 };
        }
        let allowed = entry.used < self.limits.requests;
        if allowed {
            entry.used += 1;
        }
        let elapsed = now.duration_since(entry.started);
        Standing {
            allowed,
            remaining: self.limits.requests - entry.used,
            // Rounded up: a client waiting this long always finds the new window.
            reset_secs: (window - elapsed).as_secs_f64().ceil().max(1.0) as u64,
        }
    }

    fn announce(&self, standing: Standing, headers: &mut HeaderMap) {
        let Some(policy) = &self.policy else { return };
        headers.insert(RATELIMIT_POLICY, policy.clone());
        let value = format!("\"default\";r={};t={}", standing.remaining, standing.reset_secs);
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(RATELIMIT, value);
        }
    }
}

fn key_of(req: &ServiceRequest) -> Key {
    match req.extensions().get::<Principal>().map(|p| p.subject) {
        Some(Subject::User(id)) => Key::User(id),
        Some(Subject::ApiToken(id)) => Key::Token(id),
        None => Key::Address(req.peer_addr().map(|a| a.ip())),
    }
}

/// Counts the request against its credential's (or address's) quota and answers 429 beyond
/// it; otherwise runs `respond` and announces the quota on what it answers.
pub async fn guarded<F, Fut>(req: ServiceRequest, respond: F) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    F: FnOnce(ServiceRequest) -> Fut,
    Fut: std::future::Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>,
{
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return respond(req).await;
    };
    let limiter = &state.rate_limiter;
    if limiter.policy.is_none() {
        return respond(req).await;
    }
    let standing = limiter.take(key_of(&req), Instant::now());
    let mut response = if standing.allowed {
        respond(req).await?
    } else {
        let mut refusal = problem_response(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "This credential has used its {} requests for this {}-second window; try again in {} seconds.",
                limiter.limits.requests,
                limiter.limits.window.as_secs(),
                standing.reset_secs
            ),
            None,
        );
        if let Ok(value) = HeaderValue::from_str(&standing.reset_secs.to_string()) {
            refusal.headers_mut().insert(RETRY_AFTER, value);
        }
        req.into_response(refusal)
    };
    limiter.announce(standing, response.headers_mut());
    Ok(response)
}

/// Middleware, inside authentication: every request that reaches the routes.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    guarded(req, |req| async move {
        next.call(req).await.map(ServiceResponse::map_into_boxed_body)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_quota_then_refuses_until_it_resets() {
        let limiter = RateLimiter::new(RateLimits {
            requests: 2,
            window: Duration::from_secs(10),
        });
        let start = Instant::now();
        let key = Key::Token(Uuid::nil());
        let first = limiter.take(key, start);
        assert!(first.allowed && first.remaining == 1 && first.reset_secs == 10);
        assert!(limiter.take(key, start + Duration::from_secs(1)).allowed);
        let third = limiter.take(key, start + Duration::from_millis(2500));
        assert!(!third.allowed && third.remaining == 0 && third.reset_secs == 8);
        // Another key has its own quota; the window ends and the quota is back.
        assert!(limiter.take(Key::User(Uuid::nil()), start).allowed);
        assert!(limiter.take(key, start + Duration::from_secs(10)).allowed);
    }
}
