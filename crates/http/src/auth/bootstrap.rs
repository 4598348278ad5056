//! The first administrator: from configuration, from `hamkari create-admin`, or generated.

use hamkari_app::{users, AppError, Database, DbError};
use hamkari_domain::auth::{Password, Role};
use hamkari_domain::user::{User, UserInput};

use super::password::hash_now;
use crate::error::ApiError;

/// What `serve` does when no administrator exists.
#[derive(Debug, Clone)]
pub enum AdminBootstrap {
    /// Create this administrator (from `HAMKARI_ADMIN_EMAIL`/`HAMKARI_ADMIN_PASSWORD`).
    Given { email: String, password: String },
    /// Create `admin@localhost` with a generated password, printed once.
    Generate,
    /// Leave it to `hamkari create-admin`.
    Skip,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("invalid administrator: {0}")]
    Invalid(String),
    #[error("a user with this email already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Other(String),
}

impl From<AppError> for BootstrapError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Duplicate(_) => Self::Exists,
            AppError::Unavailable(cause) => Self::Db(DbError::Unavailable(cause)),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<ApiError> for BootstrapError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Internal(cause) => Self::Other(cause),
            other => Self::Other(other.to_string()),
        }
    }
}

/// Creates an administrator (blocking), recorded as the system's doing. With `only_if_none`,
/// does nothing when an active administrator exists already and returns `Ok(false)`.
pub fn ensure_admin(db: &Database, email: &str, password: &str, only_if_none: bool) -> Result<bool, BootstrapError> {
    if only_if_none && db.run(users::has_admin)? {
        return Ok(false);
    }
    let now = chrono::Utc::now().naive_utc();
    let new = User::create(
        UserInput {
            email: email.to_owned(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            organization_ids: vec![],
            password: password.to_owned(),
        },
        hamkari_domain::new_id(),
        chrono::SubsecRound::trunc_subsecs(now, 6),
    )
    .map_err(|errors| {
        BootstrapError::Invalid(
            errors
                .0
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let hash = hash_now(new.password.expose())?;
    // Checked again in the transaction: another instance may have created one meanwhile.
    Ok(db.write(|conn| users::create_admin(conn, &new, &hash, only_if_none))?)
}

/// A generated password long enough for the policy.
pub fn generated_password() -> Password {
    let raw = super::random_token();
    Password::parse(raw).unwrap_or_else(|_| unreachable!("43 characters meet the policy"))
}
