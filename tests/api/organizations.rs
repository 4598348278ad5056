//! Creating, reading, changing and deleting organizations.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, TestApp};

const IACL: &str = "انجمن آزمایشگاه‌های همکار آزمون و واسنجی ایران";

#[tokio::test]
async fn create_returns_the_organization_with_location_and_etag() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/organizations",
            &json!({
                "name": IACL,
                "name_en": "Iranian Association of Cooperating Testing and Calibration Laboratories",
                "kind": "association",
                "description": "همکاری آزمایشگاه‌ها\nدر آزمون و واسنجی",
                "website": "https://example.org",
                "email": "Info@Example.ORG",
                "phone": "۰۲۱ ۸۸۸۸ ۷۷۷۷",
                "founded_on": "2004-05-01"
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/organizations/{id}"));
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
    // Persian text comes back exactly as sent, ZWNJ and all.
    assert_eq!(body["name"], IACL);
    assert_eq!(body["description"], "همکاری آزمایشگاه‌ها\nدر آزمون و واسنجی");
    assert_eq!(
        body["slug"],
        "iranian-association-of-cooperating-testing-and-calibration"
    );
    assert_eq!(body["email"], "info@example.org");
    assert_eq!(body["phone"], "+982188887777");
    assert_eq!(body["phone_type"], "fixed_line");
    assert_eq!(body["website"], "https://example.org/");
    assert_eq!(body["founded_on"], "2004-05-01");
    assert_eq!(body["version"], 1);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["created_at"], body["updated_at"]);

    let fetched = app.get_json(&location, StatusCode::OK).await;
    assert_eq!(fetched, body);
}

