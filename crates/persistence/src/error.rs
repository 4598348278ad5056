//! The storage layer's errors: what callers must tell apart, with the cause kept for logs.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Every unique index a write can run into. http matches this exhaustively, so a new index
/// cannot reach a client as an anonymous 409 or a 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    OrganizationSlug,
    OrganizationName,
    UserEmail,
    MemberNationalId,
    MemberEmail,
    MembershipOpenRole,
    MembershipOpenChair,
    ProjectOneLead,
    ProjectTeamMember,
    GroupMember,
    GroupOneChair,
    GroupOneCoChair,
    ApiTokenSecret,
    RefreshTokenHash,
    ServerSecretName,
    LoginThrottleKey,
    UserOrganization,
    Approval,
}

impl Unique {
    const ALL: [Self; 18] = [
        Self::OrganizationSlug,
        Self::OrganizationName,
        Self::UserEmail,
        Self::MemberNationalId,
        Self::MemberEmail,
        Self::MembershipOpenRole,
        Self::MembershipOpenChair,
        Self::ProjectOneLead,
        Self::ProjectTeamMember,
        Self::GroupMember,
        Self::GroupOneChair,
        Self::GroupOneCoChair,
        Self::ApiTokenSecret,
        Self::RefreshTokenHash,
        Self::ServerSecretName,
        Self::LoginThrottleKey,
        Self::UserOrganization,
        Self::Approval,
    ];

    /// PostgreSQL names the index; SQLite names `table.column`, so both are kept.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::OrganizationSlug => ("organizations_slug_unique", "organizations.slug"),
            Self::OrganizationName => ("organizations_name_key_unique", "organizations.name_key"),
            Self::UserEmail => ("users_email_unique", "users.email"),
            Self::MemberNationalId => ("members_national_id_unique", "members.national_id"),
            Self::MemberEmail => ("members_email_unique", "members.email"),
            Self::MembershipOpenRole => (
                "memberships_open_role_unique",
                "memberships.member_id, memberships.organization_id, memberships.role",
            ),
            Self::MembershipOpenChair => ("memberships_open_chair_unique", "memberships.organization_id"),
            Self::ProjectOneLead => ("project_organizations_one_lead", "project_organizations.project_id"),
            Self::ProjectTeamMember => (
                "project_members_pkey",
                "project_members.project_id, project_members.member_id",
            ),
            Self::GroupMember => (
                "working_group_members_pkey",
                "working_group_members.group_id, working_group_members.member_id",
            ),
            Self::GroupOneChair => ("working_group_members_one_chair", "working_group_members.group_id"),
            Self::GroupOneCoChair => (
                "working_group_members_one_co_chair",
                "working_group_members.group_id, working_group_members.organization_id",
            ),
            Self::ApiTokenSecret => ("api_tokens_secret_unique", "api_tokens.secret_hash"),
            Self::RefreshTokenHash => ("refresh_tokens_hash_unique", "refresh_tokens.token_hash"),
            Self::ServerSecretName => ("server_secrets_pkey", "server_secrets.name"),
            Self::LoginThrottleKey => ("login_throttle_pkey", "login_throttle.key"),
            Self::UserOrganization => (
                "user_organizations_pkey",
                "user_organizations.user_id, user_organizations.organization_id",
            ),
            Self::Approval => (
                "approvals_pkey",
                "approvals.resource_type, approvals.resource_id, approvals.organization_id",
            ),
        }
    }

    fn find(info: &dyn diesel::result::DatabaseErrorInformation) -> Option<Self> {
        Self::ALL.into_iter().find(|u| {
            let (index, columns) = u.names();
            info.constraint_name() == Some(index)
                || info.message().strip_prefix("UNIQUE constraint failed: ") == Some(columns)
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique index refused the write.
    #[error("unique constraint {0:?} violated")]
    UniqueViolation(Unique),
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
    /// A stored value this code cannot read: a bug or a hand-edited row, answered with 500.
    pub(crate) fn corrupt(message: String) -> Self {
        Self::Query(diesel::result::Error::DeserializationError(message.into()))
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => match Unique::find(info.as_ref()) {
                Some(unique) => Self::UniqueViolation(unique),
                None => Self::Query(err),
            },
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
