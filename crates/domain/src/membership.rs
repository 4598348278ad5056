//! Memberships: a person's role in an organization over a term, and the rules about them.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::validation::{clean_text, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MembershipRole {
    Member,
    BoardMember,
    BoardChair,
    BoardViceChair,
    Secretary,
    Treasurer,
    Inspector,
}

impl MembershipRole {
    pub const ALL: [Self; 7] = [
        Self::Member,
        Self::BoardMember,
        Self::BoardChair,
        Self::BoardViceChair,
        Self::Secretary,
        Self::Treasurer,
        Self::Inspector,
    ];

    /// The roles that sit on the board (هیئت مدیره): the inspector (بازرس) and plain members do not.
    pub const BOARD: [Self; 5] = [
        Self::BoardMember,
        Self::BoardChair,
        Self::BoardViceChair,
        Self::Secretary,
        Self::Treasurer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::BoardMember => "board_member",
            Self::BoardChair => "board_chair",
            Self::BoardViceChair => "board_vice_chair",
            Self::Secretary => "secretary",
            Self::Treasurer => "treasurer",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw).ok_or_else(|| {
            FieldProblem::new(
                "invalid_value",
                "must be one of member, board_member, board_chair, board_vice_chair, secretary, treasurer, inspector",
            )
        })
    }

    pub fn is_board(self) -> bool {
        Self::BOARD.contains(&self)
    }
}

/// Which roles a question is about: one role, or every board role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleFilter {
    Board,
    Role(MembershipRole),
}

impl RoleFilter {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        if raw == "board" {
            return Ok(Self::Board);
        }
        MembershipRole::parse(raw).map(Self::Role).map_err(|_| {
            FieldProblem::new(
                "invalid_value",
                "must be board or a membership role such as board_chair",
            )
        })
    }

    pub fn roles(self) -> Vec<MembershipRole> {
        match self {
            Self::Board => MembershipRole::BOARD.to_vec(),
            Self::Role(role) => vec![role],
        }
    }
}

