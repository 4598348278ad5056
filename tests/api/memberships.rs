//! Memberships: terms, the one-role and one-chair rules, lists, and who may change them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};
use crate::organizations::{actions, events_of};

#[tokio::test]
async fn a_membership_embeds_both_names() {
    let app = TestApp::spawn().await;
    let a = app
        .create_org(json!({"name": "جامعه ممیزی و بازرسی ایران", "name_en": "Audit Society", "kind": "society"}))
        .await;
    let member = app
        .create_member(json!({"full_name": "علی رضایی", "full_name_en": "Ali Rezaei"}))
        .await;
    let response = app
        .add_membership(&a, &member, "board_member", "2024-03-20", None)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["member"],
        json!({"id": member["id"], "full_name": "علی رضایی", "full_name_en": "Ali Rezaei"})
    );
    assert_eq!(body["organization"]["name"], "جامعه ممیزی و بازرسی ایران");
    assert_eq!(body["organization"]["slug"], "audit-society");
    assert_eq!(
        (body["role"].as_str(), body["current"].as_bool()),
        (Some("board_member"), Some(true))
    );
    assert_eq!(body["ends_on"], Value::Null);
    assert_eq!(app.get_json(&location, StatusCode::OK).await, body);
}

#[tokio::test]
async fn terms_are_validated() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن دوره")).await;
    let member = app.create_member(person("عضو دوره")).await;
    let problem = assert_problem(
        app.add_membership(&a, &member, "member", "2024-01-02", Some("2024-01-01"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["ends_on"]);
    let path = format!("/api/v1/organizations/{}/memberships", a["id"].as_str().unwrap());
    let response = app
        .post_json(
            &path,
            &json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01", "end_reason": "استعفا"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["end_reason"]);
    let response = app
        .post_json(
            &path,
            &json!({"member_id": "019a0000-0000-7000-8000-000000000000", "role": "member", "starts_on": "2024-01-01"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["member_id"]);
    let response = app
        .post_json(
            &path,
            &json!({"member_id": member["id"], "role": "president", "starts_on": "2024-01-01"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["role"]);
    let response = app
        .post_json(
            "/api/v1/organizations/019a0000-0000-7000-8000-000000000000/memberships",
            &json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"}),
        )
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let listed = app
        .get_json(
            &format!("/api/v1/members/{}/memberships", member["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn one_open_membership_per_person_organization_and_role() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن یکتا")).await;
    let member = app.create_member(person("عضو یکتا")).await;
    let first = app.add_membership_ok(&a, &member, "member", "2020-01-01", None).await;
    let problem = assert_problem(
        app.add_membership(&a, &member, "member", "2025-01-01", None).await,
        StatusCode::CONFLICT,
        "duplicate_membership",
    )
    .await;
    assert_eq!(error_fields(&problem), ["role"]);
    // Another role is fine; so is the same role after the first term ended.
    app.add_membership_ok(&a, &member, "inspector", "2025-01-01", None)
        .await;
    let path = format!("/api/v1/memberships/{}", first["id"].as_str().unwrap());
    let ended: Value = app
        .patch_json(&path, &json!({"ends_on": "2024-12-31", "end_reason": "پایان دوره"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ended["current"].as_bool(), ended["version"].as_i64()),
        (Some(false), Some(2))
    );
    app.add_membership_ok(&a, &member, "member", "2025-01-01", None).await;
    // Reopening the first would overlap the second.
    assert_problem(
        app.patch_json(&path, &json!({"ends_on": null})).await,
        StatusCode::CONFLICT,
        "duplicate_membership",
    )
    .await;
}

#[tokio::test]
async fn an_organization_has_one_board_chair_at_a_time() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن رئیس")).await,
        app.create_org(org("انجمن دیگر")).await,
    );
    let (first, second) = (
        app.create_member(person("رئیس اول")).await,
        app.create_member(person("رئیس دوم")).await,
    );
    let chair = app
        .add_membership_ok(&a, &first, "board_chair", "2022-01-01", None)
        .await;
    assert_problem(
        app.add_membership(&a, &second, "board_chair", "2024-01-01", None).await,
        StatusCode::CONFLICT,
        "board_chair_taken",
    )
    .await;
    // Not even for a past term that overlaps.
    assert_problem(
        app.add_membership(&a, &second, "board_chair", "2021-06-01", Some("2022-06-01"))
            .await,
        StatusCode::CONFLICT,
        "board_chair_taken",
    )
    .await;
    // Before the chair's term, or in another organization, is fine.
    app.add_membership_ok(&a, &second, "board_chair", "2019-01-01", Some("2021-12-31"))
        .await;
    app.add_membership_ok(&b, &second, "board_chair", "2024-01-01", None)
        .await;
    // A vice chair is not a chair; promoting them while the chair sits is refused.
    let vice = app
        .add_membership_ok(&a, &second, "board_vice_chair", "2024-01-01", None)
        .await;
    let vice_path = format!("/api/v1/memberships/{}", vice["id"].as_str().unwrap());
    assert_problem(
        app.patch_json(&vice_path, &json!({"role": "board_chair"})).await,
        StatusCode::CONFLICT,
        "board_chair_taken",
    )
    .await;
    // Once the chair's term ends, a successor can take over.
    let chair_path = format!("/api/v1/memberships/{}", chair["id"].as_str().unwrap());
    let response = app
        .request(Method::PATCH, &chair_path)
        .header("If-Match", "\"1\"")
        .json(&json!({"ends_on": "2025-12-31"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.add_membership_ok(
        &a,
        &app.create_member(person("رئیس سوم")).await,
        "board_chair",
        "2026-01-01",
        None,
    )
    .await;
}

#[tokio::test]
async fn lists_by_organization_and_by_member() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن فهرست")).await,
        app.create_org(org("انجمن دوم")).await,
    );
    let member = app.create_member(person("عضو دوگانه")).await;
    let other = app.create_member(person("عضو دیگر")).await;
    app.add_membership_ok(&a, &member, "board_member", "2020-01-01", None)
        .await;
    app.add_membership_ok(&b, &member, "secretary", "2015-01-01", Some("2018-01-01"))
        .await;
    app.add_membership_ok(&a, &other, "member", "2021-01-01", None).await;

    let a_path = format!("/api/v1/organizations/{}/memberships", a["id"].as_str().unwrap());
    assert_eq!(
        app.get_json(&a_path, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let boards = app
        .get_json(&format!("{a_path}?role=board_member"), StatusCode::OK)
        .await;
    assert_eq!(boards["items"][0]["member"]["full_name"], "عضو دوگانه");
    assert_eq!(boards["items"].as_array().unwrap().len(), 1);
    let paged = app.get_json(&format!("{a_path}?limit=1"), StatusCode::OK).await;
    let cursor = paged["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json(&format!("{a_path}?limit=1&cursor={cursor}"), StatusCode::OK)
        .await;
    assert_ne!(rest["items"][0]["id"], paged["items"][0]["id"]);

    let mine = format!("/api/v1/members/{}/memberships", member["id"].as_str().unwrap());
    let all = app.get_json(&mine, StatusCode::OK).await;
    let mut orgs: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["organization"]["name"].as_str().unwrap())
        .collect();
    orgs.sort();
    assert_eq!(orgs, ["انجمن دوم", "انجمن فهرست"]);
    assert_eq!(
        app.get_json(&format!("{mine}?current=true"), StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get_json(&format!("{mine}?on=2016-06-01"), StatusCode::OK).await["items"][0]["role"],
        "secretary"
    );
    assert_problem(
        app.get("/api/v1/members/019a0000-0000-7000-8000-000000000000/memberships")
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn editors_and_bound_tokens_manage_only_their_organizations_memberships() {
    let app = TestApp::spawn().await;
    let (ours, theirs) = (
        app.create_org(org("انجمن خودی")).await,
        app.create_org(org("انجمن غیر")).await,
    );
    let member = app.create_member(person("عضو مشترک")).await;
    let their_membership = app
        .add_membership_ok(&theirs, &member, "member", "2020-01-01", None)
        .await;
    let their_path = format!("/api/v1/memberships/{}", their_membership["id"].as_str().unwrap());

    let editor = app.login_as("editor", &[ours["id"].as_str().unwrap()]).await;
    let token = app
        .with_api_token(&["members:write"], Some(ours["id"].as_str().unwrap()))
        .await;
    for credential in [&editor, &token] {
        let client = app.with_token(credential);
        let body = json!({"member_id": member["id"], "role": "inspector", "starts_on": "2024-01-01"});
        let response = client
            .post_json(
                &format!("/api/v1/organizations/{}/memberships", theirs["id"].as_str().unwrap()),
                &body,
            )
            .await;
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(
            client.patch_json(&their_path, &json!({"ends_on": "2024-01-01"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_problem(client.delete(&their_path).await, StatusCode::FORBIDDEN, "forbidden").await;
        // Reading is fine.
        assert_eq!(client.get(&their_path).await.status(), StatusCode::OK);
    }
    // Their own organization is theirs to manage.
    let client = app.with_token(&editor);
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "2024-01-01"});
    let response = client
        .post_json(
            &format!("/api/v1/organizations/{}/memberships", ours["id"].as_str().unwrap()),
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let created_path = format!("/api/v1/memberships/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.with_token(&token).delete(&created_path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get_json(&their_path, StatusCode::OK).await["ends_on"], Value::Null);
}

#[tokio::test]
async fn an_organization_with_members_is_not_deleted() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن با سابقه")).await;
    app.add_membership_ok(
        &a,
        &app.create_member(person("عضو سابقه")).await,
        "member",
        "2000-01-01",
        Some("2001-01-01"),
    )
    .await;
    let path = format!("/api/v1/organizations/{}", a["id"].as_str().unwrap());
    assert_problem(app.delete(&path).await, StatusCode::CONFLICT, "conflict").await;
    app.get_json(&path, StatusCode::OK).await;
}

#[tokio::test]
async fn every_membership_change_leaves_one_event_and_a_refused_one_none() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن رویدادها")).await;
    let org_id = a["id"].as_str().unwrap();
    let member = app.create_member(person("عضو رویداد")).await;
    let created = app
        .add_membership_ok(&a, &member, "secretary", "2020-01-01", None)
        .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/memberships/{id}");
    let ended = app
        .patch_json(&path, &json!({"ends_on": "2024-01-01", "end_reason": "پایان دوره"}))
        .await;
    assert_eq!(ended.status(), StatusCode::OK);

    // Refused: the same role over an overlapping term (409), an end before the start (422),
    // and deleting the organization that still has the membership (409).
    let duplicate = app.add_membership(&a, &member, "secretary", "2023-01-01", None).await;
    assert_problem(duplicate, StatusCode::CONFLICT, "duplicate_membership").await;
    assert_problem(
        app.patch_json(&path, &json!({"ends_on": "2019-01-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let org_path = format!("/api/v1/organizations/{org_id}");
    assert_problem(app.delete(&org_path).await, StatusCode::CONFLICT, "conflict").await;
    let memberships = app
        .get_json("/api/v1/audit-events?resource_type=membership", StatusCode::OK)
        .await;
    assert_eq!(memberships["items"].as_array().unwrap().len(), 2, "{memberships}");
    assert_eq!(actions(&events_of(&app, org_id).await), ["created"]);

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let events = events_of(&app, id).await;
    assert_eq!(actions(&events), ["created", "updated", "deleted"]);
    for event in &events {
        assert_eq!(event["resource_type"], "membership");
        assert_eq!(event["organization_ids"], json!([org_id]));
    }
    let [first, updated, deleted] = &events[..] else {
        unreachable!()
    };
    assert_eq!(first["before"], Value::Null);
    assert_eq!(first["after"]["role"], "secretary");
    assert_eq!(first["after"]["member_id"], member["id"]);
    assert_eq!(first["after"]["organization_id"], org_id);
    assert_eq!(updated["before"]["ends_on"], Value::Null);
    assert_eq!(updated["after"]["ends_on"], "2024-01-01");
    assert_eq!(updated["after"]["end_reason"], "پایان دوره");
    assert_eq!(deleted["before"]["ends_on"], "2024-01-01");
    assert_eq!(deleted["before"]["version"], 2);
    assert_eq!(deleted["after"], Value::Null);
}
