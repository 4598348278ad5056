//! Capacities: what an organization offers its partners (testing, calibration, inspection,
//! auditors, training, equipment, …), and to whom.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::project::names;
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CapacityKind {
    Testing,
    Calibration,
    Inspection,
    Audit,
    Certification,
    Training,
    Equipment,
    Expert,
    Facility,
}

names!(CapacityKind {
    Testing => "testing",
    Calibration => "calibration",
    Inspection => "inspection",
    Audit => "audit",
    Certification => "certification",
    Training => "training",
    Equipment => "equipment",
    Expert => "expert",
    Facility => "facility",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    Limited,
    Unavailable,
}

names!(Availability { Available => "available", Limited => "limited", Unavailable => "unavailable" });

/// Whom a capacity is offered to, besides its own organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferedTo {
    /// Every party of this agreement, as its parties are at the time of reading.
    Agreement(Uuid),
    /// These organizations, each a partner of the offering one.
    Organizations(Vec<Uuid>),
}

impl OfferedTo {
    /// Exactly one of the two forms; listed organizations without repeats, the offering
    /// organization itself left out (it sees its capacity anyway).
    pub fn parse(
        agreement_id: Option<Uuid>,
        organization_ids: Option<Vec<Uuid>>,
        offering: Uuid,
    ) -> Result<Self, FieldProblem> {
        match (agreement_id, organization_ids) {
            (Some(a), None) => Ok(Self::Agreement(a)),
            (None, Some(mut ids)) => {
                ids.retain(|o| *o != offering);
                ids.sort();
                ids.dedup();
                match ids.len() {
                    0 => Err(FieldProblem::new("too_few", "name at least one partner organization")),
                    n if n > 100 => Err(FieldProblem::new("too_long", "must name at most 100 organizations")),
                    _ => Ok(Self::Organizations(ids)),
                }
            }
            _ => Err(FieldProblem::new(
                "one_offer",
                "give exactly one of agreement_id and organization_ids",
            )),
        }
    }
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capacity {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: CapacityKind,
    pub title: String,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub provider_member_id: Option<Uuid>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub availability: Availability,
    pub offered_to: OfferedTo,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

#[derive(Debug)]
pub struct CapacityInput {
    pub organization_id: Uuid,
    pub kind: CapacityKind,
    pub title: String,
    pub title_en: Option<String>,
    pub description: Option<String>,
    pub provider_member_id: Option<Uuid>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub availability: Option<Availability>,
    pub offered_to: Result<OfferedTo, FieldProblem>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one. The offering
/// organization never changes (offer the capacity anew from the other one).
#[derive(Debug, Default)]
pub struct CapacityChanges {
    pub kind: Option<CapacityKind>,
    pub title: Option<String>,
    pub title_en: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub provider_member_id: Option<Option<Uuid>>,
    pub province: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub availability: Option<Availability>,
    pub offered_to: Option<Result<OfferedTo, FieldProblem>>,
}

fn title(raw: &str) -> Result<String, FieldProblem> {
    let t = clean_line(raw, 1, 300)?;
    if search_key(&t).chars().count() < 2 {
        return Err(FieldProblem::new("too_short", "must have at least 2 letters or digits"));
    }
    Ok(t)
}

fn line(raw: Option<String>, max: usize) -> Result<Option<String>, FieldProblem> {
    raw.map(|s| clean_line(&s, 1, max)).transpose()
}

fn long_text(raw: Option<String>) -> Result<Option<String>, FieldProblem> {
    raw.map(|s| clean_text(&s, 1, 10_000)).transpose()
}

impl Capacity {
    pub fn create(input: CapacityInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = errors.check("title", title(&input.title));
        let title_en = errors.check("title_en", line(input.title_en, 300));
        let description = errors.check("description", long_text(input.description));
        let province = errors.check("province", line(input.province, 100));
        let city = errors.check("city", line(input.city, 100));
        let offered_to = errors.check("offered_to", input.offered_to);
        match (title, title_en, description, province, city, offered_to) {
            (Some(title), Some(title_en), Some(description), Some(province), Some(city), Some(offered_to))
                if errors.is_empty() =>
            {
                Ok(Self {
                    id,
                    organization_id: input.organization_id,
                    kind: input.kind,
                    title,
                    title_en,
                    description,
                    provider_member_id: input.provider_member_id,
                    province,
                    city,
                    availability: input.availability.unwrap_or(Availability::Available),
                    offered_to,
                    created_at: now,
                    updated_at: now,
                    created_by: None,
                    updated_by: None,
                    version: 1,
                })
            }
            _ => Err(errors),
        }
    }

    /// Applies changes; false when nothing changed (the version stays).
    pub fn apply(&mut self, c: CapacityChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        next.kind = c.kind.unwrap_or(next.kind);
        next.availability = c.availability.unwrap_or(next.availability);
        if let Some(v) = errors.check_sent("title", c.title.map(|v| title(&v))) {
            next.title = v;
        }
        if let Some(v) = errors.check_sent("title_en", c.title_en.map(|v| line(v, 300))) {
            next.title_en = v;
        }
        if let Some(v) = errors.check_sent("description", c.description.map(long_text)) {
            next.description = v;
        }
        if let Some(v) = errors.check_sent("province", c.province.map(|v| line(v, 100))) {
            next.province = v;
        }
        if let Some(v) = errors.check_sent("city", c.city.map(|v| line(v, 100))) {
            next.city = v;
        }
        next.provider_member_id = c.provider_member_id.unwrap_or(next.provider_member_id);
        if let Some(v) = errors.check_sent("offered_to", c.offered_to) {
            next.offered_to = v;
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

    /// Records a change of its accreditations: the version covers them.
    pub fn touch(&mut self, now: NaiveDateTime) {
        self.version += 1;
        self.updated_at = now.max(self.updated_at);
    }

    /// What `q` searches: the titles, the description, the scopes of its accreditations
    /// and its provider's name and expertise (given by the caller, who loads them).
    pub fn search_key(&self, scopes: &[String], provider: Option<(&str, Option<&str>)>) -> String {
        let mut parts: Vec<&str> = vec![self.title.as_str()];
        parts.extend(self.title_en.as_deref());
        parts.extend(self.description.as_deref());
        parts.extend(scopes.iter().map(String::as_str));
        if let Some((name, expertise)) = provider {
            parts.push(name);
            parts.extend(expertise);
        }
        search_key(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn input(offered_to: Result<OfferedTo, FieldProblem>) -> CapacityInput {
        CapacityInput {
            organization_id: Uuid::now_v7(),
            kind: CapacityKind::Calibration,
            title: "کالیبراسیون ترازو".into(),
            title_en: None,
            description: Some("ترازوهای آزمایشگاهی تا ۲۲۰ گرم".into()),
            provider_member_id: None,
            province: Some("تهران".into()),
            city: None,
            availability: None,
            offered_to,
        }
    }

    #[test]
    fn offered_to_is_one_of_two_forms() {
        let (me, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(OfferedTo::parse(Some(a), None, me).unwrap(), OfferedTo::Agreement(a));
        let listed = OfferedTo::parse(None, Some(vec![b, a, b, me]), me).unwrap();
        let mut both = vec![a, b];
        both.sort();
        assert_eq!(listed, OfferedTo::Organizations(both));
        assert_eq!(OfferedTo::parse(None, Some(vec![me]), me).unwrap_err().code, "too_few");
        assert_eq!(
            OfferedTo::parse(Some(a), Some(vec![b]), me).unwrap_err().code,
            "one_offer"
        );
        assert_eq!(OfferedTo::parse(None, None, me).unwrap_err().code, "one_offer");
    }

    #[test]
    fn created_available_and_changed_with_versions() {
        let mut c = Capacity::create(input(Ok(OfferedTo::Agreement(Uuid::now_v7()))), Uuid::now_v7(), now()).unwrap();
        assert_eq!((c.availability, c.version), (Availability::Available, 1));
        assert!(!c.apply(CapacityChanges::default(), now()).unwrap());
        let changed = c
            .apply(
                CapacityChanges {
                    availability: Some(Availability::Unavailable),
                    province: Some(None),
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        assert!(changed);
        assert_eq!(
            (c.availability, c.province.as_deref(), c.version),
            (Availability::Unavailable, None, 2)
        );
        let bad = Capacity::create(input(Err(FieldProblem::new("one_offer", "x"))), Uuid::now_v7(), now());
        assert_eq!(bad.unwrap_err().0[0].field, "offered_to");
    }

    #[test]
    fn search_key_covers_scopes_and_provider() {
        let c = Capacity::create(input(Ok(OfferedTo::Agreement(Uuid::now_v7()))), Uuid::now_v7(), now()).unwrap();
        let key = c.search_key(&["اندازه‌گیری جرم".into()], Some(("علي رضايي", Some("بازرسی هیأت"))));
        for part in ["کالیبراسیون", "اندازهگیری جرم", "علی رضایی", "بازرسی هیات", "220"]
        {
            assert!(key.contains(part), "{part} in {key}");
        }
    }
}
