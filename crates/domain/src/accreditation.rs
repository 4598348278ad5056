//! Accreditations: a conformity-assessment body's (or a person's) accreditation to a
//! standard, attached to the capacity it backs or to the member who holds it.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::project::names;
use crate::validation::{clean_line, clean_text, FieldError, FieldProblem, ValidationErrors};

/// ISO/IEC 17025 (laboratories), 17020 (inspection bodies), 17021-1 (certification of
/// management systems), 17024 (certification of persons), or another one named in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Standard {
    #[serde(rename = "iso_iec_17025")]
    Iso17025,
    #[serde(rename = "iso_iec_17020")]
    Iso17020,
    #[serde(rename = "iso_iec_17021_1")]
    Iso17021_1,
    #[serde(rename = "iso_iec_17024")]
    Iso17024,
    #[serde(rename = "other")]
    Other,
}

names!(Standard {
    Iso17025 => "iso_iec_17025",
    Iso17020 => "iso_iec_17020",
    Iso17021_1 => "iso_iec_17021_1",
    Iso17024 => "iso_iec_17024",
    Other => "other",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccreditationStatus {
    Active,
    Suspended,
    Withdrawn,
}

names!(AccreditationStatus { Active => "active", Suspended => "suspended", Withdrawn => "withdrawn" });

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accreditation {
    pub id: Uuid,
    /// The capacity it backs, or (exactly one of the two) the member who holds it.
    pub capacity_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub standard: Standard,
    /// The standard's name when `standard` is `other`.
    pub standard_text: Option<String>,
    pub body: String,
    pub certificate_number: Option<String>,
    pub scope: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: AccreditationStatus,
    pub created_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
}

/// What an accreditation is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Capacity(Uuid),
    Member(Uuid),
}

impl Accreditation {
    pub fn holder(&self) -> Holder {
        match (self.capacity_id, self.member_id) {
            (Some(c), _) => Holder::Capacity(c),
            (None, Some(m)) => Holder::Member(m),
            // The table's CHECK allows neither; a member id of nil never matches one.
            (None, None) => Holder::Member(Uuid::nil()),
        }
    }
}

#[derive(Debug)]
pub struct AccreditationInput {
    pub standard: Standard,
    pub standard_text: Option<String>,
    pub body: String,
    pub certificate_number: Option<String>,
    pub scope: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub status: Option<AccreditationStatus>,
}

impl Accreditation {
    pub fn create(
        input: AccreditationInput,
        holder: Holder,
        id: Uuid,
        now: NaiveDateTime,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let standard_text = match (input.standard, input.standard_text) {
            (Standard::Other, Some(t)) => errors.check("standard_text", clean_line(&t, 2, 200)),
            (Standard::Other, None) => {
                errors.push(FieldError::new("standard_text", "required", "name the standard"));
                None
            }
            (_, Some(_)) => {
                errors.push(FieldError::new(
                    "standard_text",
                    "not_other",
                    "only a standard of kind other is named in text",
                ));
                None
            }
            (_, None) => None,
        };
        let body = errors.check("body", clean_line(&input.body, 2, 300));
        let certificate = errors.check(
            "certificate_number",
            input.certificate_number.map(|c| clean_line(&c, 1, 100)).transpose(),
        );
        let scope = errors.check("scope", input.scope.map(|s| clean_text(&s, 1, 10_000)).transpose());
        if input.valid_until < input.valid_from {
            errors.push(FieldError::new(
                "valid_until",
                "before_start",
                "must be on or after valid_from",
            ));
        }
        match (body, certificate, scope) {
            (Some(body), Some(certificate_number), Some(scope)) if errors.is_empty() => Ok(Self {
                id,
                capacity_id: match holder {
                    Holder::Capacity(c) => Some(c),
                    Holder::Member(_) => None,
                },
                member_id: match holder {
                    Holder::Member(m) => Some(m),
                    Holder::Capacity(_) => None,
                },
                standard: input.standard,
                standard_text,
                body,
                certificate_number,
                scope,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                status: input.status.unwrap_or(AccreditationStatus::Active),
                created_at: now,
                created_by: None,
            }),
            _ => Err(errors),
        }
    }

    /// Whether its validity ended before `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.valid_until < today
    }

    /// Whether it is in force on `day`: active, and `day` within its validity.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.status == AccreditationStatus::Active && self.valid_from <= day && day <= self.valid_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn input(standard: Standard, text: Option<&str>) -> AccreditationInput {
        AccreditationInput {
            standard,
            standard_text: text.map(Into::into),
            body: "مرکز ملی تأیید صلاحیت ایران".into(),
            certificate_number: Some("NACI-17025-123".into()),
            scope: Some("کالیبراسیون جرم".into()),
            valid_from: day(2025, 1, 1),
            valid_until: day(2027, 1, 1),
            status: None,
        }
    }

    fn codes(r: Result<Accreditation, ValidationErrors>) -> Vec<(String, &'static str)> {
        r.unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn other_standards_are_named_and_only_they() {
        let now = day(2026, 1, 1).and_hms_opt(0, 0, 0).unwrap();
        let make = |i| Accreditation::create(i, Holder::Capacity(Uuid::now_v7()), Uuid::now_v7(), now);
        assert!(make(input(Standard::Iso17025, None)).is_ok());
        assert!(make(input(Standard::Other, Some("ISO 15189"))).is_ok());
        assert_eq!(
            codes(make(input(Standard::Other, None))),
            [("standard_text".into(), "required")]
        );
        assert_eq!(
            codes(make(input(Standard::Iso17020, Some("x y")))),
            [("standard_text".into(), "not_other")]
        );
        let mut reversed = input(Standard::Iso17024, None);
        reversed.valid_until = day(2024, 12, 31);
        assert_eq!(codes(make(reversed)), [("valid_until".into(), "before_start")]);
    }

    #[test]
    fn expiry_and_validity() {
        let now = day(2026, 1, 1).and_hms_opt(0, 0, 0).unwrap();
        let member = Uuid::now_v7();
        let mut a = Accreditation::create(
            input(Standard::Iso17025, None),
            Holder::Member(member),
            Uuid::now_v7(),
            now,
        )
        .unwrap();
        assert_eq!((a.holder(), a.capacity_id), (Holder::Member(member), None));
        assert!(!a.expired(day(2027, 1, 1)));
        assert!(a.expired(day(2027, 1, 2)));
        assert!(a.valid_on(day(2025, 1, 1)) && !a.valid_on(day(2024, 12, 31)));
        a.status = AccreditationStatus::Suspended;
        assert!(!a.valid_on(day(2026, 1, 1)));
    }
}
