//! Approval by every party: a joint project and a working group leave their proposed state
//! only once each organization taking part approved; who may approve for whom; resets on
//! a new party; refusals that change nothing; parallel approvals and transitions.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, TestApp};

pub(crate) fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Approves the item at `path` (`/api/v1/projects/{id}`, …) for every party that has not
/// yet, as an admin; nothing when the item no longer waits for approvals.
pub async fn approve_all(app: &TestApp, path: &str) {
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    if list["awaiting_approval"] != json!(true) {
        return;
    }
    for org in pending(&list) {
        let response = app
            .post_json(&format!("{path}/approvals"), &json!({"organization_id": org}))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap()
        );
    }
}

pub(crate) async fn two_orgs(app: &TestApp) -> (Value, Value) {
    (
        app.create_org(org("انجمن آزمایشگاه‌های همکار")).await,
        app.create_org(org("جامعه ممیزی و بازرسی")).await,
    )
}

pub(crate) async fn project(app: &TestApp, a: &Value, b: &Value) -> Value {
    let response = app
        .post_json(
            "/api/v1/projects",
            &json!({"title": "پژوهش مشترک واسنجی", "kind": "research", "lead_organization_id": a["id"], "organization_ids": [b["id"]]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

pub(crate) async fn group(app: &TestApp, orgs: &[&Value]) -> Value {
    let ids: Vec<&Value> = orgs.iter().map(|o| &o["id"]).collect();
    let response = app
        .post_json(
            "/api/v1/working-groups",
            &json!({"name": "کارگروه تخصصی آموزش", "scope": "specialized", "organization_ids": ids}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

pub(crate) fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

pub(crate) fn pending(problem_or_list: &Value) -> Vec<String> {
    sorted(
        problem_or_list["pending_organization_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
    )
}

/// After a new party joined: no approval stands, every party is pending, and the reset was
/// recorded once for `resource`.
pub(crate) async fn assert_reset_for(app: &TestApp, path: &str, resource: &Value, parties: &[&Value]) {
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    assert_eq!(
        pending(&list),
        sorted(parties.iter().map(|o| id(o).to_owned()).collect())
    );
    let resets = app
        .get_json(
            &format!(
                "/api/v1/audit-events?resource_id={}&action=approvals_reset",
                id(resource)
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(resets["items"].as_array().unwrap().len(), 1, "{resets}");
}

#[tokio::test]
async fn a_project_moves_on_only_when_both_parties_approved() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let p = project(&app, &a, &b).await;
    let path = format!("/api/v1/projects/{}", id(&p));
    let to_approved = json!({"to": "approved", "reason": "تصویب هیئت‌مدیره‌ها"});

    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &to_approved).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(pending(&problem), sorted(vec![id(&a).into(), id(&b).into()]));

    let editor_a = app.login_as("editor", &[id(&a)]).await;
    let approved: Value = {
        let response = app
            .with_token(&editor_a)
            .post_json(
                &format!("{path}/approvals"),
                &json!({"organization_id": a["id"], "note": "جلسهٔ ۱۲ آذر"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    };
    assert_eq!(
        (approved["note"].as_str(), approved["approved_by"]["type"].as_str()),
        (Some("جلسهٔ ۱۲ آذر"), Some("user"))
    );
    // An editor of A cannot approve for B, nor can a token bound to A.
    assert_problem(
        app.with_token(&editor_a)
            .post_json(&format!("{path}/approvals"), &json!({"organization_id": b["id"]}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let token_a = app.with_api_token(&["projects:write"], Some(id(&a))).await;
    assert_problem(
        app.with_token(&token_a)
            .post_json(&format!("{path}/approvals"), &json!({"organization_id": b["id"]}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &to_approved).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(pending(&problem), [id(&b)]);
    assert_eq!(app.get_json(&path, StatusCode::OK).await["status"], "proposed");

    let token_b = app.with_api_token(&["projects:write"], Some(id(&b))).await;
    let response = app
        .with_token(&token_b)
        .post_json(&format!("{path}/approvals"), &json!({"organization_id": b["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let by_token: Value = response.json().await.unwrap();
    assert_eq!(by_token["approved_by"]["type"], "api_token");
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert_eq!((list["items"].as_array().unwrap().len(), pending(&list).len()), (2, 0));

    let response = app.post_json(&format!("{path}/transitions"), &to_approved).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.get_json(&path, StatusCode::OK).await["status"], "approved");

    // Once it moved on, approvals are neither withdrawn nor given.
    assert_problem(
        app.delete(&format!("{path}/approvals/{}", id(&a))).await,
        StatusCode::CONFLICT,
        "not_pending",
    )
    .await;
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert_eq!(
        (list["items"].as_array().unwrap().len(), &list["awaiting_approval"]),
        (2, &json!(false))
    );
}

#[tokio::test]
async fn a_working_group_starts_proposed_and_resets_on_a_new_party() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let c = app.create_org(org("انجمن سوم")).await;
    let g = group(&app, &[&a, &b]).await;
    assert_eq!(g["status"], "proposed");
    let path = format!("/api/v1/working-groups/{}", id(&g));
    let activate = json!({"to": "active"});

    let editor_b = app.login_as("editor", &[id(&b)]).await;
    let response = app
        .with_token(&editor_b)
        .post_json(&format!("{path}/approvals"), &json!({"organization_id": b["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &activate).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(pending(&problem), [id(&a)]);
    // PATCH of the status is held to the same rule.
    assert_problem(
        app.patch_json(&path, &json!({"status": "active"})).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;

    // A third organization joins: B approved a different group, so everyone approves again.
    let response = app
        .patch_json(&path, &json!({"organization_ids": [a["id"], b["id"], c["id"]]}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_reset_for(&app, &path, &g, &[&a, &b, &c]).await;

    approve_all(&app, &path).await;
    let response = app
        .post_json(
            &format!("{path}/transitions"),
            &json!({"to": "active", "reason": "تصویب"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let active: Value = response.json().await.unwrap();
    assert_eq!(active["status"], "active");
    assert_problem(
        app.post_json(&format!("{path}/transitions"), &json!({"to": "proposed"}))
            .await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert_eq!(
        app.get_json("/api/v1/working-groups?status=active", StatusCode::OK)
            .await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn refused_approvals_change_nothing() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let outsider = app.create_org(org("انجمن بیرونی")).await;
    let p = project(&app, &a, &b).await;
    let approvals = format!("/api/v1/projects/{}/approvals", id(&p));

    assert_eq!(
        app.post_json(&approvals, &json!({"organization_id": a["id"]}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let problem = assert_problem(
        app.post_json(&approvals, &json!({"organization_id": a["id"]})).await,
        StatusCode::CONFLICT,
        "already_approved",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let problem = assert_problem(
        app.post_json(&approvals, &json!({"organization_id": outsider["id"]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_a_party");
    let problem = assert_problem(
        app.post_json(
            &approvals,
            &json!({"organization_id": b["id"], "note": "x".repeat(2001)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["note"]);
    let problem = assert_problem(
        app.post_json(&approvals, &json!({"organization_id": b["id"], "by": "me"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    assert_problem(
        app.delete(&format!("{approvals}/{}", id(&b))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = app.get_json(&approvals, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(pending(&list), [id(&b)]);
    let events = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={}&action=approved", id(&p)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1);

    // Withdrawn while pending, it is pending again.
    assert_eq!(
        app.delete(&format!("{approvals}/{}", id(&a))).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(pending(&app.get_json(&approvals, StatusCode::OK).await).len(), 2);
    assert_problem(
        app.get(&format!("/api/v1/projects/{}/approvals", uuid::Uuid::now_v7()))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// Duplicate approvals in parallel: exactly one is recorded.
#[tokio::test]
async fn parallel_duplicate_approvals_record_one() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    let p = project(&app, &a, &b).await;
    let approvals = format!("/api/v1/projects/{}/approvals", id(&p));
    let statuses = join_all((0..16).map(|_| {
        let (app, approvals, a) = (&app, &approvals, &a);
        async move {
            app.post_json(approvals, &json!({"organization_id": a["id"]}))
                .await
                .status()
        }
    }))
    .await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, refused), (1, 15), "{statuses:?}");
    let list = app.get_json(&approvals, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// Both parties approve while someone moves the project on: the step succeeds only if
/// both approvals had committed before it, and never leaves a half-approved project
/// approved.
#[tokio::test]
async fn a_parallel_transition_never_outruns_the_approvals() {
    let app = TestApp::spawn().await;
    let (a, b) = two_orgs(&app).await;
    for _ in 0..6 {
        let p = project(&app, &a, &b).await;
        let path = format!("/api/v1/projects/{}", id(&p));
        let approvals = format!("{path}/approvals");
        let transitions = format!("{path}/transitions");
        let approve = |org: &Value| {
            let (app, approvals, body) = (&app, approvals.clone(), json!({"organization_id": org["id"]}));
            async move { app.post_json(&approvals, &body).await.status() }
        };
        let step = async { app.post_json(&transitions, &json!({"to": "approved"})).await.status() };
        let (sa, sb, st) = tokio::join!(approve(&a), approve(&b), step);
        assert_eq!((sa, sb), (StatusCode::CREATED, StatusCode::CREATED));
        let status = app.get_json(&path, StatusCode::OK).await["status"].clone();
        match st {
            StatusCode::CREATED => assert_eq!(status, "approved"),
            StatusCode::CONFLICT => {
                assert_eq!(status, "proposed");
                // Both approvals are in now, so the same step succeeds.
                let retry = app.post_json(&transitions, &json!({"to": "approved"})).await;
                assert_eq!(retry.status(), StatusCode::CREATED);
            }
            other => panic!("unexpected status {other}"),
        }
    }
}
