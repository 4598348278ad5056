//! Every resource names who created it and who changed it last, as `{type, id}`; a project's
//! history starts with its creation.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{org, person, Client, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

fn user(id: &Value) -> Value {
    json!({"type": "user", "id": id})
}

fn api_token(id: &Value) -> Value {
    json!({"type": "api_token", "id": id})
}

/// Sends `body` with `method`, asserts `status`, returns the JSON answer.
async fn send(client: &Client<'_>, method: Method, path: &str, body: Value, status: StatusCode) -> Value {
    let response = client.request(method.clone(), path).json(&body).send().await.unwrap();
    let got = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{method} {path}: {answer}");
    answer
}

/// GETs `path` and asserts its `created_by` and `updated_by`.
async fn assert_actors(app: &TestApp, path: &str, created_by: &Value, updated_by: &Value) {
    let body = app.get_json(path, StatusCode::OK).await;
    assert_eq!(&body["created_by"], created_by, "created_by of {path}: {body}");
    assert_eq!(&body["updated_by"], updated_by, "updated_by of {path}: {body}");
}

#[tokio::test]
async fn every_resource_names_who_created_it_and_who_changed_it_last() {
    let app = TestApp::spawn().await;
    let me = app.get_json("/api/v1/auth/me", StatusCode::OK).await;
    let admin = user(&me["id"]);
    let created = app
        .create_api_token(
            &[
                "organizations:write",
                "members:write",
                "projects:write",
                "working_groups:write",
            ],
            None,
        )
        .await;
    let bot = app.with_token(created["token"].as_str().unwrap());
    let token = api_token(&created["id"]);
    let (by_admin, by_token) = (app.with_token(&app.admin_token), bot);

    // Organizations: each created by one, changed by the other.
    let a = app.create_org(org("انجمن سازنده")).await;
    assert_eq!((&a["created_by"], &a["updated_by"]), (&admin, &admin));
    let b = send(
        &by_token,
        Method::POST,
        "/api/v1/organizations",
        org("جامعه سازنده"),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((&b["created_by"], &b["updated_by"]), (&token, &token));
    let (a_path, b_path) = (
        format!("/api/v1/organizations/{}", id(&a)),
        format!("/api/v1/organizations/{}", id(&b)),
    );
    send(
        &by_token,
        Method::PATCH,
        &a_path,
        json!({"description": "تغییر"}),
        StatusCode::OK,
    )
    .await;
    send(
        &by_admin,
        Method::PATCH,
        &b_path,
        json!({"description": "تغییر"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &a_path, &admin, &token).await;
    assert_actors(&app, &b_path, &token, &admin).await;

    // Members.
    let m1 = app.create_member(person("سازنده یک")).await;
    let m2 = send(
        &by_token,
        Method::POST,
        "/api/v1/members",
        person("سازنده دو"),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!((&m2["created_by"], &m2["updated_by"]), (&token, &token));
    let (m1_path, m2_path) = (
        format!("/api/v1/members/{}", id(&m1)),
        format!("/api/v1/members/{}", id(&m2)),
    );
    send(
        &by_token,
        Method::PATCH,
        &m1_path,
        json!({"expertise": "واسنجی"}),
        StatusCode::OK,
    )
    .await;
    send(
        &by_admin,
        Method::PATCH,
        &m2_path,
        json!({"expertise": "آزمون"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &m1_path, &admin, &token).await;
    assert_actors(&app, &m2_path, &token, &admin).await;

    // Memberships.
    let s1 = app.add_membership_ok(&a, &m1, "member", "2025-01-01", None).await;
    let s2 = send(
        &by_token,
        Method::POST,
        &format!("/api/v1/organizations/{}/memberships", id(&b)),
        json!({"member_id": m2["id"], "role": "member", "starts_on": "2025-01-01"}),
        StatusCode::CREATED,
    )
    .await;
    let (s1_path, s2_path) = (
        format!("/api/v1/memberships/{}", id(&s1)),
        format!("/api/v1/memberships/{}", id(&s2)),
    );
    send(
        &by_token,
        Method::PATCH,
        &s1_path,
        json!({"role": "secretary"}),
        StatusCode::OK,
    )
    .await;
    send(
        &by_admin,
        Method::PATCH,
        &s2_path,
        json!({"role": "treasurer"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &s1_path, &admin, &token).await;
    assert_actors(&app, &s2_path, &token, &admin).await;

    // Projects: a change to a project's parts or status is a change of the project.
    let new_project = json!({"title": "پژوهش سازندگان", "kind": "research",
                             "lead_organization_id": a["id"], "organization_ids": [a["id"], b["id"]]});
    let p1 = send(
        &by_admin,
        Method::POST,
        "/api/v1/projects",
        new_project.clone(),
        StatusCode::CREATED,
    )
    .await;
    let p2 = send(
        &by_token,
        Method::POST,
        "/api/v1/projects",
        new_project,
        StatusCode::CREATED,
    )
    .await;
    let (p1_path, p2_path) = (
        format!("/api/v1/projects/{}", id(&p1)),
        format!("/api/v1/projects/{}", id(&p2)),
    );
    assert_actors(&app, &p1_path, &admin, &admin).await;
    send(
        &by_token,
        Method::PATCH,
        &p1_path,
        json!({"summary": "خلاصه"}),
        StatusCode::OK,
    )
    .await;
    send(
        &by_admin,
        Method::PATCH,
        &p2_path,
        json!({"summary": "خلاصه"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &p1_path, &admin, &token).await;
    assert_actors(&app, &p2_path, &token, &admin).await;
    send(
        &by_admin,
        Method::POST,
        &format!("{p1_path}/members"),
        json!({"member_id": m1["id"], "organization_id": a["id"], "role": "researcher"}),
        StatusCode::CREATED,
    )
    .await;
    assert_actors(&app, &p1_path, &admin, &admin).await;
    send(
        &by_token,
        Method::PUT,
        &format!("{p1_path}/organizations/{}", id(&b)),
        json!({"role": "sponsor"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &p1_path, &admin, &token).await;
    crate::approvals::approve_all(&app, &p1_path).await;
    send(
        &by_admin,
        Method::POST,
        &format!("{p1_path}/transitions"),
        json!({"to": "approved"}),
        StatusCode::CREATED,
    )
    .await;
    assert_actors(&app, &p1_path, &admin, &admin).await;
    send(
        &by_token,
        Method::POST,
        &format!("{p1_path}/transitions"),
        json!({"to": "active"}),
        StatusCode::CREATED,
    )
    .await;
    assert_actors(&app, &p1_path, &admin, &token).await;

    // Working groups: replacing the organizations alone changes the group too.
    let new_group = json!({"name": "کارگروه سازندگان", "scope": "general", "organization_ids": [a["id"]]});
    let g1 = send(
        &by_admin,
        Method::POST,
        "/api/v1/working-groups",
        new_group.clone(),
        StatusCode::CREATED,
    )
    .await;
    let g2 = send(
        &by_token,
        Method::POST,
        "/api/v1/working-groups",
        new_group,
        StatusCode::CREATED,
    )
    .await;
    let (g1_path, g2_path) = (
        format!("/api/v1/working-groups/{}", id(&g1)),
        format!("/api/v1/working-groups/{}", id(&g2)),
    );
    assert_actors(&app, &g1_path, &admin, &admin).await;
    send(
        &by_token,
        Method::PATCH,
        &g1_path,
        json!({"organization_ids": [a["id"], b["id"]]}),
        StatusCode::OK,
    )
    .await;
    send(
        &by_admin,
        Method::PATCH,
        &g2_path,
        json!({"topic": "واسنجی"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &g1_path, &admin, &token).await;
    assert_actors(&app, &g2_path, &token, &admin).await;
}

#[tokio::test]
async fn users_and_tokens_name_the_administrators_who_made_and_changed_them() {
    let app = TestApp::spawn().await;
    let me = app.get_json("/api/v1/auth/me", StatusCode::OK).await;
    let admin = user(&me["id"]);
    // The first administrator is made by the server itself.
    let system = json!({"type": "system", "id": null});
    assert_actors(&app, &format!("/api/v1/users/{}", id(&me)), &system, &system).await;

    // Tokens cannot manage users or tokens, so a second administrator does the changing.
    let other = app.create_user("admin", &[]).await;
    let other_actor = user(&other["id"]);
    let tokens = app
        .login_ok(other["email"].as_str().unwrap(), crate::helpers::USER_PASSWORD)
        .await;
    let by_other = app.with_token(tokens["access_token"].as_str().unwrap());
    assert_eq!((&other["created_by"], &other["updated_by"]), (&admin, &admin));

    let editor = app.create_user("editor", &[]).await;
    let editor_path = format!("/api/v1/users/{}", id(&editor));
    send(
        &by_other,
        Method::PATCH,
        &editor_path,
        json!({"display_name": "ویراستار"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &editor_path, &admin, &other_actor).await;
    // A password change alone is a change of the user.
    send(
        &app.with_token(&app.admin_token),
        Method::PATCH,
        &editor_path,
        json!({"password": "another long passphrase 42"}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &editor_path, &admin, &admin).await;

    let created = app.create_api_token(&["members:read"], None).await;
    let token_path = format!("/api/v1/api-tokens/{}", id(&created));
    assert_actors(&app, &token_path, &admin, &admin).await;
    send(
        &by_other,
        Method::POST,
        &format!("{token_path}/rotate"),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_actors(&app, &token_path, &admin, &other_actor).await;
    let response = app.delete(&token_path).await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_actors(&app, &token_path, &admin, &admin).await;
}

#[tokio::test]
async fn a_project_history_starts_with_its_creation_on_every_page() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن تاریخچه")).await,
        app.create_org(org("جامعه تاریخچه")).await,
    );
    let created = app.create_api_token(&["projects:write"], None).await;
    let bot = app.with_token(created["token"].as_str().unwrap());
    let p = send(
        &bot,
        Method::POST,
        "/api/v1/projects",
        json!({"title": "پروژه تاریخچه", "kind": "research",
               "lead_organization_id": a["id"], "organization_ids": [a["id"], b["id"]]}),
        StatusCode::CREATED,
    )
    .await;
    crate::approvals::approve_all(&app, &format!("/api/v1/projects/{}", id(&p))).await;
    let path = format!("/api/v1/projects/{}/transitions", id(&p));
    for to in ["approved", "active"] {
        app.post_json(&path, &json!({"to": to})).await;
    }
    let history = app.get_json(&path, StatusCode::OK).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{history}");
    let first = &items[0];
    assert_eq!(first["from"], Value::Null);
    assert_eq!(first["to"], "proposed");
    assert_eq!(first["at"], p["created_at"]);
    assert_eq!(first["reason"], Value::Null);
    assert_eq!(
        first["actor"],
        json!({"type": "api_token", "id": created["id"], "name": created["name"]})
    );
    assert_eq!(items[1]["from"], "proposed");
    assert_eq!(items[1]["actor"]["type"], "user");

    // One entry a page visits each entry once, the creation first.
    let mut seen = Vec::new();
    let mut url = format!("{path}?limit=1");
    loop {
        let page = app.get_json(&url, StatusCode::OK).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|t| t["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let all: Vec<Value> = items.iter().map(|t| t["id"].clone()).collect();
    assert_eq!(seen, all);
    let page = app.get_json(&format!("{path}?limit=2"), StatusCode::OK).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}
