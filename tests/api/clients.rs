//! What machine clients rely on: `Idempotency-Key`, visible rate limits, `/auth/me` and the
//! expiry warning for API tokens.

use futures_util::future::join_all;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use std::time::Duration;

use hamkari_http::RateLimits;

use crate::helpers::{assert_problem, org, TestApp, TestDb};

async fn organization_count(app: &TestApp) -> usize {
    let page = app.get_json("/api/v1/organizations?limit=100", StatusCode::OK).await;
    page["items"].as_array().unwrap().len()
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> Response {
    app.with_token(token)
        .request(Method::POST, "/api/v1/organizations")
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_repeat_with_the_same_key_and_body_gets_the_first_answer_and_no_second_effect() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let body = org("انجمن تکرار امن");
    let first = post_with_key(&app, &admin, "\"create-1\"", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = header(&first, "location").unwrap();
    let etag = header(&first, "etag").unwrap();
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let created: Value = first.json().await.unwrap();

    // The bare form of the same key is the same key.
    let again = post_with_key(&app, &admin, "create-1", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(header(&again, "location").as_deref(), Some(location.as_str()));
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(header(&again, "idempotent-replayed").as_deref(), Some("true"));
    assert!(header(&again, "x-request-id").is_some());
    assert_eq!(again.json::<Value>().await.unwrap(), created);
    assert_eq!(organization_count(&app).await, 1);

    // The same key for another body is refused, and nothing is written.
    let other = post_with_key(&app, &admin, "create-1", &org("انجمن دیگر")).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    // So is the same body on another path.
    let elsewhere = app
        .request(Method::POST, "/api/v1/members")
        .header("Idempotency-Key", "create-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(elsewhere, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_eq!(organization_count(&app).await, 1);

    // Keys belong to the credential: another caller's identical key is a new request.
    let editor = app.login_as("admin", &[]).await;
    let theirs = post_with_key(&app, &editor, "create-1", &org("انجمن کاربر دیگر")).await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(header(&theirs, "idempotent-replayed"), None);
    assert_eq!(organization_count(&app).await, 2);
}

#[tokio::test]
async fn client_errors_are_kept_too_and_patch_takes_a_key() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن وصله")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let patch = |key: &'static str, if_match: &'static str, body: Value| {
        app.request(Method::PATCH, &path)
            .header("Idempotency-Key", key)
            .header("If-Match", if_match)
            .json(&body)
            .send()
    };
    let first = patch("rename", "\"1\"", json!({"description": "یک"})).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "etag").as_deref(), Some("\"2\""));
    // Repeated, the stale If-Match would fail; the key answers as the first time instead.
    let again = patch("rename", "\"1\"", json!({"description": "یک"})).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&again, "etag").as_deref(), Some("\"2\""));
    let current = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(current["version"], 2);

    // A 412 is an answer like any other: kept, and given again even after the version matches.
    let stale = patch("stale", "\"7\"", json!({"description": "دو"})).await.unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let stale_again = patch("stale", "\"7\"", json!({"description": "دو"})).await.unwrap();
    assert_eq!(header(&stale_again, "idempotent-replayed").as_deref(), Some("true"));
    assert_problem(stale_again, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
}

