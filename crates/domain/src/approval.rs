//! Approval by every party: a joint project, working group or agreement leaves its proposed
//! or draft state only when each organization taking part has approved it.

use chrono::NaiveDateTime;
use serde::Serialize;
use uuid::Uuid;

use crate::validation::{clean_text, FieldProblem};

/// The kinds of item that need every party's approval; the names are the events'
/// resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Approvable {
    Project,
    WorkingGroup,
    Agreement,
}

impl Approvable {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::WorkingGroup => "working_group",
            Self::Agreement => "agreement",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Project, Self::WorkingGroup, Self::Agreement]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// One organization's approval. Serialized as the events' `before`/`after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub resource_type: Approvable,
    pub resource_id: Uuid,
    pub organization_id: Uuid,
    pub note: Option<String>,
    /// The meeting resolution that decided it, when one did.
    pub resolution_id: Option<Uuid>,
    pub by_user: Option<Uuid>,
    pub by_token: Option<Uuid>,
    pub approved_at: NaiveDateTime,
}

/// An approval's note: up to 2000 characters.
pub fn note(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 2000)
}

/// The parties that have not approved yet, in id order.
pub fn pending(parties: &[Uuid], approved: &[Uuid]) -> Vec<Uuid> {
    let mut missing: Vec<Uuid> = parties.iter().copied().filter(|p| !approved.contains(p)).collect();
    missing.sort();
    missing.dedup();
    missing
}

/// Whether a new party set asks for approvals again: any organization added. (Removing a
/// party leaves the others' approvals standing: they approved a set that only shrank.)
pub fn resets(before: &[Uuid], after: &[Uuid]) -> bool {
    after.iter().any(|a| !before.contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_every_party_without_an_approval() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(pending(&[b, a], &[]), {
            let mut v = vec![a, b];
            v.sort();
            v
        });
        assert_eq!(pending(&[a, b], &[b]), [a]);
        assert!(pending(&[a, b], &[a, b, c]).is_empty());
    }

    #[test]
    fn only_a_new_party_resets() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(resets(&[a, b], &[a, b, c]));
        assert!(!resets(&[a, b, c], &[a, b]));
        assert!(!resets(&[a, b], &[b, a]));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [Approvable::Project, Approvable::WorkingGroup, Approvable::Agreement] {
            assert_eq!(Approvable::parse(k.as_str()), Some(k));
        }
        assert_eq!(Approvable::parse("member"), None);
        assert!(note("  ").is_err());
    }
}
