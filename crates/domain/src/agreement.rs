//! Cooperation agreements (memoranda) between two or more organizations.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::contact::WebsiteUrl;
use crate::project::names;
use crate::text::search_key;
use crate::validation::{clean_line, clean_text, FieldError, FieldProblem, ValidationErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Draft,
    InForce,
    Expired,
    Terminated,
}

names!(AgreementStatus { Draft => "draft", InForce => "in_force", Expired => "expired", Terminated => "terminated" });

impl AgreementStatus {
    pub const INITIAL: AgreementStatus = AgreementStatus::Draft;

    /// draft → in_force → expired | terminated. A draft nobody wants is deleted, not ended.
    pub fn next(self) -> &'static [AgreementStatus] {
        use AgreementStatus::*;
        match self {
            Draft => &[InForce],
            InForce => &[Expired, Terminated],
            Expired | Terminated => &[],
        }
    }

    /// Checks a step; the error lists the allowed next states.
    pub fn step(self, to: AgreementStatus) -> Result<AgreementStatus, Vec<AgreementStatus>> {
        if self.next().contains(&to) {
            Ok(to)
        } else {
            Err(self.next().to_vec())
        }
    }
}

/// The hex SHA-256 of the signed document's file, kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sha256Hex(String);

impl Sha256Hex {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let t = raw.trim();
        if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(t.to_ascii_lowercase()))
        } else {
            Err(FieldProblem::new("invalid_sha256", "must be 64 hexadecimal digits"))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Where the signed text is: a URL, or a file's name and hash (hamkari stores no files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentInput {
    pub url: Option<String>,
    pub name: Option<String>,
    pub sha256: Option<String>,
}

/// The checked document reference: (url, name, sha256).
type Document = (Option<String>, Option<String>, Option<String>);

fn document(d: DocumentInput, errors: &mut ValidationErrors) -> Option<Document> {
    let before = errors.0.len();
    let url = errors.check_sent(
        "document_url",
        d.url.map(|u| WebsiteUrl::parse(&u).map(WebsiteUrl::into_inner)),
    );
    let name = errors.check_sent("document_name", d.name.map(|n| clean_line(&n, 1, 300)));
    let sha = errors.check_sent(
        "document_sha256",
        d.sha256.map(|h| Sha256Hex::parse(&h).map(Sha256Hex::into_inner)),
    );
    if errors.0.len() > before {
        return None;
    }
    match (&url, &name, &sha) {
        (Some(_), None, None) | (None, Some(_), Some(_)) | (None, None, None) => Some((url, name, sha)),
        (Some(_), _, _) => {
            errors.push(FieldError::new(
                "document_url",
                "document_conflict",
                "give either document_url or document_name with document_sha256, not both",
            ));
            None
        }
        (None, Some(_), None) => {
            errors.push(FieldError::new(
                "document_sha256",
                "required",
                "a document file needs its SHA-256",
            ));
            None
        }
        (None, None, Some(_)) => {
            errors.push(FieldError::new(
                "document_name",
                "required",
                "a document hash needs the file's name",
            ));
            None
        }
    }
}

/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Agreement {
    pub id: Uuid,
    pub title: String,
    pub summary: Option<String>,
    pub scope: Option<String>,
    pub status: AgreementStatus,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub document_url: Option<String>,
    pub document_name: Option<String>,
    pub document_sha256: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
    pub version: i64,
}

#[derive(Debug, Default)]
pub struct AgreementInput {
    pub title: String,
    pub summary: Option<String>,
    pub scope: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub document: DocumentInput,
}

/// Changes: `None` leaves a field, `Some(None)` clears a nullable one. The document is
/// replaced as a whole when any of its fields is sent.
#[derive(Debug, Default)]
pub struct AgreementChanges {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub scope: Option<Option<String>>,
    pub valid_from: Option<Option<NaiveDate>>,
    pub valid_until: Option<Option<NaiveDate>>,
    pub document: Option<DocumentInput>,
}

fn title(raw: &str) -> Result<String, FieldProblem> {
    let t = clean_line(raw, 1, 300)?;
    if search_key(&t).chars().count() < 2 {
        return Err(FieldProblem::new("too_short", "must have at least 2 letters or digits"));
    }
    Ok(t)
}

fn long_text(raw: Option<String>) -> Result<Option<String>, FieldProblem> {
    raw.map(|s| clean_text(&s, 1, 10_000)).transpose()
}

fn period(from: Option<NaiveDate>, until: Option<NaiveDate>, errors: &mut ValidationErrors) {
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errors.push(FieldError::new(
                "valid_until",
                "before_start",
                "must be on or after valid_from",
            ));
        }
    }
}

/// The parties of an agreement: at least two organizations, no repeats.
pub fn party_set(mut ids: Vec<Uuid>) -> Result<Vec<Uuid>, FieldProblem> {
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 | 1 => Err(FieldProblem::new(
            "too_few",
            "an agreement needs at least two organizations",
        )),
        n if n > 50 => Err(FieldProblem::new("too_long", "must name at most 50 organizations")),
        _ => Ok(ids),
    }
}

