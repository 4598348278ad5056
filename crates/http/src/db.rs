//! Runs database work on the blocking pool, never on an actix worker.

use actix_web::web;
use hamkari_persistence::{Database, DbConnection};

use crate::error::ApiError;

/// Runs `work` on actix's blocking thread pool, inside the caller's tracing span so its log
/// lines carry the request id.
async fn on_blocking_pool<T, W>(db: &Database, work: W) -> Result<T, ApiError>
where
    W: FnOnce(&Database) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let db = db.clone();
    let span = tracing::Span::current();
    web::block(move || {
        let _entered = span.enter();
        work(&db)
    })
    .await?
}

/// Runs `body` with a pooled connection, off the workers.
pub async fn run<T, F>(db: &Database, body: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    on_blocking_pool(db, move |db| db.run(body)).await
}

/// Like [`run`], inside one write transaction (`BEGIN IMMEDIATE` on SQLite, after this
/// process's earlier writers).
pub async fn write<T, F>(db: &Database, body: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    on_blocking_pool(db, move |db| db.write(body)).await
}
