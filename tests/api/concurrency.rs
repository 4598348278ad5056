//! Versioned writes under real parallel requests: a request without `If-Match` is applied
//! (never told that a precondition it did not send failed); with `If-Match`, one winner per
//! version. Counts are asserted, never durations.

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use hamkari_http::LoginLimits;

use crate::helpers::{person, TestApp, TestDb, USER_PASSWORD};

const PARALLEL: usize = 24;

#[tokio::test]
async fn parallel_patches_without_if_match_all_apply() {
    let app = TestApp::spawn().await;
    let member = app.create_member(person("نفر همزمان")).await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    let statuses = join_all((0..PARALLEL).map(|i| {
        let path = path.clone();
        let app = &app;
        async move {
            app.patch_json(&path, &json!({"expertise": format!("تخصص {i}")}))
                .await
                .status()
        }
    }))
    .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    let stored = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(stored["version"], 1 + PARALLEL as i64, "every change applied once");
    let events = app
        .get_json(
            &format!(
                "/api/v1/audit-events?resource_id={}&action=updated&limit=200",
                member["id"].as_str().unwrap()
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        events["items"].as_array().unwrap().len(),
        PARALLEL,
        "one event per change"
    );
}

#[tokio::test]
async fn parallel_patches_with_the_same_if_match_have_one_winner() {
    let app = TestApp::spawn().await;
    let member = app.create_member(person("نفر رقابت")).await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    let statuses = join_all((0..PARALLEL).map(|i| {
        let path = path.clone();
        let app = &app;
        async move {
            app.request(Method::PATCH, &path)
                .header("If-Match", "\"1\"")
                .json(&json!({"expertise": format!("تخصص {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }
    }))
    .await;
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let lost = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, lost), (1, PARALLEL - 1), "{statuses:?}");
    assert_eq!(app.get_json(&path, StatusCode::OK).await["version"], 2);
}

/// Parallel logins against one account: exactly `per_account` passwords are checked (401),
/// every other attempt is refused before hashing (429), and the right password sent among
/// them gets in only if its attempt is one of those checked.
#[tokio::test]
async fn parallel_logins_check_at_most_the_limit_per_account() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| {
        s.login_limits = LoginLimits {
            per_account: 5,
            per_address: 1000,
        }
    })
    .await;
    let user = app.create_user("viewer", &[]).await;
    let email = user["email"].as_str().unwrap().to_owned();
    let statuses = join_all((0..40).map(|_| {
        let (app, email) = (&app, email.clone());
        async move { app.login(&email, "not the password at all").await.status() }
    }))
    .await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (5, 35), "{statuses:?}");
    // The account stays blocked, for the right password too.
    assert_eq!(
        app.login(&email, USER_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Parallel logins from one address across many accounts: the address limit holds exactly.
#[tokio::test]
async fn parallel_logins_check_at_most_the_limit_per_address() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| {
        s.login_limits = LoginLimits {
            per_account: 5,
            per_address: 20,
        }
    })
    .await;
    let statuses = join_all((0..60).map(|i| {
        let app = &app;
        async move {
            app.login(&format!("nobody-{i}@hamkari.test"), "wrong password 123")
                .await
                .status()
        }
    }))
    .await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (20, 40), "{statuses:?}");
}

/// Two administrators, each removing the other at the same moment (demoting, disabling or
/// deleting): one wins, the other is told it would leave no administrator, and exactly one
/// active administrator remains.
#[tokio::test]
async fn two_admins_removing_each_other_leave_one() {
    for (change, body) in [
        (Method::PATCH, Some(json!({"role": "editor"}))),
        (Method::PATCH, Some(json!({"disabled": true}))),
        (Method::DELETE, None),
    ] {
        let app = TestApp::spawn().await;
        let me = app.get_json("/api/v1/auth/me", StatusCode::OK).await;
        let other = app.create_user("admin", &[]).await;
        let other_token = app.login_ok(other["email"].as_str().unwrap(), USER_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let remove = |token: &str, target: &serde_json::Value| {
            let mut request = app.with_token(token).request(
                change.clone(),
                &format!("/api/v1/users/{}", target["id"].as_str().unwrap()),
            );
            if let Some(body) = &body {
                request = request.json(body);
            }
            request.send()
        };
        let (first, second) = tokio::join!(remove(&app.admin_token, &other), remove(&other_token, &me));
        let statuses = [first.unwrap().status().as_u16(), second.unwrap().status().as_u16()];
        // One wins. The other is refused: 409 `last_admin` when it got as far as counting
        // administrators, or 401/403 when the winner had already disabled or demoted its caller.
        let won = statuses.iter().filter(|s| [200, 204].contains(*s)).count();
        let refused = statuses.iter().filter(|s| [401, 403, 409].contains(*s)).count();
        assert_eq!((won, refused), (1, 1), "{change} {body:?}: {statuses:?}");
        // Whoever is still an administrator lists the active ones: exactly one.
        let mut active = 0;
        for token in [&app.admin_token, &other_token] {
            let response = app.with_token(token).get("/api/v1/users?role=admin&limit=200").await;
            if response.status() == StatusCode::OK {
                let users: serde_json::Value = response.json().await.unwrap();
                active = users["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|u| u["disabled"] == false)
                    .count();
            }
        }
        assert_eq!(active, 1, "{change} {body:?}");
    }
}

/// Removing two partners of one project at once: both are removed (the project's version
/// covers its participants, so the second waits for the first instead of failing on it).
#[tokio::test]
async fn parallel_partner_removals_both_apply() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in ["انجمن یک", "انجمن دو", "انجمن سه", "انجمن چهار"] {
        ids.push(app.create_org(crate::helpers::org(name)).await["id"].clone());
    }
    let project = app
        .post_json(
            "/api/v1/projects",
            &json!({"title": "پروژه چهارجانبه", "kind": "research", "lead_organization_id": ids[0], "organization_ids": ids}),
        )
        .await;
    assert_eq!(project.status(), StatusCode::CREATED);
    let project: serde_json::Value = project.json().await.unwrap();
    let base = format!("/api/v1/projects/{}/organizations", project["id"].as_str().unwrap());
    let (one, two) = (
        format!("{base}/{}", ids[1].as_str().unwrap()),
        format!("{base}/{}", ids[2].as_str().unwrap()),
    );
    let (first, second) = tokio::join!(app.delete(&one), app.delete(&two));
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT)
    );
    let stored = app
        .get_json(
            &format!("/api/v1/projects/{}", project["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(stored["organizations"].as_array().unwrap().len(), 2);
    assert_eq!(stored["version"], project["version"].as_i64().unwrap() + 2);
}
