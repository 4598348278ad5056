//! The authorization matrix: every resource kind × every kind of caller × read, create,
//! update and delete, against the table in `authorization_matrix.txt`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{org, person, TestApp};

const TABLE: &str = include_str!("authorization_matrix.txt");

/// A token column such as `a:m:w`: bound to A (`a`) or unbound (`u`), and its one scope.
fn token_scope(column: &str) -> Option<(bool, String)> {
    let mut parts = column.split(':');
    let (binding, resource, access) = (parts.next()?, parts.next()?, parts.next()?);
    let resource = match resource {
        "o" => "organizations",
        "m" => "members",
        "p" => "projects",
        "g" => "working_groups",
        "mt" => "meetings",
        "c" => "capacities",
        _ => return None,
    };
    let access = match access {
        "r" => "read",
        "w" => "write",
        _ => return None,
    };
    Some((binding == "a", format!("{resource}:{access}")))
}

/// The table's sections: each `# operation` header names the callers of the rows under it,
/// so a resource can add a section with its own scopes without widening every other row.
struct Table {
    sections: Vec<(Vec<String>, Rows)>,
}

/// Operations and the status each caller of the section expects.
type Rows = Vec<(String, Vec<u16>)>;

fn table() -> Table {
    let mut sections: Vec<(Vec<String>, Rows)> = Vec::new();
    for line in TABLE.lines() {
        if let Some(header) = line.strip_prefix("# operation") {
            sections.push((header.split_whitespace().map(str::to_owned).collect(), Vec::new()));
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split_whitespace();
        let operation = cells.next().unwrap().to_owned();
        let statuses: Vec<u16> = cells.map(|c| c.parse().unwrap()).collect();
        sections
            .last_mut()
            .expect("a header before the rows")
            .1
            .push((operation, statuses));
    }
    assert!(!sections.is_empty(), "the table names its columns");
    for (columns, rows) in &sections {
        for (operation, statuses) in rows {
            assert_eq!(statuses.len(), columns.len(), "{operation} has a status per caller");
        }
    }
    Table { sections }
}

/// What every operation starts from.
pub struct World {
    pub a: String,
    pub b: String,
    /// A third organization, A's partner in joint projects (one needs two organizations).
    pub c: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

fn unique(prefix: &str) -> String {
    format!("{prefix} {}", uuid::Uuid::now_v7().simple())
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let response = app.post_json(path, &body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "fixture POST {path}: {status} {body}");
    body
}

async fn member_in(app: &TestApp, organizations: &[&str]) -> String {
    let member = app.create_member(person("عضو ماتریس")).await;
    for organization in organizations {
        created(
            app,
            &format!("/api/v1/organizations/{organization}/memberships"),
            json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
        )
        .await;
    }
    id(&member)
}

/// A joint project that `lead` runs with `partner`.
async fn project_of(app: &TestApp, lead: &str, partner: &str) -> String {
    id(&created(
        app,
        "/api/v1/projects",
        json!({"title": "پروژه ماتریس", "kind": "research", "lead_organization_id": lead, "organization_ids": [lead, partner]}),
    )
    .await)
}

async fn group_of(app: &TestApp, organization: &str) -> String {
    id(&created(
        app,
        "/api/v1/working-groups",
        json!({"name": "کارگروه ماتریس", "scope": "specialized", "organization_ids": [organization]}),
    )
    .await)
}

/// An agreement between these organizations, as a draft.
async fn agreement_of(app: &TestApp, parties: &[&str]) -> String {
    id(&created(
        app,
        "/api/v1/agreements",
        json!({"title": "تفاهم‌نامهٔ ماتریس", "organization_ids": parties}),
    )
    .await)
}

/// Prepares what `operation` needs (as the administrator) and returns the request to make.
pub async fn request_for(app: &TestApp, world: &World, operation: &str) -> (Method, String, Option<Value>) {
    let a = world.a.as_str();
    match operation {
        "organization.list" => (Method::GET, "/api/v1/organizations".into(), None),
        "organization.read" => (Method::GET, format!("/api/v1/organizations/{a}"), None),
        "organization.create" => (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(org(&unique("انجمن"))),
        ),
        "organization.update" => (
            Method::PATCH,
            format!("/api/v1/organizations/{a}"),
            Some(json!({"description": unique("شرح")})),
        ),
        "organization.delete" => {
            let doomed = id(&app.create_org(org(&unique("انجمن موقت"))).await);
            (Method::DELETE, format!("/api/v1/organizations/{doomed}"), None)
        }
        "member.list" => (Method::GET, "/api/v1/members".into(), None),
        "member.read" => (
            Method::GET,
            format!("/api/v1/members/{}", member_in(app, &[a]).await),
            None,
        ),
        "member.create" => (Method::POST, "/api/v1/members".into(), Some(person("عضو تازه"))),
        "member.update" => (
            Method::PATCH,
            format!("/api/v1/members/{}", member_in(app, &[a]).await),
            Some(json!({"expertise": "واسنجی"})),
        ),
        "member.update_shared" => (
            Method::PATCH,
            format!("/api/v1/members/{}", member_in(app, &[a, &world.b]).await),
            Some(json!({"expertise": "واسنجی"})),
        ),
        "member.delete" => (
            Method::DELETE,
            format!("/api/v1/members/{}?force=true", member_in(app, &[a]).await),
            None,
        ),
        "member.delete_shared" => (
            Method::DELETE,
            format!("/api/v1/members/{}?force=true", member_in(app, &[a, &world.b]).await),
            None,
        ),
        "membership.list" => (Method::GET, format!("/api/v1/organizations/{a}/memberships"), None),
        "membership.read" | "membership.update" | "membership.delete" => {
            let member = app.create_member(person("عضو ماتریس")).await;
            let membership = created(
                app,
                &format!("/api/v1/organizations/{a}/memberships"),
                json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
            )
            .await;
            let path = format!("/api/v1/memberships/{}", id(&membership));
            match operation {
                "membership.read" => (Method::GET, path, None),
                "membership.update" => (Method::PATCH, path, Some(json!({"ends_on": "2025-12-31"}))),
                _ => (Method::DELETE, path, None),
            }
        }
        "membership.create" => {
            let member = app.create_member(person("عضو تازه")).await;
            (
                Method::POST,
                format!("/api/v1/organizations/{a}/memberships"),
                Some(json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"})),
            )
        }
        "project.list" => (Method::GET, "/api/v1/projects".into(), None),
        "project.read" => (
            Method::GET,
            format!("/api/v1/projects/{}", project_of(app, a, &world.c).await),
            None,
        ),
        "project.create" => (
            Method::POST,
            "/api/v1/projects".into(),
            Some(
                json!({"title": "پروژه تازه", "kind": "research", "lead_organization_id": a, "organization_ids": [a, world.c]}),
            ),
        ),
        "project.update" => (
            Method::PATCH,
            format!("/api/v1/projects/{}", project_of(app, a, &world.c).await),
            Some(json!({"summary": "خلاصه"})),
        ),
        "project.delete" => (
            Method::DELETE,
            format!("/api/v1/projects/{}", project_of(app, a, &world.c).await),
            None,
        ),
        "project.team_list" => (
            Method::GET,
            format!("/api/v1/projects/{}/members", project_of(app, a, &world.c).await),
            None,
        ),
        "project.team_add" => {
            let project = project_of(app, a, &world.c).await;
            let member = member_in(app, &[a]).await;
            (
                Method::POST,
                format!("/api/v1/projects/{project}/members"),
                Some(json!({"member_id": member, "organization_id": a, "role": "researcher"})),
            )
        }
        "project.team_remove" => {
            let project = project_of(app, a, &world.c).await;
            let member = member_in(app, &[a]).await;
            created(
                app,
                &format!("/api/v1/projects/{project}/members"),
                json!({"member_id": member, "organization_id": a, "role": "researcher"}),
            )
            .await;
            (
                Method::DELETE,
                format!("/api/v1/projects/{project}/members/{member}"),
                None,
            )
        }
        "auth.me" => (Method::GET, "/api/v1/auth/me".into(), None),
        "working_group.list" => (Method::GET, "/api/v1/working-groups".into(), None),
        "working_group.read" => (
            Method::GET,
            format!("/api/v1/working-groups/{}", group_of(app, a).await),
            None,
        ),
        "working_group.create" => (
            Method::POST,
            "/api/v1/working-groups".into(),
            Some(json!({"name": "کارگروه تازه", "scope": "general", "organization_ids": [a]})),
        ),
        "working_group.update" => (
            Method::PATCH,
            format!("/api/v1/working-groups/{}", group_of(app, a).await),
            Some(json!({"topic": "واسنجی"})),
        ),
        "working_group.delete" => (
            Method::DELETE,
            format!("/api/v1/working-groups/{}", group_of(app, a).await),
            None,
        ),
        "working_group.member_list" => (
            Method::GET,
            format!("/api/v1/working-groups/{}/members", group_of(app, a).await),
            None,
        ),
        "working_group.member_add" => {
            let group = group_of(app, a).await;
            let member = member_in(app, &[a]).await;
            (
                Method::POST,
                format!("/api/v1/working-groups/{group}/members"),
                Some(json!({"member_id": member, "organization_id": a, "role": "member"})),
            )
        }
        "working_group.member_remove" => {
            let group = group_of(app, a).await;
            let member = member_in(app, &[a]).await;
            created(
                app,
                &format!("/api/v1/working-groups/{group}/members"),
                json!({"member_id": member, "organization_id": a, "role": "member"}),
            )
            .await;
            (
                Method::DELETE,
                format!("/api/v1/working-groups/{group}/members/{member}"),
                None,
            )
        }
        "agreement.list" => (Method::GET, "/api/v1/agreements".into(), None),
        "agreement.create" => (
            Method::POST,
            "/api/v1/agreements".into(),
            Some(json!({"title": "تفاهم‌نامهٔ تازه", "organization_ids": [a, world.c]})),
        ),
        "agreement.party_remove" => {
            let d = id(&app.create_org(org(&unique("انجمن چهارم"))).await);
            let agreement = agreement_of(app, &[a, &world.c, &d]).await;
            (
                Method::DELETE,
                format!("/api/v1/agreements/{agreement}/parties/{d}"),
                None,
            )
        }
        "agreement.read" | "agreement.update" | "agreement.delete" | "agreement.transition" | "agreement.party_set" => {
            let path = format!("/api/v1/agreements/{}", agreement_of(app, &[a, &world.c]).await);
            match operation {
                "agreement.read" => (Method::GET, path, None),
                "agreement.update" => (Method::PATCH, path, Some(json!({"summary": unique("خلاصه")}))),
                "agreement.delete" => (Method::DELETE, path, None),
                "agreement.transition" => {
                    crate::approvals::approve_all(app, &path).await;
                    (
                        Method::POST,
                        format!("{path}/transitions"),
                        Some(json!({"to": "in_force"})),
                    )
                }
                _ => (
                    Method::PUT,
                    format!("{path}/parties/{a}"),
                    Some(json!({"signed_on": "2026-11-20"})),
                ),
            }
        }
        "working_group.transition" => {
            let path = format!("/api/v1/working-groups/{}", group_of(app, a).await);
            crate::approvals::approve_all(app, &path).await;
            (
                Method::POST,
                format!("{path}/transitions"),
                Some(json!({"to": "active"})),
            )
        }
        approval
            if approval.ends_with(".approve")
                || approval.ends_with(".approval_list")
                || approval.ends_with(".unapprove") =>
        {
            let path = match approval.split('.').next() {
                Some("project") => format!("/api/v1/projects/{}", project_of(app, a, &world.c).await),
                Some("working_group") => format!("/api/v1/working-groups/{}", group_of(app, a).await),
                _ => format!("/api/v1/agreements/{}", agreement_of(app, &[a, &world.c]).await),
            };
            if approval.ends_with(".approve") {
                (
                    Method::POST,
                    format!("{path}/approvals"),
                    Some(json!({"organization_id": a})),
                )
            } else if approval.ends_with(".approval_list") {
                (Method::GET, format!("{path}/approvals"), None)
            } else {
                created(app, &format!("{path}/approvals"), json!({"organization_id": a})).await;
                (Method::DELETE, format!("{path}/approvals/{a}"), None)
            }
        }
        "user.list" => (Method::GET, "/api/v1/users".into(), None),
        "user.read" | "user.update" | "user.delete" => {
            let user = id(&app.create_user("viewer", &[]).await);
            let path = format!("/api/v1/users/{user}");
            match operation {
                "user.read" => (Method::GET, path, None),
                "user.update" => (Method::PATCH, path, Some(json!({"display_name": "نام تازه"}))),
                _ => (Method::DELETE, path, None),
            }
        }
        "user.create" => (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"email": format!("u{}@hamkari.test", uuid::Uuid::now_v7().simple()),
                        "display_name": "کاربر تازه", "role": "viewer", "organization_ids": [],
                        "password": crate::helpers::USER_PASSWORD}),
            ),
        ),
        "api_token.list" => (Method::GET, "/api/v1/api-tokens".into(), None),
        "api_token.read" | "api_token.rotate" | "api_token.revoke" => {
            let token = id(&app.create_api_token(&["members:read"], None).await);
            match operation {
                "api_token.read" => (Method::GET, format!("/api/v1/api-tokens/{token}"), None),
                "api_token.rotate" => (Method::POST, format!("/api/v1/api-tokens/{token}/rotate"), None),
                _ => (Method::DELETE, format!("/api/v1/api-tokens/{token}"), None),
            }
        }
        "api_token.create" => (
            Method::POST,
            "/api/v1/api-tokens".into(),
            Some(json!({"name": "سامانه", "scopes": ["members:read"],
                        "expires_at": (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339()})),
        ),
        "audit_event.list" => (Method::GET, "/api/v1/audit-events".into(), None),
        capacity if crate::capacities_matrix::is_operation(capacity) => {
            crate::capacities_matrix::request(app, a, &world.c, capacity).await
        }
        meeting if crate::meetings_matrix::is_operation(meeting) => {
            crate::meetings_matrix::request(app, a, &world.c, meeting).await
        }
        // A string body is sent as CSV.
        "member.import" => (
            Method::POST,
            format!("/api/v1/organizations/{a}/imports"),
            Some(Value::String(format!("full_name\n{}\n", unique("عضو وارده")))),
        ),
        "event.list" => (Method::GET, "/api/v1/events?limit=1".into(), None),
        "webhook.list" => (Method::GET, "/api/v1/webhooks".into(), None),
        "webhook.create" => (
            Method::POST,
            "/api/v1/webhooks".into(),
            Some(crate::webhooks::endpoint_of(a)),
        ),
        "webhook.read" | "webhook.update" | "webhook.delete" | "webhook.rotate" | "webhook.deliveries"
        | "webhook.retry" => crate::webhooks::matrix_request(app, a, operation).await,
        other => panic!("the table names an operation this test does not know: {other}"),
    }
}

#[tokio::test]
async fn every_caller_against_every_operation() {
    let app = TestApp::spawn().await;
    let table = table();
    let world = World {
        a: id(&app.create_org(org("انجمن الف")).await),
        b: id(&app.create_org(org("انجمن ب")).await),
        c: id(&app.create_org(org("انجمن پ")).await),
    };
    let mut credentials: std::collections::HashMap<String, Option<String>> = Default::default();
    for column in table.sections.iter().flat_map(|(columns, _)| columns) {
        if credentials.contains_key(column) {
            continue;
        }
        let credential = match column.as_str() {
            "admin" => None,
            "editor_a" => Some(app.login_as("editor", &[&world.a]).await),
            "editor_b" => Some(app.login_as("editor", &[&world.b]).await),
            "viewer" => Some(app.login_as("viewer", &[&world.a]).await),
            token => {
                let (bound, scope) = token_scope(token).unwrap_or_else(|| panic!("unknown caller column {token}"));
                let organization = bound.then_some(world.a.as_str());
                Some(app.with_api_token(&[&scope], organization).await)
            }
        };
        credentials.insert(column.clone(), credential);
    }

    let mut wrong = Vec::new();
    let rows = table
        .sections
        .iter()
        .flat_map(|(columns, rows)| rows.iter().map(move |row| (columns, row)));
    for (columns, (operation, expected)) in rows {
        for (column, want) in columns.iter().zip(expected) {
            let credential = &credentials[column];
            let (method, path, body) = request_for(&app, &world, operation).await;
            let client = match credential {
                None => app.with_token(&app.admin_token),
                Some(token) => app.with_token(token),
            };
            let mut request = client.request(method.clone(), &path);
            if let Some(body) = &body {
                request = match body.as_str() {
                    Some(csv) => request.header("Content-Type", "text/csv").body(csv.to_owned()),
                    None => request.json(body),
                };
            }
            let response = request.send().await.unwrap();
            let got = response.status();
            if got != StatusCode::from_u16(*want).unwrap() {
                let detail = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{operation} as {column}: expected {want}, got {got} ({method} {path}) {detail}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}
