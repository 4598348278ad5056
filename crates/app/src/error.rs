//! The use cases' errors: what a caller must tell apart, with causes kept for the log.

use hamkari_domain::auth::Denied;
use hamkari_domain::ValidationErrors;
use hamkari_persistence::{DbError, Unique};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Well-formed but invalid input: 422.
    #[error("invalid fields")]
    Validation(ValidationErrors),
    /// The caller may see the resource but not do this: 403.
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or not visible to the caller: 404.
    #[error("{0}")]
    NotFound(String),
    /// The current state refuses the change: 409.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        field: Option<&'static str>,
    },
    /// A joint item cannot leave its proposed or draft state before every party approved
    /// it: 409 listing the organizations still to approve.
    #[error("{detail}")]
    ApprovalsPending { detail: String, pending: Vec<uuid::Uuid> },
    /// A unique index refused the write: 409 naming the field.
    #[error("duplicate: {0:?}")]
    Duplicate(Unique),
    /// Like `Duplicate`, naming the existing record the caller may see: 409 with its id.
    #[error("duplicate of {existing_id}: {unique:?}")]
    DuplicateOf { unique: Unique, existing_id: uuid::Uuid },
    /// The client's `If-Match` names another version: 412.
    #[error("the resource has changed: its current version is {current}")]
    PreconditionFailed { current: i64 },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A bug or an operational problem: logged, answered with an opaque 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn field_conflict(code: &'static str, field: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            field: Some(field),
        }
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(ValidationErrors::single(field, code, message))
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::UniqueViolation(unique) => Self::Duplicate(unique),
            DbError::ForeignKeyViolation(cause) => {
                tracing::info!(%cause, "foreign key refused a write");
                Self::conflict("conflict", "The change refers to or is referred to by another record.")
            }
            DbError::Unavailable(cause) => Self::Unavailable(cause),
            DbError::Query(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Forbidden(detail) => Self::Forbidden(detail),
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}
