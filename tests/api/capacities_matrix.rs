//! The capacities' rows of the authorization matrix: fixtures an administrator makes (an
//! agreement between A and C, capacities each offers the other, requests between them) and
//! the request each row makes. B shares no agreement with either, so it sees nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;

async fn created(app: &TestApp, path: &str, body: Value) -> String {
    let response = app.post_json(path, &body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "fixture {path}: {status} {body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn agreement(app: &TestApp, a: &str, c: &str) -> String {
    created(
        app,
        "/api/v1/agreements",
        json!({"title": "تفاهم‌نامهٔ ماتریس", "organization_ids": [a, c]}),
    )
    .await
}

/// A capacity `offering` offers under a new agreement with `partner`.
async fn capacity(app: &TestApp, offering: &str, partner: &str) -> String {
    let agreement = agreement(app, offering, partner).await;
    created(
        app,
        "/api/v1/capacities",
        json!({"kind": "calibration", "title": "کالیبراسیون ماتریس", "organization_id": offering,
               "offered_to": {"agreement_id": agreement}}),
    )
    .await
}

/// A asks for C's capacity.
async fn request_by(app: &TestApp, a: &str, c: &str) -> String {
    let capacity = capacity(app, c, a).await;
    created(
        app,
        "/api/v1/capacity-requests",
        json!({"capacity_id": capacity, "organization_id": a, "purpose": "درخواست ماتریس"}),
    )
    .await
}

/// A member of `a` only.
async fn member_of(app: &TestApp, a: &str) -> String {
    let member = app.create_member(json!({"full_name": "ممیز ماتریس"})).await;
    created(
        app,
        &format!("/api/v1/organizations/{a}/memberships"),
        json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
    )
    .await;
    member["id"].as_str().unwrap().to_owned()
}

pub fn is_operation(operation: &str) -> bool {
    [
        "capacity.",
        "accreditation.",
        "capacity_request.",
        "member.accreditation_",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
}

/// Prepares what `operation` needs and returns the request to make.
pub async fn request(app: &TestApp, a: &str, c: &str, operation: &str) -> (Method, String, Option<Value>) {
    let accreditation = json!({"standard": "iso_iec_17025", "body": "مرکز ملی تأیید صلاحیت",
                               "valid_from": "2025-01-01", "valid_until": "2028-01-01"});
    match operation {
        "capacity.list" => (Method::GET, "/api/v1/capacities".into(), None),
        "capacity.create" => {
            let agreement = agreement(app, a, c).await;
            let body = json!({"kind": "training", "title": "دورهٔ آموزشی", "organization_id": a,
                              "offered_to": {"agreement_id": agreement}});
            (Method::POST, "/api/v1/capacities".into(), Some(body))
        }
        "capacity.read" | "capacity.update" | "capacity.delete" | "accreditation.add" => {
            let path = format!("/api/v1/capacities/{}", capacity(app, a, c).await);
            match operation {
                "capacity.read" => (Method::GET, path, None),
                "capacity.update" => (Method::PATCH, path, Some(json!({"availability": "limited"}))),
                "capacity.delete" => (Method::DELETE, path, None),
                _ => (Method::POST, format!("{path}/accreditations"), Some(accreditation)),
            }
        }
        "accreditation.remove" => {
            let path = format!("/api/v1/capacities/{}", capacity(app, a, c).await);
            let added = created(app, &format!("{path}/accreditations"), accreditation).await;
            (Method::DELETE, format!("{path}/accreditations/{added}"), None)
        }
        "member.accreditation_add" | "member.accreditation_list" | "member.accreditation_remove" => {
            let path = format!("/api/v1/members/{}/accreditations", member_of(app, a).await);
            match operation {
                "member.accreditation_add" => (Method::POST, path, Some(accreditation)),
                "member.accreditation_list" => (Method::GET, path, None),
                _ => {
                    let added = created(app, &path, accreditation).await;
                    (Method::DELETE, format!("{path}/{added}"), None)
                }
            }
        }
        "capacity_request.list" => (Method::GET, "/api/v1/capacity-requests".into(), None),
        "capacity_request.create" => {
            let capacity = capacity(app, c, a).await;
            let body = json!({"capacity_id": capacity, "organization_id": a, "purpose": "درخواست تازه"});
            (Method::POST, "/api/v1/capacity-requests".into(), Some(body))
        }
        _ => {
            let path = format!("/api/v1/capacity-requests/{}", request_by(app, a, c).await);
            match operation {
                "capacity_request.read" => (Method::GET, path, None),
                "capacity_request.cancel" => (
                    Method::POST,
                    format!("{path}/transitions"),
                    Some(json!({"to": "cancelled"})),
                ),
                "capacity_request.accept" => (
                    Method::POST,
                    format!("{path}/transitions"),
                    Some(json!({"to": "accepted"})),
                ),
                "capacity_request.comment" => (
                    Method::POST,
                    format!("{path}/comments"),
                    Some(json!({"body": "یادداشت"})),
                ),
                "capacity_request.comment_list" => (Method::GET, format!("{path}/comments"), None),
                other => panic!("the table names a capacity operation this test does not know: {other}"),
            }
        }
    }
}
