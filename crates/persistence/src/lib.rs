//! hamkari's storage: one diesel codebase over PostgreSQL and SQLite.
//!
//! Query functions take `&mut DbConnection` so the caller decides where a transaction
//! starts and ends; [`Database::run`] lends a pooled connection to a blocking closure.

mod connection;
mod error;
pub mod migrations;
pub mod organizations;
pub mod page;
mod pool;
mod schema;
mod sql_types;
mod transaction;

pub use connection::{Backend, DbConnection};
pub use error::DbError;
pub use pool::{Database, PoolSettings};
pub use transaction::write_transaction;
