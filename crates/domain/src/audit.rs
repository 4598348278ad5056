//! What the audit log can be asked for.

use crate::validation::FieldProblem;

/// An event action as recorded (`created`, `member_added`, …): one to 64 lower-case
/// letters and `_`. The OpenAPI document states the same pattern.
pub const ACTION_PATTERN: &str = "^[a-z_]{1,64}$";

/// An action to filter the audit log by, shaped like the actions events record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFilter(String);

impl ActionFilter {
    pub fn parse(raw: String) -> Result<Self, FieldProblem> {
        let plain = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !plain {
            return Err(FieldProblem::new("invalid", format!("must match {ACTION_PATTERN}")));
        }
        Ok(Self(raw))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_actions_pass() {
        for action in ["created", "member_added", "_", &"a".repeat(64)] {
            assert_eq!(ActionFilter::parse(action.to_string()).unwrap().into_inner(), action);
        }
    }

    #[test]
    fn anything_else_is_invalid() {
        for action in ["", "Created", "member-added", "créé", "a b", &"a".repeat(65), "ایجاد"] {
            assert_eq!(
                ActionFilter::parse(action.to_string()).unwrap_err().code,
                "invalid",
                "{action:?}"
            );
        }
    }
}
