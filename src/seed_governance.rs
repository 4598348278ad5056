//! The founding case's governance for `seed-demo`: the cooperation agreement between the two
//! associations, in force and signed by both, and both boards' approval of every joint
//! project and working group it loads.

use serde_json::json;

use crate::seed_demo::Api;

const BOARDS: &str = "مصوبه هیئت‌مدیره هر دو انجمن";

/// Each board approves the item at `path` (`/api/v1/projects/{id}`, …).
pub(crate) async fn approve_by_both(api: &Api, path: &str, labs: &str, audit: &str) -> anyhow::Result<()> {
    for org in [labs, audit] {
        api.post(
            &format!("{path}/approvals"),
            json!({"organization_id": org, "note": BOARDS}),
        )
        .await?;
    }
    Ok(())
}

/// The cooperation agreement: drafted, signed by both, approved by both boards, in force.
pub(crate) async fn agreement(api: &Api, labs: &str, audit: &str) -> anyhow::Result<String> {
    let created = api
        .post(
            "/api/v1/agreements",
            json!({"title": "تفاهم‌نامهٔ همکاری دو انجمن",
                   "summary": "همکاری در پژوهش، نظارت و آموزش مشترک، تشکیل کارگروه‌های تخصصی و برگزاری نشست‌های تخصصی و عمومی",
                   "scope": "پروژه‌های مشترک پژوهشی، نظارتی و آموزشی؛ کارگروه‌های تخصصی و عمومی",
                   "organization_ids": [labs, audit],
                   "valid_from": "2025-09-23", "valid_until": "2028-09-22",
                   "document_name": "tafahomnameh-hamkari.pdf",
                   "document_sha256": "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"}),
        )
        .await?;
    let id = crate::seed_demo::id(&created)?;
    let path = format!("/api/v1/agreements/{id}");
    for org in [labs, audit] {
        api.put(&format!("{path}/parties/{org}"), json!({"signed_on": "2025-09-23"}))
            .await?;
    }
    approve_by_both(api, &path, labs, audit).await?;
    api.post(
        &format!("{path}/transitions"),
        json!({"to": "in_force", "reason": BOARDS}),
    )
    .await?;
    Ok(id)
}

/// Both boards approve a new working group, which then becomes active.
pub(crate) async fn activate_group(api: &Api, group: &str, labs: &str, audit: &str) -> anyhow::Result<()> {
    let path = format!("/api/v1/working-groups/{group}");
    approve_by_both(api, &path, labs, audit).await?;
    api.post(
        &format!("{path}/transitions"),
        json!({"to": "active", "reason": BOARDS}),
    )
    .await?;
    Ok(())
}
