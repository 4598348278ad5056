//! Credentials confirmed against the database in the last second, so a busy client's
//! requests do not each pay a database round trip (and a thread hop) before the handler's own.
//!
//! Every change to users or API tokens made through this server forgets everything at once,
//! so here a disabled user or a revoked token is refused from the next request on. Another
//! instance sharing the database notices within [`FRESH_FOR`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hamkari_domain::api_token::ApiToken;
use hamkari_domain::user::User;
use uuid::Uuid;

/// How long a confirmed credential is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// How long a request waits for another's lookup of the same credential (a lookup takes a
/// few milliseconds when the database is well).
pub const PATIENCE: Duration = Duration::from_millis(250);

/// More entries than this and the cache starts over (a flood of distinct credentials must
/// not grow memory).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to look one credential up: while one request holds it, the others that missed
/// the cache for the same credential wait, then find what it stored. Without it, every
/// request of a burst that arrives as an entry expires asks the database itself.
pub struct Flight<'a> {
    sessions: &'a Sessions,
    key: String,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut flights = lock(&self.sessions.flights);
        // The map's handle and this flight's: nobody else is waiting for this credential.
        if flights.get(&self.key).is_some_and(|turn| Arc::strong_count(turn) <= 2) {
            flights.remove(&self.key);
        }
    }
}

/// The maps hold plain data, consistent after any panic elsewhere.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
        lock(&self.inner)
    }

    /// Waits until no other request is looking up `key` (a user id or a token hash), then
    /// holds that right until the flight is dropped; check the cache again after it. A wait
    /// longer than [`PATIENCE`] gives up (`None`) and the caller asks the database itself, so
    /// when the database hangs, a burst's requests do not queue behind each other's timeouts.
    pub async fn flight(&self, key: String) -> Option<Flight<'_>> {
        let turn = lock(&self.flights).entry(key.clone()).or_default().clone();
        let turn = tokio::time::timeout(PATIENCE, turn.lock_owned()).await.ok()?;
        Some(Flight {
            sessions: self,
            key,
            _turn: turn,
        })
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

    /// Sixteen requests miss the cache for one token at once: one asks the database.
    #[test]
    fn one_lookup_serves_a_burst() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let sessions = Arc::new(Sessions::default());
        let lookups = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let found = runtime.block_on(async {
            let tasks: Vec<_> = (0..16)
                .map(|_| {
                    let (sessions, lookups) = (sessions.clone(), lookups.clone());
                    tokio::spawn(async move {
                        if let Some(u) = sessions.user(fixed_id()) {
                            return u;
                        }
                        let _flight = sessions.flight(fixed_id().to_string()).await;
                        if let Some(u) = sessions.user(fixed_id()) {
                            return u;
                        }
                        let seen = sessions.generation();
                        lookups.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let u = User {
                            id: fixed_id(),
                            ..user()
                        };
                        sessions.remember_user(seen, u.clone());
                        u
                    })
                })
                .collect();
            let mut found = Vec::new();
            for task in tasks {
                found.push(task.await.expect("task"));
            }
            found
        });
        assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(found.len(), 16);
        assert!(lock(&sessions.flights).is_empty(), "a finished flight is forgotten");
    }

    fn fixed_id() -> Uuid {
        Uuid::from_u128(7)
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
