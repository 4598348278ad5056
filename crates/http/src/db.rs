//! Runs database work on the blocking pool, never on an actix worker.

use actix_web::web;
use hamkari_app::{Database, DbConnection, DbError};

use crate::error::ApiError;

/// Runs `work` on actix's blocking thread pool, inside the caller's tracing span so its log
/// lines carry the request id.
async fn on_blocking_pool<T, E, W>(db: &Database, work: W) -> Result<T, ApiError>
where
    W: FnOnce(&Database) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    ApiError: From<E>,
{
    let db = db.clone();
    let span = tracing::Span::current();
    Ok(web::block(move || {
        let _entered = span.enter();
        work(&db)
    })
    .await??)
}

/// Runs `body` with a pooled connection, off the workers.
pub async fn run<T, E, F>(db: &Database, body: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
    ApiError: From<E>,
{
    on_blocking_pool(db, move |db| db.run(body)).await
}

/// Like [`run`], inside one write transaction (`BEGIN IMMEDIATE` on SQLite, after this
/// process's earlier writers).
pub async fn write<T, E, F>(db: &Database, body: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
    ApiError: From<E>,
{
    let written = on_blocking_pool(db, move |db| db.write(body)).await;
    if written.is_ok() {
        crate::routes::events_feed::wake();
    }
    written
}
