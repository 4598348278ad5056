//! hamkari's HTTP layer: the actix-web application, its routes, errors and OpenAPI document.

mod app;
pub mod auth;
mod bodies;
mod db;
pub mod error;
mod export;
mod export_lines;
mod extract;
mod import_file;
mod import_multipart;
mod messages;
mod metrics;
mod middleware;
mod nullable;
pub mod openapi;
mod pagination;
mod preconditions;
mod roster;
mod routes;
mod state;

pub use app::{Application, BuildError, Settings};
pub use auth::AdminBootstrap;
pub use hamkari_app::PoolSettings;
pub use import_file::ImportLimits;
pub use state::LoginLimits;
