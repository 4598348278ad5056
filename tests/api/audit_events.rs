//! The audit log: one event per committed change, none for a refused one; filters, paging,
//! NDJSON streaming and retention.

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, org, person, TestApp, TestDb};

async fn events(app: &TestApp, query: &str) -> Vec<Value> {
    let body = app
        .get_json(&format!("/api/v1/audit-events?{query}"), StatusCode::OK)
        .await;
    body["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_members_life_is_three_events_with_before_after_and_actor() {
    let app = TestApp::spawn().await;
    let me = app.get_json("/api/v1/auth/me", StatusCode::OK).await;
    let a = app.create_org(org("انجمن رویداد")).await;
    let member = app
        .create_member(json!({"full_name": "رضا احمدی", "national_id": "0499370899"}))
        .await;
    let id = member["id"].as_str().unwrap();
    app.add_membership_ok(&a, &member, "member", "2024-01-01", None).await;
    let response = app
        .request(Method::PATCH, &format!("/api/v1/members/{id}"))
        .header("X-Request-Id", "trace-me-42")
        .json(&json!({"expertise": "واسنجی"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/api/v1/members/{id}?force=true")).await.status(),
        StatusCode::NO_CONTENT
    );

    let log = events(&app, &format!("resource_id={id}")).await;
    assert_eq!(actions(&log), ["created", "updated", "deleted"]);
    for event in &log {
        assert_eq!(event["resource_type"], "member");
        assert_eq!(event["resource_id"], id);
        assert_eq!(event["actor_type"], "user");
        assert_eq!(event["actor_id"], me["id"]);
        assert!(event["at"].as_str().unwrap().ends_with('Z'), "{event}");
    }
    assert!(log[0]["before"].is_null());
    assert_eq!(log[0]["after"]["full_name"], "رضا احمدی");
    assert_eq!(log[1]["before"]["expertise"], Value::Null);
    assert_eq!(log[1]["after"]["expertise"], "واسنجی");
    assert_eq!(log[1]["request_id"], "trace-me-42");
    assert_eq!(log[1]["organization_ids"], json!([a["id"]]), "the member belongs to A");
    assert_eq!(log[2]["before"]["version"], 2);
    assert!(log[2]["after"].is_null());
}

#[tokio::test]
async fn refused_and_rolled_back_changes_leave_no_event() {
    let app = TestApp::spawn().await;
    let member = app
        .create_member(json!({"full_name": "مریم کاظمی", "national_id": "0499370899"}))
        .await;
    let id = member["id"].as_str().unwrap();
    let before = events(&app, "resource_type=member").await.len();
    assert_eq!(before, 1);

    // Invalid (422), a unique index refusing the insert (409, rolled back), a stale
    // If-Match (412), a viewer (403), and a change that changes nothing.
    let invalid = app.post_json("/api/v1/members", &json!({"full_name": "x"})).await;
    assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let duplicate = app
        .post_json(
            "/api/v1/members",
            &json!({"full_name": "دیگری", "national_id": "0499370899"}),
        )
        .await;
    assert_problem(duplicate, StatusCode::CONFLICT, "already_exists").await;
    let stale = app
        .request(Method::PATCH, &format!("/api/v1/members/{id}"))
        .header("If-Match", "\"7\"")
        .json(&json!({"expertise": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let viewer = app.login_as("viewer", &[]).await;
    let refused = app
        .with_token(&viewer)
        .patch_json(&format!("/api/v1/members/{id}"), &json!({"expertise": "x"}))
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let same = app
        .patch_json(&format!("/api/v1/members/{id}"), &json!({"full_name": "مریم کاظمی"}))
        .await;
    assert_eq!(same.status(), StatusCode::OK);

    assert_eq!(events(&app, "resource_type=member").await.len(), before);
}

#[tokio::test]
async fn filters_paging_and_the_ndjson_stream() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    let b = app.create_org(org("انجمن ب")).await;
    for name in ["نفر یک", "نفر دو", "نفر سه"] {
        let member = app.create_member(person(name)).await;
        app.add_membership_ok(&a, &member, "member", "2024-01-01", None).await;
    }
    let total = events(&app, "limit=200").await.len();
    assert!(total >= 8, "2 organizations, 3 members, 3 memberships: {total}");

    assert_eq!(events(&app, "resource_type=member").await.len(), 3);
    assert_eq!(events(&app, "resource_type=organization&action=created").await.len(), 2);
    let for_a = events(&app, &format!("organization_id={}", a["id"].as_str().unwrap())).await;
    assert!(for_a.len() >= 4, "A's creation and its three memberships");
    assert!(for_a
        .iter()
        .all(|e| e["organization_ids"].as_array().unwrap().contains(&a["id"])));
    let for_b = events(&app, &format!("organization_id={}", b["id"].as_str().unwrap())).await;
    assert_eq!(actions(&for_b), ["created"]);
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let since = format!("since={}", urlencode(&future));
    assert!(events(&app, &since).await.is_empty());
    let until = format!("until={}", urlencode(&future));
    assert_eq!(events(&app, &format!("{until}&limit=200")).await.len(), total);

    // Pages of one, oldest first, and newest first with -at.
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit-events?limit=1".to_owned();
    loop {
        let page = app.get_json(&path, StatusCode::OK).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/audit-events?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    let newest_first = events(&app, "sort=-at&limit=200").await;
    let mut reversed: Vec<Value> = newest_first.iter().map(|e| e["id"].clone()).collect();
    reversed.reverse();
    assert_eq!(reversed, seen);

    // The whole log as NDJSON, one event per line.
    let response = app
        .request(Method::GET, "/api/v1/audit-events?resource_type=member")
        .header("Accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|e| e["resource_type"] == "member"));

    let unknown = app.get("/api/v1/audit-events?colour=blue").await;
    assert_problem(unknown, StatusCode::BAD_REQUEST, "invalid_query").await;
    let bad_sort = app.get("/api/v1/audit-events?sort=name").await;
    assert_eq!(bad_sort.status(), StatusCode::BAD_REQUEST);
    let bad_kind = app.get("/api/v1/audit-events?resource_type=spaceship").await;
    assert_problem(bad_kind, StatusCode::BAD_REQUEST, "invalid_query").await;
    let long_action = format!("/api/v1/audit-events?action={}", "a".repeat(65));
    assert_problem(app.get(&long_action).await, StatusCode::BAD_REQUEST, "invalid_query").await;
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn editors_see_their_organizations_events_and_others_none() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    let b = app.create_org(org("انجمن ب")).await;
    let in_a = app.create_member(person("عضو الف")).await;
    app.add_membership_ok(&a, &in_a, "member", "2024-01-01", None).await;
    let in_b = app.create_member(person("عضو ب")).await;
    app.add_membership_ok(&b, &in_b, "member", "2024-01-01", None).await;

    let editor = app.login_as("editor", &[a["id"].as_str().unwrap()]).await;
    let page: Value = app
        .with_token(&editor)
        .get("/api/v1/audit-events?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let seen = page["items"].as_array().unwrap();
    assert!(!seen.is_empty());
    assert!(seen
        .iter()
        .all(|e| e["organization_ids"].as_array().unwrap().contains(&a["id"])));
    assert!(seen.iter().all(|e| e["resource_id"] != b["id"]));

    let viewer = app.login_as("viewer", &[a["id"].as_str().unwrap()]).await;
    let refused = app.with_token(&viewer).get("/api/v1/audit-events").await;
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    let token = app.with_api_token(&["members:write"], None).await;
    let refused = app
        .with_token(&token)
        .request(Method::GET, "/api/v1/audit-events")
        .header("Accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn events_past_the_retention_period_are_pruned() {
    let first = TestApp::spawn().await;
    let old = uuid::Uuid::now_v7();
    let recent = uuid::Uuid::now_v7();
    let at = |days: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days))
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let insert = |id: uuid::Uuid, at: String| {
        format!(
            "UPDATE event_sequence SET last_position = last_position + 1; \
             INSERT INTO events (id, at, actor_type, resource_type, resource_id, action, position) \
             VALUES ('{id}', '{at}', 'system', 'member', '{id}', 'created', (SELECT last_position FROM event_sequence));"
        )
    };
    first
        .db
        .connect()
        .batch_execute(&format!("{}{}", insert(old, at(40)), insert(recent, at(20))))
        .unwrap();
    assert_eq!(events(&first, &format!("resource_id={old}")).await.len(), 1);

    // A second instance on the same database, keeping 30 days, prunes when it starts.
    let url = first.db.url().to_owned();
    let second = TestApp::spawn_with(TestDb::create(), url, |s| s.audit_retention_days = 30).await;
    let mut remaining = 1;
    for _ in 0..100 {
        remaining = events(&second, &format!("resource_id={old}")).await.len();
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(remaining, 0, "the 40-day-old event is gone");
    assert_eq!(events(&second, &format!("resource_id={recent}")).await.len(), 1);
}
