//! Each exportable list item as a CSV line (the columns are the JSON body's fields).

use serde::Serialize;

use crate::bodies::ActorBody;
use crate::export::{cell, joined, CsvLine};
use crate::routes::audit_events::AuditEventBody;
use crate::routes::members::MemberBody;
use crate::routes::memberships::MembershipBody;
use crate::routes::organizations::OrganizationBody;

/// A value's JSON name (an enum's snake_case tag) or, for an object, its JSON text.
fn json_cell<T: Serialize>(value: Option<&T>) -> String {
    match value.map(serde_json::to_value) {
        Some(Ok(serde_json::Value::String(text))) => text,
        Some(Ok(serde_json::Value::Null)) | None | Some(Err(_)) => String::new(),
        Some(Ok(other)) => other.to_string(),
    }
}

/// An actor as `type:id` (`user:0199…`), or `system`.
fn actor_cell(actor: Option<&ActorBody>) -> String {
    match actor.map(|a| (json_cell(Some(&a.kind)), a.id)) {
        Some((kind, Some(id))) => format!("{kind}:{id}"),
        Some((kind, None)) => kind,
        None => String::new(),
    }
}

impl CsvLine for MemberBody {
    const HEADER: &'static [&'static str] = &[
        "id",
        "full_name",
        "full_name_en",
        "national_id",
        "email",
        "phone",
        "phone_type",
        "expertise",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.full_name.clone(),
            cell(self.full_name_en.as_ref()),
            cell(self.national_id.as_ref()),
            cell(self.email.as_ref()),
            cell(self.phone.as_ref()),
            json_cell(self.phone_type.as_ref()),
            cell(self.expertise.as_ref()),
            self.created_at.to_rfc3339(),
            self.updated_at.to_rfc3339(),
            actor_cell(self.created_by.as_ref()),
            actor_cell(self.updated_by.as_ref()),
            self.version.to_string(),
        ]
    }
}

impl CsvLine for AuditEventBody {
    const HEADER: &'static [&'static str] = &[
        "id",
        "at",
        "action",
        "resource_type",
        "resource_id",
        "actor_id",
        "actor_type",
        "organization_ids",
        "before",
        "after",
        "request_id",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.at.to_rfc3339(),
            self.action.clone(),
            self.resource_type.clone(),
            self.resource_id.to_string(),
            cell(self.actor_id),
            self.actor_type.clone(),
            joined(&self.organization_ids),
            json_cell(self.before.as_ref()),
            json_cell(self.after.as_ref()),
            cell(self.request_id.as_ref()),
        ]
    }
}

impl CsvLine for OrganizationBody {
    const HEADER: &'static [&'static str] = &[
        "id",
        "name",
        "name_en",
        "slug",
        "kind",
        "description",
        "website",
        "email",
        "phone",
        "phone_type",
        "founded_on",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            cell(self.name_en.as_ref()),
            self.slug.clone(),
            json_cell(Some(&self.kind)),
            cell(self.description.as_ref()),
            cell(self.website.as_ref()),
            cell(self.email.as_ref()),
            cell(self.phone.as_ref()),
            json_cell(self.phone_type.as_ref()),
            cell(self.founded_on),
            self.created_at.to_rfc3339(),
            self.updated_at.to_rfc3339(),
            actor_cell(self.created_by.as_ref()),
            actor_cell(self.updated_by.as_ref()),
            self.version.to_string(),
        ]
    }
}

/// The member and the organization are flattened to their names beside their ids.
impl CsvLine for MembershipBody {
    const HEADER: &'static [&'static str] = &[
        "id",
        "member_id",
        "member_full_name",
        "organization_id",
        "organization_name",
        "role",
        "starts_on",
        "ends_on",
        "end_reason",
        "current",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.member_id.to_string(),
            self.member.full_name.clone(),
            self.organization_id.to_string(),
            self.organization.name.clone(),
            json_cell(Some(&self.role)),
            self.starts_on.to_string(),
            cell(self.ends_on),
            cell(self.end_reason.as_ref()),
            self.current.to_string(),
            self.created_at.to_rfc3339(),
            self.updated_at.to_rfc3339(),
            actor_cell(self.created_by.as_ref()),
            actor_cell(self.updated_by.as_ref()),
            self.version.to_string(),
        ]
    }
}
