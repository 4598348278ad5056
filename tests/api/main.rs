//! Black-box tests: the real server on port 0, a fresh database per test, HTTP from outside.
//!
//! SQLite by default; set `HAMKARI_TEST_DATABASE_URL=postgres://…` (a server where the user
//! may create databases) to run the same suite on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod actors;
mod api_tokens;
mod audit_events;
mod auth;
mod authorization;
mod authorization_matrix;
mod cli;
mod concurrency;
mod deploy;
mod errors;
mod feed;
mod health;
mod helpers;
mod members;
mod memberships;
mod messages;
mod metrics;
mod organizations;
mod organizations_list;
mod outage;
mod persian_text;
mod projects;
mod schema;
mod shared_members;
mod tls;
mod users;
mod webhooks;
mod working_groups;
