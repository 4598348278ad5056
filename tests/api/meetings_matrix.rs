//! The meetings' rows of the authorization matrix: fixtures an administrator makes (a joint
//! meeting of A and C, held where the operation needs it) and the request each row makes.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{person, TestApp};

async fn created(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let response = app.request(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "fixture {path}: {status} {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// A joint meeting of `a` and `c` that began an hour ago.
async fn meeting_of(app: &TestApp, a: &str, c: &str) -> String {
    let starts = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    id(&created(
        app,
        Method::POST,
        "/api/v1/meetings",
        json!({"title": "نشست ماتریس", "kind": "board", "starts_at": starts, "ends_at": ends, "organization_ids": [a, c]}),
    )
    .await)
}

async fn with_minutes(app: &TestApp, meeting: &str) {
    let path = format!("/api/v1/meetings/{meeting}/minutes");
    created(app, Method::PUT, &path, json!({"text": "صورت‌جلسه"})).await;
}

async fn held(app: &TestApp, a: &str, c: &str) -> String {
    let meeting = meeting_of(app, a, c).await;
    with_minutes(app, &meeting).await;
    let path = format!("/api/v1/meetings/{meeting}");
    created(app, Method::POST, &format!("{path}/minutes/finalize"), json!({})).await;
    created(app, Method::POST, &format!("{path}/transitions"), json!({"to": "held"})).await;
    meeting
}

async fn resolution_of(app: &TestApp, meeting: &str) -> String {
    let path = format!("/api/v1/meetings/{meeting}/resolutions");
    id(&created(app, Method::POST, &path, json!({"text": "مصوبه", "outcome": "adopted"})).await)
}

async fn member_of(app: &TestApp, organization: &str) -> String {
    let member = app.create_member(person("عضو ماتریس")).await;
    let path = format!("/api/v1/organizations/{organization}/memberships");
    created(
        app,
        Method::POST,
        &path,
        json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
    )
    .await;
    id(&member)
}

fn item_body(owner: &str, organization: &str) -> Value {
    json!({"what": "پیگیری", "owner_id": owner, "organization_id": organization, "due_on": "2027-01-01"})
}

pub fn is_operation(operation: &str) -> bool {
    ["meeting.", "resolution.", "action_item.", "calendar."]
        .iter()
        .any(|p| operation.starts_with(p))
}

/// Prepares what `operation` needs and returns the request to make.
pub async fn request(app: &TestApp, a: &str, c: &str, operation: &str) -> (Method, String, Option<Value>) {
    match operation {
        "meeting.list" => (Method::GET, "/api/v1/meetings".into(), None),
        "meeting.create" => {
            let starts = "2027-01-10T10:00:00+03:30";
            let body = json!({"title": "نشست تازه", "kind": "board", "starts_at": starts,
                              "ends_at": "2027-01-10T12:00:00+03:30", "organization_ids": [a, c]});
            (Method::POST, "/api/v1/meetings".into(), Some(body))
        }
        "action_item.list" => (Method::GET, "/api/v1/action-items".into(), None),
        "calendar.organization" => (Method::GET, format!("/api/v1/organizations/{a}/meetings.ics"), None),
        "calendar.working_group" => {
            let group = created(
                app,
                Method::POST,
                "/api/v1/working-groups",
                json!({"name": "کارگروه ماتریس", "scope": "specialized", "organization_ids": [a]}),
            )
            .await;
            (
                Method::GET,
                format!("/api/v1/working-groups/{}/meetings.ics", id(&group)),
                None,
            )
        }
        "resolution.list" | "resolution.create" => {
            let path = format!("/api/v1/meetings/{}/resolutions", held(app, a, c).await);
            match operation {
                "resolution.list" => (Method::GET, path, None),
                _ => (Method::POST, path, Some(json!({"text": "مصوبه", "outcome": "adopted"}))),
            }
        }
        "action_item.create" => {
            let resolution = resolution_of(app, &held(app, a, c).await).await;
            let owner = member_of(app, a).await;
            let path = format!("/api/v1/resolutions/{resolution}/action-items");
            (Method::POST, path, Some(item_body(&owner, a)))
        }
        "action_item.read" | "action_item.transition" => {
            let resolution = resolution_of(app, &held(app, a, c).await).await;
            let owner = member_of(app, a).await;
            let path = format!("/api/v1/resolutions/{resolution}/action-items");
            let item = id(&created(app, Method::POST, &path, item_body(&owner, a)).await);
            let path = format!("/api/v1/action-items/{item}");
            match operation {
                "action_item.read" => (Method::GET, path, None),
                _ => (Method::POST, format!("{path}/transitions"), Some(json!({"to": "done"}))),
            }
        }
        _ => {
            let meeting = meeting_of(app, a, c).await;
            let path = format!("/api/v1/meetings/{meeting}");
            match operation {
                "meeting.read" => (Method::GET, path, None),
                "meeting.update" => (Method::PATCH, path, Some(json!({"place": "تهران"}))),
                "meeting.delete" => (Method::DELETE, path, None),
                "meeting.transition" => (
                    Method::POST,
                    format!("{path}/transitions"),
                    Some(json!({"to": "cancelled"})),
                ),
                "meeting.agenda_read" => (Method::GET, format!("{path}/agenda"), None),
                "meeting.agenda_set" => (
                    Method::PUT,
                    format!("{path}/agenda"),
                    Some(json!({"items": [{"title": "بند"}]})),
                ),
                "meeting.attendee_list" => (Method::GET, format!("{path}/attendees"), None),
                "meeting.attendee_set" => {
                    let member = member_of(app, a).await;
                    let body = json!({"organization_id": a, "status": "present"});
                    (Method::PUT, format!("{path}/attendees/{member}"), Some(body))
                }
                "meeting.attendee_remove" => {
                    let member = member_of(app, a).await;
                    let attendee = format!("{path}/attendees/{member}");
                    created(
                        app,
                        Method::PUT,
                        &attendee,
                        json!({"organization_id": a, "status": "invited"}),
                    )
                    .await;
                    (Method::DELETE, attendee, None)
                }
                "meeting.minutes_draft" => (
                    Method::PUT,
                    format!("{path}/minutes"),
                    Some(json!({"text": "صورت‌جلسه"})),
                ),
                "meeting.minutes_finalize" => {
                    with_minutes(app, &meeting).await;
                    (Method::POST, format!("{path}/minutes/finalize"), None)
                }
                other => panic!("the table names an operation this test does not know: {other}"),
            }
        }
    }
}
