//! Meetings: the founding story (a joint board meeting of two associations, attendees from
//! both, minutes finalized, three resolutions with action items, overdue items per
//! organization, the calendar feed), and bad input that changes nothing.

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};

pub(crate) fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

fn at(hours_from_now: i64) -> String {
    (Utc::now() + Duration::hours(hours_from_now)).to_rfc3339()
}

pub(crate) async fn ok(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// Two associations, each with a board member.
pub(crate) struct Founders {
    pub a: Value,
    pub b: Value,
    pub alice: Value,
    pub bahram: Value,
}

pub(crate) async fn founders(app: &TestApp) -> Founders {
    let a = app.create_org(org("انجمن آزمایشگاه‌ها")).await;
    let b = app.create_org(org("انجمن بازرسی")).await;
    let alice = app.create_member(person("آلاله احمدی")).await;
    let bahram = app.create_member(person("بهرام بهرامی")).await;
    app.add_membership_ok(&a, &alice, "board_member", "2024-01-01", None)
        .await;
    app.add_membership_ok(&b, &bahram, "board_member", "2024-01-01", None)
        .await;
    Founders { a, b, alice, bahram }
}

/// A joint board meeting of A and B that began two hours ago.
pub(crate) async fn board_meeting(app: &TestApp, f: &Founders) -> Value {
    ok(
        app.post_json(
            "/api/v1/meetings",
            &json!({"title": "نشست مشترک هیئت‌مدیره‌ها", "kind": "board", "starts_at": at(-2), "ends_at": at(-1),
                    "place": "تهران، دفتر انجمن", "organization_ids": [f.a["id"], f.b["id"]]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

pub(crate) async fn hold(app: &TestApp, meeting: &Value) -> Value {
    let path = format!("/api/v1/meetings/{}", id(meeting));
    let minutes = json!({"text": "هیئت‌مدیره‌های دو انجمن گرد آمدند و همکاری را تصویب کردند."});
    ok(
        app.request(Method::PUT, &format!("{path}/minutes"))
            .json(&minutes)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    ok(
        app.post_json(&format!("{path}/minutes/finalize"), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    ok(
        app.post_json(&format!("{path}/transitions"), &json!({"to": "held"}))
            .await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn the_founding_board_meeting() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let meeting = board_meeting(&app, &f).await;
    assert_eq!(meeting["status"], "scheduled");
    assert_eq!(meeting["time_zone"], "Asia/Tehran");
    assert_eq!(meeting["organization_ids"].as_array().unwrap().len(), 2);
    let path = format!("/api/v1/meetings/{}", id(&meeting));

    // The agenda, replaced whole.
    let agenda = json!({"items": [{"title": "تشکیل کارگروه‌ها"}, {"title": "پروژه‌های مشترک", "notes": "پژوهشی، نظارتی، آموزشی"}, {"title": "نشست‌های بعدی"}]});
    let put = app
        .request(Method::PUT, &format!("{path}/agenda"))
        .json(&agenda)
        .send()
        .await
        .unwrap();
    assert_eq!(put.headers()["etag"], "\"2\"");
    assert_eq!(ok(put, StatusCode::OK).await, agenda_with_nulls(&agenda));

    // Attendees from both associations.
    for (member, organization) in [(&f.alice, &f.a), (&f.bahram, &f.b)] {
        let attendee = ok(
            app.request(Method::PUT, &format!("{path}/attendees/{}", id(member)))
                .json(&json!({"organization_id": organization["id"], "status": "present"}))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(attendee["status"], "present");
    }
    let attendees = app.get_json(&format!("{path}/attendees"), StatusCode::OK).await;
    assert_eq!(attendees["items"].as_array().unwrap().len(), 2);

    // Held only with finalized minutes.
    let early = app
        .post_json(&format!("{path}/transitions"), &json!({"to": "held"}))
        .await;
    assert_problem(early, StatusCode::CONFLICT, "minutes_not_finalized").await;
    let held = hold(&app, &meeting).await;
    assert_eq!(held["status"], "held");
    assert!(held["minutes_finalized_at"].is_string());

    // Three resolutions, numbered in order, with action items.
    let texts = [
        "تشکیل کارگروه‌های تخصصی مشترک",
        "تعریف پروژه‌های مشترک پژوهشی، نظارتی و آموزشی",
        "برگزاری نشست‌های بعدی در موضوعات تخصصی و عمومی",
    ];
    let yesterday = (Utc::now() - Duration::days(1)).date_naive().to_string();
    let next_month = (Utc::now() + Duration::days(30)).date_naive().to_string();
    for (n, text) in texts.iter().enumerate() {
        let resolution = ok(
            app.post_json(
                &format!("{path}/resolutions"),
                &json!({"text": text, "outcome": "adopted",
                        "votes": [{"organization_id": f.a["id"], "vote": "in_favour"}, {"organization_id": f.b["id"], "vote": "in_favour"}]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(resolution["number"], n + 1);
        // A's item on the first resolution is overdue; the others are not.
        let (owner, organization, due) = match n {
            0 => (&f.alice, &f.a, &yesterday),
            1 => (&f.bahram, &f.b, &yesterday),
            _ => (&f.alice, &f.a, &next_month),
        };
        let item = ok(
            app.post_json(
                &format!("/api/v1/resolutions/{}/action-items", id(&resolution)),
                &json!({"what": format!("پیگیری مصوبه {}", n + 1), "owner_id": owner["id"], "organization_id": organization["id"], "due_on": due}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(item["status"], "open");
    }
    let resolutions = app.get_json(&format!("{path}/resolutions"), StatusCode::OK).await;
    let resolutions = resolutions["items"].as_array().unwrap();
    assert_eq!(resolutions.len(), 3);
    assert!(resolutions
        .iter()
        .all(|r| r["action_items"].as_array().unwrap().len() == 1));
    assert_eq!(resolutions[1]["votes"].as_array().unwrap().len(), 2);

    // What each association owes and is late on.
    for (organization, expected) in [(&f.a, "پیگیری مصوبه 1"), (&f.b, "پیگیری مصوبه 2")] {
        let page = app
            .get_json(
                &format!("/api/v1/action-items?organization_id={}&overdue=true", id(organization)),
                StatusCode::OK,
            )
            .await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        assert_eq!(items[0]["what"], expected);
        assert_eq!(items[0]["overdue"], true);
    }
    let a_all = app
        .get_json(
            &format!("/api/v1/action-items?organization_id={}", id(&f.a)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(a_all["items"].as_array().unwrap().len(), 2);
    // Done is no longer overdue.
    let late = app
        .get_json(
            &format!("/api/v1/action-items?organization_id={}&overdue=true", id(&f.a)),
            StatusCode::OK,
        )
        .await;
    let late_path = format!("/api/v1/action-items/{}", late["items"][0]["id"].as_str().unwrap());
    let done = ok(
        app.post_json(&format!("{late_path}/transitions"), &json!({"to": "done"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (done["status"].as_str(), done["overdue"].as_bool()),
        (Some("done"), Some(false))
    );
    let again = app
        .post_json(&format!("{late_path}/transitions"), &json!({"to": "dropped"}))
        .await;
    assert_problem(again, StatusCode::CONFLICT, "illegal_transition").await;
    let late = app
        .get_json(
            &format!("/api/v1/action-items?organization_id={}&overdue=true", id(&f.a)),
            StatusCode::OK,
        )
        .await;
    assert!(late["items"].as_array().unwrap().is_empty());

    // Listed under either association.
    let listed = app
        .get_json(
            &format!("/api/v1/meetings?organization_id={}&status=held", id(&f.b)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

fn agenda_with_nulls(agenda: &Value) -> Value {
    let items: Vec<Value> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"title": i["title"], "notes": i.get("notes").cloned().unwrap_or(Value::Null)}))
        .collect();
    json!({ "items": items })
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let outsider_org = app.create_org(org("انجمن بیرونی")).await;
    let outsider = app.create_member(person("کاوه بیرونی")).await;
    app.add_membership_ok(&outsider_org, &outsider, "board_member", "2024-01-01", None)
        .await;

    // A meeting ending before it starts; one host only.
    let backwards = app
        .post_json(
            "/api/v1/meetings",
            &json!({"title": "نشست", "kind": "board", "starts_at": at(2), "ends_at": at(1), "organization_ids": [f.a["id"], f.b["id"]]}),
        )
        .await;
    let problem = assert_problem(backwards, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["ends_at"]);
    let alone = app
        .post_json(
            "/api/v1/meetings",
            &json!({"title": "نشست", "kind": "board", "starts_at": "2026-12-10T10:00:00+03:30", "ends_at": "2026-12-10T12:00:00+03:30", "organization_ids": [f.a["id"]]}),
        )
        .await;
    let problem = assert_problem(alone, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_ids"]);
    let listed = app.get_json("/api/v1/meetings", StatusCode::OK).await;
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");

    let meeting = board_meeting(&app, &f).await;
    let path = format!("/api/v1/meetings/{}", id(&meeting));
    // An attendee from no participating organization, or not of the one named.
    let stranger = app
        .request(Method::PUT, &format!("{path}/attendees/{}", id(&outsider)))
        .json(&json!({"organization_id": outsider_org["id"], "status": "present"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(stranger, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "not_participating");
    let impostor = app
        .request(Method::PUT, &format!("{path}/attendees/{}", id(&outsider)))
        .json(&json!({"organization_id": f.a["id"], "status": "present"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(impostor, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "not_a_member");
    // …but a guest is welcome.
    let guest = app
        .request(Method::PUT, &format!("{path}/attendees/{}", id(&outsider)))
        .json(&json!({"status": "guest"}))
        .send()
        .await
        .unwrap();
    ok(guest, StatusCode::OK).await;
    let attendees = app.get_json(&format!("{path}/attendees"), StatusCode::OK).await;
    assert_eq!(attendees["items"].as_array().unwrap().len(), 1);

    // A resolution on a meeting that is not held.
    let early = app
        .post_json(
            &format!("{path}/resolutions"),
            &json!({"text": "زودهنگام", "outcome": "adopted"}),
        )
        .await;
    assert_problem(early, StatusCode::CONFLICT, "meeting_not_held").await;
    let resolutions = app.get_json(&format!("{path}/resolutions"), StatusCode::OK).await;
    assert!(resolutions["items"].as_array().unwrap().is_empty());

    // Minutes of a meeting that has not begun.
    let future = ok(
        app.post_json(
            "/api/v1/meetings",
            &json!({"title": "نشست آینده", "kind": "general", "starts_at": at(24), "ends_at": at(26), "organization_ids": [f.a["id"], f.b["id"]]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let not_yet = app
        .request(Method::PUT, &format!("/api/v1/meetings/{}/minutes", id(&future)))
        .json(&json!({"text": "پیش از آغاز"}))
        .send()
        .await
        .unwrap();
    assert_problem(not_yet, StatusCode::CONFLICT, "meeting_not_started").await;
    let unchanged = app
        .get_json(&format!("/api/v1/meetings/{}", id(&future)), StatusCode::OK)
        .await;
    assert_eq!(
        (unchanged["version"].as_i64(), unchanged["minutes"].clone()),
        (Some(1), Value::Null)
    );

    // Changing finalized minutes.
    let held = hold(&app, &meeting).await;
    let rewrite = app
        .request(Method::PUT, &format!("{path}/minutes"))
        .json(&json!({"text": "متن دیگر"}))
        .send()
        .await
        .unwrap();
    assert_problem(rewrite, StatusCode::CONFLICT, "minutes_finalized").await;
    let twice = app.post_json(&format!("{path}/minutes/finalize"), &json!({})).await;
    assert_problem(twice, StatusCode::CONFLICT, "minutes_finalized").await;
    let after = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(
        (&after["minutes"], &after["version"]),
        (&held["minutes"], &held["version"])
    );

    // An owner or organization from outside the meeting.
    let resolution = ok(
        app.post_json(
            &format!("{path}/resolutions"),
            &json!({"text": "مصوبه", "outcome": "deferred"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let items_path = format!("/api/v1/resolutions/{}/action-items", id(&resolution));
    let foreign_owner = app
        .post_json(
            &items_path,
            &json!({"what": "کار", "owner_id": outsider["id"], "organization_id": f.a["id"], "due_on": "2027-01-01"}),
        )
        .await;
    let problem = assert_problem(foreign_owner, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["owner_id"]);
    let foreign_org = app
        .post_json(
            &items_path,
            &json!({"what": "کار", "owner_id": f.alice["id"], "organization_id": outsider_org["id"], "due_on": "2027-01-01"}),
        )
        .await;
    let problem = assert_problem(foreign_org, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let items = app.get_json("/api/v1/action-items", StatusCode::OK).await;
    assert!(items["items"].as_array().unwrap().is_empty());

    // A held meeting changes no more, and is not deleted.
    let late_edit = app.patch_json(&path, &json!({"title": "عنوان دیگر"})).await;
    assert_problem(late_edit, StatusCode::CONFLICT, "meeting_not_scheduled").await;
    assert_problem(app.delete(&path).await, StatusCode::CONFLICT, "meeting_not_scheduled").await;
    let stale = app
        .request(Method::PATCH, &format!("/api/v1/meetings/{}", id(&future)))
        .header("If-Match", "\"7\"")
        .json(&json!({"title": "عنوان دیگر"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
}

#[tokio::test]
async fn parallel_resolutions_take_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let meeting = board_meeting(&app, &f).await;
    hold(&app, &meeting).await;
    let path = format!("/api/v1/meetings/{}/resolutions", id(&meeting));
    let bodies: Vec<Value> = (0..8)
        .map(|i| json!({"text": format!("مصوبه {i}"), "outcome": "adopted"}))
        .collect();
    let responses = join_all(bodies.iter().map(|b| app.post_json(&path, b))).await;
    let mut numbers = Vec::new();
    for response in responses {
        numbers.push(ok(response, StatusCode::CREATED).await["number"].as_i64().unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());
}

/// What `seed-demo` loads of the founding case's governance (called by the CLI test).
pub async fn check_seeded_governance(admin: &crate::helpers::Client<'_>, labs: &str, audit: &str) {
    let get = |path: String| async move {
        let response = admin.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json::<Value>().await.unwrap()
    };
    let meetings = get(format!("/api/v1/meetings?organization_id={labs}&status=held")).await;
    let meetings = meetings["items"].as_array().unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0]["organization_ids"].as_array().unwrap().len(), 2);
    assert!(meetings[0]["minutes_finalized_at"].is_string());
    let meeting = id(&meetings[0]);
    let attendees = get(format!("/api/v1/meetings/{meeting}/attendees")).await;
    let represented: Vec<&str> = attendees["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["organization_id"].as_str().unwrap())
        .collect();
    assert!(represented.contains(&labs) && represented.contains(&audit));
    let resolutions = get(format!("/api/v1/meetings/{meeting}/resolutions")).await;
    let numbers: Vec<i64> = resolutions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    let overdue = get(format!("/api/v1/action-items?organization_id={audit}&overdue=true")).await;
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1, "{overdue}");
    let calendar = admin.get(&format!("/api/v1/organizations/{audit}/meetings.ics")).await;
    assert!(calendar.text().await.unwrap().contains("STATUS:CONFIRMED"));
}
