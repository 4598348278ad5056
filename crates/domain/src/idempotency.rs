//! The `Idempotency-Key` request header (IETF httpapi draft) and what a stored key decides.

use chrono::{Duration, NaiveDateTime};

/// How long an answer is kept for repeats of its key.
pub const KEEP: Duration = Duration::hours(24);

/// How long a claim holds while its request runs. A request of an instance that crashed
/// leaves its claim behind; after this, a repeat runs as if the key were new.
pub const CLAIM: Duration = Duration::seconds(60);

/// The longest key accepted.
pub const MAX_CHARS: usize = 255;

/// A client's key: 1 to 255 visible ASCII characters. The draft sends it as a structured
/// field string (`"8e03978e-…"`); a bare value is accepted as the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("the Idempotency-Key header is empty")]
    Empty,
    #[error("the Idempotency-Key header is longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("the Idempotency-Key header must be visible ASCII characters, optionally in double quotes")]
    Malformed,
}

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, KeyProblem> {
        let raw = raw.trim_matches([' ', '\t']);
        let inner = match raw.strip_prefix('"') {
            Some(rest) => rest.strip_suffix('"').ok_or(KeyProblem::Malformed)?,
            None => raw,
        };
        if inner.is_empty() {
            return Err(KeyProblem::Empty);
        }
        if inner.len() > MAX_CHARS {
            return Err(KeyProblem::TooLong);
        }
        // Quotes and backslashes inside would need sf-string escapes; nobody's keys use them.
        if !inner
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
        {
            return Err(KeyProblem::Malformed);
        }
        Ok(Self(inner.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a key's stored row, if any, means for a request carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// No live row: the request runs, under a new claim.
    New,
    /// The same request was answered: its answer is sent again.
    Answered,
    /// The same request is running now.
    Running,
    /// The key was used for a different request.
    OtherRequest,
}

/// The facts of a stored row that decide [`Seen`].
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub fingerprint: &'a str,
    pub answered: bool,
    pub locked_until: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Decides what a repeat of a key is; `fingerprint` is the new request's.
pub fn seen(stored: Stored<'_>, fingerprint: &str, now: NaiveDateTime) -> Seen {
    if stored.expires_at <= now {
        Seen::New
    } else if stored.fingerprint != fingerprint {
        Seen::OtherRequest
    } else if stored.answered {
        Seen::Answered
    } else if stored.locked_until > now {
        Seen::Running
    } else {
        Seen::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_quoted_or_bare_visible_ascii_up_to_255() {
        assert_eq!(IdempotencyKey::parse("\"abc-1\"").unwrap().as_str(), "abc-1");
        assert_eq!(IdempotencyKey::parse("abc-1").unwrap().as_str(), "abc-1");
        assert_eq!(IdempotencyKey::parse(""), Err(KeyProblem::Empty));
        assert_eq!(IdempotencyKey::parse("\"\""), Err(KeyProblem::Empty));
        assert_eq!(IdempotencyKey::parse(&"a".repeat(255)).unwrap().as_str().len(), 255);
        assert_eq!(IdempotencyKey::parse(&"a".repeat(256)), Err(KeyProblem::TooLong));
        assert_eq!(IdempotencyKey::parse("\"abc"), Err(KeyProblem::Malformed));
        assert_eq!(IdempotencyKey::parse("a b"), Err(KeyProblem::Malformed));
        assert_eq!(IdempotencyKey::parse("ключ"), Err(KeyProblem::Malformed));
    }

    #[test]
    fn a_repeat_is_answered_refused_or_run_by_its_row() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc();
        let row = |fingerprint, answered, lock: i64, expires: i64| Stored {
            fingerprint,
            answered,
            locked_until: now + Duration::seconds(lock),
            expires_at: now + Duration::seconds(expires),
        };
        assert_eq!(seen(row("a", true, -5, 100), "a", now), Seen::Answered);
        assert_eq!(seen(row("a", true, -5, 100), "b", now), Seen::OtherRequest);
        assert_eq!(seen(row("a", false, 30, 100), "a", now), Seen::Running);
        assert_eq!(seen(row("a", false, 30, 100), "b", now), Seen::OtherRequest);
        // A claim whose request crashed lapses; an expired row is as good as none.
        assert_eq!(seen(row("a", false, -1, 100), "a", now), Seen::New);
        assert_eq!(seen(row("a", true, -5, 0), "b", now), Seen::New);
    }
}
