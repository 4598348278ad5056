//! Login throttling as a rule: a key (an account, a client address) may have a password
//! checked at most `attempts` times per window. An attempt is taken *before* the password
//! is hashed, so parallel requests cannot all slip past a check that counts them afterwards.

use chrono::{Duration, NaiveDateTime};

/// How many password checks a key may have within a window, and how long it is then blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub attempts: i64,
    pub window: Duration,
    pub block: Duration,
}

/// One key's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Password checks taken in the current window.
    pub attempts: i64,
    pub started_at: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
}

impl Window {
    pub fn fresh(now: NaiveDateTime) -> Self {
        Self {
            attempts: 0,
            started_at: now,
            blocked_until: None,
        }
    }

    /// Whether the key is refused now, and until when.
    pub fn blocked(&self, limit: Limit, now: NaiveDateTime) -> Option<NaiveDateTime> {
        if let Some(until) = self.blocked_until.filter(|until| *until > now) {
            return Some(until);
        }
        let window_ends = self.started_at + limit.window;
        (window_ends > now && self.attempts >= limit.attempts).then_some(window_ends)
    }

    /// Takes one attempt, or says until when the key is blocked. The attempt that reaches
    /// the limit is still allowed; it blocks the ones after it.
    pub fn take(self, limit: Limit, now: NaiveDateTime) -> Result<Self, NaiveDateTime> {
        if let Some(until) = self.blocked(limit, now) {
            return Err(until);
        }
        let mut next = if now - self.started_at >= limit.window {
            Self::fresh(now)
        } else {
            Self {
                blocked_until: None,
                ..self
            }
        };
        next.attempts += 1;
        if next.attempts >= limit.attempts {
            next.blocked_until = Some(now + limit.block);
        }
        Ok(next)
    }

    /// Gives back an attempt that succeeded (a client address is not held to account for
    /// its users' correct passwords).
    pub fn refund(self, limit: Limit) -> Self {
        let attempts = (self.attempts - 1).max(0);
        Self {
            attempts,
            blocked_until: self.blocked_until.filter(|_| attempts >= limit.attempts),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc() + Duration::minutes(minutes)
    }

    const LIMIT: Limit = Limit {
        attempts: 3,
        window: Duration::minutes(15),
        block: Duration::minutes(15),
    };

    #[test]
    fn the_attempt_that_reaches_the_limit_passes_and_blocks_the_next() {
        let mut window = Window::fresh(at(0));
        for _ in 0..3 {
            window = window.take(LIMIT, at(1)).unwrap();
        }
        assert_eq!(window.attempts, 3);
        assert_eq!(window.take(LIMIT, at(2)), Err(at(16)));
        assert_eq!(window.blocked(LIMIT, at(2)), Some(at(16)));
    }

    #[test]
    fn a_new_window_starts_after_the_old_one_and_the_block_end() {
        let mut window = Window::fresh(at(0));
        for _ in 0..3 {
            window = window.take(LIMIT, at(0)).unwrap();
        }
        assert!(window.take(LIMIT, at(14)).is_err());
        let later = window.take(LIMIT, at(16)).unwrap();
        assert_eq!(
            (later.attempts, later.started_at, later.blocked_until),
            (1, at(16), None)
        );
    }

    #[test]
    fn a_refund_lifts_the_block_it_caused() {
        let mut window = Window::fresh(at(0));
        for _ in 0..3 {
            window = window.take(LIMIT, at(0)).unwrap();
        }
        let refunded = window.refund(LIMIT);
        assert_eq!(refunded.attempts, 2);
        assert_eq!(refunded.blocked(LIMIT, at(1)), None);
        assert_eq!(Window::fresh(at(0)).refund(LIMIT).attempts, 0);
    }
}
