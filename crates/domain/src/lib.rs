//! hamkari's domain: the types, validation rules and text handling that a reader must
//! understand to know the rules. No I/O, no web framework, no database.

pub mod accreditation;
pub mod actor;
pub mod agreement;
pub mod api_token;
pub mod approval;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod capacity;
pub mod capacity_request;
pub mod contact;
pub mod feed;
pub mod idempotency;
pub mod import;
pub mod meeting;
pub mod meeting_parts;
pub mod member;
pub mod membership;
pub mod national_id;
pub mod organization;
pub mod page;
pub mod precondition;
pub mod project;
pub mod resolution;
pub mod shared_members;
pub mod spreadsheet;
pub mod text;
pub mod user;
pub mod validation;
pub mod webhook;
pub mod working_group;

pub use actor::ActorRef;
pub use validation::{FieldError, ValidationErrors};

/// A new time-ordered identifier (UUID v7), so primary-key indexes grow at the right edge.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
