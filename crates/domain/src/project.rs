//! Joint projects: research, supervisory and educational work run by several organizations.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectKind {
    Research,
    Supervisory,
    Educational,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Proposed,
    Approved,
    Active,
    OnHold,
    Completed,
    Cancelled,
}

/// How an organization takes part in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    Lead,
    Partner,
    Sponsor,
}

/// A person's part in a project's team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    Coordinator,
    Researcher,
    Inspector,
    Trainer,
    Member,
}

macro_rules! names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    FieldProblem::new("invalid_value", format!("must be one of {}", names.join(", ")))
                })
            }
        }
    };
}
pub(crate) use names;

names!(ProjectKind { Research => "research", Supervisory => "supervisory", Educational => "educational", Other => "other" });
names!(ProjectStatus {
    Proposed => "proposed",
    Approved => "approved",
    Active => "active",
    OnHold => "on_hold",
    Completed => "completed",
    Cancelled => "cancelled",
});
names!(ParticipantRole { Lead => "lead", Partner => "partner", Sponsor => "sponsor" });
names!(TeamRole { Coordinator => "coordinator", Researcher => "researcher", Inspector => "inspector", Trainer => "trainer", Member => "member" });

impl ProjectStatus {
    /// Where every project starts; its history's first entry moves it here from nothing.
    pub const INITIAL: ProjectStatus = ProjectStatus::Proposed;

    /// The lifecycle: proposed → approved → active → completed, active ⇄ on_hold, and any
    /// state that is not final → cancelled.
    pub fn next(self) -> &'static [ProjectStatus] {
        use ProjectStatus::*;
        match self {
            Proposed => &[Approved, Cancelled],
            Approved => &[Active, Cancelled],
            Active => &[OnHold, Completed, Cancelled],
            OnHold => &[Active, Cancelled],
            Completed | Cancelled => &[],
        }
    }

    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }

    /// Checks a step; the error lists the allowed next states.
    pub fn step(self, to: ProjectStatus) -> Result<ProjectStatus, IllegalTransition> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(IllegalTransition {
                from: self,
                to,
                allowed: self.next().to_vec(),
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: ProjectStatus,
    pub to: ProjectStatus,
    pub allowed: Vec<ProjectStatus>,
}

/// A project's participating organizations must be at least two with exactly one lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParticipationError {
    TooFew,
    NoLead,
    SeveralLeads,
}

impl ParticipationError {
    pub fn message(&self) -> &'static str {
        match self {
            Self::TooFew => "a joint project needs at least two organizations",
            Self::NoLead => "a joint project needs exactly one lead organization",
            Self::SeveralLeads => "a joint project has exactly one lead organization",
        }
    }
}

