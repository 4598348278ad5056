//! What `GET /api/v1/auth/me` answers: the session's user, or the calling API token.

use chrono::{DateTime, NaiveDateTime, Utc};
use hamkari_app::sessions::Me;
use hamkari_domain::api_token::{ApiToken, TokenState};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::pagination::utc;
use crate::routes::api_tokens::scope_list;
use crate::routes::users::UserBody;

/// The caller, told apart by `kind`: a user's session (`user`, with the user's fields as
/// `GET /api/v1/users/{id}` shows them) or an API token (`api_token`).
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeBody {
    User(UserBody),
    ApiToken(TokenSelfBody),
}

/// The calling API token as it sees itself: never its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenSelfBody {
    pub id: Uuid,
    #[schema(example = "سامانه جامعه ممیزی")]
    pub name: String,
    #[schema(schema_with = scope_list, example = json!(["members:read", "projects:write"]))]
    pub scopes: Vec<String>,
    /// The organization whose data the token may write, if bound to one.
    pub organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// After this the token is refused; responses carry `Hamkari-Token-Expires` in its last 14 days.
    pub expires_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub state: TokenState,
}

impl TokenSelfBody {
    fn new(t: ApiToken, now: NaiveDateTime) -> Self {
        Self {
            state: t.state(now),
            id: t.id,
            name: t.name,
            scopes: t.scopes.names(),
            organization_id: t.organization_id,
            created_at: utc(t.created_at),
            expires_at: utc(t.expires_at),
            last_used_at: t.last_used_at.map(utc),
        }
    }
}

impl MeBody {
    pub fn new(me: Me, now: NaiveDateTime) -> Self {
        match me {
            Me::User(user) => Self::User(UserBody::from(user)),
            Me::ApiToken(token) => Self::ApiToken(TokenSelfBody::new(token, now)),
        }
    }
}
