//! The connection pool: a manager that knows its backend from the URL, so an unreachable
//! PostgreSQL fails fast with its own error instead of being retried as a SQLite path.

use std::sync::Arc;
use std::time::Duration;

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
        }
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
        let mut conn: PooledConnection<Manager> = self.pool.get().map_err(|e| E::from(DbError::from(e)))?;
        let result = body(&mut conn.inner);
        if result.is_err() && conn.inner.batch_execute("SELECT 1").is_err() {
            conn.broken = true;
        }
        result
    }

    /// Whether the database answers a trivial query now.
    pub fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
    }
}
