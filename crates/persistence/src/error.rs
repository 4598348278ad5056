//! The storage layer's errors: what callers must tell apart, with the cause kept for logs.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Unique indexes and the field a client would change to resolve a clash.
/// PostgreSQL names the index; SQLite names `table.column`, so both are listed.
const UNIQUE_INDEXES: &[(&str, &str)] = &[
    ("organizations_slug_unique", "organizations.slug"),
    ("organizations_name_key_unique", "organizations.name_key"),
    ("users_email_unique", "users.email"),
    ("members_national_id_unique", "members.national_id"),
    ("members_email_unique", "members.email"),
    (
        "memberships_open_role_unique",
        "memberships.member_id, memberships.organization_id, memberships.role",
    ),
    ("memberships_open_chair_unique", "memberships.organization_id"),
    ("project_organizations_one_lead", "project_organizations.project_id"),
    (
        "project_members_pkey",
        "project_members.project_id, project_members.member_id",
    ),
    (
        "working_group_members_pkey",
        "working_group_members.group_id, working_group_members.member_id",
    ),
    ("working_group_members_one_chair", "working_group_members.group_id"),
    (
        "working_group_members_one_co_chair",
        "working_group_members.group_id, working_group_members.organization_id",
    ),
    ("api_tokens_secret_unique", "api_tokens.secret_hash"),
    ("refresh_tokens_hash_unique", "refresh_tokens.token_hash"),
    ("server_secrets_pkey", "server_secrets.name"),
    ("login_throttle_pkey", "login_throttle.key"),
    (
        "user_organizations_pkey",
        "user_organizations.user_id, user_organizations.organization_id",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique index refused the write; holds the index name.
    #[error("unique constraint {0} violated")]
    UniqueViolation(&'static str),
    /// A foreign key refused the write; holds the database's message.
    #[error("foreign key violated: {0}")]
    ForeignKeyViolation(String),
    /// The database cannot be reached or a pooled connection died.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or an operational problem, logged and answered with 500.
    #[error(transparent)]
    Query(DieselError),
}

impl DbError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let found = UNIQUE_INDEXES.iter().find(|(index, column)| {
                    info.constraint_name() == Some(index)
                        || info.message().strip_prefix("UNIQUE constraint failed: ") == Some(column)
                });
                match found {
                    Some((index, _)) => Self::UniqueViolation(index),
                    None => Self::Query(err),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                Self::ForeignKeyViolation(info.message().to_owned())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            // SQLite reports a foreign key failure without a distinct kind.
            DieselError::DatabaseError(_, info) if info.message().contains("FOREIGN KEY constraint failed") => {
                Self::ForeignKeyViolation(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) if is_connection_loss(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            _ => Self::Query(err),
        }
    }
}

/// libpq reports a server that went away with these messages rather than a distinct kind.
fn is_connection_loss(message: &str) -> bool {
    const SIGNS: [&str; 5] = [
        "terminating connection",
        "server closed the connection",
        "could not receive data",
        "no connection to the server",
        "connection to server",
    ];
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(err.to_string())
    }
}
