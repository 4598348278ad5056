//! Logging in, refreshing, logging out, throttling, and sessions that end.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD};

#[tokio::test]
async fn login_returns_a_bearer_pair_that_works() {
    let app = TestApp::spawn().await;
    let response = app.login("  Admin@Hamkari.TEST ", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("hkr_"));
    let me = app
        .with_token(tokens["access_token"].as_str().unwrap())
        .get("/api/v1/auth/me")
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert!(me.get("password").is_none() && me.get("password_hash").is_none());
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    let wrong = app.login(ADMIN_EMAIL, "not the admin password").await;
    assert!(wrong.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let unknown = assert_problem(
        app.login("nobody@hamkari.test", "not the admin password").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(wrong, unknown);
    let malformed = assert_problem(
        app.login("not an email", "x").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(wrong, malformed);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_ends_the_session() {
    let app = TestApp::spawn().await;
    let first = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let app = &app;
    let refresh = |token: &str| {
        let body = json!({"refresh_token": token});
        async move { app.anonymous().post_json("/api/v1/auth/refresh", &body).await }
    };
    let second: Value = {
        let response = refresh(first["refresh_token"].as_str().unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    };
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    let third: Value = refresh(second["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert!(third["refresh_token"].is_string());

    // The first token again: a replay. The whole family ends, including the newest token.
    assert_problem(
        refresh(first["refresh_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_problem(
        refresh(third["refresh_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Another login is another family and still works.
    let other = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        refresh(other["refresh_token"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );
    assert_problem(refresh("hkr_made-up").await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let tokens = app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let client = app.with_token(tokens["access_token"].as_str().unwrap());
    assert_problem(
        app.anonymous()
            .post_json("/api/v1/auth/logout", &json!({"refresh_token": refresh_token}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let response = client
        .post_json("/api/v1/auth/logout", &json!({"refresh_token": refresh_token}))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .anonymous()
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": refresh_token}))
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn disabling_a_user_or_changing_the_password_ends_every_session() {
    let app = TestApp::spawn().await;
    for change in [json!({"disabled": true}), json!({"password": "a brand new password"})] {
        let user = app.create_user("viewer", &[]).await;
        let email = user["email"].as_str().unwrap();
        let session = app.login_ok(email, USER_PASSWORD).await;
        let access = session["access_token"].as_str().unwrap();
        assert_eq!(
            app.with_token(access).get("/api/v1/organizations").await.status(),
            StatusCode::OK
        );

        let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
        assert_eq!(
            app.patch_json(&path, &change).await.status(),
            StatusCode::OK,
            "{change}"
        );

        // The access token is refused at once, not when it expires.
        assert_problem(
            app.with_token(access).get("/api/v1/organizations").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        let response = app
            .anonymous()
            .post_json(
                "/api/v1/auth/refresh",
                &json!({"refresh_token": session["refresh_token"]}),
            )
            .await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_problem(
            app.login(email, USER_PASSWORD).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
}

#[tokio::test]
async fn repeated_failures_for_an_account_are_throttled() {
    let app = TestApp::spawn().await;
    let user = app.create_user("viewer", &[]).await;
    let email = user["email"].as_str().unwrap();
    for _ in 0..5 {
        assert_problem(
            app.login(email, "wrong password!!").await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
    }
    // Blocked now, even with the right password.
    let response = app.login(email, USER_PASSWORD).await;
    let retry_after: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    // Other accounts are unaffected.
    app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn repeated_failures_from_an_address_are_throttled_across_accounts() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let response = app.login(&format!("guess{i}@hamkari.test"), "wrong password!!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let response = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[tokio::test]
async fn throttling_is_shared_by_instances_on_one_database() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let first = TestApp::spawn_on(db, url.clone(), true).await;
    let user = first.create_user("viewer", &[]).await;
    let email = user["email"].as_str().unwrap();
    let second = TestApp::spawn_with(TestDb::create(), url, |s| s.admin = hamkari_http::AdminBootstrap::Skip).await;
    for i in 0..5 {
        let app = if i % 2 == 0 { &first } else { &second };
        assert_eq!(
            app.login(email, "wrong password!!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_problem(
        second.login(email, USER_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
    )
    .await;
}

#[tokio::test]
async fn generated_keys_are_kept_in_the_database_for_every_instance() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let first = TestApp::spawn_with(db, url.clone(), |s| s.jwt_secret = None).await;
    let second = TestApp::spawn_with(TestDb::create(), url, |s| {
        s.jwt_secret = None;
        s.admin = hamkari_http::AdminBootstrap::Skip;
    })
    .await;
    // A token issued by one instance is good on the other, for JWTs and API tokens alike.
    let response = second.with_token(&first.admin_token).get("/api/v1/auth/me").await;
    assert_eq!(response.status(), StatusCode::OK);
    let secret = first.with_api_token(&["organizations:read"], None).await;
    assert_eq!(
        second.with_token(&secret).get("/api/v1/organizations").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn passwords_follow_the_policy() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "short@hamkari.test", "display_name": "x", "role": "viewer", "password": "elevenchars"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "password");
    // Long passphrases are not truncated: one character more or less is another password.
    let long = "ب".repeat(1024);
    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "long@hamkari.test", "display_name": "x", "role": "viewer", "password": long}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    app.login_ok("long@hamkari.test", &long).await;
    let shorter = "ب".repeat(1023);
    assert_eq!(
        app.login("long@hamkari.test", &shorter).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Logins are hashed off the workers behind a cap: they all succeed, queued, and health
/// checks still answer meanwhile. (How quickly is measured outside the suite.) The account
/// limit is raised: parallel attempts count against it before any of them succeeds.
#[tokio::test]
async fn health_answers_during_a_login_flood() {
    let db = crate::helpers::TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| {
        s.login_limits = hamkari_http::LoginLimits {
            per_account: 50,
            per_address: 50,
        }
    })
    .await;
    let logins: Vec<_> = (0..12).map(|_| app.login(ADMIN_EMAIL, ADMIN_PASSWORD)).collect();
    let flood = futures_util::future::join_all(logins);
    let probe = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        app.anonymous().get("/health/ready").await.status()
    };
    let (responses, status) = tokio::join!(flood, probe);
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn outdated_password_hashes_are_upgraded_at_login() {
    use argon2::password_hash::phc::PasswordHash;
    use argon2::PasswordHasher;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    let app = TestApp::spawn().await;
    let user = app.create_user("viewer", &[]).await;
    // A hash with weaker parameters, as an older release might have stored it.
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8192, 1, 1, None).unwrap(),
    );
    let hash: PasswordHash = weak.hash_password(USER_PASSWORD.as_bytes()).unwrap();
    let mut conn = app.db.connect();
    conn.batch_execute(&format!(
        "UPDATE users SET password_hash = '{hash}' WHERE id = '{}'",
        user["id"].as_str().unwrap()
    ))
    .unwrap();

    app.login_ok(user["email"].as_str().unwrap(), USER_PASSWORD).await;

    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
    }
    let stored: Stored = diesel::sql_query(format!(
        "SELECT password_hash FROM users WHERE id = '{}'",
        user["id"].as_str().unwrap()
    ))
    .get_result(&mut conn)
    .unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"),
        "{}",
        stored.password_hash
    );
    // And the upgraded hash still accepts the password.
    app.login_ok(user["email"].as_str().unwrap(), USER_PASSWORD).await;
}
