//! Organizations: the associations, societies and companies that cooperate.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::contact::{Email, Phone, WebsiteUrl};
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldProblem, ValidationErrors};

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Association,
    Society,
    Federation,
    Company,
    #[default]
    Other,
}

impl OrganizationKind {
    pub const ALL: [Self; 5] = [
        Self::Association,
        Self::Society,
        Self::Federation,
        Self::Company,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Association => "association",
            Self::Society => "society",
            Self::Federation => "federation",
            Self::Company => "company",
            Self::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| {
            FieldProblem::new(
                "invalid_value",
                "must be one of association, society, federation, company, other",
            )
        })
    }
}

/// An organization's display name: one line, 2 to 200 characters, any script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let name = clean_line(raw, 1, 200)?;
        if search_key(&name).chars().count() < 2 {
            return Err(FieldProblem::new("too_short", "must have at least 2 letters or digits"));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL-safe identifier: lower-case ASCII letters and digits in hyphen-separated words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let ok = (2..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .split('-')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldProblem::new(
                "invalid_slug",
                "must be 2 to 64 lower-case letters, digits and single hyphens, like iran-calibration-labs",
            ))
        }
    }

    /// Derives a slug from an English name ("Iran Calibration Labs!" → `iran-calibration-labs`),
    /// or `None` when the name has too few ASCII letters or digits.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        if slug.len() > Self::MAX_LEN {
            // Cut at a word boundary when there is one, so no word is left half-written.
            let cut = &slug[..=Self::MAX_LEN];
            let end = cut.rfind('-').unwrap_or(Self::MAX_LEN);
            slug.truncate(end);
        }
        Self::parse(slug.trim_end_matches('-')).ok()
    }

    /// A fallback slug built from an identifier when nothing readable is available.
    pub fn from_id(prefix: &str, id: Uuid) -> Self {
        let simple = id.simple().to_string();
        Self(format!("{prefix}-{}", &simple[simple.len() - 10..]))
    }

    /// This slug with a short suffix taken from an identifier, to step around a collision.
    pub fn with_suffix(&self, id: Uuid) -> Self {
        let simple = id.simple().to_string();
        let suffix = &simple[simple.len() - 6..];
        let keep = self.0.len().min(Self::MAX_LEN - suffix.len() - 1);
        Self(format!("{}-{suffix}", self.0[..keep].trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored organization.
/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
    pub kind: OrganizationKind,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub founded_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Who created it; `None` for rows older than the record of it.
    pub created_by: Option<ActorRef>,
    /// Who changed it last (its creator until then); `None` for rows older than the record.
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

impl Organization {
    /// The key that makes names unique: "انجمن علمي" and "انجمن علمی" are one name.
    pub fn name_key(&self) -> String {
        search_key(&self.name)
    }

    /// The key `sort=name` orders by: Persian alphabetical order.
    pub fn name_sort_key(&self) -> String {
        crate::text::collation_key(&self.name)
    }

    /// What `q` searches: both names and the slug.
    pub fn search_key(&self) -> String {
        let mut text = self.name.clone();
        for extra in [self.name_en.as_deref(), Some(self.slug.as_str())]
            .into_iter()
            .flatten()
        {
            text.push(' ');
            text.push_str(extra);
        }
        search_key(&text)
    }
}

/// The fields a client sends to create an organization, before validation.
#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    pub name: String,
    pub name_en: Option<String>,
    pub slug: Option<String>,
    pub kind: OrganizationKind,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub founded_on: Option<NaiveDate>,
}

/// Changes to an organization: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub name_en: Option<Option<String>>,
    pub slug: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub founded_on: Option<Option<NaiveDate>>,
}

/// Whether the slug was chosen by the client or derived, which decides what a collision means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugOrigin {
    Given,
    Derived,
}

