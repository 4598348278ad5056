//! Who made a change: a user, an API token, or the system itself (the first administrator,
//! the `create-admin` command). Rows keep their creator and last changer as one of these.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::validation::FieldProblem;

/// A reference to whoever acted; it says nothing about whether they still exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorRef {
    User(Uuid),
    ApiToken(Uuid),
    System,
}

impl ActorRef {
    /// `user`, `api_token` or `system`: the same words the events' `actor_type` uses.
    pub fn kind(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::ApiToken(_) => "api_token",
            Self::System => "system",
        }
    }

    /// The user's or token's id; the system has none.
    pub fn id(self) -> Option<Uuid> {
        match self {
            Self::User(id) | Self::ApiToken(id) => Some(id),
            Self::System => None,
        }
    }

    /// Parses the stored form written by [`ActorRef::to_stored`].
    pub fn parse(raw: &str) -> Result<Self, FieldProblem> {
        let invalid = || FieldProblem::new("invalid_actor", "must be user:<uuid>, api_token:<uuid> or system");
        if raw == "system" {
            return Ok(Self::System);
        }
        let (kind, id) = raw.split_once(':').ok_or_else(invalid)?;
        // Only the hyphenated form is ever written, so anything else is not ours.
        let id = Uuid::try_parse(id)
            .ok()
            .filter(|parsed| parsed.hyphenated().to_string() == id)
            .ok_or_else(invalid)?;
        match kind {
            "user" => Ok(Self::User(id)),
            "api_token" => Ok(Self::ApiToken(id)),
            _ => Err(invalid()),
        }
    }

    /// One text value that keeps both the kind and the id: `user:<uuid>`, `api_token:<uuid>`
    /// or `system`.
    pub fn to_stored(self) -> String {
        match self.id() {
            Some(id) => format!("{}:{}", self.kind(), id.hyphenated()),
            None => self.kind().to_owned(),
        }
    }
}

/// `{"type": "user", "id": "…"}`; the system's `id` is null. Events carry this form.
impl Serialize for ActorRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ActorRef", 2)?;
        s.serialize_field("type", self.kind())?;
        s.serialize_field("id", &self.id())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b";

    fn id() -> Uuid {
        Uuid::parse_str(ID).unwrap()
    }

    #[test]
    fn stored_form_round_trips() {
        for actor in [ActorRef::User(id()), ActorRef::ApiToken(id()), ActorRef::System] {
            assert_eq!(ActorRef::parse(&actor.to_stored()), Ok(actor));
        }
        assert_eq!(ActorRef::User(id()).to_stored(), format!("user:{ID}"));
        assert_eq!(ActorRef::ApiToken(id()).to_stored(), format!("api_token:{ID}"));
        assert_eq!(ActorRef::System.to_stored(), "system");
    }

    #[test]
    fn parse_refuses_what_is_never_written() {
        for raw in [
            "",
            "user",
            "user:",
            "system:",
            &format!("system:{ID}"),
            &format!("admin:{ID}"),
            &format!("User:{ID}"),
            &format!("user:{}", ID.to_uppercase()),
            &format!("user:{}", ID.replace('-', "")),
            &format!("user:{ID} "),
        ] {
            assert!(ActorRef::parse(raw).is_err(), "{raw:?} parsed");
        }
    }

    #[test]
    fn serializes_as_type_and_id() {
        assert_eq!(
            serde_json::to_value(ActorRef::User(id())).unwrap(),
            serde_json::json!({"type": "user", "id": ID})
        );
        assert_eq!(
            serde_json::to_value(ActorRef::ApiToken(id())).unwrap(),
            serde_json::json!({"type": "api_token", "id": ID})
        );
        assert_eq!(
            serde_json::to_value(ActorRef::System).unwrap(),
            serde_json::json!({"type": "system", "id": null})
        );
    }
}
