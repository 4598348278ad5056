//! Every other list, one of each made: its NDJSON lines are its JSON items, and its CSV
//! has a line for each, so no list's export drifts from what the list shows.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{org, person, TestApp};

async fn made(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let response = app.request(method, path).json(&body).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn body_as(app: &TestApp, path: &str, accept: &str) -> String {
    let response = app
        .request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path} as {accept}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn every_list_exports_the_items_it_shows() {
    let app = TestApp::spawn().await;
    let a = id(&app.create_org(org("انجمن نخست")).await);
    let c = id(&app.create_org(org("انجمن سوم")).await);
    let member = app.create_member(person("عضو هر دو")).await;
    for organization in [&a, &c] {
        let path = format!("/api/v1/organizations/{organization}/memberships");
        made(
            &app,
            Method::POST,
            &path,
            json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
        )
        .await;
    }
    let starts = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let ends = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let meeting = id(&made(
        &app,
        Method::POST,
        "/api/v1/meetings",
        json!({"title": "نشست مشترک", "kind": "board", "starts_at": starts, "ends_at": ends, "organization_ids": [a, c]}),
    )
    .await);
    let meeting_path = format!("/api/v1/meetings/{meeting}");
    made(
        &app,
        Method::PUT,
        &format!("{meeting_path}/attendees/{}", id(&member)),
        json!({"organization_id": a, "status": "present"}),
    )
    .await;
    made(
        &app,
        Method::PUT,
        &format!("{meeting_path}/minutes"),
        json!({"text": "صورت‌جلسه"}),
    )
    .await;
    made(
        &app,
        Method::POST,
        &format!("{meeting_path}/minutes/finalize"),
        json!({}),
    )
    .await;
    made(
        &app,
        Method::POST,
        &format!("{meeting_path}/transitions"),
        json!({"to": "held"}),
    )
    .await;
    let resolution = id(&made(
        &app,
        Method::POST,
        &format!("{meeting_path}/resolutions"),
        json!({"text": "مصوبه", "outcome": "adopted"}),
    )
    .await);
    made(
        &app,
        Method::POST,
        &format!("/api/v1/resolutions/{resolution}/action-items"),
        json!({"what": "پیگیری", "owner_id": member["id"], "organization_id": a, "due_on": "2027-01-01"}),
    )
    .await;
    let agreement = id(&made(
        &app,
        Method::POST,
        "/api/v1/agreements",
        json!({"title": "تفاهم‌نامه", "organization_ids": [a, c]}),
    )
    .await);
    let capacity = id(&made(
        &app,
        Method::POST,
        "/api/v1/capacities",
        json!({"kind": "calibration", "title": "کالیبراسیون ترازو", "organization_id": a,
               "offered_to": {"agreement_id": agreement}}),
    )
    .await);
    made(
        &app,
        Method::POST,
        &format!("/api/v1/capacities/{capacity}/accreditations"),
        json!({"standard": "iso_iec_17025", "body": "مرکز ملی تأیید صلاحیت ایران",
               "valid_from": "2024-01-01", "valid_until": "2030-01-01"}),
    )
    .await;
    made(
        &app,
        Method::POST,
        &format!("/api/v1/members/{}/accreditations", id(&member)),
        json!({"standard": "iso_iec_17024", "body": "مرکز ملی تأیید صلاحیت ایران",
               "valid_from": "2024-01-01", "valid_until": "2030-01-01"}),
    )
    .await;
    let request = id(&made(
        &app,
        Method::POST,
        "/api/v1/capacity-requests",
        json!({"capacity_id": capacity, "organization_id": c, "purpose": "کالیبراسیون پیش از ممیزی"}),
    )
    .await);
    made(
        &app,
        Method::POST,
        &format!("/api/v1/capacity-requests/{request}/comments"),
        json!({"body": "هفتهٔ آینده مناسب است", "organization_id": a}),
    )
    .await;
    let group = id(&made(
        &app,
        Method::POST,
        "/api/v1/working-groups",
        json!({"name": "کارگروه", "scope": "general", "organization_ids": [a, c]}),
    )
    .await);
    made(
        &app,
        Method::POST,
        &format!("/api/v1/working-groups/{group}/members"),
        json!({"member_id": member["id"], "organization_id": a, "role": "member"}),
    )
    .await;
    let project = id(&made(
        &app,
        Method::POST,
        "/api/v1/projects",
        json!({"title": "طرح", "kind": "research", "lead_organization_id": a, "organization_ids": [c]}),
    )
    .await);
    made(
        &app,
        Method::POST,
        &format!("/api/v1/projects/{project}/approvals"),
        json!({"organization_id": a}),
    )
    .await;
    let hook = id(&crate::webhooks::created(
        &app,
        json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["organization.*"], "organization_id": a}),
    )
    .await);
    made(
        &app,
        Method::PATCH,
        &format!("/api/v1/organizations/{a}"),
        json!({"description": "تازه"}),
    )
    .await;

    for (path, at_least) in [
        ("/api/v1/capacities?standard=iso_iec_17025".to_owned(), 1),
        (format!("/api/v1/capacity-requests?offered_by={a}"), 1),
        (format!("/api/v1/capacity-requests/{request}/comments"), 1),
        (format!("/api/v1/members/{}/accreditations", id(&member)), 1),
        ("/api/v1/meetings".to_owned(), 1),
        (format!("{meeting_path}/attendees"), 1),
        (format!("{meeting_path}/resolutions"), 1),
        (format!("/api/v1/action-items?organization_id={a}"), 1),
        ("/api/v1/agreements".to_owned(), 1),
        (format!("/api/v1/agreements/{agreement}/approvals"), 0),
        ("/api/v1/working-groups".to_owned(), 1),
        (format!("/api/v1/working-groups/{group}/members"), 1),
        (format!("/api/v1/working-groups/{group}/approvals"), 0),
        (format!("/api/v1/projects/{project}/transitions"), 0),
        (format!("/api/v1/projects/{project}/approvals"), 1),
        ("/api/v1/shared-members".to_owned(), 1),
        (format!("/api/v1/organizations/{a}/shared-members?with={c}"), 1),
        (format!("/api/v1/members/{}/memberships", id(&member)), 2),
        (format!("/api/v1/webhooks/{hook}/deliveries"), 1),
    ] {
        let page: Value = serde_json::from_str(&body_as(&app, &path, "application/json").await).unwrap();
        let items = page["items"].as_array().unwrap_or_else(|| panic!("{path}: {page}"));
        assert!(items.len() >= at_least, "{path}: {page}");
        let lines: Vec<Value> = body_as(&app, &path, "application/x-ndjson")
            .await
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(&lines, items, "{path}: NDJSON lines are the items");
        let csv = body_as(&app, &path, "text/csv").await;
        let csv = csv.strip_prefix('\u{FEFF}').unwrap_or_else(|| panic!("{path}: no BOM"));
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert!(!reader.headers().unwrap().is_empty(), "{path}: a header row");
        assert_eq!(reader.records().count(), items.len(), "{path}: one CSV line per item");
    }
}