#[tokio::test]
async fn malformed_keys_are_400_and_store_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let long = "k".repeat(256);
    for key in ["", "\"\"", long.as_str(), "two words", "\"unterminated"] {
        let response = post_with_key(&app, &admin, key, &org("انجمن کلید بد")).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
    }
    assert_eq!(organization_count(&app).await, 0);
    // 255 characters is the longest key.
    let longest = "k".repeat(255);
    let response = post_with_key(&app, &admin, &longest, &org("انجمن کلید بلند")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Reads ignore the header.
    let read = app
        .request(Method::GET, "/api/v1/organizations")
        .header("Idempotency-Key", "")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn concurrent_repeats_have_exactly_one_effect() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let body = org("انجمن همزمان");
    let responses = join_all((0..12).map(|_| post_with_key(&app, &admin, "together", &body))).await;
    let mut ids = Vec::new();
    let mut running = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => ids.push(response.json::<Value>().await.unwrap()["id"].clone()),
            StatusCode::CONFLICT => {
                assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_use").await;
                running += 1;
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert!(!ids.is_empty());
    assert_eq!(ids.len() + running, 12);
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(organization_count(&app).await, 1);
}

#[tokio::test]
async fn two_instances_on_one_database_share_the_keys() {
    let first = TestApp::spawn().await;
    let url = first.db.url().to_owned();
    let second = TestApp::spawn_with(crate::helpers::TestDb::create(), url, |s| {
        s.admin = hamkari_http::AdminBootstrap::Skip;
    })
    .await;
    let admin = first.admin_token.clone();
    let body = org("انجمن دو نمونه");
    // In parallel, half through each instance: still one effect.
    let sends = (0..8).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        post_with_key(app, &admin, "shared", &body)
    });
    let statuses: Vec<StatusCode> = join_all(sends).await.iter().map(Response::status).collect();
    assert!(statuses.contains(&StatusCode::CREATED), "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    // Afterwards either instance replays the stored answer.
    let replayed = post_with_key(&second, &admin, "shared", &body).await;
    assert_eq!(replayed.status(), StatusCode::CREATED);
    assert_eq!(header(&replayed, "idempotent-replayed").as_deref(), Some("true"));
    let other = post_with_key(&first, &admin, "shared", &org("انجمن سوم")).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_eq!(organization_count(&first).await, 1);
}

async fn limited(requests: u32) -> TestApp {
    let db = TestDb::create();
    let url = db.url().to_owned();
    TestApp::spawn_with(db, url, |s| {
        s.rate_limit = RateLimits {
            requests,
            window: Duration::from_secs(60),
        };
    })
    .await
}

/// `"default";r=7;t=42` → (7, 42).
fn remaining_and_reset(value: &str) -> (u32, u64) {
    let mut parts = value.split(';');
    assert_eq!(parts.next(), Some("\"default\""), "{value}");
    let r = parts
        .next()
        .and_then(|p| p.strip_prefix("r="))
        .unwrap()
        .parse()
        .unwrap();
    let t = parts
        .next()
        .and_then(|p| p.strip_prefix("t="))
        .unwrap()
        .parse()
        .unwrap();
    (r, t)
}

#[tokio::test]
async fn with_quota_q_exactly_q_of_2q_parallel_requests_pass_and_every_answer_says_so() {
    const Q: u32 = 20;
    let app = limited(Q).await;
    // A fresh credential: its whole quota is raced for.
    let token = app.with_api_token(&["organizations:read"], None).await;
    let client = app.with_token(&token);
    let responses = join_all((0..2 * Q).map(|_| client.get("/api/v1/organizations"))).await;
    let mut passed = 0;
    let mut remaining = Vec::new();
    for response in responses {
        assert_eq!(
            header(&response, "ratelimit-policy").as_deref(),
            Some("\"default\";q=20;w=60")
        );
        let (r, t) = remaining_and_reset(&header(&response, "ratelimit").unwrap());
        assert!((1..=60).contains(&t), "t={t}");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = header(&response, "retry-after").unwrap().parse().unwrap();
            assert_eq!(retry_after, t);
            assert_eq!(r, 0);
            assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        } else {
            assert_eq!(response.status(), StatusCode::OK);
            remaining.push(r);
            passed += 1;
        }
    }
    assert_eq!(passed, Q);
    // Each pass took its own unit of the quota.
    remaining.sort_unstable();
    assert_eq!(remaining, (0..Q).collect::<Vec<_>>());

    // Another credential has a quota of its own; without one, the client address has.
    assert_eq!(app.get("/api/v1/organizations").await.status(), StatusCode::OK);
    let anonymous = app.anonymous().get("/health/live").await;
    assert_eq!(anonymous.status(), StatusCode::OK);
    assert!(header(&anonymous, "ratelimit").is_some());
}

