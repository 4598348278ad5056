//! Shared members: the people organizations have in common, now or on a past day.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};
use crate::organizations::{actions, events_of};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["member"]["full_name"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

struct World {
    a: Value,
    b: Value,
    c: Value,
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Three organizations and people in several of them:
/// - Both Boards: board member of A, board chair of B (current);
/// - Everywhere: plain member of A, B and C (current);
/// - Former: member of A and B until 2020;
/// - Mixed: plain member of A, inspector of B (current; inspectors are not on the board);
/// - Only A: member of A.
async fn world(app: &TestApp) -> World {
    let a = app.create_org(org("انجمن آزمایشگاههای همکار")).await;
    let b = app.create_org(org("جامعه ممیزی و بازرسی")).await;
    let c = app.create_org(org("فدراسیون کیفیت")).await;
    let both_boards = app.create_member(person("Both Boards")).await;
    app.add_membership_ok(&a, &both_boards, "board_member", "2022-01-01", None)
        .await;
    app.add_membership_ok(&b, &both_boards, "board_chair", "2023-01-01", None)
        .await;
    let everywhere = app.create_member(person("Everywhere")).await;
    for o in [&a, &b, &c] {
        app.add_membership_ok(o, &everywhere, "member", "2021-01-01", None)
            .await;
    }
    let former = app.create_member(person("Former")).await;
    app.add_membership_ok(&a, &former, "member", "2015-01-01", Some("2020-01-01"))
        .await;
    app.add_membership_ok(&b, &former, "member", "2016-01-01", Some("2020-01-01"))
        .await;
    let mixed = app.create_member(person("Mixed")).await;
    app.add_membership_ok(&a, &mixed, "member", "2020-01-01", None).await;
    app.add_membership_ok(&b, &mixed, "inspector", "2020-01-01", None).await;
    let only_a = app.create_member(person("Only A")).await;
    app.add_membership_ok(&a, &only_a, "member", "2020-01-01", None).await;
    World { a, b, c }
}

#[tokio::test]
async fn two_organizations_today() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let page = app
        .get_json(
            &format!(
                "/api/v1/shared-members?organization_id={}&organization_id={}",
                id(&w.a),
                id(&w.b)
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(sorted(names(&page)), ["Both Boards", "Everywhere", "Mixed"]);
    // Each item carries the memberships that qualify, with names.
    let both = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["member"]["full_name"] == "Both Boards")
        .unwrap();
    let mut roles: Vec<&str> = both["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["board_chair", "board_member"]);
    assert!(both["memberships"][0]["organization"]["name"].is_string());
    // The same question from A's side.
    let from_a = app
        .get_json(
            &format!("/api/v1/organizations/{}/shared-members?with={}", id(&w.a), id(&w.b)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&from_a), names(&page));
}

#[tokio::test]
async fn three_organizations() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let path = format!(
        "/api/v1/shared-members?organization_id={}&organization_id={}&organization_id={}",
        id(&w.a),
        id(&w.b),
        id(&w.c)
    );
    let page = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(names(&page), ["Everywhere"]);
    assert_eq!(page["items"][0]["memberships"].as_array().unwrap().len(), 3);
    let from_c = app
        .get_json(
            &format!(
                "/api/v1/organizations/{}/shared-members?with={}&with={}",
                id(&w.c),
                id(&w.a),
                id(&w.b)
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&from_c), ["Everywhere"]);
}

#[tokio::test]
async fn as_of_a_past_day() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let base = format!(
        "/api/v1/shared-members?organization_id={}&organization_id={}",
        id(&w.a),
        id(&w.b)
    );
    assert_eq!(
        sorted(names(
            &app.get_json(&format!("{base}&on=2019-06-01"), StatusCode::OK).await
        )),
        ["Former"]
    );
    // The end day still counts; the day after does not.
    assert_eq!(
        sorted(names(
            &app.get_json(&format!("{base}&on=2020-01-01"), StatusCode::OK).await
        )),
        ["Former", "Mixed"]
    );
    assert_eq!(
        sorted(names(
            &app.get_json(&format!("{base}&on=2020-01-02"), StatusCode::OK).await
        )),
        ["Mixed"]
    );
    assert!(names(&app.get_json(&format!("{base}&on=2010-01-01"), StatusCode::OK).await).is_empty());
}

#[tokio::test]
async fn on_both_boards() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let page = app
        .get_json(
            &format!(
                "/api/v1/shared-members?organization_id={}&organization_id={}&role=board",
                id(&w.a),
                id(&w.b)
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&page), ["Both Boards"]);
    let inspectors = app
        .get_json(
            &format!(
                "/api/v1/shared-members?organization_id={}&organization_id={}&role=inspector",
                id(&w.a),
                id(&w.b)
            ),
            StatusCode::OK,
        )
        .await;
    assert!(names(&inspectors).is_empty(), "nobody is an inspector of both");
}

#[tokio::test]
async fn without_organizations_anyone_in_two_or_more() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let page = app.get_json("/api/v1/shared-members", StatusCode::OK).await;
    assert_eq!(sorted(names(&page)), ["Both Boards", "Everywhere", "Mixed"]);
    let board = app.get_json("/api/v1/shared-members?role=board", StatusCode::OK).await;
    assert_eq!(names(&board), ["Both Boards"]);
}

