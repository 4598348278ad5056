//! Password hashing: argon2id on threads of its own, behind a cap on concurrent hashes, so a
//! login flood queues instead of starving every other request of CPU.
//!
//! The threads run at the lowest scheduling priority: when the CPU is busy with other
//! requests, they take only what is left, and the other requests' latency does not follow
//! the login rate. (Actix's blocking pool would not do: its threads are shared with database
//! work, and an unprivileged thread cannot raise its priority back.)

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use hamkari_domain::auth::Password;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// How long a login may wait for a hashing slot before the server says it is busy.
const QUEUE_PATIENCE: Duration = Duration::from_secs(10);

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    /// A hash of a random password: unknown accounts are verified against it so they take
    /// as long as known ones.
    dummy: Arc<String>,
}

/// The parameters new hashes use: argon2id, m=7168 KiB, t=5, p=1. OWASP's password storage
/// cheat sheet lists it among the configurations of equal strength (with m=19456 KiB, t=2,
/// the crate's default); this one trades memory for passes, so a hash in flight holds 7 MiB
/// of the server's memory instead of 19 for about the same CPU time. Hashes made with other
/// parameters are still verified, and replaced at the next login.
fn argon2() -> Argon2<'static> {
    const PARAMS: Params = match Params::new(7168, 5, 1, None) {
        Ok(params) => params,
        Err(_) => panic!("argon2 parameters out of range"),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
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
        let concurrency = concurrency.max(1);
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            jobs: spawn_threads(concurrency)?,
            dummy: Arc::new(dummy),
        })
    }

    /// Runs `work` on a hashing thread.
    async fn on_hash_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(work());
            }))
            .map_err(|_| ApiError::internal("the password hashing threads are gone"))?;
        rx.await
            .map_err(|_| ApiError::internal("a password hashing job panicked"))
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
        self.on_hash_thread(move || {
            let _permit = permit;
            hash_now(&password)
        })
        .await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no
    /// account, so both cases cost the same.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<Verified, ApiError> {
        let permit = self.slot().await?;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy.as_ref().clone());
        self.on_hash_thread(move || {
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

/// Starts `count` hashing threads at the lowest priority; they end when the last
/// [`Hasher`] clone is dropped.
fn spawn_threads(count: usize) -> Result<mpsc::Sender<Job>, ApiError> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for n in 0..count {
        let rx = Arc::clone(&rx);
        std::thread::Builder::new()
            .name(format!("hamkari-hash-{n}"))
            .spawn(move || {
                lower_priority();
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A panicking job drops its reply (the caller sees an error); the thread lives on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            })
            .map_err(ApiError::internal)?;
    }
    Ok(tx)
}

/// Niceness 19: the scheduler runs the thread when nothing else wants the CPU, mostly.
fn lower_priority() {
    use thread_priority::unix::{
        set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy, ThreadSchedulePolicy,
    };
    let lowered = set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other),
    );
    if let Err(error) = lowered {
        tracing::warn!(?error, "password hashing threads keep normal priority");
    }
}
