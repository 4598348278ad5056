//! Working groups: specialized or general groups formed by one or several organizations.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::project::names;
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupScope {
    Specialized,
    General,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    /// Formed on paper, waiting for every organization's approval.
    Proposed,
    Active,
    Dissolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupRole {
    Chair,
    CoChair,
    Secretary,
    Member,
}

names!(GroupScope { Specialized => "specialized", General => "general" });
names!(GroupStatus { Proposed => "proposed", Active => "active", Dissolved => "dissolved" });

impl GroupStatus {
    /// proposed → active ⇄ dissolved, and a proposal nobody wants → dissolved.
    pub fn next(self) -> &'static [GroupStatus] {
        use GroupStatus::*;
        match self {
            Proposed => &[Active, Dissolved],
            Active => &[Dissolved],
            Dissolved => &[Active],
        }
    }

    /// Checks a step; the error lists the allowed next states.
    pub fn step(self, to: GroupStatus) -> Result<GroupStatus, Vec<GroupStatus>> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(self.next().to_vec())
        }
    }
}
names!(GroupRole { Chair => "chair", CoChair => "co_chair", Secretary => "secretary", Member => "member" });

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkingGroup {
    pub id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub scope: GroupScope,
    pub topic: Option<String>,
    pub mandate: Option<String>,
    pub status: GroupStatus,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub project_id: Option<Uuid>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
    /// The cooperation agreement the group falls under.
    pub agreement_id: Option<Uuid>,
}

#[derive(Debug)]
pub struct WorkingGroupInput {
    pub name: String,
    pub name_en: Option<String>,
    pub scope: GroupScope,
    pub topic: Option<String>,
    pub mandate: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub project_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct WorkingGroupChanges {
    pub name: Option<String>,
    pub name_en: Option<Option<String>>,
    pub scope: Option<GroupScope>,
    pub topic: Option<Option<String>>,
    pub mandate: Option<Option<String>>,
    pub status: Option<GroupStatus>,
    pub established_on: Option<Option<NaiveDate>>,
    pub dissolved_on: Option<Option<NaiveDate>>,
    pub project_id: Option<Option<Uuid>>,
    pub agreement_id: Option<Option<Uuid>>,
}

fn name(raw: &str) -> Result<String, FieldProblem> {
    let n = clean_line(raw, 1, 200)?;
    if search_key(&n).chars().count() < 2 {
        return Err(FieldProblem::new("too_short", "must have at least 2 letters or digits"));
    }
    Ok(n)
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    raw.map(parse).transpose()
}

/// The organizations forming a group: at least one, no repeats.
pub fn organization_set(mut ids: Vec<Uuid>) -> Result<Vec<Uuid>, FieldProblem> {
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 => Err(FieldProblem::new("required", "must name at least one organization")),
        n if n > 50 => Err(FieldProblem::new("too_long", "must name at most 50 organizations")),
        _ => Ok(ids),
    }
}

