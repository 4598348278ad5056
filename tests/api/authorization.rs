//! Deny by default: credentials on every protected route, roles, scopes and organizations.

use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, org, TestApp, TEST_JWT_SECRET};

/// Every operation in the OpenAPI document that requires credentials, with a concrete path.
fn protected_operations() -> Vec<(Method, String)> {
    let spec: Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let public = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().all(|r| r.as_object().unwrap().is_empty()));
            if public {
                continue;
            }
            let concrete = path.replace("{id}", "019a0000-0000-7000-8000-000000000000");
            operations.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), concrete));
        }
    }
    operations
}

#[tokio::test]
async fn every_protected_route_needs_credentials() {
    let app = TestApp::spawn().await;
    let operations = protected_operations();
    assert!(operations.len() >= 15, "{} protected operations", operations.len());
    for (method, path) in operations {
        for client in [
            app.anonymous(),
            app.with_token("not-a-token"),
            app.with_token("hk_notreal"),
        ] {
            let response = client
                .request(method.clone(), &path)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert!(response.headers().contains_key("www-authenticate"), "{method} {path}");
            assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
    }
    // Only these answer without credentials.
    for path in ["/health/live", "/health/ready", "/api-docs/openapi.json", "/docs/"] {
        assert_eq!(app.anonymous().get(path).await.status(), StatusCode::OK, "{path}");
    }
}

fn kid() -> String {
    hamkari_http::auth::Jwt::new(TEST_JWT_SECRET.as_bytes())
        .kid()
        .to_owned()
}

fn forge(claims: Value, secret: &str, kid: Option<String>) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = kid;
    encode(&header, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[tokio::test]
async fn forged_and_stale_access_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    let now = chrono::Utc::now().timestamp();
    let valid = json!({"iss": "hamkari", "aud": "hamkari-api", "sub": me["id"], "exp": now + 600, "iat": now,
                       "jti": uuid::Uuid::now_v7(), "typ": "access", "sv": 1});
    // The baseline forgery with the right key is accepted, so each refusal below is for its one difference.
    let ok = forge(valid.clone(), TEST_JWT_SECRET, Some(kid()));
    assert_eq!(
        app.with_token(&ok).get("/api/v1/auth/me").await.status(),
        StatusCode::OK
    );

    let with = |field: &str, value: Value| {
        let mut claims = valid.clone();
        claims[field] = value;
        forge(claims, TEST_JWT_SECRET, Some(kid()))
    };
    let alg_none = {
        use base64::Engine;
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT", "kid": kid()})),
            b64(&valid)
        )
    };
    let refresh_token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        ("expired", with("exp", json!(now - 120))),
        ("wrong audience", with("aud", json!("someone-else"))),
        ("wrong issuer", with("iss", json!("evil"))),
        ("not an access token", with("typ", json!("refresh"))),
        ("old session", with("sv", json!(0))),
        ("unknown user", with("sub", json!(uuid::Uuid::now_v7()))),
        (
            "bad signature",
            forge(valid.clone(), "another key that is also long enough!!", Some(kid())),
        ),
        ("no kid", forge(valid.clone(), TEST_JWT_SECRET, None)),
        ("alg none", alg_none),
        ("refresh token as access token", refresh_token),
    ];
    for (why, token) in cases {
        let response = app.with_token(&token).get("/api/v1/auth/me").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token"),
            "{why}"
        );
    }
}

#[tokio::test]
async fn non_admins_get_403_on_admin_routes() {
    let app = TestApp::spawn().await;
    let viewer = app.login_as("viewer", &[]).await;
    let editor = app.login_as("editor", &[]).await;
    let token = app
        .with_api_token(
            &[
                "organizations:write",
                "members:write",
                "projects:write",
                "working_groups:write",
            ],
            None,
        )
        .await;
    for credential in [&viewer, &editor, &token] {
        let client = app.with_token(credential);
        for (method, path) in [
            (Method::GET, "/api/v1/users"),
            (Method::POST, "/api/v1/users"),
            (Method::GET, "/api/v1/api-tokens"),
            (Method::POST, "/api/v1/api-tokens"),
        ] {
            let response = client
                .request(method.clone(), path)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn viewers_read_but_do_not_write() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن خوانا")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let viewer = app.login_as("viewer", &[created["id"].as_str().unwrap()]).await;
    let client = app.with_token(&viewer);
    assert_eq!(client.get(&path).await.status(), StatusCode::OK);
    assert_eq!(client.get("/api/v1/organizations").await.status(), StatusCode::OK);
    assert_problem(
        client.patch_json(&path, &json!({"description": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        client.post_json("/api/v1/organizations", &org("انجمن دیگر")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(client.delete(&path).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn editors_change_only_their_own_organizations() {
    let app = TestApp::spawn().await;
    let ours = app.create_org(org("انجمن ما")).await;
    let theirs = app.create_org(org("انجمن آنها")).await;
    let (our_id, their_id) = (ours["id"].as_str().unwrap(), theirs["id"].as_str().unwrap());
    let editor = app.login_as("editor", &[our_id]).await;
    let client = app.with_token(&editor);

    let response = client
        .patch_json(
            &format!("/api/v1/organizations/{our_id}"),
            &json!({"description": "ویرایش شد"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .patch_json(
            &format!("/api/v1/organizations/{their_id}"),
            &json!({"description": "نه"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.get_json(&format!("/api/v1/organizations/{their_id}"), StatusCode::OK)
            .await["description"],
        Value::Null
    );
    // Editors neither create nor delete organizations, not even their own.
    assert_problem(
        client.post_json("/api/v1/organizations", &org("انجمن نو")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        client.delete(&format!("/api/v1/organizations/{our_id}")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // An absent organization is 404, not 403.
    let response = client
        .patch_json("/api/v1/organizations/019a0000-0000-7000-8000-000000000000", &json!({}))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn api_tokens_act_within_their_scopes_and_organization() {
    let app = TestApp::spawn().await;
    let ours = app.create_org(org("انجمن متصل")).await;
    let theirs = app.create_org(org("انجمن جدا")).await;
    let (our_id, their_id) = (ours["id"].as_str().unwrap(), theirs["id"].as_str().unwrap());

    let read_only = app.with_api_token(&["organizations:read"], None).await;
    let client = app.with_token(&read_only);
    assert_eq!(client.get("/api/v1/organizations").await.status(), StatusCode::OK);
    let response = client
        .patch_json(&format!("/api/v1/organizations/{our_id}"), &json!({}))
        .await;
    let problem = assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("organizations:write"),
        "{problem}"
    );

    let members_only = app.with_api_token(&["members:read"], None).await;
    assert_problem(
        app.with_token(&members_only).get("/api/v1/organizations").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let bound = app.with_api_token(&["organizations:write"], Some(our_id)).await;
    let client = app.with_token(&bound);
    assert_eq!(
        client.get(&format!("/api/v1/organizations/{their_id}")).await.status(),
        StatusCode::OK
    );
    let response = client
        .patch_json(
            &format!("/api/v1/organizations/{our_id}"),
            &json!({"website": "https://ours.example"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = client
        .patch_json(
            &format!("/api/v1/organizations/{their_id}"),
            &json!({"website": "https://x.example"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(
        client.post_json("/api/v1/organizations", &org("انجمن توکن")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let unbound = app.with_api_token(&["organizations:write"], None).await;
    let response = app
        .with_token(&unbound)
        .post_json("/api/v1/organizations", &org("انجمن سامانه"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // A token has no user: it sees itself.
    let me: Value = app
        .with_token(&unbound)
        .get("/api/v1/auth/me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["kind"], "api_token");
}