impl Organization {
    /// Validates a creation request into a new organization stamped with `now`.
    pub fn create(
        input: OrganizationInput,
        id: Uuid,
        now: NaiveDateTime,
    ) -> Result<(Self, SlugOrigin), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", OrganizationName::parse(&input.name));
        let name_en = errors
            .check("name_en", optional(input.name_en.as_deref(), english_name))
            .flatten();
        let given_slug = errors
            .check("slug", optional(input.slug.as_deref(), Slug::parse))
            .flatten();
        let fields = check_details(&mut errors, &input, now.date());
        let (description, website, email, phone, founded_on) = fields.unwrap_or_default();
        let (name, name_en, given_slug) = match (name, errors.is_empty()) {
            (Some(name), true) => (name, name_en, given_slug),
            _ => return Err(errors),
        };
        let (slug, origin) = match given_slug {
            Some(slug) => (slug, SlugOrigin::Given),
            None => (
                name_en
                    .as_deref()
                    .and_then(Slug::from_text)
                    .unwrap_or_else(|| Slug::from_id("org", id)),
                SlugOrigin::Derived,
            ),
        };
        Ok((
            Self {
                id,
                name: name.0,
                name_en,
                slug: slug.0,
                kind: input.kind,
                description,
                website,
                email,
                phone,
                founded_on,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
            },
            origin,
        ))
    }

    /// Gives a derived slug that clashed a short suffix from the id, to try once more.
    pub fn suffix_slug(&mut self) {
        self.slug = Slug(std::mem::take(&mut self.slug)).with_suffix(self.id).0;
    }

    /// Applies validated changes, bumping the version when anything changed.
    /// Returns whether anything changed.
    pub fn apply(&mut self, changes: ValidChanges, now: NaiveDateTime) -> bool {
        let c = changes.0;
        let mut next = self.clone();
        if let Some(v) = c.name {
            next.name = v;
        }
        if let Some(v) = c.name_en {
            next.name_en = v;
        }
        if let Some(v) = c.slug {
            next.slug = v;
        }
        if let Some(v) = c.kind {
            next.kind = v;
        }
        if let Some(v) = c.description {
            next.description = v;
        }
        if let Some(v) = c.website {
            next.website = v;
        }
        if let Some(v) = c.email {
            next.email = v;
        }
        if let Some(v) = c.phone {
            next.phone = v;
        }
        if let Some(v) = c.founded_on {
            next.founded_on = v;
        }
        if next == *self {
            return false;
        }
        next.updated_at = now.max(self.updated_at);
        next.version = self.version + 1;
        *self = next;
        true
    }
}

/// Changes whose values have been checked and cleaned; only [`OrganizationChanges::validate`] makes them.
#[derive(Debug, Clone)]
pub struct ValidChanges(OrganizationChanges);

impl OrganizationChanges {
    /// Checks and cleans every value sent, reporting all problems at once.
    pub fn validate(self, today: NaiveDate) -> Result<ValidChanges, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let valid = OrganizationChanges {
            name: errors.check_sent("name", self.name.map(|v| OrganizationName::parse(&v).map(|n| n.0))),
            name_en: errors.check_sent("name_en", self.name_en.map(|v| optional(v.as_deref(), english_name))),
            slug: errors.check_sent("slug", self.slug.map(|v| Slug::parse(&v).map(|s| s.0))),
            kind: self.kind,
            description: errors.check_sent(
                "description",
                self.description.map(|v| optional(v.as_deref(), description)),
            ),
            website: errors.check_sent(
                "website",
                self.website
                    .map(|v| optional(v.as_deref(), |s| WebsiteUrl::parse(s).map(WebsiteUrl::into_inner))),
            ),
            email: errors.check_sent(
                "email",
                self.email
                    .map(|v| optional(v.as_deref(), |s| Email::parse(s).map(Email::into_inner))),
            ),
            phone: errors.check_sent(
                "phone",
                self.phone
                    .map(|v| optional(v.as_deref(), |s| Phone::parse(s).map(Phone::into_inner))),
            ),
            founded_on: errors.check_sent("founded_on", self.founded_on.map(|v| founding_date(v, today))),
        };
        errors.finish(|| ValidChanges(valid))
    }
}

type Details = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

/// Validates the optional details of a creation request, recording errors in `errors`.
fn check_details(errors: &mut ValidationErrors, input: &OrganizationInput, today: NaiveDate) -> Option<Details> {
    let description = errors.check("description", optional(input.description.as_deref(), description));
    let website = errors.check(
        "website",
        optional(input.website.as_deref(), |s| {
            WebsiteUrl::parse(s).map(WebsiteUrl::into_inner)
        }),
    );
    let email = errors.check(
        "email",
        optional(input.email.as_deref(), |s| Email::parse(s).map(Email::into_inner)),
    );
    let phone = errors.check(
        "phone",
        optional(input.phone.as_deref(), |s| Phone::parse(s).map(Phone::into_inner)),
    );
    let founded_on = errors.check("founded_on", founding_date(input.founded_on, today));
    Some((description?, website?, email?, phone?, founded_on?))
}

