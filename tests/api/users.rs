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
