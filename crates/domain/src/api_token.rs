//! API tokens for the other associations' systems.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::auth::Scopes;
use crate::validation::{clean_line, FieldProblem, ValidationErrors};

/// The longest a token may live.
pub const MAX_LIFETIME_DAYS: i64 = 366;

/// A stored API token (its secret exists only as an HMAC).
/// Serialized as the events' `before`/`after`; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    /// The secret's first characters, for recognising it.
    pub prefix: String,
    pub scopes: Scopes,
    pub organization_id: Option<Uuid>,
    /// The administrator who created it (always a user: tokens cannot manage tokens).
    pub created_by: Option<ActorRef>,
    /// Who rotated or revoked it last (its creator until then).
    pub updated_by: Option<ActorRef>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// Whether a token can be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl ApiToken {
    pub fn state(&self, now: NaiveDateTime) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.expires_at <= now {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }

    /// `last_used_at` is written at most once a minute, so a busy token does not turn every
    /// request into a write.
    pub fn needs_usage_stamp(&self, now: NaiveDateTime) -> bool {
        self.last_used_at.is_none_or(|at| now - at >= Duration::seconds(60))
    }
}

/// What a creation request carries, before validation.
#[derive(Debug)]
pub struct ApiTokenInput {
    pub name: String,
    pub scopes: Vec<String>,
    pub organization_id: Option<Uuid>,
    pub expires_at: NaiveDateTime,
}

/// Validated fields of a new token.
#[derive(Debug)]
pub struct ValidApiToken {
    pub name: String,
    pub scopes: Scopes,
    pub organization_id: Option<Uuid>,
    pub expires_at: NaiveDateTime,
}

impl ApiTokenInput {
    pub fn validate(self, now: NaiveDateTime) -> Result<ValidApiToken, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("name", clean_line(&self.name, 1, 100));
        let scopes = errors.check("scopes", Scopes::parse(&self.scopes));
        let expires_at = errors.check("expires_at", expiry(self.expires_at, now));
        match (name, scopes, expires_at) {
            (Some(name), Some(scopes), Some(expires_at)) => Ok(ValidApiToken {
                name,
                scopes,
                organization_id: self.organization_id,
                expires_at,
            }),
            _ => Err(errors),
        }
    }
}

fn expiry(at: NaiveDateTime, now: NaiveDateTime) -> Result<NaiveDateTime, FieldProblem> {
    if at <= now {
        Err(FieldProblem::new("in_past", "must be in the future"))
    } else if at > now + Duration::days(MAX_LIFETIME_DAYS) {
        Err(FieldProblem::new("too_far", "must be at most one year from now"))
    } else {
        Ok(at)
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

    fn input(days: i64) -> ApiTokenInput {
        ApiTokenInput {
            name: "سامانه جامعه ممیزی".into(),
            scopes: vec!["members:read".into()],
            organization_id: None,
            expires_at: now() + Duration::days(days),
        }
    }

    #[test]
    fn expiry_is_required_within_a_year() {
        assert!(input(30).validate(now()).is_ok());
        assert!(input(366).validate(now()).is_ok());
        assert_eq!(input(367).validate(now()).unwrap_err().0[0].code, "too_far");
        assert_eq!(input(0).validate(now()).unwrap_err().0[0].code, "in_past");
    }

    #[test]
    fn states() {
        let valid = input(1).validate(now()).unwrap();
        let mut token = ApiToken {
            id: Uuid::now_v7(),
            name: valid.name,
            prefix: "hk_abcdefg".into(),
            scopes: valid.scopes,
            organization_id: None,
            created_by: None,
            updated_by: None,
            created_at: now(),
            expires_at: valid.expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        assert_eq!(token.state(now()), TokenState::Active);
        assert_eq!(token.state(now() + Duration::days(2)), TokenState::Expired);
        assert!(token.needs_usage_stamp(now()));
        token.last_used_at = Some(now());
        assert!(!token.needs_usage_stamp(now() + Duration::seconds(59)));
        assert!(token.needs_usage_stamp(now() + Duration::seconds(60)));
        token.revoked_at = Some(now());
        assert_eq!(token.state(now()), TokenState::Revoked);
    }
}
