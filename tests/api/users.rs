//! Administrators manage users.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD};

#[tokio::test]
async fn admins_create_read_change_and_delete_users() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "Maryam@Example.ORG", "display_name": "مریم احمدی", "role": "editor",
                    "organization_ids": [a["id"]], "password": USER_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], "maryam@example.org");
    assert_eq!(user["organization_ids"], json!([a["id"]]));
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert_eq!(app.get_json(&location, StatusCode::OK).await, user);

    // The same address in other case is the same user.
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "maryam@example.org", "display_name": "x", "role": "viewer", "password": USER_PASSWORD}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "already_exists").await;
    assert_eq!(error_fields(&problem), ["email"]);

    let response = app
        .request(Method::PATCH, &location)
        .header("If-Match", "\"1\"")
        .json(&json!({"role": "viewer", "organization_ids": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        (changed["role"].as_str(), changed["version"].as_i64()),
        (Some("viewer"), Some(2))
    );
    assert_eq!(changed["organization_ids"], json!([]));
    let stale = app
        .request(Method::PATCH, &location)
        .header("If-Match", "\"1\"")
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;

    let list = app.get_json("/api/v1/users?role=viewer", StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.delete(&location).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&location).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(
        app.login("maryam@example.org", USER_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn unknown_organizations_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "x@example.org", "display_name": "x", "role": "editor",
                    "organization_ids": ["019a0000-0000-7000-8000-000000000000"], "password": USER_PASSWORD}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_ids"]);
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "y@example.org", "display_name": "y", "role": "owner", "password": USER_PASSWORD}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["role"]);
}

#[tokio::test]
async fn administrators_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        assert_problem(
            app.patch_json(&path, &change).await,
            StatusCode::CONFLICT,
            "own_account",
        )
        .await;
    }
    assert_problem(app.delete(&path).await, StatusCode::CONFLICT, "own_account").await;
    // Another administrator may demote the first; the last one standing stays.
    let other = app.login_as("admin", &[]).await;
    let other_client = app.with_token(&other);
    assert_eq!(
        other_client
            .patch_json(&path, &json!({"role": "editor"}))
            .await
            .status(),
        StatusCode::OK
    );
    let other_me: Value = other_client.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(other_me["role"], "admin");
    let status = app.get(&path).await.status();
    assert!(
        [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&status),
        "a demoted administrator has no administrator's rights: {status}"
    );
}