#[tokio::test]
async fn create_without_english_name_gets_a_usable_slug() {
    let app = TestApp::spawn().await;
    let body = app.create_org(org("جامعه ممیزی و بازرسی ایران")).await;
    let slug = body["slug"].as_str().unwrap();
    assert!(slug.starts_with("org-") && slug.len() > 6, "{slug}");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/organizations",
            &json!({
                "name": "   ",
                "slug": "Not A Slug",
                "kind": "association",
                "website": "ftp://example.org",
                "email": "not-an-email",
                "phone": "12345",
                "founded_on": "2999-01-01"
            }),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        error_fields(&problem),
        ["name", "slug", "website", "email", "phone", "founded_on"]
    );
    for error in problem["errors"].as_array().unwrap() {
        assert!(error["code"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let list = app.get_json("/api/v1/organizations", StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn unknown_kind_and_wrong_types_name_the_field() {
    let app = TestApp::spawn().await;
    let problem = assert_problem(
        app.post_json("/api/v1/organizations", &json!({"name": "انجمن", "kind": "club"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"]);
    let problem = assert_problem(
        app.post_json("/api/v1/organizations", &json!({"name": 12, "kind": "other"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["name"]);
    let problem = assert_problem(
        app.post_json("/api/v1/organizations", &json!({"kind": "other"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["name"]);
    assert_eq!(problem["errors"][0]["code"], "required");
}

#[tokio::test]
async fn mass_assignment_is_refused() {
    let app = TestApp::spawn().await;
    for field in ["id", "version", "created_at", "name_key"] {
        let mut body = org("انجمن صنفی");
        body[field] = json!("019a0000-0000-7000-8000-000000000000");
        let problem = assert_problem(
            app.post_json("/api/v1/organizations", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
        assert_eq!(problem["errors"][0]["code"], "unknown_field");
    }
}

#[tokio::test]
async fn names_are_unique_after_persian_normalization() {
    let app = TestApp::spawn().await;
    app.create_org(org("انجمن علمی کاشان")).await;
    // Arabic-keyboard yeh and kaf spell the same name.
    let problem = assert_problem(
        app.post_json("/api/v1/organizations", &org("انجمن علمي كاشان")).await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    assert_eq!(error_fields(&problem), ["name"]);
}

#[tokio::test]
async fn slugs_are_unique_and_derived_ones_step_aside() {
    let app = TestApp::spawn().await;
    let first = app
        .create_org(json!({"name": "انجمن یک", "name_en": "Labs", "kind": "other"}))
        .await;
    assert_eq!(first["slug"], "labs");
    // A derived slug that is taken gets a suffix...
    let second = app
        .create_org(json!({"name": "انجمن دو", "name_en": "Labs", "kind": "other"}))
        .await;
    let slug = second["slug"].as_str().unwrap();
    assert!(slug.starts_with("labs-") && slug.len() == 11, "{slug}");
    // ...but a slug the client chose is theirs to change.
    let problem = assert_problem(
        app.post_json(
            "/api/v1/organizations",
            &json!({"name": "انجمن سه", "slug": "labs", "kind": "other"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    assert_eq!(error_fields(&problem), ["slug"]);
}

#[tokio::test]
async fn get_honours_if_none_match_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن ممیزان")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    let response = app
        .request(Method::GET, &path)
        .header("If-None-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let response = app
        .request(Method::GET, &path)
        .header("If-None-Match", "\"7\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    assert_problem(
        app.get("/api/v1/organizations/019a0000-0000-7000-8000-000000000000")
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/organizations/not-a-uuid").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn patch_changes_only_what_is_sent_and_null_clears() {
    let app = TestApp::spawn().await;
    let created = app
        .create_org(json!({"name": "انجمن بازرسی", "kind": "society", "website": "https://example.org", "phone": "09121234567"}))
        .await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    let response = app
        .patch_json(&path, &json!({"website": null, "name_en": "Inspection Society"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["website"], Value::Null);
    assert_eq!(body["name_en"], "Inspection Society");
    assert_eq!(body["phone"], "+989121234567");
    assert_eq!(body["phone_type"], "mobile");
    assert_eq!(body["slug"], created["slug"], "the slug stays put");
    assert_eq!(body["version"], 2);
    assert_eq!(body["created_at"], created["created_at"]);
    assert!(body["updated_at"].as_str() >= created["updated_at"].as_str());

    // Nothing to change: same version.
    let same: Value = app.patch_json(&path, &json!({})).await.json().await.unwrap();
    assert_eq!(same["version"], 2);

    // The new English name is searchable at once.
    let found = app.get_json("/api/v1/organizations?q=inspection", StatusCode::OK).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn patch_refuses_bad_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن حسابرسان")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    let problem = assert_problem(
        app.patch_json(&path, &json!({"name": null, "email": "nope"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["name", "email"]);
    let problem = assert_problem(
        app.patch_json(&path, &json!({"version": 9})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    let after = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(after, created);
}

#[tokio::test]
async fn patch_and_delete_honour_if_match() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن کالیبراسیون")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    let ok = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"description": "نسخه دوم"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    // A client still holding version 1 is refused, and told the current version.
    let stale = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"description": "lost update"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.headers()["etag"], "\"2\"");
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(app.get_json(&path, StatusCode::OK).await["description"], "نسخه دوم");

    let stale_delete = app
        .request(Method::DELETE, &path)
        .header("If-Match", "W/\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale_delete, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    app.get_json(&path, StatusCode::OK).await;

    let deleted = app
        .request(Method::DELETE, &path)
        .header("If-Match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.delete(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(
        app.patch_json(&path, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn conditional_headers_are_tag_lists() {
    let app = TestApp::spawn().await;
    let created = app.create_org(org("انجمن سرآیندها")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let patch = |if_match: &'static str| {
        app.request(Method::PATCH, &path)
            .header("If-Match", if_match)
            .json(&json!({"description": format!("نسخه {}", if_match.len())}))
            .send()
    };
    // Not a tag list: a malformed request, and nothing changes.
    for bad in ["", "null", "\"1", "W/1", "\"a b\""] {
        assert_problem(patch(bad).await.unwrap(), StatusCode::BAD_REQUEST, "invalid_header").await;
    }
    assert_eq!(app.get_json(&path, StatusCode::OK).await["version"], 1);
    // A quoted tag containing a comma is one tag; the bare version is read as its tag.
    assert_eq!(patch("\"x,y\", 1").await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.get_json(&path, StatusCode::OK).await["version"], 2);
    let get_if_none_match = |value: &'static str| app.request(Method::GET, &path).header("If-None-Match", value).send();
    assert_eq!(
        get_if_none_match("W/\"2\"").await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        get_if_none_match("\"1\", \"3\"").await.unwrap().status(),
        StatusCode::OK
    );
    assert_problem(
        get_if_none_match("2,").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_header",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_name_and_slug_can_be_used_again() {
    let app = TestApp::spawn().await;
    let created = app
        .create_org(json!({"name": "انجمن موقت", "slug": "temporary", "kind": "other"}))
        .await;
    let response = app
        .delete(&format!("/api/v1/organizations/{}", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    app.create_org(json!({"name": "انجمن موقت", "slug": "temporary", "kind": "other"}))
        .await;
}

/// The audit events about one resource, oldest first, as the administrator reads them.
pub async fn events_of(app: &TestApp, id: &str) -> Vec<Value> {
    let page = app
        .get_json(&format!("/api/v1/audit-events?resource_id={id}"), StatusCode::OK)
        .await;
    page["items"].as_array().unwrap().clone()
}

/// The actions of these events, in order.
pub fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn every_change_leaves_one_event_and_a_refused_one_none() {
    let app = TestApp::spawn().await;
    let created = app.create_org(json!({"name": "انجمن رویداد", "kind": "society"})).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    let changed = app.patch_json(&path, &json!({"website": "https://example.org"})).await;
    assert_eq!(changed.status(), StatusCode::OK);
    // Refused changes: invalid (422), a taken name (409), a stale If-Match (412).
    assert_problem(
        app.patch_json(&path, &json!({"email": "not an email"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    app.create_org(org("انجمن دیگر")).await;
    let taken = app.patch_json(&path, &json!({"name": "انجمن دیگر"})).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let stale = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"kind": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(actions(&events_of(&app, id).await), ["created", "updated"]);

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let events = events_of(&app, id).await;
    assert_eq!(actions(&events), ["created", "updated", "deleted"]);
    for event in &events {
        assert_eq!(event["resource_type"], "organization");
        assert_eq!(event["organization_ids"], json!([id]));
        assert_eq!(event["actor_type"], "user");
    }
    let [created_event, updated, deleted] = &events[..] else {
        unreachable!()
    };
    assert_eq!(created_event["before"], Value::Null);
    assert_eq!(created_event["after"]["name"], "انجمن رویداد");
    assert_eq!(created_event["after"]["kind"], "society");
    assert_eq!(updated["before"]["website"], Value::Null);
    assert_eq!(updated["after"]["website"], "https://example.org/");
    assert_eq!(updated["after"]["version"], 2);
    assert_eq!(deleted["before"]["version"], 2);
    assert_eq!(deleted["after"], Value::Null);
}
