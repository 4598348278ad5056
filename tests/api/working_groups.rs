//! Working groups: organizations, one chair, a co-chair per organization, filters, access.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn group(app: &TestApp, name: &str, scope: &str, orgs: &[&Value]) -> Value {
    let ids: Vec<&Value> = orgs.iter().map(|o| &o["id"]).collect();
    let response = app
        .post_json(
            "/api/v1/working-groups",
            &json!({"name": name, "scope": scope, "organization_ids": ids, "topic": "واسنجی"}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn add(app: &TestApp, g: &Value, m: &Value, o: &Value, role: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/working-groups/{}/members", id(g)),
        &json!({"member_id": m["id"], "organization_id": o["id"], "role": role}),
    )
    .await
}

#[tokio::test]
async fn create_read_change_and_dissolve() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن کارگروه")).await,
        app.create_org(org("جامعه کارگروه")).await,
    );
    let g = group(&app, "کارگروه تخصصی واسنجی", "specialized", &[&a, &b]).await;
    assert_eq!(
        (g["status"].as_str(), g["dissolved_on"].clone()),
        (Some("proposed"), Value::Null)
    );
    let mut orgs: Vec<&Value> = g["organization_ids"].as_array().unwrap().iter().collect();
    orgs.sort_by_key(|v| v.as_str().unwrap().to_owned());
    let mut expected = vec![&a["id"], &b["id"]];
    expected.sort_by_key(|v| v.as_str().unwrap().to_owned());
    assert_eq!(orgs, expected);
    let path = format!("/api/v1/working-groups/{}", id(&g));
    assert_eq!(app.get_json(&path, StatusCode::OK).await, g);

    let response = app
        .post_json(
            "/api/v1/working-groups",
            &json!({"name": "بی‌سازمان", "scope": "general", "organization_ids": []}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_ids"]);
    let response = app
        .post_json("/api/v1/working-groups", &json!({"name": "گروه", "scope": "general", "organization_ids": [a["id"]], "project_id": "019a0000-0000-7000-8000-000000000000"}))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["project_id"]);

    // Both organizations approve while it is proposed; a dissolved group comes back only so.
    crate::approvals::approve_all(&app, &path).await;
    let dissolved: Value = app
        .patch_json(&path, &json!({"status": "dissolved", "dissolved_on": "2026-06-30"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (dissolved["status"].as_str(), dissolved["dissolved_on"].as_str()),
        (Some("dissolved"), Some("2026-06-30"))
    );
    let stale = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let revived: Value = app
        .patch_json(&path, &json!({"status": "active"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revived["dissolved_on"], Value::Null);
    let problem = assert_problem(
        app.patch_json(&path, &json!({"dissolved_on": "2026-01-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["dissolved_on"]);
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn one_chair_and_one_co_chair_per_organization() {
    let app = TestApp::spawn().await;
    let (a, b, outsider) = (
        app.create_org(org("انجمن رهبری")).await,
        app.create_org(org("جامعه رهبری")).await,
        app.create_org(org("بیرون")).await,
    );
    let g = group(&app, "کارگروه مشترک کیفیت", "general", &[&a, &b]).await;
    let people: Vec<Value> =
        futures_util::future::join_all((0..5).map(|i| app.create_member(person(&format!("عضو کارگروه {i}"))))).await;

    assert_eq!(
        add(&app, &g, &people[0], &a, "chair").await.status(),
        StatusCode::CREATED
    );
    assert_problem(
        add(&app, &g, &people[1], &b, "chair").await,
        StatusCode::CONFLICT,
        "group_role_taken",
    )
    .await;
    // A joint group: one co-chair for each organization.
    assert_eq!(
        add(&app, &g, &people[1], &a, "co_chair").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        add(&app, &g, &people[2], &b, "co_chair").await.status(),
        StatusCode::CREATED
    );
    assert_problem(
        add(&app, &g, &people[3], &b, "co_chair").await,
        StatusCode::CONFLICT,
        "group_role_taken",
    )
    .await;
    // Only the group's organizations can be represented.
    let problem = assert_problem(
        add(&app, &g, &people[3], &outsider, "member").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    assert_eq!(
        add(&app, &g, &people[3], &b, "secretary").await.status(),
        StatusCode::CREATED
    );
    assert_problem(
        add(&app, &g, &people[3], &b, "member").await,
        StatusCode::CONFLICT,
        "already_in_group",
    )
    .await;

    // Promoting the secretary to chair while there is one is refused; after the chair steps down it works.
    let secretary = format!("/api/v1/working-groups/{}/members/{}", id(&g), id(&people[3]));
    assert_problem(
        app.patch_json(&secretary, &json!({"role": "chair"})).await,
        StatusCode::CONFLICT,
        "group_role_taken",
    )
    .await;
    let chair = format!("/api/v1/working-groups/{}/members/{}", id(&g), id(&people[0]));
    assert_eq!(
        app.patch_json(&chair, &json!({"role": "member"})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.patch_json(&secretary, &json!({"role": "chair"})).await.status(),
        StatusCode::OK
    );

    let members = app
        .get_json(&format!("/api/v1/working-groups/{}/members", id(&g)), StatusCode::OK)
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 4);
    // An organization someone represents cannot leave the group.
    let path = format!("/api/v1/working-groups/{}", id(&g));
    assert_problem(
        app.patch_json(&path, &json!({"organization_ids": [a["id"]]})).await,
        StatusCode::CONFLICT,
        "still_represented",
    )
    .await;
    assert_eq!(app.delete(&secretary).await.status(), StatusCode::NO_CONTENT);
    let co_chair_b = format!("/api/v1/working-groups/{}/members/{}", id(&g), id(&people[2]));
    assert_eq!(app.delete(&co_chair_b).await.status(), StatusCode::NO_CONTENT);
    let narrowed: Value = app
        .patch_json(&path, &json!({"organization_ids": [a["id"]]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(narrowed["organization_ids"], json!([a["id"]]));
}

#[tokio::test]
async fn filters_search_and_access() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن صافی")).await,
        app.create_org(org("جامعه صافی")).await,
    );
    let special = group(&app, "کارگروه تخصصي آزمون", "specialized", &[&a]).await;
    let general = group(&app, "کارگروه عمومی", "general", &[&a, &b]).await;
    let someone = app.create_member(person("عضو فعال")).await;
    assert_eq!(
        add(&app, &general, &someone, &b, "member").await.status(),
        StatusCode::CREATED
    );
    app.patch_json(
        &format!("/api/v1/working-groups/{}", id(&special)),
        &json!({"status": "dissolved"}),
    )
    .await;

    let names = |path: String| {
        let app = &app;
        async move {
            let page = app.get_json(&path, StatusCode::OK).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names("/api/v1/working-groups?scope=general".into()).await,
        ["کارگروه عمومی"]
    );
    assert_eq!(
        names("/api/v1/working-groups?status=dissolved".into()).await,
        ["کارگروه تخصصي آزمون"]
    );
    assert_eq!(
        names(format!("/api/v1/working-groups?organization_id={}", id(&b))).await,
        ["کارگروه عمومی"]
    );
    assert_eq!(
        names(format!("/api/v1/working-groups?member_id={}", id(&someone))).await,
        ["کارگروه عمومی"]
    );
    let q: String = form_urlencoded::byte_serialize("تخصصی".as_bytes()).collect();
    assert_eq!(
        names(format!("/api/v1/working-groups?q={q}")).await,
        ["کارگروه تخصصي آزمون"]
    );

    // Editors of an organization outside the group read but do not change it.
    let outsider_org = app.create_org(org("انجمن ناظر")).await;
    let stranger = app.login_as("editor", &[id(&outsider_org)]).await;
    let insider = app.login_as("editor", &[id(&b)]).await;
    let path = format!("/api/v1/working-groups/{}", id(&general));
    assert_eq!(app.with_token(&stranger).get(&path).await.status(), StatusCode::OK);
    assert_problem(
        app.with_token(&stranger)
            .patch_json(&path, &json!({"topic": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = app
        .with_token(&stranger)
        .post_json(
            &format!("{path}/members"),
            &json!({"member_id": someone["id"], "organization_id": a["id"], "role": "member"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        app.with_token(&insider)
            .patch_json(&path, &json!({"topic": "آزمون مهارت"}))
            .await
            .status(),
        StatusCode::OK
    );
    let body = json!({"name": "گروه غریبه", "scope": "general", "organization_ids": [a["id"]]});
    assert_problem(
        app.with_token(&stranger)
            .post_json("/api/v1/working-groups", &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let token = app.with_api_token(&["working_groups:write"], Some(id(&b))).await;
    let body = json!({"name": "گروه توکن", "scope": "general", "organization_ids": [b["id"]]});
    assert_eq!(
        app.with_token(&token)
            .post_json("/api/v1/working-groups", &body)
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn members_page_the_same_organizations_keep_the_version_and_changes_are_events() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن ترتیب")).await,
        app.create_org(org("جامعه ترتیب")).await,
    );
    let g = group(&app, "کارگروه ترتیب", "general", &[&a, &b]).await;
    let path = format!("/api/v1/working-groups/{}", id(&g));

    // The same organizations in another order are no change.
    for order in [[&b["id"], &a["id"]], [&a["id"], &b["id"]]] {
        let same: Value = app
            .patch_json(&path, &json!({"organization_ids": order}))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(same["version"], g["version"], "{same}");
    }

    let mut people = Vec::new();
    for name in ["عضو اول", "عضو دوم", "عضو سوم"] {
        let person = app.create_member(person(name)).await;
        assert_eq!(add(&app, &g, &person, &a, "member").await.status(), StatusCode::CREATED);
        people.push(person);
    }
    let members = format!("{path}/members");
    let mut seen = Vec::new();
    let mut url = format!("{members}?limit=1");
    loop {
        let page = app.get_json(&url, StatusCode::OK).await;
        assert!(page["items"].as_array().unwrap().len() <= 1, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|m| m["member_id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{members}?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let added: Vec<Value> = people.iter().map(|p| p["id"].clone()).collect();
    assert_eq!(seen, added);
    assert_problem(
        app.get(&format!("{members}?page=2")).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;

    let one = format!("{members}/{}", id(&people[0]));
    assert_eq!(
        app.patch_json(&one, &json!({"role": "secretary"})).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.delete(&one).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.patch_json(&path, &json!({"topic": "موضوع تازه"})).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let events = app
        .get_json(&format!("/api/v1/audit-events?resource_id={}", id(&g)), StatusCode::OK)
        .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "member_added",
            "member_added",
            "member_added",
            "member_updated",
            "member_removed",
            "updated",
            "deleted"
        ]
    );
    assert!(events["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["resource_type"] == "working_group"));
}
