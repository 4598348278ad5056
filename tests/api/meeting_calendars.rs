//! The meetings' iCalendar feeds, read by a real iCalendar parser as a calendar client would:
//! stable `UID`s, `SEQUENCE` following changes, cancelled meetings, the `?token=` credential.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_problem, TestApp};
use crate::meetings::{founders, id, ok};

#[tokio::test]
async fn calendar_feeds_parse_and_follow_changes() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let group = ok(
        app.post_json(
            "/api/v1/working-groups",
            &json!({"name": "کارگروه تخصصی واسنجی", "scope": "specialized", "organization_ids": [f.a["id"], f.b["id"]]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let title = "نشست کارگروه واسنجی، دور نخست؛ با بررسی پیشنهادهای هر دو انجمن دربارهٔ روش‌های واسنجی";
    let meeting = ok(
        app.post_json(
            "/api/v1/meetings",
            &json!({"title": title, "kind": "working_group", "starts_at": "2026-12-10T10:00:00+03:30",
                    "ends_at": "2026-12-10T12:00:00+03:30", "online_url": "https://meet.example.org/calibration",
                    "working_group_id": group["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(meeting["organization_ids"].as_array().unwrap().len(), 2);
    let cancelled = ok(
        app.post_json(
            &format!("/api/v1/meetings/{}/transitions", id(&meeting)),
            &json!({"to": "cancelled", "reason": "هم‌زمانی با تعطیلی"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["version"], 2);

    let token = app.with_api_token(&["meetings:read"], None).await;
    let wrong_scope = app.with_api_token(&["projects:read"], None).await;
    for feed in [
        format!("/api/v1/working-groups/{}/meetings.ics", id(&group)),
        format!("/api/v1/organizations/{}/meetings.ics", id(&f.b)),
    ] {
        // A calendar client without headers passes the token in the URL.
        let response = app.anonymous().get(&format!("{feed}?token={token}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        let text = response.text().await.unwrap();
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for physical in text.split("\r\n") {
            assert!(physical.len() <= 75 && !physical.contains('\n'), "{physical:?}");
        }
        let calendar = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
            .next()
            .expect("one calendar")
            .expect("a calendar the parser reads");
        assert_eq!(calendar.events.len(), 1);
        let property = |name: &str| {
            calendar.events[0]
                .properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(property("UID"), format!("{}@hamkari", id(&meeting)));
        assert_eq!(property("SEQUENCE"), "1");
        assert_eq!(property("STATUS"), "CANCELLED");
        assert_eq!(property("DTSTART"), "20261210T063000Z");
        assert_eq!(property("DTEND"), "20261210T083000Z");
        assert_eq!(property("URL"), "https://meet.example.org/calibration");
        assert_eq!(property("SUMMARY").replace("\\,", ",").replace("\\;", ";"), title);

        // The same feed with the token as a header; a token without the scope is refused.
        assert_eq!(app.with_token(&token).get(&feed).await.status(), StatusCode::OK);
        let refused = app.anonymous().get(&format!("{feed}?token={wrong_scope}")).await;
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
        let bogus = app.anonymous().get(&format!("{feed}?token=hk_not_a_token")).await;
        assert_problem(bogus, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    // The query token is only for the feeds.
    let elsewhere = app.anonymous().get(&format!("/api/v1/meetings?token={token}")).await;
    assert_problem(elsewhere, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let missing = format!("/api/v1/organizations/{}/meetings.ics", uuid::Uuid::now_v7());
    assert_problem(
        app.with_token(&token).get(&missing).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
