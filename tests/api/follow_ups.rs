//! Follow-ups across the cooperation: `GET /api/v1/action-items` by owner, meeting, status
//! and due day, so each association can see what it owes and when.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};
use crate::meetings::{board_meeting, founders, hold, id, ok};

fn day(days_from_today: i64) -> String {
    (Utc::now() + Duration::days(days_from_today)).date_naive().to_string()
}

async fn whats(app: &TestApp, query: &str) -> Vec<String> {
    let page = app
        .get_json(&format!("/api/v1/action-items?{query}"), StatusCode::OK)
        .await;
    let mut whats: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["what"].as_str().unwrap().to_owned())
        .collect();
    whats.sort();
    whats
}

#[tokio::test]
async fn action_items_filter_by_owner_meeting_status_and_due_day() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let meeting = board_meeting(&app, &f).await;
    hold(&app, &meeting).await;
    let other = board_meeting(&app, &f).await;
    hold(&app, &other).await;
    let resolution = |meeting: &Value| {
        let path = format!("/api/v1/meetings/{}/resolutions", id(meeting));
        let app = &app;
        async move {
            ok(
                app.post_json(&path, &json!({"text": "پیگیری همکاری", "outcome": "adopted"}))
                    .await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let (first, second) = (resolution(&meeting).await, resolution(&other).await);
    let items = [
        ("late", &first, &f.alice, &f.a, day(-10)),
        ("soon", &first, &f.bahram, &f.b, day(5)),
        ("later", &second, &f.alice, &f.a, day(40)),
    ];
    let mut ids = Vec::new();
    for (what, resolution, owner, organization, due) in &items {
        let item = ok(
            app.post_json(
                &format!("/api/v1/resolutions/{}/action-items", id(resolution)),
                &json!({"what": what, "owner_id": owner["id"], "organization_id": organization["id"], "due_on": due}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        ids.push(item["id"].as_str().unwrap().to_owned());
    }

    assert_eq!(
        whats(&app, &format!("owner_id={}", id(&f.alice))).await,
        ["late", "later"]
    );
    assert_eq!(whats(&app, &format!("owner_id={}", id(&f.bahram))).await, ["soon"]);
    assert_eq!(
        whats(&app, &format!("meeting_id={}", id(&meeting))).await,
        ["late", "soon"]
    );
    assert_eq!(whats(&app, &format!("meeting_id={}", id(&other))).await, ["later"]);
    // Due days are exclusive bounds.
    assert_eq!(whats(&app, &format!("due_before={}", day(0))).await, ["late"]);
    assert_eq!(whats(&app, &format!("due_after={}", day(5))).await, ["later"]);
    assert_eq!(
        whats(&app, &format!("due_after={}&due_before={}", day(-10), day(41))).await,
        ["later", "soon"]
    );
    assert_eq!(
        whats(&app, &format!("due_before={}&organization_id={}", day(41), id(&f.a))).await,
        ["late", "later"]
    );

    ok(
        app.post_json(
            &format!("/api/v1/action-items/{}/transitions", ids[1]),
            &json!({"to": "dropped", "reason": "دیگر لازم نیست"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(whats(&app, "status=open").await, ["late", "later"]);
    assert_eq!(whats(&app, "status=dropped").await, ["soon"]);
    assert!(whats(&app, "status=done").await.is_empty());

    // A filter the list does not know, or a day no calendar has, is refused.
    assert_problem(
        app.get("/api/v1/action-items?status=finished").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/api/v1/action-items?due_before=2026-02-30").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}
