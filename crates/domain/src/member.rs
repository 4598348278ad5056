//! Members: one identity per person, whatever organizations they belong to.

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::contact::{Email, Phone};
use crate::national_id::NationalId;
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldProblem, ValidationErrors};

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub id: Uuid,
    pub full_name: String,
    pub full_name_en: Option<String>,
    /// Ten ASCII digits.
    pub national_id: Option<String>,
    /// Lower-cased.
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub expertise: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

/// What a client sends to create a member, before validation.
#[derive(Debug, Default)]
pub struct MemberInput {
    pub full_name: String,
    pub full_name_en: Option<String>,
    pub national_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub expertise: Option<String>,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct MemberChanges {
    pub full_name: Option<String>,
    pub full_name_en: Option<Option<String>>,
    pub national_id: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub expertise: Option<Option<String>>,
}

/// A person's name: one line of 2 to 200 characters, any script.
fn person_name(raw: &str) -> Result<String, FieldProblem> {
    let name = clean_line(raw, 1, 200)?;
    if search_key(&name).chars().count() < 2 {
        return Err(FieldProblem::new("too_short", "must have at least 2 letters"));
    }
    Ok(name)
}

fn english_name(raw: &str) -> Result<String, FieldProblem> {
    clean_line(raw, 1, 200)
}

fn expertise(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 2000)
}

fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    raw.map(parse).transpose()
}

fn national_id(raw: &str) -> Result<String, FieldProblem> {
    NationalId::parse(raw).map(NationalId::into_inner)
}

fn email(raw: &str) -> Result<String, FieldProblem> {
    Email::parse(raw).map(Email::into_inner)
}

fn phone(raw: &str) -> Result<String, FieldProblem> {
    Phone::parse(raw).map(Phone::into_inner)
}

impl Member {
    pub fn create(input: MemberInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let full_name = errors.check("full_name", person_name(&input.full_name));
        let full_name_en = errors.check("full_name_en", optional(input.full_name_en.as_deref(), english_name));
        let national_id = errors.check("national_id", optional(input.national_id.as_deref(), national_id));
        let email = errors.check("email", optional(input.email.as_deref(), email));
        let phone = errors.check("phone", optional(input.phone.as_deref(), phone));
        let expertise = errors.check("expertise", optional(input.expertise.as_deref(), expertise));
        match (full_name, full_name_en, national_id, email, phone, expertise) {
            (Some(full_name), Some(full_name_en), Some(national_id), Some(email), Some(phone), Some(expertise)) => {
                Ok(Self {
                    id,
                    full_name,
                    full_name_en,
                    national_id,
                    email,
                    phone,
                    expertise,
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

    /// Applies changes, bumping the version when anything changed; returns whether it did.
    pub fn apply(&mut self, changes: MemberChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("full_name", changes.full_name.map(|v| person_name(&v))) {
            next.full_name = v;
        }
        if let Some(v) = errors.check_sent(
            "full_name_en",
            changes.full_name_en.map(|v| optional(v.as_deref(), english_name)),
        ) {
            next.full_name_en = v;
        }
        if let Some(v) = errors.check_sent(
            "national_id",
            changes.national_id.map(|v| optional(v.as_deref(), national_id)),
        ) {
            next.national_id = v;
        }
        if let Some(v) = errors.check_sent("email", changes.email.map(|v| optional(v.as_deref(), email))) {
            next.email = v;
        }
        if let Some(v) = errors.check_sent("phone", changes.phone.map(|v| optional(v.as_deref(), phone))) {
            next.phone = v;
        }
        if let Some(v) = errors.check_sent(
            "expertise",
            changes.expertise.map(|v| optional(v.as_deref(), expertise)),
        ) {
            next.expertise = v;
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if next == *self {
            return Ok(false);
        }
        next.version += 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        Ok(true)
    }

    /// The key `sort=full_name` orders by: Persian alphabetical order.
    pub fn full_name_sort_key(&self) -> String {
        crate::text::collation_key(&self.full_name)
    }

    /// What `q` searches: names, national code, email, phone and expertise.
    pub fn search_key(&self) -> String {
        let parts = [
            Some(self.full_name.as_str()),
            self.full_name_en.as_deref(),
            self.national_id.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.expertise.as_deref(),
        ];
        search_key(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    #[test]
    fn create_normalizes_and_validates() {
        let member = Member::create(
            MemberInput {
                full_name: "علی رضایی".into(),
                national_id: Some("۰۴۹۹۳۷۰۸۹۹".into()),
                email: Some("Ali@Example.org".into()),
                phone: Some("۰۹۱۲ ۱۲۳ ۴۵۶۷".into()),
                ..Default::default()
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap();
        assert_eq!(member.national_id.as_deref(), Some("0499370899"));
        assert_eq!(member.email.as_deref(), Some("ali@example.org"));
        assert_eq!(member.phone.as_deref(), Some("+989121234567"));
        assert!(member.search_key().contains("0499370899"));
        let errors = Member::create(
            MemberInput {
                full_name: "x".into(),
                national_id: Some("0499370898".into()),
                ..Default::default()
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["full_name", "national_id"]);
    }

    #[test]
    fn apply_clears_and_counts_versions() {
        let mut member = Member::create(
            MemberInput {
                full_name: "مریم".into(),
                expertise: Some("کالیبراسیون".into()),
                ..Default::default()
            },
            Uuid::now_v7(),
            now(),
        )
        .unwrap();
        assert!(member
            .apply(
                MemberChanges {
                    expertise: Some(None),
                    ..Default::default()
                },
                now()
            )
            .unwrap());
        assert_eq!(member.expertise, None);
        assert_eq!(member.version, 2);
        assert!(!member.apply(MemberChanges::default(), now()).unwrap());
    }
}
