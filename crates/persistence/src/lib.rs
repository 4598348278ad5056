//! hamkari's storage: one diesel codebase over PostgreSQL and SQLite.
//!
//! Query functions take `&mut DbConnection` so the caller decides where a transaction
//! starts and ends; [`Database::run`] lends a pooled connection to a blocking closure.

pub mod accreditations;
mod actors;
pub mod agreements;
pub mod api_tokens;
pub mod approvals;
pub mod backup;
pub mod capacities;
pub mod capacity_requests;
mod connection;
mod error;
pub mod events;
pub mod feed;
mod fragment;
pub mod idempotency;
pub mod locks;
pub mod meetings;
pub mod member_keys;
mod member_search;
pub mod members;
pub mod memberships;
pub mod migrations;
pub mod organizations;
pub mod page;
mod pool;
pub mod projects;
pub mod refresh_tokens;
pub mod rekey;
pub mod resolutions;
mod schema;
mod search;
pub mod secrets;
pub mod shared_members;
mod sql_types;
pub mod status_changes;
pub mod throttle;
pub mod token_expiry;
mod transaction;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
pub mod working_groups;

pub use connection::{Backend, DbConnection};
pub use error::{DbError, Unique};
pub use pool::{Database, PoolSettings, PoolState};
pub use transaction::write_transaction;
pub mod roster;
mod savepoint;
pub use savepoint::savepoint;
