//! Who asks, and under which request: what every use case receives besides its command.

use chrono::{NaiveDateTime, SubsecRound, Utc};
use hamkari_domain::auth::{Principal, Subject};
use hamkari_domain::ActorRef;
use uuid::Uuid;

/// The authenticated principal of one request, with the request id its events carry.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: Option<String>,
}

impl Caller {
    pub fn new(principal: Principal, request_id: Option<String>) -> Self {
        Self { principal, request_id }
    }

    /// The actor recorded on events and rows: `("user", id)` or `("api_token", id)`.
    pub fn actor(&self) -> (&'static str, Uuid) {
        match self.principal.subject {
            Subject::User(id) => ("user", id),
            Subject::ApiToken(id) => ("api_token", id),
        }
    }

    /// The same actor as rows keep it in `created_by`/`updated_by`.
    pub fn actor_ref(&self) -> ActorRef {
        match self.principal.subject {
            Subject::User(id) => ActorRef::User(id),
            Subject::ApiToken(id) => ActorRef::ApiToken(id),
        }
    }
}

/// The current UTC time at the precision both databases keep (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A caller is its principal for every permission question.
impl std::ops::Deref for Caller {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}
