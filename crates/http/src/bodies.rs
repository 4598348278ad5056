//! Response bodies that several route modules embed.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An organization named inside another resource.
#[derive(Serialize, ToSchema)]
pub struct OrganizationRef {
    pub id: Uuid,
    #[schema(example = "جامعه ممیزی و بازرسی ایران")]
    pub name: String,
    pub name_en: Option<String>,
    pub slug: String,
}
