//! hamkari's use cases. Each is `fn(&mut DbConnection, &Caller, command) -> Result<T, AppError>`:
//! it asks the one [`policy`], applies the rules that need stored data, writes, and records
//! one event per change on the same connection, so the caller's transaction commits the
//! change and its event together or neither.

pub mod accreditations;
pub mod agreements;
pub mod api_tokens;
pub mod approvals;
pub mod audit;
mod caller;
pub mod capacities;
pub mod capacity_requests;
pub mod contacts;
mod error;
mod events;
pub mod feed;
pub mod group_transitions;
pub mod idempotency;
pub mod imports;
pub mod meeting_parts;
pub mod meetings;
mod member_duplicates;
pub mod members;
pub mod memberships;
pub mod organizations;
pub mod policy;
pub mod project_parts;
pub mod projects;
pub mod resolutions;
pub mod roster;
pub mod sessions;
pub mod shared_members;
pub mod token_expiry;
pub mod users;
mod versions;
pub mod webhook_delivery;
pub mod webhooks;
pub mod working_groups;

pub use caller::{now, Caller};
pub use error::AppError;
pub use hamkari_persistence::migrations;
pub use hamkari_persistence::page::{After, Page, SortValue};
pub use hamkari_persistence::{Backend, Database, DbConnection, DbError, PoolSettings, Unique};
