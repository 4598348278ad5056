//! `Hamkari-Token-Expires`: every answer to an API token that expires within 14 days says
//! when, so a system learns it in time from the traffic it already sends.
//!
//! The value is RFC 3339 in UTC (`2026-12-16T09:30:00Z`), the format of every time in the
//! bodies, so clients parse it with the parser they already use. `Sunset` (RFC 8594) would
//! announce the end of the *resource*, not of the credential, and its HTTP-date is a second
//! format to parse; `Deprecation` means something else again.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use chrono::{Duration, NaiveDateTime, SecondsFormat, Utc};

pub const TOKEN_EXPIRES: HeaderName = HeaderName::from_static("hamkari-token-expires");

/// How long before its expiry a token is told.
pub const WARN_WITHIN: Duration = Duration::days(14);

/// The header's value for a token expiring at `expires_at`, if that is within the warning period.
pub fn value(expires_at: NaiveDateTime, now: NaiveDateTime) -> Option<String> {
    (expires_at - now <= WARN_WITHIN).then(|| expires_at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true))
}

pub fn announce(expires_at: Option<NaiveDateTime>, headers: &mut HeaderMap) {
    let Some(value) = expires_at.and_then(|at| value(at, Utc::now().naive_utc())) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(TOKEN_EXPIRES, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_expiring_within_14_days_are_told() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc();
        assert_eq!(value(now + Duration::days(15), now), None);
        assert_eq!(
            value(now + Duration::days(14), now).as_deref(),
            Some("2027-01-29T08:00:00Z")
        );
        assert!(value(now + Duration::hours(1), now).is_some());
    }
}
