use serde::{Deserialize, Serialize};

use crate::validation::FieldProblem;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users, API tokens and audit.
    Admin,
    /// Writes within the organizations the user acts for, and the joint work they take part in.
    Editor,
    /// Reads.
    Viewer,
}

impl Role {
    pub const ALL: [Self; 3] = [Self::Admin, Self::Editor, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| FieldProblem::new("invalid_value", "must be one of admin, editor, viewer"))
    }
}