/// Parses an optional value; absent stays absent.
fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldProblem>,
) -> Result<Option<T>, FieldProblem> {
    raw.map(parse).transpose()
}

fn english_name(raw: &str) -> Result<String, FieldProblem> {
    clean_line(raw, 1, 200)
}

fn description(raw: &str) -> Result<String, FieldProblem> {
    clean_text(raw, 1, 5000)
}

fn founding_date(date: Option<NaiveDate>, today: NaiveDate) -> Result<Option<NaiveDate>, FieldProblem> {
    match date {
        Some(d) if d > today => Err(FieldProblem::new("in_future", "must not be in the future")),
        Some(d) if d < NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or(NaiveDate::MIN) => {
            Err(FieldProblem::new("out_of_range", "must be on or after 1800-01-01"))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn input(name: &str) -> OrganizationInput {
        OrganizationInput {
            name: name.into(),
            kind: OrganizationKind::Association,
            ..Default::default()
        }
    }

    #[test]
    fn slug_rules() {
        assert!(Slug::parse("iran-labs-2").is_ok());
        for bad in ["", "a", "Iran", "iran--labs", "-iran", "iran-", "ایران", "a b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Slug::from_text("  Iran Calibration & Testing Labs! ").unwrap().as_str(),
            "iran-calibration-testing-labs"
        );
        assert!(Slug::from_text("انجمن").is_none());
        let long = "a".repeat(100);
        assert_eq!(Slug::from_text(&long).unwrap().as_str().len(), 64);
        let words = "Iranian Association of Cooperating Testing and Calibration Laboratories";
        assert_eq!(
            Slug::from_text(words).unwrap().as_str(),
            "iranian-association-of-cooperating-testing-and-calibration"
        );
        let id = Uuid::now_v7();
        assert!(Slug::parse(Slug::from_id("org", id).as_str()).is_ok());
        let suffixed = Slug::parse(&"b".repeat(64)).unwrap().with_suffix(id);
        assert!(Slug::parse(suffixed.as_str()).is_ok());
    }

    #[test]
    fn create_derives_slug_from_english_name() {
        let mut i = input("انجمن آزمایشگاه‌ها");
        i.name_en = Some("Iran Labs Association".into());
        let (org, origin) = Organization::create(i, Uuid::now_v7(), now()).unwrap();
        assert_eq!(org.slug, "iran-labs-association");
        assert_eq!(origin, SlugOrigin::Derived);
        assert_eq!(org.version, 1);
        assert_eq!(org.name_key(), "انجمن ازمایشگاهها");
    }

    #[test]
    fn create_without_english_name_gets_an_id_slug() {
        let (org, _) = Organization::create(input("جامعه ممیزی"), Uuid::now_v7(), now()).unwrap();
        assert!(org.slug.starts_with("org-"));
    }

    #[test]
    fn create_reports_every_bad_field() {
        let mut i = input(" ");
        i.email = Some("nope".into());
        i.phone = Some("123".into());
        i.slug = Some("Bad Slug".into());
        i.founded_on = NaiveDate::from_ymd_opt(2030, 1, 1);
        let errors = Organization::create(i, Uuid::now_v7(), now()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "slug", "email", "phone", "founded_on"]);
    }

    #[test]
    fn apply_changes_and_clears() {
        let mut i = input("انجمن");
        i.website = Some("https://example.org".into());
        let (mut org, _) = Organization::create(i, Uuid::now_v7(), now()).unwrap();
        let changes = OrganizationChanges {
            website: Some(None),
            name: Some(" انجمن نو ".into()),
            ..Default::default()
        };
        assert!(org.apply(changes.validate(now().date()).unwrap(), now()));
        assert_eq!(org.website, None);
        assert_eq!(org.name, "انجمن نو");
        assert_eq!(org.version, 2);
        assert!(!org.apply(OrganizationChanges::default().validate(now().date()).unwrap(), now()));
        assert_eq!(org.version, 2);
    }

    #[test]
    fn invalid_changes_are_all_reported() {
        let err = OrganizationChanges {
            name: Some("x".into()),
            email: Some(Some("bad".into())),
            founded_on: Some(NaiveDate::from_ymd_opt(2999, 1, 1)),
            website: Some(None),
            ..Default::default()
        }
        .validate(now().date())
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "founded_on"]);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in OrganizationKind::ALL {
            assert_eq!(OrganizationKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(OrganizationKind::parse("club").is_err());
    }
}