#[tokio::test]
async fn refused_credentials_spend_the_address_quota() {
    let app = limited(3).await;
    // The administrator's login at start took one unit of the address's quota.
    for left in [1, 0] {
        let response = app.with_token("hk_notreal").get("/api/v1/organizations").await;
        let (r, _) = remaining_and_reset(&header(&response, "ratelimit").unwrap());
        assert_eq!(r, left);
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let refused = app.anonymous().get("/health/ready").await;
    assert!(header(&refused, "retry-after").is_some());
    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // The administrator's session is not the address: it still has its quota.
    assert_eq!(app.get("/api/v1/organizations").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn auth_me_shows_an_api_token_itself_and_a_session_its_user() {
    let app = TestApp::spawn().await;
    let session = app.get_json("/api/v1/auth/me", StatusCode::OK).await;
    assert_eq!(session["kind"], "user");
    assert_eq!(session["role"], "admin");
    assert!(session["email"].is_string());

    let created = app.create_api_token(&["members:read", "projects:write"], None).await;
    let secret = created["token"].as_str().unwrap();
    let response = app.with_token(secret).get("/api/v1/auth/me").await;
    assert_eq!(response.status(), StatusCode::OK);
    // Thirty days left: no warning yet.
    assert_eq!(header(&response, "hamkari-token-expires"), None);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["kind"], "api_token");
    assert_eq!(me["id"], created["id"]);
    assert_eq!(me["name"], created["name"]);
    assert_eq!(me["scopes"], json!(["members:read", "projects:write"]));
    assert_eq!(me["organization_id"], Value::Null);
    assert_eq!(me["expires_at"], created["expires_at"]);
    assert_eq!(me["created_at"], created["created_at"]);
    assert_eq!(me["state"], "active");
    // Using the token stamped its last use.
    assert!(me["last_used_at"].is_string(), "{me}");
    let text = me.to_string();
    assert!(!text.contains(secret) && me.get("token").is_none() && me.get("prefix").is_none());
}

#[tokio::test]
async fn a_token_expiring_within_14_days_is_told_on_every_response() {
    let app = TestApp::spawn().await;
    let expires_at = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let created: Value = app
        .post_json(
            "/api/v1/api-tokens",
            &json!({"name": "سامانه رو به پایان", "scopes": ["organizations:read"], "expires_at": expires_at}),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = created["token"].as_str().unwrap();
    let stored = chrono::DateTime::parse_from_rfc3339(created["expires_at"].as_str().unwrap()).unwrap();
    for path in ["/api/v1/organizations", "/api/v1/auth/me", "/api/v1/members"] {
        let response = app.with_token(secret).get(path).await;
        let told = header(&response, "hamkari-token-expires").unwrap_or_else(|| panic!("{path}"));
        assert!(told.ends_with('Z'), "{told}");
        let told = chrono::DateTime::parse_from_rfc3339(&told).unwrap();
        assert_eq!(told.timestamp(), stored.timestamp(), "{path}");
    }
    // A 403 for a missing scope carries it too; a session never does.
    let refused = app.with_token(secret).get("/api/v1/members").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(header(&refused, "hamkari-token-expires").is_some());
    assert_eq!(
        header(&app.get("/api/v1/organizations").await, "hamkari-token-expires"),
        None
    );
}

#[tokio::test]
async fn expired_keys_are_pruned_and_free_again() {
    use hamkari_app::idempotency::{claim, complete, prune, Answer, Claim, IdempotencyKey};
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let key = IdempotencyKey::parse("old").unwrap();
    let now = hamkari_app::now();
    let yesterday = now - chrono::Duration::hours(25);
    assert!(matches!(
        claim(&mut conn, "token:x", &key, "fp", yesterday).unwrap(),
        Claim::Run
    ));
    let answer = Answer {
        status: 201,
        headers: vec![],
        body: b"{}".to_vec(),
    };
    complete(&mut conn, "token:x", &key, &answer).unwrap();
    // A fresh key of the same credential stays.
    let fresh = IdempotencyKey::parse("new").unwrap();
    assert!(matches!(
        claim(&mut conn, "token:x", &fresh, "fp", now).unwrap(),
        Claim::Run
    ));
    assert_eq!(prune(&mut conn, now).unwrap(), 1);
    assert_eq!(prune(&mut conn, now).unwrap(), 0);
    // The pruned key is new again, even for another request; the fresh one still runs.
    assert!(matches!(
        claim(&mut conn, "token:x", &key, "other", now).unwrap(),
        Claim::Run
    ));
    assert!(matches!(
        claim(&mut conn, "token:x", &fresh, "fp", now).unwrap(),
        Claim::Running
    ));
}
