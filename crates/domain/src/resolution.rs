//! What a held meeting decided (resolutions, numbered per meeting) and the follow-ups it set
//! (action items: what, who, which organization, by when).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::project::names;
use crate::validation::{clean_text, FieldProblem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolutionOutcome {
    Adopted,
    Rejected,
    Deferred,
}

/// How one organization voted on a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    InFavour,
    Against,
    Abstained,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionItemStatus {
    Open,
    Done,
    Dropped,
}

names!(ResolutionOutcome { Adopted => "adopted", Rejected => "rejected", Deferred => "deferred" });
names!(Vote { InFavour => "in_favour", Against => "against", Abstained => "abstained" });
names!(ActionItemStatus { Open => "open", Done => "done", Dropped => "dropped" });

/// A resolution; the record of a decision, not edited once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub id: Uuid,
    pub meeting_id: Uuid,
    /// 1, 2, 3… within its meeting.
    pub number: i32,
    pub text: String,
    pub outcome: ResolutionOutcome,
    /// One vote per organization at most, for organizations taking part in the meeting.
    pub votes: Vec<(Uuid, Vote)>,
    pub created_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
}

pub fn resolution_text(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 10_000)
}

/// Votes: one per organization.
pub fn votes(mut votes: Vec<(Uuid, Vote)>) -> Result<Vec<(Uuid, Vote)>, FieldProblem> {
    votes.sort_by_key(|v| v.0);
    if votes.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(FieldProblem::new("duplicate", "one vote per organization"));
    }
    Ok(votes)
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionItem {
    pub id: Uuid,
    pub resolution_id: Uuid,
    pub meeting_id: Uuid,
    pub what: String,
    pub owner_id: Uuid,
    /// The organization that owes it.
    pub organization_id: Uuid,
    pub due_on: NaiveDate,
    pub status: ActionItemStatus,
    pub status_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

pub fn what(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 2000)
}

impl ActionItemStatus {
    /// `open → done | dropped`; both are final.
    pub fn next(self) -> &'static [ActionItemStatus] {
        match self {
            Self::Open => &[Self::Done, Self::Dropped],
            Self::Done | Self::Dropped => &[],
        }
    }
}

impl ActionItem {
    /// Open and past its due day on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == ActionItemStatus::Open && self.due_on < today
    }

    /// Moves the item; the error lists the allowed next states.
    pub fn transition(
        &mut self,
        to: ActionItemStatus,
        reason: Option<String>,
        now: NaiveDateTime,
        by: ActorRef,
    ) -> Result<ActionItemStatus, Vec<ActionItemStatus>> {
        let from = self.status;
        if !from.next().contains(&to) {
            return Err(from.next().to_vec());
        }
        self.status = to;
        self.status_reason = reason;
        self.version += 1;
        self.updated_at = now.max(self.updated_at);
        self.updated_by = Some(by);
        Ok(from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_items_move_once_and_votes_are_one_per_organization() {
        let now = NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let mut item = ActionItem {
            id: Uuid::now_v7(),
            resolution_id: Uuid::now_v7(),
            meeting_id: Uuid::now_v7(),
            what: "تهیه پیش‌نویس".into(),
            owner_id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            due_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            status: ActionItemStatus::Open,
            status_reason: None,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
            version: 1,
        };
        assert!(item.is_overdue(now.date()));
        assert!(!item.is_overdue(item.due_on));
        let by = ActorRef::System;
        assert_eq!(
            item.transition(ActionItemStatus::Done, None, now, by),
            Ok(ActionItemStatus::Open)
        );
        assert_eq!(item.version, 2);
        assert!(!item.is_overdue(now.date()));
        assert_eq!(item.transition(ActionItemStatus::Dropped, None, now, by), Err(vec![]));
        let a = Uuid::now_v7();
        assert!(votes(vec![(a, Vote::Against), (a, Vote::InFavour)]).is_err());
        assert_eq!(Vote::parse("in_favour"), Ok(Vote::InFavour));
        assert!(what("  ").is_err());
    }
}