pub fn check_participants(participants: &[(Uuid, ParticipantRole)]) -> Result<(), ParticipationError> {
    let leads = participants.iter().filter(|(_, r)| *r == ParticipantRole::Lead).count();
    if participants.len() < 2 {
        Err(ParticipationError::TooFew)
    } else if leads == 0 {
        Err(ParticipationError::NoLead)
    } else if leads > 1 {
        Err(ParticipationError::SeveralLeads)
    } else {
        Ok(())
    }
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Project {
    pub id: Uuid,
    pub title: String,
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    pub summary: Option<String>,
    pub status: ProjectStatus,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
    /// The cooperation agreement the project falls under.
    pub agreement_id: Option<Uuid>,
}

/// A new project's fields, before validation.
#[derive(Debug)]
pub struct ProjectInput {
    pub title: String,
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    pub summary: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub agreement_id: Option<Uuid>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct ProjectChanges {
    pub title: Option<String>,
    pub title_en: Option<Option<String>>,
    pub kind: Option<ProjectKind>,
    pub summary: Option<Option<String>>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub agreement_id: Option<Option<Uuid>>,
}

fn title(raw: &str) -> Result<String, FieldProblem> {
    let t = clean_line(raw, 1, 300)?;
    if search_key(&t).chars().count() < 2 {
        return Err(FieldProblem::new("too_short", "must have at least 2 letters or digits"));
    }
    Ok(t)
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    raw.map(parse).transpose()
}

fn dates(starts: Option<NaiveDate>, ends: Option<NaiveDate>) -> Result<(), FieldProblem> {
    match (starts, ends) {
        (Some(s), Some(e)) if e < s => Err(FieldProblem::new("before_start", "must be on or after starts_on")),
        _ => Ok(()),
    }
}

impl Project {
    pub fn create(input: ProjectInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = errors.check("title", title(&input.title));
        let title_en = errors.check(
            "title_en",
            optional(input.title_en.as_deref(), |s| clean_line(s, 1, 300)),
        );
        let summary = errors.check(
            "summary",
            optional(input.summary.as_deref(), |s| clean_text(s, 1, 10_000)),
        );
        errors.check("ends_on", dates(input.starts_on, input.ends_on));
        match (title, title_en, summary) {
            (Some(title), Some(title_en), Some(summary)) if errors.is_empty() => Ok(Self {
                id,
                title,
                title_en,
                kind: input.kind,
                summary,
                status: ProjectStatus::INITIAL,
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
                agreement_id: input.agreement_id,
            }),
            _ => Err(errors),
        }
    }

    pub fn apply(&mut self, c: ProjectChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("title", c.title.map(|v| title(&v))) {
            next.title = v;
        }
        if let Some(v) = errors.check_sent(
            "title_en",
            c.title_en.map(|v| optional(v.as_deref(), |s| clean_line(s, 1, 300))),
        ) {
            next.title_en = v;
        }
        if let Some(kind) = c.kind {
            next.kind = kind;
        }
        if let Some(v) = errors.check_sent(
            "summary",
            c.summary.map(|v| optional(v.as_deref(), |s| clean_text(s, 1, 10_000))),
        ) {
            next.summary = v;
        }
        next.starts_on = c.starts_on.unwrap_or(next.starts_on);
        next.ends_on = c.ends_on.unwrap_or(next.ends_on);
        next.agreement_id = c.agreement_id.unwrap_or(next.agreement_id);
        errors.check("ends_on", dates(next.starts_on, next.ends_on));
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(self.replace_with(next, now))
    }

    /// Moves to `to` if the lifecycle allows it.
    pub fn transition(&mut self, to: ProjectStatus, now: NaiveDateTime) -> Result<ProjectStatus, IllegalTransition> {
        let from = self.status;
        let mut next = self.clone();
        next.status = from.step(to)?;
        self.replace_with(next, now);
        Ok(from)
    }

    fn replace_with(&mut self, mut next: Project, now: NaiveDateTime) -> bool {
        if next == *self {
            return false;
        }
        next.version = self.version + 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        true
    }

    pub fn search_key(&self) -> String {
        search_key(&format!("{} {}", self.title, self.title_en.as_deref().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;

    #[test]
    fn every_legal_step() {
        let legal = [
            (Proposed, Approved),
            (Approved, Active),
            (Active, Completed),
            (Active, OnHold),
            (OnHold, Active),
            (Proposed, Cancelled),
            (Approved, Cancelled),
            (Active, Cancelled),
            (OnHold, Cancelled),
        ];
        for from in ProjectStatus::ALL {
            for to in ProjectStatus::ALL {
                assert_eq!(
                    from.step(*to).is_ok(),
                    legal.contains(&(*from, *to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn illegal_steps_name_the_way_forward() {
        let err = Proposed.step(Active).unwrap_err();
        assert_eq!(err.allowed, [Approved, Cancelled]);
        assert!(Completed.step(Active).unwrap_err().allowed.is_empty());
        assert!(Completed.is_final() && Cancelled.is_final() && !OnHold.is_final());
    }

    #[test]
    fn participants() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        use ParticipantRole::*;
        assert!(check_participants(&[(a, Lead), (b, Partner)]).is_ok());
        assert!(check_participants(&[(a, Lead), (b, Sponsor), (c, Partner)]).is_ok());
        assert_eq!(check_participants(&[(a, Lead)]), Err(ParticipationError::TooFew));
        assert_eq!(
            check_participants(&[(a, Partner), (b, Partner)]),
            Err(ParticipationError::NoLead)
        );
        assert_eq!(
            check_participants(&[(a, Lead), (b, Lead)]),
            Err(ParticipationError::SeveralLeads)
        );
    }

    #[test]
    fn dates_and_versions() {
        let now = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let input = |ends: Option<NaiveDate>| ProjectInput {
            title: "پژوهش مشترک".into(),
            title_en: None,
            kind: ProjectKind::Research,
            summary: None,
            starts_on: NaiveDate::from_ymd_opt(2026, 2, 1),
            ends_on: ends,
            agreement_id: None,
        };
        let err = Project::create(input(NaiveDate::from_ymd_opt(2026, 1, 1)), Uuid::now_v7(), now).unwrap_err();
        assert_eq!(err.0[0].field, "ends_on");
        let mut p = Project::create(input(None), Uuid::now_v7(), now).unwrap();
        assert_eq!(p.status, Proposed);
        assert_eq!(p.transition(Approved, now).unwrap(), Proposed);
        assert_eq!(p.version, 2);
        assert!(p.transition(Completed, now).is_err());
        assert_eq!((p.status, p.version), (Approved, 2));
    }
}
