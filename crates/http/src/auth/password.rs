//! Password hashing: argon2id on the blocking pool, behind a cap on concurrent hashes so a
//! login flood queues instead of starving every other request of CPU.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use hamkari_domain::auth::Password;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// How long a login may wait for a hashing slot before the server says it is busy.
const QUEUE_PATIENCE: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password: unknown accounts are verified against it so they take
    /// as long as known ones.
    dummy: Arc<String>,
}

/// The parameters new hashes use (argon2id, m=19456 KiB, t=2, p=1: OWASP's minimum).
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes synchronously (for the CLI and start-up).
pub fn hash_now(password: &str) -> Result<String, ApiError> {
    let hash: PasswordHash = argon2()
        .hash_password(password.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// Whether `phc` was made with other parameters than new hashes use.
fn outdated(hash: &PasswordHash) -> bool {
    let current = argon2();
    let params = current.params();
    hash.algorithm.as_str() != "argon2id"
        || hash.params.get_decimal("m") != Some(params.m_cost())
        || hash.params.get_decimal("t") != Some(params.t_cost())
        || hash.params.get_decimal("p") != Some(params.p_cost())
}

/// The result of checking a password.
pub struct Verified {
    pub ok: bool,
    /// The stored hash uses old parameters and should be replaced.
    pub needs_rehash: bool,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Result<Self, ApiError> {
        let dummy = hash_now(&crate::auth::random_token())?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
        })
    }

    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(QUEUE_PATIENCE, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy),
        }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let permit = self.slot().await?;
        let password = password.expose().to_owned();
        let hash = web::block(move || {
            let _permit = permit;
            hash_now(&password)
        })
        .await??;
        Ok(hash)
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// account, so both cases cost the same.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Verified, ApiError> {
        let permit = self.slot().await?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy.as_ref().clone());
        web::block(move || {
            let _permit = permit;
            let hash = PasswordHash::new(&phc).map_err(ApiError::internal)?;
            let ok = argon2().verify_password(password.as_bytes(), &hash).is_ok();
            Ok(Verified {
                ok: ok && known,
                needs_rehash: ok && known && outdated(&hash),
            })
        })
        .await?
    }
}
