//! Credentials confirmed against the database in the last second, so a busy client's
//! requests do not each pay a database round trip (and a thread hop) before the handler's own.
//!
//! Every change to users or API tokens made through this server forgets everything at once,
//! so here a disabled user or a revoked token is refused from the next request on. Another
//! instance sharing the database notices within [`FRESH_FOR`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hamkari_domain::api_token::ApiToken;
use hamkari_domain::user::User;
use uuid::Uuid;

/// How long a confirmed credential is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// More entries than this and the cache starts over (a flood of distinct credentials must
/// not grow memory).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every change, so a lookup that raced a change does not store what it read.
    generation: u64,
    users: HashMap<Uuid, (Instant, User)>,
    tokens: HashMap<String, (Instant, ApiToken)>,
}

/// A lookup's ticket: what the cache looked like before the database was asked.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl Inner {
    fn make_room(&mut self) {
        if self.users.len() + self.tokens.len() >= CAPACITY {
            self.users.clear();
            self.tokens.clear();
        }
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps hold plain data, consistent after any panic elsewhere.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn generation(&self) -> Generation {
        Generation(self.lock().generation)
    }

    /// The user's session state, if confirmed within [`FRESH_FOR`].
    pub fn user(&self, id: Uuid) -> Option<User> {
        let inner = self.lock();
        inner
            .users
            .get(&id)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, user)| user.clone())
    }

    pub fn remember_user(&self, seen: Generation, user: User) {
        let mut inner = self.lock();
        if inner.generation == seen.0 {
            inner.make_room();
            inner.users.insert(user.id, (Instant::now(), user));
        }
    }

    /// The token stored under `secret_hash`, if confirmed within [`FRESH_FOR`].
    pub fn token(&self, secret_hash: &str) -> Option<ApiToken> {
        let inner = self.lock();
        inner
            .tokens
            .get(secret_hash)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, token)| token.clone())
    }

    pub fn remember_token(&self, seen: Generation, secret_hash: String, token: ApiToken) {
        let mut inner = self.lock();
        if inner.generation == seen.0 {
            inner.make_room();
            inner.tokens.insert(secret_hash, (Instant::now(), token));
        }
    }

    /// Call after changing any user or API token.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.users.clear();
        inner.tokens.clear();
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use hamkari_domain::auth::Role;

    use super::*;

    fn user() -> User {
        let at = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        User {
            id: Uuid::now_v7(),
            email: "a@example.test".into(),
            display_name: "a".into(),
            role: Role::Viewer,
            organization_ids: vec![],
            disabled: false,
            session_version: 1,
            created_at: at,
            updated_at: at,
            created_by: None,
            updated_by: None,
            version: 1,
        }
    }

    #[test]
    fn remembers_what_was_confirmed() {
        let sessions = Sessions::default();
        let u = user();
        sessions.remember_user(sessions.generation(), u.clone());
        assert_eq!(sessions.user(u.id), Some(u));
    }

    #[test]
    fn a_change_forgets_everything() {
        let sessions = Sessions::default();
        let u = user();
        sessions.remember_user(sessions.generation(), u.clone());
        sessions.forget_all();
        assert_eq!(sessions.user(u.id), None);
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_stored() {
        let sessions = Sessions::default();
        let u = user();
        let seen = sessions.generation();
        sessions.forget_all();
        sessions.remember_user(seen, u.clone());
        assert_eq!(sessions.user(u.id), None);
    }
}