#[tokio::test]
async fn changing_ones_own_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    let new_password = "a brand new passphrase";
    for (change, code) in [
        (json!({"password": new_password}), "required"),
        (
            json!({"password": new_password, "current_password": "not the password"}),
            "incorrect",
        ),
        // Longer than the document's `maxLength`, refused before any hashing.
        (
            json!({"password": new_password, "current_password": "x".repeat(1100)}),
            "too_long",
        ),
    ] {
        let problem = assert_problem(
            app.patch_json(&path, &change).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "current_password");
        assert_eq!(problem["errors"][0]["code"], code);
    }
    assert_eq!(
        app.login(ADMIN_EMAIL, new_password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let change = json!({"password": new_password, "current_password": ADMIN_PASSWORD});
    assert_eq!(app.patch_json(&path, &change).await.status(), StatusCode::OK);
    assert_eq!(app.login(ADMIN_EMAIL, new_password).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_organization_ends_affiliations() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن گذرا")).await;
    let user = app.create_user("editor", &[a["id"].as_str().unwrap()]).await;
    let response = app
        .delete(&format!("/api/v1/organizations/{}", a["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let user = app
        .get_json(
            &format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(user["organization_ids"], json!([]));
}

/// The whole audit log visible to `token`, one event per NDJSON line.
async fn audit_log(app: &TestApp, token: &str) -> (String, Vec<Value>) {
    let response = app
        .with_token(token)
        .request(Method::GET, "/api/v1/audit-events")
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let events = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("one JSON event per line"))
        .collect();
    (text, events)
}

fn find<'a>(events: &'a [Value], resource_type: &str, action: &str, id: &Value) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["resource_type"] == resource_type && e["action"] == action && e["resource_id"] == *id)
        .collect()
}

#[tokio::test]
async fn every_change_to_users_and_tokens_is_an_event_without_secrets() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن رویداد")).await;
    let first_password = "the new user's first passphrase";
    let user: Value = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "events@example.org", "display_name": "کاربر رویداد", "role": "editor",
                    "organization_ids": [a["id"]], "password": first_password}),
        )
        .await
        .json()
        .await
        .unwrap();
    let user_path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let reset_password = "a reset passphrase from the administrator";
    let response = app.patch_json(&user_path, &json!({"password": reset_password})).await;
    assert_eq!(response.status(), StatusCode::OK);

    let token = app.create_api_token(&["members:write"], a["id"].as_str()).await;
    let token_path = format!("/api/v1/api-tokens/{}", token["id"].as_str().unwrap());
    let rotated: Value = app
        .request(Method::POST, &format!("{token_path}/rotate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app.delete(&token_path).await.status(), StatusCode::NO_CONTENT);

    // The administrator changes their own password; their session ends with the old one.
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let own_password = "the administrator's new passphrase";
    let response = app
        .patch_json(
            &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
            &json!({"password": own_password, "current_password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let admin = app.login_ok(ADMIN_EMAIL, own_password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let (log, events) = audit_log(&app, &admin).await;
    let secrets = [
        first_password,
        reset_password,
        own_password,
        ADMIN_PASSWORD,
        token["token"].as_str().unwrap(),
        rotated["token"].as_str().unwrap(),
    ];
    for secret in secrets {
        assert!(!log.contains(secret), "a secret is in the audit log: {secret}");
    }
    for telltale in ["$argon2", "password_hash", "secret_hash"] {
        assert!(!log.contains(telltale), "{telltale} in the audit log");
    }

    let bootstrap = find(&events, "user", "created", &me["id"]);
    assert_eq!(bootstrap.len(), 1, "the first administrator's creation");
    assert_eq!(bootstrap[0]["actor_type"], "system");
    assert!(bootstrap[0]["actor_id"].is_null());

    let created = find(&events, "user", "created", &user["id"]);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["actor_type"], "user");
    assert_eq!(created[0]["actor_id"], me["id"]);
    assert_eq!(created[0]["organization_ids"], json!([a["id"]]));
    assert_eq!(created[0]["after"]["email"], "events@example.org");
    for id in [&user["id"], &me["id"]] {
        let changed = find(&events, "user", "password_changed", id);
        assert_eq!(changed.len(), 1, "password_changed for {id}");
        let (before, after) = (&changed[0]["before"], &changed[0]["after"]);
        assert_eq!(
            after["session_version"].as_i64().unwrap(),
            before["session_version"].as_i64().unwrap() + 1
        );
        // Only the password changed: no separate `updated` event.
        assert!(find(&events, "user", "updated", id).is_empty());
    }

    for action in ["created", "rotated", "revoked"] {
        let found = find(&events, "api_token", action, &token["id"]);
        assert_eq!(found.len(), 1, "api_token {action}");
        assert_eq!(found[0]["organization_ids"], json!([a["id"]]), "api_token {action}");
        assert_eq!(found[0]["actor_id"], me["id"]);
    }
    let revoked = find(&events, "api_token", "revoked", &token["id"])[0];
    assert!(revoked["before"]["revoked_at"].is_null());
    assert!(revoked["after"]["revoked_at"].is_string());
}

#[tokio::test]
async fn the_audit_log_is_for_administrators_and_editors_of_their_organizations() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن دید")).await;
    let b = app.create_org(org("انجمن دیگر")).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let in_a = app.create_user("viewer", &[a_id]).await;
    let in_b = app.create_user("viewer", &[b_id]).await;
    let in_both = app.create_user("viewer", &[a_id, b_id]).await;
    let a_token = app.create_api_token(&["members:read"], Some(a_id)).await;
    let b_token = app.create_api_token(&["members:read"], Some(b_id)).await;

    let viewer = app.login_as("viewer", &[a_id]).await;
    let token = app
        .with_api_token(&["organizations:write", "members:write", "projects:write"], None)
        .await;
    for credential in [&viewer, &token] {
        let response = app.with_token(credential).get("/api/v1/audit-events").await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }

    let editor = app.login_as("editor", &[a_id]).await;
    let (_, events) = audit_log(&app, &editor).await;
    assert!(!events.is_empty());
    for event in &events {
        let orgs = event["organization_ids"].as_array().unwrap();
        assert!(
            orgs.contains(&a["id"]),
            "an editor of A sees an event not about A: {event}"
        );
    }
    let seen = |id: &Value| events.iter().any(|e| e["resource_id"] == *id);
    assert!(seen(&in_a["id"]) && seen(&in_both["id"]) && seen(&a_token["id"]));
    assert!(!seen(&in_b["id"]) && !seen(&b_token["id"]));

    let (_, everything) = audit_log(&app, app_admin_token(&app).await.as_str()).await;
    assert!(everything.len() > events.len(), "administrators see every event");
}

async fn app_admin_token(app: &TestApp) -> String {
    app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}