impl Agreement {
    pub fn create(input: AgreementInput, id: Uuid, now: NaiveDateTime) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = errors.check("title", title(&input.title));
        let summary = errors.check("summary", long_text(input.summary));
        let scope = errors.check("scope", long_text(input.scope));
        let doc = document(input.document, &mut errors);
        period(input.valid_from, input.valid_until, &mut errors);
        match (title, summary, scope, doc) {
            (Some(title), Some(summary), Some(scope), Some((url, name, sha))) if errors.is_empty() => Ok(Self {
                id,
                title,
                summary,
                scope,
                status: AgreementStatus::INITIAL,
                valid_from: input.valid_from,
                valid_until: input.valid_until,
                document_url: url,
                document_name: name,
                document_sha256: sha,
                created_at: now,
                updated_at: now,
                created_by: None,
                updated_by: None,
                version: 1,
            }),
            _ => Err(errors),
        }
    }

    pub fn apply(&mut self, c: AgreementChanges, now: NaiveDateTime) -> Result<bool, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = self.clone();
        if let Some(v) = errors.check_sent("title", c.title.map(|v| title(&v))) {
            next.title = v;
        }
        if let Some(v) = errors.check_sent("summary", c.summary.map(long_text)) {
            next.summary = v;
        }
        if let Some(v) = errors.check_sent("scope", c.scope.map(long_text)) {
            next.scope = v;
        }
        next.valid_from = c.valid_from.unwrap_or(next.valid_from);
        next.valid_until = c.valid_until.unwrap_or(next.valid_until);
        period(next.valid_from, next.valid_until, &mut errors);
        if let Some(d) = c.document {
            if let Some((url, name, sha)) = document(d, &mut errors) {
                (next.document_url, next.document_name, next.document_sha256) = (url, name, sha);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(self.replace_with(next, now))
    }

    /// Moves to `to` if the lifecycle allows it; the error lists the allowed next states.
    pub fn transition(
        &mut self,
        to: AgreementStatus,
        now: NaiveDateTime,
    ) -> Result<AgreementStatus, Vec<AgreementStatus>> {
        let from = self.status;
        let mut next = self.clone();
        next.status = from.step(to)?;
        self.replace_with(next, now);
        Ok(from)
    }

    /// Records a change of the parties or their signatures: the version covers them.
    pub fn touch(&mut self, now: NaiveDateTime) {
        self.version += 1;
        self.updated_at = now.max(self.updated_at);
    }

    fn replace_with(&mut self, mut next: Agreement, now: NaiveDateTime) -> bool {
        if next == *self {
            return false;
        }
        next.version = self.version + 1;
        next.updated_at = now.max(self.updated_at);
        *self = next;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgreementStatus::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn input() -> AgreementInput {
        AgreementInput {
            title: "تفاهم‌نامهٔ همکاری".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_legal_step() {
        let legal = [(Draft, InForce), (InForce, Expired), (InForce, Terminated)];
        for from in AgreementStatus::ALL {
            for to in AgreementStatus::ALL {
                assert_eq!(
                    from.step(*to).is_ok(),
                    legal.contains(&(*from, *to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        assert_eq!(Draft.step(Expired).unwrap_err(), [InForce]);
        assert!(Terminated.step(InForce).unwrap_err().is_empty());
    }

    #[test]
    fn document_is_a_url_or_a_named_hash() {
        let hash = "AB".repeat(32);
        let with =
            |d: DocumentInput| Agreement::create(AgreementInput { document: d, ..input() }, Uuid::now_v7(), now());
        let a = with(DocumentInput {
            name: Some("mou.pdf".into()),
            sha256: Some(hash.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(a.document_sha256.as_deref(), Some(hash.to_lowercase().as_str()));
        assert!(with(DocumentInput {
            url: Some("https://example.org/mou.pdf".into()),
            ..Default::default()
        })
        .is_ok());
        let codes = |d: DocumentInput| -> Vec<(String, &str)> {
            with(d).unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(
            codes(DocumentInput {
                url: Some("https://example.org/a".into()),
                name: Some("a.pdf".into()),
                sha256: Some(hash.clone()),
            }),
            [("document_url".into(), "document_conflict")]
        );
        assert_eq!(
            codes(DocumentInput {
                name: Some("a.pdf".into()),
                ..Default::default()
            }),
            [("document_sha256".into(), "required")]
        );
        assert_eq!(
            codes(DocumentInput {
                name: Some("a.pdf".into()),
                sha256: Some("xyz".into()),
                ..Default::default()
            }),
            [("document_sha256".into(), "invalid_sha256")]
        );
    }

    #[test]
    fn parties_period_and_versions() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(party_set(vec![a, b, a]).unwrap().len(), 2);
        assert_eq!(party_set(vec![a, a]).unwrap_err().code, "too_few");
        let bad = Agreement::create(
            AgreementInput {
                valid_from: NaiveDate::from_ymd_opt(2027, 1, 1),
                valid_until: NaiveDate::from_ymd_opt(2026, 1, 1),
                ..input()
            },
            Uuid::now_v7(),
            now(),
        );
        assert_eq!(bad.unwrap_err().0[0].field, "valid_until");
        let mut ag = Agreement::create(input(), Uuid::now_v7(), now()).unwrap();
        assert_eq!((ag.status, ag.version), (Draft, 1));
        assert!(!ag.apply(AgreementChanges::default(), now()).unwrap());
        assert_eq!(ag.transition(InForce, now()).unwrap(), Draft);
        assert_eq!(ag.version, 2);
        assert!(ag.transition(Draft, now()).is_err());
        assert_eq!((ag.status, ag.version), (InForce, 2));
    }
}
