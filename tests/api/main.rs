//! Black-box tests: the real server on port 0, a fresh database per test, HTTP from outside.
//!
//! SQLite by default; set `HAMKARI_TEST_DATABASE_URL=postgres://…` (a server where the user
//! may create databases) to run the same suite on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod actors;
mod agreements;
mod api_tokens;
mod approval_parties;
mod approvals;
mod audit_events;
mod auth;
mod authorization;
mod authorization_matrix;
mod calendar;
mod capacities;
mod capacities_matrix;
mod capacities_member_accreditations;
mod capacities_requests;
mod capacities_search;
mod cli;
mod clients;
mod concurrency;
mod deploy;
mod errors;
mod exports;
mod exports_every_list;
mod exports_lists;
mod feed;
mod follow_ups;
mod governance;
mod health;
mod helpers;
mod imports;
mod limits;
mod meeting_calendars;
mod meetings;
mod meetings_matrix;
mod members;
mod memberships;
mod messages;
mod metrics;
mod organizations;
mod organizations_list;
mod outage;
mod persian_text;
mod projects;
mod query_plans;
mod schema;
mod schema_limits;
mod search_words;
mod shared_members;
mod shutdown;
mod sqlite_plans;
mod tls;
mod users;
mod webhooks;
mod working_groups;
