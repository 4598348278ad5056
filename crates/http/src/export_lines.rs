//! Each exportable list item's CSV columns: paths into its JSON body, flattened the one way
//! `export::CsvLine` describes. Who made a change is two columns, `…_type` and `…_id`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::bodies::ProjectBody;
use crate::export::CsvLine;
use crate::roster::RosterEntryBody;
use crate::routes::accreditations::AccreditationBody;
use crate::routes::agreements::AgreementBody;
use crate::routes::api_tokens::ApiTokenBody;
use crate::routes::approvals::ApprovalBody;
use crate::routes::audit_events::AuditEventBody;
use crate::routes::capacities::CapacityBody;
use crate::routes::capacity_requests::{CapacityRequestBody, CommentBody};
use crate::routes::meeting_parts::AttendeeBody;
use crate::routes::meetings::MeetingBody;
use crate::routes::members::MemberBody;
use crate::routes::memberships::MembershipBody;
use crate::routes::organizations::OrganizationBody;
use crate::routes::projects::TransitionBody;
use crate::routes::resolutions::{ActionItemBody, ResolutionBody};
use crate::routes::shared_members::SharedMemberBody;
use crate::routes::users::UserBody;
use crate::routes::webhooks::{DeliveryBody, WebhookBody};
use crate::routes::working_groups::WorkingGroupBody;

macro_rules! columns {
    ($($body:ty => [$($path:literal),* $(,)?];)*) => {$(
        impl CsvLine for $body {
            const COLUMNS: &'static [&'static str] = &[$($path),*];
        }
    )*};
}

