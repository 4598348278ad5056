//! The change feed: commit order under concurrent writers, what each caller may see, the
//! current representation, long polling, cursors, and API token expiry warnings.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp, TestDb};
use crate::webhooks::{created, verify, Receiver};

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn types(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .map(|i| i["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_reader_sees_every_commit_of_eight_writers_once_and_in_order() {
    let app = Arc::new(TestApp::spawn().await);
    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let app = app.clone();
        writers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(3) {
                let member = app
                    .create_member(person(&format!("نویسنده {w} شماره {}", mine.len())))
                    .await;
                mine.push(member["id"].as_str().unwrap().to_owned());
            }
            mine
        }));
    }
    let reader = {
        let (app, done) = (app.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen: Vec<(String, String)> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let after = cursor.as_ref().map(|c| format!("&after={c}")).unwrap_or_default();
                let page = app
                    .get_json(
                        &format!("/api/v1/events?types=member.created&limit=37&wait=1{after}"),
                        StatusCode::OK,
                    )
                    .await;
                for item in items(&page) {
                    seen.push((
                        item["id"].as_str().unwrap().to_owned(),
                        item["resource_id"].as_str().unwrap().to_owned(),
                    ));
                }
                cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
                if finished && items(&page).is_empty() {
                    return seen;
                }
            }
        })
    };
    let mut written: Vec<Vec<String>> = Vec::new();
    for writer in writers {
        written.push(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let total: usize = written.iter().map(Vec::len).sum();
    assert!(total >= 16, "the writers wrote {total} members");
    let events: HashSet<&String> = seen.iter().map(|(event, _)| event).collect();
    assert_eq!(events.len(), seen.len(), "an event was handed out twice");
    assert_eq!(seen.len(), total, "every committed event, once");
    let resources: Vec<&String> = seen.iter().map(|(_, resource)| resource).collect();
    let all: HashSet<&String> = written.iter().flatten().collect();
    assert_eq!(resources.iter().copied().collect::<HashSet<_>>(), all);
    // Each writer committed one after the other: the feed keeps that order.
    for mine in &written {
        let order: Vec<&String> = resources.iter().copied().filter(|r| mine.contains(r)).collect();
        assert_eq!(order, mine.iter().collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn items_show_the_current_representation_and_deletions_show_id_and_kind() {
    let app = TestApp::spawn().await;
    let organization = app.create_org(org("انجمن نخست")).await;
    let path = format!("/api/v1/organizations/{}", organization["id"].as_str().unwrap());
    let renamed = app
        .patch_json(&path, &json!({"name": "انجمن دیگر"}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let member = app.create_member(person("عضو رفتنی")).await;
    let gone = app
        .delete(&format!("/api/v1/members/{}", member["id"].as_str().unwrap()))
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);

    let page = app
        .get_json(
            "/api/v1/events?types=organization.*,member.created,member.deleted",
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        types(&page),
        [
            "organization.created",
            "organization.updated",
            "member.created",
            "member.deleted"
        ]
    );
    let list = items(&page);
    assert_eq!(list[0]["data"], renamed, "the organization as GET shows it now");
    assert_eq!(list[1]["data"], renamed);
    assert_eq!(list[0]["organization_ids"], json!([organization["id"]]));
    assert_eq!(list[3]["data"], json!({"id": member["id"], "kind": "member"}));
    assert_eq!(list[2]["data"], json!({"id": member["id"], "kind": "member"}));

    // Following the cursor from the middle gives the rest, then nothing.
    let middle = list[1]["cursor"].as_str().unwrap();
    let rest = app
        .get_json(
            &format!("/api/v1/events?types=organization.*,member.*&after={middle}"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(types(&rest), ["member.created", "member.deleted"]);
    let end = rest["next_cursor"].as_str().unwrap();
    let empty = app
        .get_json(&format!("/api/v1/events?after={end}"), StatusCode::OK)
        .await;
    assert!(items(&empty).is_empty());
    assert_eq!(empty["next_cursor"], end);
}

/// A page reads its members together: each item shows its member as `GET` does now,
/// whichever of the page's events it belongs to, and a deleted member as `{id, kind}`.
#[tokio::test]
async fn a_page_of_member_events_shows_each_member_as_it_is_now() {
    let app = TestApp::spawn().await;
    let mut members = Vec::new();
    for name in ["عضو یکم", "عضو دوم", "عضو سوم"] {
        members.push(app.create_member(person(name)).await);
    }
    let path = |member: &Value| format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    for (member, name) in members.iter().zip(["عضو یکم تازه", "عضو دوم تازه"]) {
        let response = app.patch_json(&path(member), &json!({"full_name": name})).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(app.delete(&path(&members[2])).await.status(), StatusCode::NO_CONTENT);

    let page = app.get_json("/api/v1/events?types=member.*", StatusCode::OK).await;
    assert_eq!(
        types(&page),
        [
            "member.created",
            "member.created",
            "member.created",
            "member.updated",
            "member.updated",
            "member.deleted"
        ]
    );
    let list = items(&page);
    for (item, member) in list.iter().zip([0, 1, 2, 0, 1, 2]).map(|(i, m)| (i, &members[m])) {
        assert_eq!(item["resource_id"], member["id"], "{item}");
    }
    for (index, member) in members.iter().take(2).enumerate() {
        let now = app.get_json(&path(member), StatusCode::OK).await;
        assert_eq!(list[index]["data"], now);
        assert_eq!(list[index + 3]["data"], now);
    }
    let gone = json!({"id": members[2]["id"], "kind": "member"});
    assert_eq!(list[2]["data"], gone);
    assert_eq!(list[5]["data"], gone);
}

#[tokio::test]
async fn callers_see_their_organizations_events_and_tokens_their_scopes() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    let b = app.create_org(org("انجمن ب")).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let member = app.create_member(person("عضو مشترک")).await;
    app.add_membership_ok(&a, &member, "member", "2024-01-01", None).await;
    app.add_membership_ok(&b, &member, "member", "2024-01-01", None).await;

    let editor = app.login_as("editor", &[a_id]).await;
    let page = app
        .with_token(&editor)
        .get("/api/v1/events")
        .await
        .json::<Value>()
        .await
        .unwrap();
    let concerned: Vec<Value> = items(&page).iter().map(|i| i["organization_ids"].clone()).collect();
    assert!(!concerned.is_empty());
    assert!(
        concerned
            .iter()
            .all(|o| o.as_array().unwrap().iter().any(|id| id == a_id)),
        "{page}"
    );
    assert!(
        !types(&page).iter().any(|t| t.starts_with("user.")),
        "user events are for administrators"
    );

    let members_only = app.with_api_token(&["members:read"], None).await;
    let page = app
        .with_token(&members_only)
        .get("/api/v1/events")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        types(&page),
        ["member.created", "membership.created", "membership.created"]
    );

    let page = app
        .get_json(&format!("/api/v1/events?organization_id={b_id}"), StatusCode::OK)
        .await;
    assert_eq!(types(&page), ["organization.created", "membership.created"]);
}

#[tokio::test]
async fn bad_feed_requests_are_refused() {
    let app = TestApp::spawn().await;
    app.create_org(org("انجمن یگانه")).await;
    let response = app.get("/api/v1/events?wait=31").await;
    let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    assert_eq!(error_fields(&problem), ["wait"]);
    for limit in [0, 201] {
        let response = app.get(&format!("/api/v1/events?limit={limit}")).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert_eq!(error_fields(&problem), ["limit"], "{limit}");
    }
    let response = app.get("/api/v1/events?types=agreement.signed").await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "unknown_event_type");
    for cursor in [
        "garbage!".to_owned(),
        "bm90IGEgY3Vyc29y".to_owned(),
        URL_SAFE_NO_PAD.encode("hkf1.999999"),
    ] {
        let response = app.get(&format!("/api/v1/events?after={cursor}")).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "invalid_cursor", "{cursor}");
    }
}

#[tokio::test]
async fn a_cursor_past_retention_answers_410() {
    let app = TestApp::spawn().await;
    let first = app.create_org(org("انجمن کهنه")).await;
    app.create_org(org("انجمن نو")).await;
    let page = app
        .get_json("/api/v1/events?types=organization.created", StatusCode::OK)
        .await;
    let old = items(&page)[0]["cursor"].as_str().unwrap().to_owned();
    assert_eq!(items(&page)[0]["resource_id"], first["id"]);
    // What the retention task does to old events, done here for everything up to the second.
    let position: i64 = String::from_utf8(URL_SAFE_NO_PAD.decode(&old).unwrap()).unwrap()[5..]
        .parse()
        .unwrap();
    let mut conn = app.db.connect();
    conn.batch_execute(&format!(
        "DELETE FROM event_organizations WHERE event_id IN (SELECT id FROM events WHERE position <= {});
         DELETE FROM events WHERE position <= {};",
        position + 1,
        position + 1
    ))
    .unwrap();
    let response = app.get(&format!("/api/v1/events?after={old}")).await;
    assert_problem(response, StatusCode::GONE, "cursor_expired").await;
}

#[tokio::test]
async fn a_long_poll_answers_when_an_event_commits() {
    let app = Arc::new(TestApp::spawn().await);
    let end = app.get_json("/api/v1/events", StatusCode::OK).await["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = {
        let app = app.clone();
        tokio::spawn(async move {
            app.get_json(&format!("/api/v1/events?after={end}&wait=20"), StatusCode::OK)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let organization = app.create_org(org("انجمن منتظر")).await;
    let page = waiting.await.unwrap();
    assert_eq!(types(&page), ["organization.created"]);
    assert_eq!(items(&page)[0]["resource_id"], organization["id"]);
}

#[tokio::test]
async fn expiring_tokens_are_announced_once_in_the_feed_and_by_webhook() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let check_often = |s: &mut hamkari_http::Settings| s.webhooks.token_check_every = Duration::from_millis(200);
    let one = TestApp::spawn_with(TestDb::create(), url.clone(), check_often).await;
    let receiver = Receiver::start(&[], 200).await;
    let hook = created(
        &one,
        json!({"url": receiver.url, "event_types": ["api_token.expiring"]}),
    )
    .await;
    let expires_at = (chrono::Utc::now() + chrono::Duration::days(10)).to_rfc3339();
    let response = one
        .post_json(
            "/api/v1/api-tokens",
            &json!({"name": "سامانه رو به پایان", "scopes": ["members:read"], "expires_at": expires_at}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = response.json::<Value>().await.unwrap();
    let two = TestApp::spawn_with(TestDb::create(), url, check_often).await;
    let got = receiver.until("the warning", |got| !got.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let page = two
        .get_json("/api/v1/events?types=api_token.expiring", StatusCode::OK)
        .await;
    assert_eq!(types(&page), ["api_token.expiring"], "written once by two instances");
    assert_eq!(items(&page)[0]["resource_id"], token["id"]);
    assert_eq!(items(&page)[0]["data"]["expires_at"], token["expires_at"]);
    assert_eq!(receiver.received().len(), 1);
    assert!(verify(hook["secret"].as_str().unwrap(), &got[0]));
}
