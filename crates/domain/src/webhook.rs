//! Webhook endpoints (Standard Webhooks 1.0), the event types they and the change feed
//! name, and the retry schedule of their deliveries.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::ActorRef;
use crate::validation::{FieldProblem, ValidationErrors};

/// Every event type recorded, as `(resource, actions)`; the feed and webhooks refuse other
/// names. A branch that records a new kind of event adds its row here.
pub const EVENT_TYPES: &[(&str, &[&str])] = &[
    ("organization", &["created", "updated", "deleted"]),
    (
        "member",
        &[
            "created",
            "updated",
            "deleted",
            "accreditation_added",
            "accreditation_removed",
        ],
    ),
    ("membership", &["created", "updated", "deleted"]),
    (
        "project",
        &[
            "created",
            "updated",
            "deleted",
            "transitioned",
            "participant_added",
            "participant_updated",
            "participant_removed",
            "team_member_added",
            "team_member_updated",
            "team_member_removed",
            "approved",
            "approval_withdrawn",
            "approvals_reset",
        ],
    ),
    (
        "working_group",
        &[
            "created",
            "updated",
            "deleted",
            "transitioned",
            "member_added",
            "member_updated",
            "member_removed",
            "approved",
            "approval_withdrawn",
            "approvals_reset",
        ],
    ),
    (
        "agreement",
        &[
            "created",
            "updated",
            "deleted",
            "transitioned",
            "party_added",
            "party_updated",
            "party_removed",
            "approved",
            "approval_withdrawn",
            "approvals_reset",
        ],
    ),
    (
        "meeting",
        &[
            "created",
            "updated",
            "deleted",
            "transitioned",
            "agenda_replaced",
            "attendee_set",
            "attendee_removed",
            "minutes_drafted",
            "minutes_finalized",
        ],
    ),
    (
        "capacity",
        &[
            "created",
            "updated",
            "deleted",
            "accreditation_added",
            "accreditation_removed",
        ],
    ),
    ("accreditation", &["expiring"]),
    ("capacity_request", &["created", "transitioned", "commented"]),
    ("resolution", &["created"]),
    ("action_item", &["created", "transitioned"]),
    ("user", &["created", "updated", "password_changed", "deleted"]),
    ("api_token", &["created", "rotated", "revoked", "expiring"]),
    ("webhook", &["created", "updated", "deleted", "secret_rotated"]),
];

/// Whether `resource.action` is a type clients may subscribe to; every recorded event must
/// be one (checked where events are written, in debug builds).
pub fn is_known_event(resource: &str, action: &str) -> bool {
    EVENT_TYPES
        .iter()
        .any(|(r, actions)| *r == resource && actions.contains(&action))
}

/// One entry of a type filter: `member.updated`, or `project.*` for every action on a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypePattern {
    resource: &'static str,
    /// `None` matches every action.
    action: Option<&'static str>,
}

impl EventTypePattern {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let unknown = || {
            FieldProblem::new(
                "unknown_event_type",
                format!("{raw:?} is not an event type; use <resource>.<action> or <resource>.*, such as member.updated or project.*"),
            )
        };
        let (resource, action) = raw.split_once('.').ok_or_else(unknown)?;
        let (resource, actions) = EVENT_TYPES.iter().find(|(r, _)| *r == resource).ok_or_else(unknown)?;
        let action = match action {
            "*" => None,
            name => Some(*actions.iter().find(|a| **a == name).ok_or_else(unknown)?),
        };
        Ok(Self { resource, action })
    }

    pub fn matches(&self, resource: &str, action: &str) -> bool {
        self.resource == resource && self.action.is_none_or(|a| a == action)
    }

    pub fn as_string(&self) -> String {
        format!("{}.{}", self.resource, self.action.unwrap_or("*"))
    }
}

/// A set of type patterns: at least one, at most 50, no duplicates, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventTypePattern>);

impl EventTypes {
    pub const MAX: usize = 50;

    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, FieldProblem> {
        if raw.is_empty() {
            return Err(FieldProblem::new("required", "must name at least one event type"));
        }
        if raw.len() > Self::MAX {
            return Err(FieldProblem::new(
                "too_long",
                format!("must name at most {} event types", Self::MAX),
            ));
        }
        let mut patterns: Vec<EventTypePattern> = Vec::new();
        for pattern in raw.iter().map(|r| EventTypePattern::parse(r.as_ref().trim())) {
            let pattern = pattern?;
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        Ok(Self(patterns))
    }

    /// The stored form: space-separated.
    pub fn to_stored(&self) -> String {
        self.names().join(" ")
    }

    pub fn from_stored(stored: &str) -> Result<Self, FieldProblem> {
        Self::parse(&stored.split_whitespace().collect::<Vec<_>>())
    }

    pub fn matches(&self, resource: &str, action: &str) -> bool {
        self.0.iter().any(|p| p.matches(resource, action))
    }

    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(EventTypePattern::as_string).collect()
    }
}