columns! {
    MemberBody => [
        "id", "full_name", "full_name_en", "national_id", "email", "phone", "phone_type",
        "expertise", "created_at", "updated_at", "created_by.type", "created_by.id",
        "updated_by.type", "updated_by.id", "version",
    ];
    OrganizationBody => [
        "id", "name", "name_en", "slug", "kind", "description", "website", "email", "phone",
        "phone_type", "founded_on", "created_at", "updated_at", "created_by.type",
        "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    MembershipBody => [
        "id", "member_id", "member.full_name", "organization_id", "organization.name", "role",
        "starts_on", "ends_on", "end_reason", "current", "created_at", "updated_at",
        "created_by.type", "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    AuditEventBody => [
        "id", "at", "action", "resource_type", "resource_id", "actor_id", "actor_type",
        "organization_ids", "before", "after", "request_id",
    ];
    SharedMemberBody => [
        "member.id", "member.full_name", "member.full_name_en", "member.national_id",
        "member.email", "member.phone", "memberships.organization_id",
        "memberships.organization.name", "memberships.role", "memberships.starts_on",
        "memberships.ends_on",
    ];
    ProjectBody => [
        "id", "title", "title_en", "kind", "summary", "status", "lead_organization_id",
        "organizations.organization_id", "organizations.name", "organizations.role",
        "starts_on", "ends_on", "agreement_id", "created_at", "updated_at", "created_by.type",
        "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    TransitionBody => ["id", "from", "to", "reason", "actor.type", "actor.id", "actor.name", "at"];
    WorkingGroupBody => [
        "id", "name", "name_en", "scope", "topic", "mandate", "status", "established_on",
        "dissolved_on", "organization_ids", "organizations.name", "project_id", "agreement_id",
        "created_at", "updated_at", "created_by.type", "created_by.id", "updated_by.type",
        "updated_by.id", "version",
    ];
    AgreementBody => [
        "id", "title", "summary", "scope", "status", "parties.organization_id", "parties.name",
        "parties.signed_on", "valid_from", "valid_until", "document_url", "document_name",
        "document_sha256", "created_at", "updated_at", "created_by.type", "created_by.id",
        "updated_by.type", "updated_by.id", "version",
    ];
    ApprovalBody => [
        "organization_id", "note", "resolution_id", "approved_by.type", "approved_by.id",
        "approved_at",
    ];
    MeetingBody => [
        "id", "title", "kind", "status", "status_reason", "starts_at", "ends_at", "time_zone",
        "place", "online_url", "working_group_id", "project_id", "organization_ids",
        "organizations.name", "minutes", "minutes_finalized_at", "created_at", "updated_at",
        "created_by.type", "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    AttendeeBody => ["member_id", "full_name", "organization_id", "status"];
    ResolutionBody => [
        "id", "meeting_id", "number", "text", "outcome", "votes.organization_id", "votes.vote",
        "action_items.id", "created_at", "created_by.type", "created_by.id",
    ];
    ActionItemBody => [
        "id", "resolution_id", "meeting_id", "what", "owner_id", "organization_id", "due_on",
        "status", "status_reason", "overdue", "created_at", "updated_at", "created_by.type",
        "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    UserBody => [
        "id", "email", "display_name", "role", "organization_ids", "disabled", "created_at",
        "updated_at", "created_by.type", "created_by.id", "updated_by.type", "updated_by.id",
        "version",
    ];
    ApiTokenBody => [
        "id", "name", "prefix", "scopes", "organization_id", "state", "created_at",
        "expires_at", "revoked_at", "last_used_at", "created_by.type", "created_by.id",
        "updated_by.type", "updated_by.id",
    ];
    WebhookBody => [
        "id", "url", "event_types", "organization_id", "enabled", "disabled_reason",
        "created_at", "updated_at", "created_by.type", "created_by.id", "updated_by.type",
        "updated_by.id", "version",
    ];
    CapacityBody => [
        "id", "organization_id", "kind", "title", "title_en", "description",
        "provider_member_id", "province", "city", "availability", "offered_to.agreement_id",
        "offered_to.organization_ids", "visible_to", "accreditations.standard",
        "accreditations.valid_until", "accreditations.expired", "created_at", "updated_at",
        "created_by.type", "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    AccreditationBody => [
        "id", "capacity_id", "member_id", "standard", "standard_text", "body",
        "certificate_number", "scope", "valid_from", "valid_until", "status", "expired",
        "created_at", "created_by.type", "created_by.id",
    ];
    CapacityRequestBody => [
        "id", "capacity_id", "offered_by", "organization_id", "purpose", "project_id",
        "agreement_id", "from", "until", "quantity", "status", "steps.to",
        "steps.organization_id", "steps.at", "created_at", "updated_at", "created_by.type",
        "created_by.id", "updated_by.type", "updated_by.id", "version",
    ];
    CommentBody => ["id", "request_id", "organization_id", "body", "created_by.type", "created_by.id", "created_at"];
    DeliveryBody => [
        "id", "event_id", "event_type", "status", "attempts", "next_attempt_at",
        "response_status", "duration_ms", "last_error", "created_at", "updated_at",
    ];
}

/// Both rosters (a project's team, a working group's members) list the same way.
impl<R: ToSchema + Serialize> CsvLine for RosterEntryBody<R> {
    const COLUMNS: &'static [&'static str] = &[
        "member_id",
        "full_name",
        "full_name_en",
        "organization_id",
        "role",
        "added_at",
    ];
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// Whether `path` names a field of `schema` (through references, nullable wrappers and
    /// lists), so no column silently stays empty after a body's field is renamed.
    fn has_path(spec: &Value, schema: &Value, path: &[&str]) -> bool {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            return has_path(spec, &spec["components"]["schemas"][name], path);
        }
        for branches in ["allOf", "oneOf", "anyOf"] {
            if let Some(options) = schema[branches].as_array() {
                return options.iter().any(|option| has_path(spec, option, path));
            }
        }
        if !schema["items"].is_null() {
            return has_path(spec, &schema["items"], path);
        }
        match path.split_first() {
            None => true,
            Some((field, rest)) => match schema["properties"].get(*field) {
                Some(inner) => has_path(spec, inner, rest),
                None => false,
            },
        }
    }

    #[test]
    fn every_column_is_a_field_of_its_body() {
        let spec = serde_json::to_value(crate::openapi::spec()).unwrap();
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        let roster = schemas
            .keys()
            .find(|name| name.starts_with("RosterEntryBody"))
            .expect("a roster schema");
        let bodies: &[(&str, &[&str])] = &[
            ("MemberBody", MemberBody::COLUMNS),
            ("OrganizationBody", OrganizationBody::COLUMNS),
            ("MembershipBody", MembershipBody::COLUMNS),
            ("AuditEventBody", AuditEventBody::COLUMNS),
            ("SharedMemberBody", SharedMemberBody::COLUMNS),
            ("ProjectBody", ProjectBody::COLUMNS),
            ("TransitionBody", TransitionBody::COLUMNS),
            ("WorkingGroupBody", WorkingGroupBody::COLUMNS),
            ("AgreementBody", AgreementBody::COLUMNS),
            ("ApprovalBody", ApprovalBody::COLUMNS),
            ("MeetingBody", MeetingBody::COLUMNS),
            ("AttendeeBody", AttendeeBody::COLUMNS),
            ("ResolutionBody", ResolutionBody::COLUMNS),
            ("ActionItemBody", ActionItemBody::COLUMNS),
            ("UserBody", UserBody::COLUMNS),
            ("ApiTokenBody", ApiTokenBody::COLUMNS),
            ("WebhookBody", WebhookBody::COLUMNS),
            ("DeliveryBody", DeliveryBody::COLUMNS),
            (roster, RosterEntryBody::<hamkari_domain::project::TeamRole>::COLUMNS),
        ];
        for (name, columns) in bodies {
            let schema = &schemas[*name];
            assert!(schema.is_object(), "{name} is in the document");
            for column in *columns {
                let path: Vec<&str> = column.split('.').collect();
                assert!(has_path(&spec, schema, &path), "{name} has no field {column}");
            }
            assert!(
                !has_path(&spec, schema, &["no_such_field"]),
                "{name}: the check can fail"
            );
        }
    }
}
