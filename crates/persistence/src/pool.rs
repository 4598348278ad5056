//! The connection pool: a manager that knows its backend from the URL, so an unreachable
//! PostgreSQL fails fast with its own error instead of being retried as a SQLite path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};

use crate::connection::{Backend, DbConnection};
use crate::error::DbError;

/// A pooled connection that remembers whether it was seen to fail.
pub struct Conn {
    inner: DbConnection,
    broken: bool,
}

pub struct Manager {
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conn, r2d2::Error> {
        let inner = self.backend.connect().map_err(r2d2::Error::ConnectionError)?;
        Ok(Conn { inner, broken: false })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), r2d2::Error> {
        conn.inner.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken
    }
}

/// Pool sizing and patience.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub connection_timeout: Duration,
}

impl PoolSettings {
    /// Connections beyond what the CPUs can run at once only queue and switch: on two
    /// cores, SQLite served most with 4 (one writer at a time, readers on the server's own
    /// CPU) and PostgreSQL with 4–8, both ahead of 16 and with less memory (bench/README.md).
    pub fn default_size(backend: &Backend) -> u32 {
        match backend {
            Backend::Sqlite { .. } => 4,
            Backend::Postgres { .. } => 8,
        }
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            connection_timeout: Duration::from_secs(3),
        }
    }
}

/// Logs pool connection failures through `tracing`, not r2d2's `log` default.
#[derive(Debug)]
struct TracingErrorHandler;

impl r2d2::HandleError<r2d2::Error> for TracingErrorHandler {
    fn handle_error(&self, error: r2d2::Error) {
        tracing::warn!(%error, "database connection failed");
    }
}

/// The shared handle to the database.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    backend: Arc<Backend>,
    /// When a pooled connection was last found dead (seconds since the epoch; 0: never).
    last_failure: Arc<AtomicU64>,
    /// SQLite lets one writer in at a time and makes the others poll with growing sleeps
    /// (`busy_timeout`), which gives writes a long, unfair tail under contention (p99 of
    /// 3.6 s at 32 concurrent PATCHes). This process's writers queue here instead, each
    /// woken as soon as the one before commits; `busy_timeout` remains for other processes.
    writer: Arc<Mutex<()>>,
    /// Told how long each checkout waited for a connection (metrics; nothing by default).
    on_wait: Option<Arc<dyn Fn(Duration) + Send + Sync>>,
}

/// How many connections the pool holds now, and how many of them are idle.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    pub connections: u32,
    pub idle: u32,
}

/// How long after a dead connection was found every checkout is tested first: long enough
/// to flush the connections an outage left in the pool, short enough to cost nothing when
/// the database is healthy.
const SUSPICION_SECS: u64 = 60;

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Database {
    /// Builds the pool without connecting, so a server can start while its database is down.
    pub fn new(url: &str, settings: &PoolSettings) -> Self {
        let backend = Backend::from_url(url);
        let pool = Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(settings.max_size.min(2)))
            .connection_timeout(settings.connection_timeout)
            // Checking every checkout costs a round trip per request; failed connections are
            // marked in `run` instead.
            .test_on_check_out(false)
            .error_handler(Box::new(TracingErrorHandler))
            .build_unchecked(Manager {
                backend: backend.clone(),
            });
        Self {
            pool,
            backend: Arc::new(backend),
            last_failure: Arc::new(AtomicU64::new(0)),
            writer: Arc::new(Mutex::new(())),
            on_wait: None,
        }
    }

    /// Calls `observe` with the time each checkout waited for a connection.
    pub fn with_wait_observer(mut self, observe: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.on_wait = Some(Arc::new(observe));
        self
    }

    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
        }
    }

    /// A connection from the pool. Shortly after a dead one was found, each is tested first
    /// and dead ones are discarded, so the first requests after an outage do not each pay
    /// for one stale connection.
    fn checkout(&self) -> Result<PooledConnection<Manager>, DbError> {
        let suspicious = now_secs().saturating_sub(self.last_failure.load(Ordering::Relaxed)) < SUSPICION_SECS;
        for _ in 0..=self.pool.max_size() {
            let started = self.on_wait.as_ref().map(|_| std::time::Instant::now());
            let got = self.pool.get();
            if let (Some(observe), Some(started)) = (&self.on_wait, started) {
                observe(started.elapsed());
            }
            let mut conn = got?;
            if !suspicious || conn.inner.batch_execute("SELECT 1").is_ok() {
                return Ok(conn);
            }
            conn.broken = true;
        }
        Err(DbError::Unavailable("no live database connection".into()))
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Lends a connection to `body` (blocking: call it off the async workers).
    ///
    /// When `body` fails and the connection no longer answers, it is dropped from the pool,
    /// so a restarted database is picked up again without restarting hamkari.
    pub fn run<T, E>(&self, body: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let mut conn = self.checkout().map_err(E::from)?;
        let result = body(&mut conn.inner);
        if result.is_err() && conn.inner.batch_execute("SELECT 1").is_err() {
            conn.broken = true;
            self.last_failure.store(now_secs(), Ordering::Relaxed);
        }
        result
    }

    /// Like [`Database::run`], inside one write transaction (`BEGIN IMMEDIATE` on SQLite,
    /// after this process's earlier writers).
    pub fn write<T, E>(&self, body: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let _turn = match self.backend.as_ref() {
            // The guard protects no data, so a panic under it leaves nothing inconsistent.
            Backend::Sqlite { .. } => Some(self.writer.lock().unwrap_or_else(PoisonError::into_inner)),
            Backend::Postgres { .. } => None,
        };
        self.run(|conn| crate::write_transaction(conn, body))
    }

    /// Whether the database answers a trivial query now.
    pub fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
    }
}
