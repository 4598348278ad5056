//! hamkari's HTTP layer: the actix-web application, its routes, errors and OpenAPI document.

mod app;
pub mod auth;
mod bodies;
pub mod dates;
mod db;
pub mod error;
mod export;
mod export_lines;
mod extract;
mod feed_render;
mod ics;
mod idempotency;
mod import_file;
mod import_multipart;
mod messages;
mod metrics;
mod middleware;
mod nullable;
pub mod openapi;
mod pagination;
mod preconditions;
pub mod rate_limit;
mod roster;
mod routes;
pub mod shutdown;
mod state;
mod token_expiry;
pub mod webhook_worker;

pub use app::{Application, BuildError, Settings};
pub use auth::AdminBootstrap;
pub use dates::DateFloor;
pub use hamkari_app::PoolSettings;
pub use import_file::ImportLimits;
pub use rate_limit::RateLimits;
pub use shutdown::ShutdownHooks;
pub use state::LoginLimits;
