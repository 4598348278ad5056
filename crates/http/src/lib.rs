//! hamkari's HTTP layer: the actix-web application, its routes, errors and OpenAPI document.

mod app;
pub mod auth;
mod bodies;
mod db;
pub mod error;
mod extract;
mod feed_render;
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
pub mod webhook_worker;

pub use app::{Application, BuildError, Settings};
pub use auth::AdminBootstrap;
pub use hamkari_app::PoolSettings;
pub use state::LoginLimits;
