//! hamkari's use cases. Each is `fn(&mut DbConnection, &Caller, command) -> Result<T, AppError>`:
//! it asks the one [`policy`], applies the rules that need stored data, writes, and records
//! one event per change on the same connection, so the caller's transaction commits the
//! change and its event together or neither.

pub mod audit;
mod caller;
mod error;
mod events;
pub mod members;
pub mod policy;
mod versions;

pub use caller::{now, Caller};
pub use error::AppError;
pub use hamkari_persistence::page::{After, Page, SortValue};
pub use hamkari_persistence::{Backend, Database, DbConnection, DbError, PoolSettings, Unique};
pub mod project_parts;
pub mod projects;
pub mod roster;
pub mod working_groups;
