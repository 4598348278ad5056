//! Cooperation agreements: drafted, signed and approved by both parties, in force; their
//! parties and document; refusals that change nothing; who may write them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::approvals::approve_all;
use crate::helpers::{assert_problem, error_fields, org, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

const HASH: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

async fn agreement(app: &TestApp, orgs: &[&Value]) -> Value {
    let ids: Vec<&Value> = orgs.iter().map(|o| &o["id"]).collect();
    let response = app
        .post_json(
            "/api/v1/agreements",
            &json!({"title": "تفاهم‌نامهٔ همکاری دو انجمن", "organization_ids": ids,
                    "summary": "همکاری در پژوهش، نظارت و آموزش", "valid_from": "2026-12-01",
                    "document_name": "mou.pdf", "document_sha256": HASH}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn drafted_signed_approved_by_both_and_in_force() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن آزمایشگاه‌های همکار")).await,
        app.create_org(org("جامعه ممیزی و بازرسی")).await,
    );
    let ag = agreement(&app, &[&a, &b]).await;
    assert_eq!(
        (
            ag["status"].as_str(),
            ag["version"].as_i64(),
            ag["document_sha256"].as_str()
        ),
        (Some("draft"), Some(1), Some(HASH.to_lowercase().as_str()))
    );
    assert_eq!(ag["allowed_transitions"], json!(["in_force"]));
    let path = format!("/api/v1/agreements/{}", id(&ag));
    assert_eq!(app.get_json(&path, StatusCode::OK).await, ag);

    // Each party signs, recorded by its own editor.
    for o in [&a, &b] {
        let editor = app.login_as("editor", &[id(o)]).await;
        let response = app
            .with_token(&editor)
            .request(Method::PUT, &format!("{path}/parties/{}", id(o)))
            .json(&json!({"signed_on": "2026-11-20"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["approvals_reset"], false);
    }
    let signed = app.get_json(&path, StatusCode::OK).await;
    assert!(signed["parties"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["signed_on"] == "2026-11-20"));
    assert_eq!(signed["version"], 3);

    let to_force = json!({"to": "in_force", "reason": "امضا و تصویب"});
    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &to_force).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(problem["pending_organization_ids"].as_array().unwrap().len(), 2);
    // A token bound to A approves for A, never for B.
    let token_a = app.with_api_token(&["agreements:write"], Some(id(&a))).await;
    let approvals = format!("{path}/approvals");
    assert_problem(
        app.with_token(&token_a)
            .post_json(&approvals, &json!({"organization_id": b["id"]}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = app
        .with_token(&token_a)
        .post_json(&approvals, &json!({"organization_id": a["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let problem = assert_problem(
        app.post_json(&format!("{path}/transitions"), &to_force).await,
        StatusCode::CONFLICT,
        "approvals_pending",
    )
    .await;
    assert_eq!(problem["pending_organization_ids"], json!([b["id"]]));
    let editor_b = app.login_as("editor", &[id(&b)]).await;
    let response = app
        .with_token(&editor_b)
        .post_json(&approvals, &json!({"organization_id": b["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let response = app.post_json(&format!("{path}/transitions"), &to_force).await;
    assert_eq!(response.status(), StatusCode::OK);
    let in_force: Value = response.json().await.unwrap();
    assert_eq!(in_force["status"], "in_force");
    assert_eq!(in_force["allowed_transitions"], json!(["expired", "terminated"]));
    assert_problem(app.delete(&path).await, StatusCode::CONFLICT, "not_draft").await;

    let listed = |q: String| {
        let app = &app;
        async move {
            let page = app.get_json(&format!("/api/v1/agreements?{q}"), StatusCode::OK).await;
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed(format!("organization_id={}", id(&a))).await, 1);
    assert_eq!(listed("status=in_force".into()).await, 1);
    assert_eq!(listed("status=draft".into()).await, 0);
    let transitioned = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={}&action=transitioned", id(&ag)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(transitioned["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن یکم")).await,
        app.create_org(org("انجمن دوم")).await,
    );
    let post = |body: Value| {
        let app = &app;
        async move { app.post_json("/api/v1/agreements", &body).await }
    };
    let cases = [
        (
            json!({"title": "تفاهم", "organization_ids": [a["id"]]}),
            "organization_ids",
        ),
        (
            json!({"title": "تفاهم", "organization_ids": [a["id"], b["id"]], "document_url": "https://example.org/a.pdf", "document_name": "a.pdf", "document_sha256": HASH}),
            "document_url",
        ),
        (
            json!({"title": "تفاهم", "organization_ids": [a["id"], b["id"]], "document_name": "a.pdf", "document_sha256": "abc"}),
            "document_sha256",
        ),
        (
            json!({"title": "تفاهم", "organization_ids": [a["id"], b["id"]], "valid_from": "2027-01-01", "valid_until": "2026-01-01"}),
            "valid_until",
        ),
        (
            json!({"title": "تفاهم", "organization_ids": [a["id"], "019a0000-0000-7000-8000-000000000000"]}),
            "organization_ids",
        ),
    ];
    for (body, field) in cases {
        let problem = assert_problem(post(body).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }
    let page = app.get_json("/api/v1/agreements", StatusCode::OK).await;
    assert!(page["items"].as_array().unwrap().is_empty());

    let ag = agreement(&app, &[&a, &b]).await;
    let path = format!("/api/v1/agreements/{}", id(&ag));
    assert_problem(
        app.post_json(&format!("{path}/transitions"), &json!({"to": "expired"}))
            .await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    let stale = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"7\"")
        .json(&json!({"title": "عنوان دیگر"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let future = app
        .request(Method::PUT, &format!("{path}/parties/{}", id(&a)))
        .json(&json!({"signed_on": "2999-01-01"}))
        .send()
        .await
        .unwrap();
    assert_problem(future, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_problem(
        app.delete(&format!("{path}/parties/{}", id(&a))).await,
        StatusCode::CONFLICT,
        "participation_rule",
    )
    .await;
    assert_eq!(app.get_json(&path, StatusCode::OK).await, ag, "nothing changed");

    let changed: Value = app
        .patch_json(
            &path,
            &json!({"document_url": "https://example.org/mou.pdf", "document_name": null, "document_sha256": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            changed["document_url"].as_str(),
            changed["document_name"].clone(),
            changed["version"].as_i64()
        ),
        (Some("https://example.org/mou.pdf"), Value::Null, Some(2))
    );
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_new_party_resets_the_approvals() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        app.create_org(org("انجمن نخست")).await,
        app.create_org(org("انجمن دوم")).await,
        app.create_org(org("انجمن سوم")).await,
    );
    let ag = agreement(&app, &[&a, &b]).await;
    let path = format!("/api/v1/agreements/{}", id(&ag));
    assert_eq!(
        app.post_json(&format!("{path}/approvals"), &json!({"organization_id": a["id"]}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let response = app
        .request(Method::PUT, &format!("{path}/parties/{}", id(&c)))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["approvals_reset"], true);
    assert_eq!(body["agreement"]["organization_ids"].as_array().unwrap().len(), 3);
    let list = app.get_json(&format!("{path}/approvals"), StatusCode::OK).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(list["pending_organization_ids"].as_array().unwrap().len(), 3);

    approve_all(&app, &path).await;
    let response = app
        .post_json(&format!("{path}/transitions"), &json!({"to": "in_force"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn who_may_write_agreements() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        app.create_org(org("انجمن الف")).await,
        app.create_org(org("انجمن ب")).await,
        app.create_org(org("انجمن پ")).await,
    );
    let ag = agreement(&app, &[&a, &b]).await;
    let path = format!("/api/v1/agreements/{}", id(&ag));
    let editor_c = app.login_as("editor", &[id(&c)]).await;
    assert_problem(
        app.with_token(&editor_c)
            .patch_json(&path, &json!({"title": "دیگر"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let reader = app.with_api_token(&["agreements:read"], Some(id(&a))).await;
    assert_eq!(app.with_token(&reader).get(&path).await.status(), StatusCode::OK);
    assert_problem(
        app.with_token(&reader)
            .post_json(&format!("{path}/approvals"), &json!({"organization_id": a["id"]}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let projects_only = app.with_api_token(&["projects:write"], None).await;
    assert_problem(
        app.with_token(&projects_only).get("/api/v1/agreements").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn projects_and_groups_fall_under_an_agreement_of_their_organizations() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        app.create_org(org("انجمن زیر تفاهم")).await,
        app.create_org(org("جامعه زیر تفاهم")).await,
        app.create_org(org("انجمن بیرون از تفاهم")).await,
    );
    let ag = agreement(&app, &[&a, &b]).await;
    let project = |orgs: Vec<&Value>, agreement: Value| {
        let app = &app;
        let ids: Vec<Value> = orgs.iter().map(|o| o["id"].clone()).collect();
        let body = json!({"title": "پژوهش زیر تفاهم", "kind": "research", "lead_organization_id": ids[0],
                          "organization_ids": ids, "agreement_id": agreement});
        async move { app.post_json("/api/v1/projects", &body).await }
    };
    let response = project(vec![&a, &b], ag["id"].clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let p: Value = response.json().await.unwrap();
    assert_eq!(p["agreement_id"], ag["id"]);
    for (orgs, agreement, code) in [
        (vec![&a, &c], ag["id"].clone(), "not_a_party"),
        (vec![&a, &b], json!("019a0000-0000-7000-8000-000000000000"), "not_found"),
    ] {
        let problem = assert_problem(
            project(orgs, agreement).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            (error_fields(&problem), problem["errors"][0]["code"].as_str()),
            (vec!["agreement_id".to_owned()], Some(code))
        );
    }
    let group = app
        .post_json(
            "/api/v1/working-groups",
            &json!({"name": "کارگروه زیر تفاهم", "scope": "general", "organization_ids": [a["id"]], "agreement_id": ag["id"]}),
        )
        .await;
    assert_eq!(group.status(), StatusCode::CREATED);
    let group: Value = group.json().await.unwrap();
    let problem = assert_problem(
        app.patch_json(
            &format!("/api/v1/working-groups/{}", id(&group)),
            &json!({"organization_ids": [a["id"], c["id"]]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["agreement_id"]);

    for list in ["projects", "working-groups"] {
        let page = app
            .get_json(&format!("/api/v1/{list}?agreement_id={}", id(&ag)), StatusCode::OK)
            .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{list}");
    }
    let cleared: Value = app
        .patch_json(&format!("/api/v1/projects/{}", id(&p)), &json!({"agreement_id": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["agreement_id"], Value::Null);
    let page = app
        .get_json(&format!("/api/v1/projects?agreement_id={}", id(&ag)), StatusCode::OK)
        .await;
    assert!(page["items"].as_array().unwrap().is_empty());
}