#[tokio::test]
async fn pages_of_shared_members() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن یک")).await,
        app.create_org(org("انجمن دو")).await,
    );
    let mut expected = Vec::new();
    for i in 0..5 {
        let m = app.create_member(person(&format!("Shared {i}"))).await;
        app.add_membership_ok(&a, &m, "member", "2020-01-01", None).await;
        app.add_membership_ok(&b, &m, "member", "2020-01-01", None).await;
        expected.push(format!("Shared {i}"));
    }
    let mut seen = Vec::new();
    let mut path = format!(
        "/api/v1/shared-members?organization_id={}&organization_id={}&limit=2",
        id(&a),
        id(&b)
    );
    loop {
        let response = app.get(&path).await;
        let link = response.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        seen.extend(names(&page));
        match link {
            Some(link) => path = link.trim_start_matches('<').split('>').next().unwrap().to_owned(),
            None => break,
        }
    }
    // Member ids are time-ordered, so id order is creation order.
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn bad_questions_are_400() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن تنها")).await;
    let problem = assert_problem(
        app.get(&format!("/api/v1/shared-members?organization_id={}", id(&a)))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let unknown = format!(
        "/api/v1/shared-members?organization_id={}&organization_id=019a0000-0000-7000-8000-000000000000",
        id(&a)
    );
    let problem = assert_problem(
        app.get(&unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let problem = assert_problem(
        app.get("/api/v1/shared-members?role=chief").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["role"]);
    let problem = assert_problem(
        app.get("/api/v1/shared-members?on=yesterday").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["on"]);
    let problem = assert_problem(
        app.get(&format!("/api/v1/organizations/{}/shared-members", id(&a)))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["with"]);
    // Present, but naming only the organization asked from: well-formed, unusable.
    let problem = assert_problem(
        app.get(&format!(
            "/api/v1/organizations/{}/shared-members?with={}",
            id(&a),
            id(&a)
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["with"]);
}

/// The organizations are looked up only when nobody is shared (a shared member proves they
/// exist), so an unknown one must still be named whatever else the question holds.
#[tokio::test]
async fn an_unknown_organization_is_named_on_an_empty_page() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let unknown = "019a0000-0000-7000-8000-000000000000";
    // Known organizations with nobody in common on that day: an empty page, not an error.
    let page = app
        .get_json(
            &format!(
                "/api/v1/shared-members?organization_id={}&organization_id={}&on=2010-01-01",
                id(&w.a),
                id(&w.c)
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&page), Vec::<String>::new());
    // A's people are real, but none can be current in an organization that does not exist.
    let problem = assert_problem(
        app.get(&format!(
            "/api/v1/shared-members?organization_id={}&organization_id={unknown}&role=board",
            id(&w.a)
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let problem = assert_problem(
        app.get(&format!(
            "/api/v1/organizations/{}/shared-members?with={unknown}",
            id(&w.b)
        ))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["with"]);
    // Asked from an organization that does not exist: 404, before an unknown one in `with`.
    for with in [id(&w.a), "019a0000-0000-7000-8000-000000000001"] {
        assert_problem(
            app.get(&format!("/api/v1/organizations/{unknown}/shared-members?with={with}"))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    // And the known ones still answer, from either side.
    let page = app
        .get_json(
            &format!("/api/v1/organizations/{}/shared-members?with={}", id(&w.b), id(&w.c)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&page), ["Everywhere"]);
}

#[tokio::test]
async fn adding_another_organizations_member_gives_no_rights_over_them() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن الف")).await,
        app.create_org(org("انجمن ب")).await,
    );
    let member = app.create_member(person("عضو ب")).await;
    let theirs = app.add_membership_ok(&b, &member, "member", "2020-01-01", None).await;
    let editor = app.login_as("editor", &[id(&a)]).await;
    let client = app.with_token(&editor);

    // A's editor may record that B's member belongs to A too…
    let body = serde_json::json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"});
    let added = client
        .post_json(&format!("/api/v1/organizations/{}/memberships", id(&a)), &body)
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let ours: Value = added.json().await.unwrap();

    // …but not change the person, nor delete them with B's membership.
    let path = format!("/api/v1/members/{}", id(&member));
    assert_problem(
        client
            .patch_json(&path, &serde_json::json!({"expertise": "ممیزی"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        client.delete(&format!("{path}?force=true")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let their_path = format!("/api/v1/memberships/{}", id(&theirs));
    app.get_json(&their_path, StatusCode::OK).await;
    assert_eq!(actions(&events_of(&app, id(&member)).await), ["created"]);

    // An administrator may; each membership that goes with the member has its event.
    let patched = app.patch_json(&path, &serde_json::json!({"expertise": "ممیزی"})).await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&format!("{path}?force=true")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&their_path).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        actions(&events_of(&app, id(&member)).await),
        ["created", "updated", "deleted"]
    );
    for (membership, org) in [(&theirs, &b), (&ours, &a)] {
        let events = events_of(&app, id(membership)).await;
        assert_eq!(actions(&events), ["created", "deleted"]);
        let deleted = &events[1];
        assert_eq!(deleted["resource_type"], "membership");
        assert_eq!(deleted["organization_ids"], serde_json::json!([id(org)]));
        assert_eq!(deleted["before"]["member_id"], member["id"]);
        assert_eq!(deleted["after"], Value::Null);
    }
}