impl WorkingGroup {
    pub fn create(input: WorkingGroupInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", name(&input.name));
        let name_en = errors.check("name_en", optional(input.name_en.as_deref(), |s| clean_line(s, 1, 200)));
        let topic = errors.check("topic", optional(input.topic.as_deref(), |s| clean_line(s, 1, 300)));
        let mandate = errors.check(
            "mandate",
            optional(input.mandate.as_deref(), |s| clean_text(s, 1, 10_000)),
        );
        match (name, name_en, topic, mandate) {
            (Some(name), Some(name_en), Some(topic), Some(mandate)) => Ok(Self {
                id,
                name,
                name_en,
                scope: input.scope,
                topic,
                mandate,
                status: GroupStatus::Proposed,
                established_on: input.established_on,
                dissolved_on: None,
                project_id: input.project_id,
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

    /// Applies changes. Dissolving without a date dissolves today; reactivating clears the date.
    pub fn apply(&mut self, c: WorkingGroupChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("name", c.name.map(|v| name(&v))) {
            next.name = v;
        }
        if let Some(v) = errors.check_sent(
            "name_en",
            c.name_en.map(|v| optional(v.as_deref(), |s| clean_line(s, 1, 200))),
        ) {
            next.name_en = v;
        }
        if let Some(scope) = c.scope {
            next.scope = scope;
        }
        if let Some(v) = errors.check_sent(
            "topic",
            c.topic.map(|v| optional(v.as_deref(), |s| clean_line(s, 1, 300))),
        ) {
            next.topic = v;
        }
        if let Some(v) = errors.check_sent(
            "mandate",
            c.mandate.map(|v| optional(v.as_deref(), |s| clean_text(s, 1, 10_000))),
        ) {
            next.mandate = v;
        }
        next.established_on = c.established_on.unwrap_or(next.established_on);
        next.project_id = c.project_id.unwrap_or(next.project_id);
        next.agreement_id = c.agreement_id.unwrap_or(next.agreement_id);
        if let Some(to) = c.status.filter(|to| *to != self.status) {
            match self.status.step(to) {
                Ok(to) => next.status = to,
                Err(allowed) => {
                    let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
                    errors.push(crate::FieldError::new(
                        "status",
                        "illegal_transition",
                        format!("a {} group can move to: {}", self.status.as_str(), allowed.join(", ")),
                    ));
                }
            }
        }
        next.dissolved_on = match (next.status, c.dissolved_on) {
            (GroupStatus::Active | GroupStatus::Proposed, Some(Some(_))) => {
                errors.push(crate::FieldError::new(
                    "dissolved_on",
                    "while_active",
                    "an active group has no dissolution date",
                ));
                None
            }
            (GroupStatus::Active | GroupStatus::Proposed, _) => None,
            (GroupStatus::Dissolved, Some(day)) => day.or(Some(now.date())),
            (GroupStatus::Dissolved, None) => next.dissolved_on.or(Some(now.date())),
        };
        if let (Some(start), Some(end)) = (next.established_on, next.dissolved_on) {
            if end < start {
                errors.push(crate::FieldError::new(
                    "dissolved_on",
                    "before_start",
                    "must be on or after established_on",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if next == *self {
            return Ok(false);
        }
        next.version = self.version + 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        Ok(true)
    }

    pub fn search_key(&self) -> String {
        let parts = [Some(self.name.as_str()), self.name_en.as_deref(), self.topic.as_deref()];
        search_key(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
    }
}

/// A group's member roles: one chair; in a joint group one co-chair per organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRoleConflict {
    SecondChair,
    SecondCoChair,
}

/// Checks `candidate` (member, organization, role) against the group's other members.
pub fn check_group_roles(
    candidate: (Uuid, Uuid, GroupRole),
    others: &[(Uuid, Uuid, GroupRole)],
) -> Result<(), GroupRoleConflict> {
    let (member, organization, role) = candidate;
    for (_, other_org, other_role) in others.iter().filter(|o| o.0 != member) {
        if role == GroupRole::Chair && *other_role == GroupRole::Chair {
            return Err(GroupRoleConflict::SecondChair);
        }
        if role == GroupRole::CoChair && *other_role == GroupRole::CoChair && *other_org == organization {
            return Err(GroupRoleConflict::SecondCoChair);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn group() -> WorkingGroup {
        WorkingGroup::create(
            WorkingGroupInput {
                name: "کارگروه واسنجی".into(),
                name_en: None,
                scope: GroupScope::Specialized,
                topic: Some("واسنجی ابزار".into()),
                mandate: None,
                established_on: NaiveDate::from_ymd_opt(2025, 1, 1),
                project_id: None,
                agreement_id: None,
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap()
    }

    #[test]
    fn dissolving_dates_itself() {
        let mut g = group();
        assert!(g
            .apply(
                WorkingGroupChanges {
                    status: Some(GroupStatus::Dissolved),
                    ..Default::default()
                },
                now()
            )
            .unwrap());
        assert_eq!(g.dissolved_on, Some(now().date()));
        assert!(g
            .apply(
                WorkingGroupChanges {
                    status: Some(GroupStatus::Active),
                    ..Default::default()
                },
                now()
            )
            .unwrap());
        assert_eq!(g.dissolved_on, None);
        let bad = WorkingGroupChanges {
            status: Some(GroupStatus::Dissolved),
            dissolved_on: Some(NaiveDate::from_ymd_opt(2024, 1, 1)),
            ..Default::default()
        };
        assert_eq!(g.apply(bad, now()).unwrap_err().0[0].code, "before_start");
        let bad = WorkingGroupChanges {
            dissolved_on: Some(NaiveDate::from_ymd_opt(2026, 1, 1)),
            ..Default::default()
        };
        assert_eq!(g.apply(bad, now()).unwrap_err().0[0].code, "while_active");
    }

    #[test]
    fn lifecycle() {
        use GroupStatus::*;
        let legal = [
            (Proposed, Active),
            (Proposed, Dissolved),
            (Active, Dissolved),
            (Dissolved, Active),
        ];
        for from in GroupStatus::ALL {
            for to in GroupStatus::ALL {
                assert_eq!(
                    from.step(*to).is_ok(),
                    legal.contains(&(*from, *to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        let mut g = group();
        assert_eq!(g.status, Proposed);
        let back = |g: &mut WorkingGroup, to| {
            g.apply(
                WorkingGroupChanges {
                    status: Some(to),
                    ..Default::default()
                },
                now(),
            )
        };
        assert!(back(&mut g, Active).unwrap());
        assert_eq!(back(&mut g, Proposed).unwrap_err().0[0].code, "illegal_transition");
        assert_eq!(g.status, Active);
    }

    #[test]
    fn roles() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (m1, m2, m3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let others = [(m1, a, GroupRole::Chair), (m2, a, GroupRole::CoChair)];
        assert_eq!(
            check_group_roles((m3, b, GroupRole::Chair), &others),
            Err(GroupRoleConflict::SecondChair)
        );
        assert_eq!(
            check_group_roles((m3, a, GroupRole::CoChair), &others),
            Err(GroupRoleConflict::SecondCoChair)
        );
        assert!(check_group_roles((m3, b, GroupRole::CoChair), &others).is_ok());
        // Changing one's own role does not clash with oneself.
        assert!(check_group_roles((m1, a, GroupRole::Chair), &others).is_ok());
        assert!(organization_set(vec![]).is_err());
        assert_eq!(organization_set(vec![a, a]).unwrap(), vec![a]);
    }
}
