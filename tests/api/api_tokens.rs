//! API tokens: shown once, stored as an HMAC, listed with last use, rotated and revoked.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, TestApp};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn create_shows_the_secret_once_and_stores_only_an_hmac() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/api-tokens",
            &json!({"name": "سامانه ممیزی", "scopes": ["members:read", "organizations:read", "members:read"],
                    "expires_at": (chrono::Utc::now() + chrono::Duration::days(90)).to_rfc3339()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("hk_") && secret.len() == 46, "{secret}");
    assert_eq!(created["prefix"], secret[..10]);
    assert_eq!(created["scopes"], json!(["organizations:read", "members:read"]));
    assert_eq!(created["state"], "active");
    assert_eq!(created["last_used_at"], Value::Null);
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(created["created_by"], json!({"type": "user", "id": me["id"]}));

    // Never again over the API...
    let shown = app.get(&location).await.text().await.unwrap();
    let listed = app.get("/api/v1/api-tokens").await.text().await.unwrap();
    assert!(shown.contains(&created["prefix"].as_str().unwrap().to_string()));
    for body in [&shown, &listed] {
        assert!(!body.contains(&secret), "the secret leaked: {body}");
        assert!(!body.contains("\"token\""), "{body}");
    }
    // ...and not in storage in plain form: no column holds it or its random part.
    let body_part = &secret[3..];
    let mut conn = app.db.connect();
    let sql = format!(
        "SELECT COUNT(*) AS n FROM api_tokens WHERE secret_hash LIKE '%{body_part}%' OR prefix LIKE '%{body_part}%' \
         OR name LIKE '%{body_part}%' OR scopes LIKE '%{body_part}%'"
    );
    let found: Count = diesel::sql_query(sql).get_result(&mut conn).unwrap();
    assert_eq!(found.n, 0);
    #[derive(QueryableByName)]
    struct Hash {
        #[diesel(sql_type = Text)]
        secret_hash: String,
    }
    let stored: Hash = diesel::sql_query("SELECT secret_hash FROM api_tokens")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(stored.secret_hash.len(), 64, "HMAC-SHA256, hex");
    if let crate::helpers::TestDb::Sqlite { .. } = app.db {
        // Not even in the database file's bytes.
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let path = app.db.url().trim_start_matches("sqlite://").to_owned();
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.windows(body_part.len()).any(|w| w == body_part.as_bytes()));
    }

    // And the token works.
    assert_eq!(
        app.with_token(&secret).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn last_use_is_recorded() {
    let app = TestApp::spawn().await;
    let created = app.create_api_token(&["organizations:read"], None).await;
    let secret = created["token"].as_str().unwrap();
    let path = format!("/api/v1/api-tokens/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.with_token(secret).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
    let first = app.get_json(&path, StatusCode::OK).await["last_used_at"].clone();
    assert!(first.is_string());
    // Within the minute it is not rewritten.
    assert_eq!(
        app.with_token(secret).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.get_json(&path, StatusCode::OK).await["last_used_at"], first);
}

#[tokio::test]
async fn rotation_replaces_the_secret_at_once() {
    let app = TestApp::spawn().await;
    let created = app.create_api_token(&["organizations:read"], None).await;
    let old = created["token"].as_str().unwrap();
    let id = created["id"].as_str().unwrap();
    // Used a moment before, so the server has the old secret's token fresh in mind.
    assert_eq!(
        app.with_token(old).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
    let response = app
        .request(Method::POST, &format!("/api/v1/api-tokens/{id}/rotate"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    let new = rotated["token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(rotated["id"], created["id"]);
    assert_eq!(rotated["prefix"], new[..10]);
    assert_problem(
        app.with_token(old).get("/api/v1/organizations").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.with_token(new).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_refused_and_filterable() {
    let app = TestApp::spawn().await;
    let revoked = app.create_api_token(&["organizations:read"], None).await;
    let expired = app.create_api_token(&["organizations:read"], None).await;
    let active = app.create_api_token(&["organizations:read"], None).await;
    // In use right up to its revocation, which must still take effect on the next request.
    assert_eq!(
        app.with_token(revoked["token"].as_str().unwrap())
            .get("/api/v1/organizations")
            .await
            .status(),
        StatusCode::OK
    );

    let response = app
        .delete(&format!("/api/v1/api-tokens/{}", revoked["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/api-tokens/{}/rotate", revoked["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "revoked").await;
    // Time passes for one token.
    let mut conn = app.db.connect();
    conn.batch_execute(&format!(
        "UPDATE api_tokens SET expires_at = '2001-01-01 00:00:00' WHERE id = '{}'",
        expired["id"].as_str().unwrap()
    ))
    .unwrap();

    for token in [&revoked, &expired] {
        let response = app
            .with_token(token["token"].as_str().unwrap())
            .get("/api/v1/organizations")
            .await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    assert_eq!(
        app.with_token(active["token"].as_str().unwrap())
            .get("/api/v1/organizations")
            .await
            .status(),
        StatusCode::OK
    );

    for (state, expected) in [("active", &active), ("expired", &expired), ("revoked", &revoked)] {
        let page = app
            .get_json(&format!("/api/v1/api-tokens?state={state}"), StatusCode::OK)
            .await;
        let ids: Vec<&Value> = page["items"].as_array().unwrap().iter().map(|t| &t["id"]).collect();
        assert_eq!(ids, [&expected["id"]], "state={state}");
        assert_eq!(page["items"][0]["state"], state);
    }
    let all = app.get_json("/api/v1/api-tokens?limit=2", StatusCode::OK).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let next = all["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(&format!("/api/v1/api-tokens?limit=2&cursor={next}"), StatusCode::OK)
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn creation_is_validated() {
    let app = TestApp::spawn().await;
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    let response = app
        .post_json(
            "/api/v1/api-tokens",
            &json!({"name": "", "scopes": ["users:write"], "expires_at": far}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["name", "scopes", "expires_at"]);
    let response = app
        .post_json("/api/v1/api-tokens", &json!({"name": "x", "scopes": ["members:read"]}))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["expires_at"]);
    let soon = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let response = app
        .post_json(
            "/api/v1/api-tokens",
            &json!({"name": "x", "scopes": ["members:read"], "expires_at": soon, "organization_id": "019a0000-0000-7000-8000-000000000000"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let list = app.get_json("/api/v1/api-tokens", StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn revoked_tokens_still_read_as_revoked() {
    let app = TestApp::spawn().await;
    let token = app.create_api_token(&["members:read"], None).await;
    let path = format!("/api/v1/api-tokens/{}", token["id"].as_str().unwrap());
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    // Revoking again is no error, and changes nothing.
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);

    let read = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(read["state"], "revoked");
    assert!(read["revoked_at"].is_string(), "{read}");
    assert!(read.get("token").is_none(), "the secret is never shown again: {read}");
    let listed = app.get_json("/api/v1/api-tokens", StatusCode::OK).await;
    let item = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == token["id"])
        .expect("a revoked token is still listed");
    assert_eq!(item["state"], "revoked");
    assert_eq!(item["revoked_at"], read["revoked_at"]);
}
