//! Approvals when the parties change: a project that gains a party waits for everyone
//! again, and one that leaves takes its approval with it; an item that moved on takes no approval; a dissolved group that gained a party
//! while active can come back.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::approvals::{approve_all, assert_reset_for, group, id, pending, project, sorted, two_orgs};
use crate::helpers::{assert_problem, org, TestApp};

#[tokio::test]
async fn a_project_that_gains_a_party_waits_for_every_approval_again() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let c = app.create_org(org("انجمن سوم")).await;
    let p = project(&app, &a, &b).await;
    let path = format!("/api/v1/projects/{}", id(&p));
    approve_all(&app, &path).await;
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert_eq!((list["items"].as_array().unwrap().len(), pending(&list).len()), (2, 0));

    let response = app
        .request(reqwest::Method::PUT, &format!("{path}/organizations/{}", id(&c)))
        .json(&json!({"role": "partner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());

    // The approvals were for a two-party project: all three approve the new one.
    assert_reset_for(&app, &path, &p, &[&a, &b, &c]).await;
    let to_approved = json!({"to": "approved"});
    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &to_approved).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(pending(&problem).len(), 3);

    // A party that leaves while approvals are pending takes its approval with it.
    let response = app
        .post_json(&format!("{path}/approvals"), &json!({"organization_id": c["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app.delete(&format!("{path}/organizations/{}", id(&c))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    assert_eq!(pending(&list), sorted(vec![id(&a).into(), id(&b).into()]));

    approve_all(&app, &path).await;
    let response = app.post_json(&format!("{path}/transitions"), &to_approved).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Moved on: a new approval is refused and nothing is recorded.
    let before = app.get_json(&path, StatusCode::OK).await;
    let response = app
        .post_json(&format!("{path}/approvals"), &json!({"organization_id": a["id"]}))
        .await;
    assert_problem(response, StatusCode::CONFLICT, "not_pending").await;
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get_json(&path, StatusCode::OK).await["version"], before["version"]);
}

#[tokio::test]
async fn a_dissolved_group_that_gained_a_party_while_active_comes_back() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let c = app.create_org(org("انجمن سوم")).await;
    let g = group(&app, &[&a, &b]).await;
    let path = format!("/api/v1/working-groups/{}", id(&g));
    approve_all(&app, &path).await;
    let transition = |to: &str| {
        let (app, path, body) = (&app, path.clone(), json!({"to": to}));
        async move {
            let response = app.post_json(&format!("{path}/transitions"), &body).await;
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    assert_eq!(transition("active").await["status"], "active");
    let response = app
        .patch_json(&path, &json!({"organization_ids": [a["id"], b["id"], c["id"]]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(transition("dissolved").await["status"], "dissolved");
    // Approvals belong to the proposal; coming back does not ask for them again.
    let revived = transition("active").await;
    assert_eq!(revived["status"], "active");
    assert_eq!(revived["organization_ids"].as_array().unwrap().len(), 3);
}
