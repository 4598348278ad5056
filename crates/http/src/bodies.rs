//! Response bodies that several route modules answer with or embed.

use chrono::{DateTime, Utc};
use hamkari_app::projects::{Participant, ProjectView};
use hamkari_domain::project::{ParticipantRole, ProjectKind, ProjectStatus};
use hamkari_domain::ActorRef;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dates::{ApiDate, ToApi};
use crate::pagination::utc;

/// What kind of actor made a change.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiToken,
    /// The server itself: the first administrator, the `create-admin` command.
    System,
}

/// Who created or changed a resource.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "user", "id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b"}))]
pub struct ActorBody {
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// The user's or API token's id; null for `system`.
    pub id: Option<Uuid>,
}

impl From<ActorRef> for ActorBody {
    fn from(a: ActorRef) -> Self {
        let kind = match a {
            ActorRef::User(_) => ActorKind::User,
            ActorRef::ApiToken(_) => ActorKind::ApiToken,
            ActorRef::System => ActorKind::System,
        };
        Self { kind, id: a.id() }
    }
}

pub fn actor(a: Option<ActorRef>) -> Option<ActorBody> {
    a.map(ActorBody::from)
}

/// An organization named inside another resource.
#[derive(Serialize, ToSchema)]
pub struct OrganizationRef {
    pub id: Uuid,
    #[schema(example = "جامعه ممیزی و بازرسی ایران")]
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

/// An organization taking part in a project.
#[derive(Serialize, ToSchema)]
pub struct ParticipantBody {
    pub organization_id: Uuid,
    pub role: ParticipantRole,
    #[schema(example = "انجمن آزمایشگاههای همکار آزمون و واسنجی ایران")]
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}

impl From<Participant> for ParticipantBody {
    fn from(p: Participant) -> Self {
        Self {
            organization_id: p.organization_id,
            role: p.role,
            name: p.name,
            name_en: p.name_en,
            slug: p.slug,
        }
    }
}

/// A joint project.
#[derive(Serialize, ToSchema)]
pub struct ProjectBody {
    pub id: Uuid,
    #[schema(example = "پژوهش مشترک در عدم قطعیت اندازه‌گیری")]
    pub title: String,
    pub title_en: Option<String>,
    pub kind: ProjectKind,
    pub summary: Option<String>,
    pub status: ProjectStatus,
    /// The states the project may move to next.
    pub allowed_transitions: Vec<ProjectStatus>,
    pub lead_organization_id: Option<Uuid>,
    /// At least two, exactly one of them the lead.
    pub organizations: Vec<ParticipantBody>,
    pub starts_on: Option<ApiDate>,
    pub ends_on: Option<ApiDate>,
    /// The cooperation agreement the project falls under.
    pub agreement_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who created it; null when that was not recorded (before actors were kept).
    pub created_by: Option<ActorBody>,
    /// Who changed it last (its creator until then); null when that was not recorded.
    pub updated_by: Option<ActorBody>,
    pub version: i64,
}

impl From<ProjectView> for ProjectBody {
    fn from(v: ProjectView) -> Self {
        let (p, participants) = (v.project, v.participants);
        let lead = participants
            .iter()
            .find(|x| x.role == ParticipantRole::Lead)
            .map(|x| x.organization_id);
        Self {
            id: p.id,
            title: p.title,
            title_en: p.title_en,
            kind: p.kind,
            summary: p.summary,
            allowed_transitions: p.status.next().to_vec(),
            status: p.status,
            lead_organization_id: lead,
            organizations: participants.into_iter().map(ParticipantBody::from).collect(),
            starts_on: p.starts_on.api(),
            ends_on: p.ends_on.api(),
            agreement_id: p.agreement_id,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
            created_by: actor(p.created_by),
            updated_by: actor(p.updated_by),
            version: p.version,
        }
    }
}