/// A term from `starts_on` to `ends_on` inclusive; open-ended while `ends_on` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Term {
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Term {
    pub fn new(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> Result<Self, FieldProblem> {
        match ends_on {
            Some(end) if end < starts_on => Err(FieldProblem::new("before_start", "must be on or after starts_on")),
            _ => Ok(Self { starts_on, ends_on }),
        }
    }

    pub fn is_current_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }

    pub fn overlaps(&self, other: &Term) -> bool {
        let ends_before = |a: &Term, b: &Term| a.ends_on.is_some_and(|end| end < b.starts_on);
        !ends_before(self, other) && !ends_before(other, self)
    }
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Membership {
    pub id: Uuid,
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub role: MembershipRole,
    #[serde(flatten)]
    pub term: Term,
    pub end_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

/// A membership that a rule forbids, with the one it clashes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipConflict {
    /// The person already holds this role in this organization over an overlapping term.
    DuplicateRole { existing: Uuid },
    /// The organization already has a board chair over an overlapping term.
    SecondChair { existing: Uuid },
}

impl Membership {
    /// Checks the rules against the organization's other memberships (`others` may include
    /// this one; it is skipped).
    pub fn check_against(&self, others: &[Membership]) -> Result<(), MembershipConflict> {
        for other in others
            .iter()
            .filter(|o| o.id != self.id && o.organization_id == self.organization_id)
        {
            if !other.term.overlaps(&self.term) {
                continue;
            }
            if other.member_id == self.member_id && other.role == self.role {
                return Err(MembershipConflict::DuplicateRole { existing: other.id });
            }
            if self.role == MembershipRole::BoardChair && other.role == MembershipRole::BoardChair {
                return Err(MembershipConflict::SecondChair { existing: other.id });
            }
        }
        Ok(())
    }
}

/// What a client sends to create a membership, before validation.
#[derive(Debug)]
pub struct MembershipInput {
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct MembershipChanges {
    pub role: Option<MembershipRole>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub end_reason: Option<Option<String>>,
}

fn end_reason(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 500)
}

/// The term and end reason must agree: a reason only for a membership that ended.
fn check_term_and_reason(
    errors: &mut ValidationErrors,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    reason: Option<String>,
) -> (Option<Term>, Option<Option<String>>) {
    let term = errors.check("ends_on", Term::new(starts_on, ends_on));
    let reason = match reason {
        Some(_) if ends_on.is_none() => {
            errors.push(crate::FieldError::new(
                "end_reason",
                "without_end",
                "can be given only with ends_on",
            ));
            None
        }
        Some(raw) => errors.check("end_reason", end_reason(&raw)).map(Some),
        None => Some(None),
    };
    (term, reason)
}

impl Membership {
    pub fn create(input: MembershipInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let (term, end_reason) = check_term_and_reason(&mut errors, input.starts_on, input.ends_on, input.end_reason);
        match (term, end_reason) {
            (Some(term), Some(end_reason)) if errors.is_empty() => Ok(Self {
                id,
                member_id: input.member_id,
                organization_id: input.organization_id,
                role: input.role,
                term,
                end_reason,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
            }),
            _ => Err(errors),
        }
    }

    pub fn apply(&mut self, changes: MembershipChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let starts_on = changes.starts_on.unwrap_or(self.term.starts_on);
        let ends_on = changes.ends_on.unwrap_or(self.term.ends_on);
        // Ending a membership keeps a reason given earlier; reopening it drops the reason.
        let reason = match changes.end_reason {
            Some(reason) => reason,
            None if ends_on.is_none() => None,
            None => self.end_reason.clone(),
        };
        let (term, end_reason) = check_term_and_reason(&mut errors, starts_on, ends_on, reason);
        let (Some(term), Some(end_reason)) = (term, end_reason) else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut next = self.clone();
        next.role = changes.role.unwrap_or(self.role);
        next.term = term;
        next.end_reason = end_reason;
        if next == *self {
            return Ok(false);
        }
        next.version += 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn now() -> NaiveDateTime {
        day(2026, 11, 23).and_hms_opt(9, 0, 0).unwrap()
    }

    fn membership(
        member: Uuid,
        org: Uuid,
        role: MembershipRole,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Membership {
        Membership::create(
            MembershipInput {
                member_id: member,
                organization_id: org,
                role,
                starts_on: start,
                ends_on: end,
                end_reason: None,
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap()
    }

    #[test]
    fn terms() {
        let t = Term::new(day(2020, 1, 1), Some(day(2022, 12, 31))).unwrap();
        assert!(t.is_current_on(day(2020, 1, 1)) && t.is_current_on(day(2022, 12, 31)));
        assert!(!t.is_current_on(day(2023, 1, 1)) && !t.is_current_on(day(2019, 12, 31)));
        let open = Term::new(day(2023, 1, 1), None).unwrap();
        assert!(!t.overlaps(&open) && !open.overlaps(&t));
        assert!(open.overlaps(&Term::new(day(2025, 1, 1), None).unwrap()));
        assert!(t.overlaps(&Term::new(day(2022, 12, 31), None).unwrap()));
        assert_eq!(
            Term::new(day(2020, 1, 2), Some(day(2020, 1, 1))).unwrap_err().code,
            "before_start"
        );
    }

    #[test]
    fn one_chair_at_a_time() {
        let org = Uuid::now_v7();
        let chair = membership(Uuid::now_v7(), org, MembershipRole::BoardChair, day(2020, 1, 1), None);
        let rival = membership(Uuid::now_v7(), org, MembershipRole::BoardChair, day(2024, 1, 1), None);
        assert_eq!(
            rival.check_against(std::slice::from_ref(&chair)),
            Err(MembershipConflict::SecondChair { existing: chair.id })
        );
        // A successor after the term ends is fine; so is a chair of another organization.
        let mut ended = chair.clone();
        ended.term.ends_on = Some(day(2023, 12, 31));
        assert!(rival.check_against(&[ended]).is_ok());
        let elsewhere = membership(
            Uuid::now_v7(),
            Uuid::now_v7(),
            MembershipRole::BoardChair,
            day(2024, 1, 1),
            None,
        );
        assert!(elsewhere.check_against(std::slice::from_ref(&chair)).is_ok());
        // Many board members at once.
        let a = membership(Uuid::now_v7(), org, MembershipRole::BoardMember, day(2024, 1, 1), None);
        let b = membership(Uuid::now_v7(), org, MembershipRole::BoardMember, day(2024, 1, 1), None);
        assert!(b.check_against(&[a, chair.clone()]).is_ok());
        // A membership does not clash with itself.
        assert!(chair.check_against(std::slice::from_ref(&chair)).is_ok());
    }

    #[test]
    fn one_open_membership_per_person_organization_and_role() {
        let (person, org) = (Uuid::now_v7(), Uuid::now_v7());
        let first = membership(person, org, MembershipRole::Member, day(2020, 1, 1), None);
        let again = membership(person, org, MembershipRole::Member, day(2025, 1, 1), None);
        assert_eq!(
            again.check_against(std::slice::from_ref(&first)),
            Err(MembershipConflict::DuplicateRole { existing: first.id })
        );
        let other_role = membership(person, org, MembershipRole::Inspector, day(2025, 1, 1), None);
        assert!(other_role.check_against(&[first]).is_ok());
    }

    #[test]
    fn end_reason_needs_an_end() {
        let err = Membership::create(
            MembershipInput {
                member_id: Uuid::now_v7(),
                organization_id: Uuid::now_v7(),
                role: MembershipRole::Member,
                starts_on: day(2020, 1, 1),
                ends_on: None,
                end_reason: Some("استعفا".into()),
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "end_reason");
        let mut m = membership(
            Uuid::now_v7(),
            Uuid::now_v7(),
            MembershipRole::Member,
            day(2020, 1, 1),
            None,
        );
        let changes = MembershipChanges {
            ends_on: Some(Some(day(2021, 1, 1))),
            end_reason: Some(Some("استعفا".into())),
            ..Default::default()
        };
        assert!(m.apply(changes, now()).unwrap());
        assert_eq!(m.end_reason.as_deref(), Some("استعفا"));
        // Reopening drops the reason.
        assert!(m
            .apply(
                MembershipChanges {
                    ends_on: Some(None),
                    ..Default::default()
                },
                now()
            )
            .unwrap());
        assert_eq!(m.end_reason, None);
        let bad = MembershipChanges {
            ends_on: Some(Some(day(2019, 1, 1))),
            ..Default::default()
        };
        assert_eq!(m.apply(bad, now()).unwrap_err().0[0].field, "ends_on");
    }

    #[test]
    fn role_filters() {
        assert_eq!(RoleFilter::parse("board").unwrap().roles().len(), 5);
        assert!(!RoleFilter::parse("board")
            .unwrap()
            .roles()
            .contains(&MembershipRole::Inspector));
        assert_eq!(
            RoleFilter::parse("inspector").unwrap(),
            RoleFilter::Role(MembershipRole::Inspector)
        );
        assert!(RoleFilter::parse("president").is_err());
    }
}