impl Serialize for EventTypes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(serializer)
    }
}

/// A destination as given: `http` or `https`, a host, no credentials. Whether the host
/// resolves to a refused address is checked where names are resolved (the http crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        // Characters as sent, as the schema's `maxLength` counts them (not UTF-8 bytes).
        if raw.chars().count() > 2000 {
            return Err(FieldProblem::new("too_long", "must be at most 2000 characters"));
        }
        let url = url::Url::parse(raw.trim())
            .map_err(|_| FieldProblem::new("invalid_url", "must be an http or https address"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(FieldProblem::new("invalid_url", "must be an http or https address"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FieldProblem::new(
                "url_credentials",
                "must not contain a user name or password; authenticate by the signature",
            ));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

/// A stored endpoint. Serialized as the events' `before`/`after`: holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub event_types: EventTypes,
    /// Only events concerning this organization; `None`: every event (administrators).
    pub organization_id: Option<Uuid>,
    pub enabled: bool,
    /// Why the server disabled it, when it did.
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    pub created_by: Option<ActorRef>,
    pub updated_by: Option<ActorRef>,
}

/// What a creation request carries, before validation.
#[derive(Debug)]
pub struct WebhookInput {
    pub url: String,
    pub event_types: Vec<String>,
    pub organization_id: Option<Uuid>,
}

#[derive(Debug)]
pub struct ValidWebhook {
    pub url: WebhookUrl,
    pub event_types: EventTypes,
    pub organization_id: Option<Uuid>,
}

impl WebhookInput {
    pub fn validate(self) -> Result<ValidWebhook, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let url = errors.check("url", WebhookUrl::parse(&self.url));
        let event_types = errors.check("event_types", EventTypes::parse(&self.event_types));
        match (url, event_types) {
            (Some(url), Some(event_types)) => Ok(ValidWebhook {
                url,
                event_types,
                organization_id: self.organization_id,
            }),
            _ => Err(errors),
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered; `next_attempt_at` says when it is tried.
    Pending,
    Succeeded,
    /// Every attempt failed; `POST …/retry` tries again.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn from_stored(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// One message to one endpoint and its latest attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// The `webhook-id` every attempt repeats.
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub response_status: Option<i32>,
    pub duration_ms: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// When to try again after `attempts` failed attempts: `base` doubled each time, at most a
/// day; `None` once `max_attempts` are spent. With the defaults (5 s, 16 attempts) the last
/// try comes about two days after the first.
pub fn next_attempt(attempts: i32, base: Duration, max_attempts: i32) -> Option<Duration> {
    if attempts >= max_attempts {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let delay = base.checked_mul(1_i32 << doublings).unwrap_or(Duration::days(1));
    Some(delay.min(Duration::days(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_patterns() {
        let types = EventTypes::parse(&["member.updated", "project.*", "member.updated"]).unwrap();
        assert_eq!(types.names(), ["member.updated", "project.*"]);
        assert!(types.matches("member", "updated"));
        assert!(!types.matches("member", "created"));
        assert!(types.matches("project", "transitioned"));
        assert_eq!(EventTypes::from_stored(&types.to_stored()).unwrap(), types);
        for bad in ["member", "member.exploded", "spaceship.*", "*", ".updated", ""] {
            assert_eq!(
                EventTypePattern::parse(bad).unwrap_err().code,
                "unknown_event_type",
                "{bad:?}"
            );
        }
        assert!(EventTypes::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn urls() {
        assert!(WebhookUrl::parse("https://example.org/hooks?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/").is_ok());
        for bad in [
            "ftp://example.org/",
            "example.org",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            assert_eq!(WebhookUrl::parse(bad).unwrap_err().code, "invalid_url", "{bad}");
        }
        for bad in ["https://user:pw@example.org/", "https://user@example.org/"] {
            assert_eq!(WebhookUrl::parse(bad).unwrap_err().code, "url_credentials", "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_a_day_then_stops() {
        let base = Duration::seconds(5);
        assert_eq!(next_attempt(1, base, 16), Some(Duration::seconds(5)));
        assert_eq!(next_attempt(2, base, 16), Some(Duration::seconds(10)));
        assert_eq!(next_attempt(5, base, 16), Some(Duration::seconds(80)));
        // 5 s · 2¹⁴ is 22.8 hours; one more doubling would pass a day, so it stops there.
        assert_eq!(next_attempt(15, base, 16), Some(Duration::seconds(81_920)));
        assert_eq!(next_attempt(17, base, 20), Some(Duration::days(1)));
        assert_eq!(next_attempt(16, base, 16), None);
        let total: Duration = (1..16).filter_map(|n| next_attempt(n, base, 16)).sum();
        assert!(total > Duration::days(1) && total < Duration::days(3), "{total}");
    }
}
