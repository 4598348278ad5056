//! Members: identity, validation, search, filters and deletion.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};

fn names(page: &Value) -> Vec<String> {
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["full_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The sorted names `q` finds.
async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    names(
        &app.get_json(&format!("/api/v1/members?q={encoded}"), StatusCode::OK)
            .await,
    )
}

#[tokio::test]
async fn create_normalizes_identity_fields() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/members",
            &json!({"full_name": "علی رضایی", "full_name_en": "Ali Rezaei", "national_id": "۰۴۹۹۳۷۰۸۹۹",
                    "email": "Ali.Rezaei@Example.ORG", "phone": "+98 912 123 4567", "expertise": "کالیبراسیون"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let member: Value = response.json().await.unwrap();
    assert_eq!(member["national_id"], "0499370899");
    assert_eq!(member["email"], "ali.rezaei@example.org");
    assert_eq!(member["phone"], "+989121234567");
    assert_eq!(member["full_name"], "علی رضایی");
    assert_eq!(app.get_json(&location, StatusCode::OK).await, member);
}

#[tokio::test]
async fn national_codes_are_checked() {
    let app = TestApp::spawn().await;
    for valid in ["0790419904", "٠٠٨٤٥٧٥٩٤٨", "001-354241-9"] {
        let response = app
            .post_json(
                "/api/v1/members",
                &json!({"full_name": format!("عضو {valid}"), "national_id": valid}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{valid}");
    }
    for invalid in ["0499370898", "123", "1111111111", "04993708990", "abcdefghij"] {
        let response = app
            .post_json(
                "/api/v1/members",
                &json!({"full_name": "عضو نامعتبر", "national_id": invalid}),
            )
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["national_id"], "{invalid}");
        assert_eq!(problem["errors"][0]["code"], "invalid_national_id");
    }
}

#[tokio::test]
async fn phones_in_iranian_forms_are_stored_in_e164() {
    let app = TestApp::spawn().await;
    for (i, raw) in ["09121234567", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "0098 912 123 4567", "(021) 8888-7777"]
        .iter()
        .enumerate()
    {
        let member = app
            .create_member(json!({"full_name": format!("عضو {i}"), "phone": raw}))
            .await;
        let (expected, kind) = if i == 3 {
            ("+982188887777", "fixed_line")
        } else {
            ("+989121234567", "mobile")
        };
        assert_eq!(member["phone"], expected, "{raw}");
        assert_eq!(member["phone_type"], kind, "{raw}");
    }
    // Too short; formally E.164 but in no country's plan; a mobile prefix no operator has.
    for raw in ["0912", "+11111111", "0970 123 4567"] {
        let response = app
            .post_json("/api/v1/members", &json!({"full_name": "عضو", "phone": raw}))
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["phone"], "{raw}");
        assert_eq!(problem["errors"][0]["code"], "invalid_phone", "{raw}");
    }
    let without = app.create_member(json!({"full_name": "بی‌تلفن"})).await;
    assert_eq!(without["phone_type"], Value::Null);
}

#[tokio::test]
async fn national_code_and_email_are_unique() {
    let app = TestApp::spawn().await;
    app.create_member(json!({"full_name": "مریم", "national_id": "0499370899", "email": "maryam@example.org"}))
        .await;
    let response = app
        .post_json(
            "/api/v1/members",
            &json!({"full_name": "دیگری", "national_id": "۰۴۹۹۳۷۰۸۹۹"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "already_exists").await;
    assert_eq!(error_fields(&problem), ["national_id"]);
    let response = app
        .post_json(
            "/api/v1/members",
            &json!({"full_name": "دیگری", "email": "MARYAM@example.org"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "already_exists").await;
    assert_eq!(error_fields(&problem), ["email"]);
    // Several members may have neither.
    app.create_member(person("بی‌نام یک")).await;
    app.create_member(person("بی‌نام دو")).await;
}

#[tokio::test]
async fn search_is_persian_normalized() {
    let app = TestApp::spawn().await;
    app.create_member(json!({"full_name": "علی کاشانی", "national_id": "0499370899"}))
        .await;
    app.create_member(json!({"full_name": "محمدرضا آزمایش‌گر", "email": "mr@lab.example"}))
        .await;
    app.create_member(json!({"full_name": "Sara Ahmadi", "phone": "09350000000"}))
        .await;
    assert_eq!(search(&app, "علي كاشاني").await, ["علی کاشانی"]);
    assert_eq!(search(&app, "آزمایشگر").await, ["محمدرضا آزمایش‌گر"]);
    assert_eq!(search(&app, "۰۴۹۹۳۷").await, ["علی کاشانی"]);
    assert_eq!(search(&app, "LAB.EXAMPLE").await, ["محمدرضا آزمایش‌گر"]);
    assert_eq!(search(&app, "sara").await, ["Sara Ahmadi"]);
    assert_eq!(search(&app, "93500").await, ["Sara Ahmadi"]);
    assert!(search(&app, "ناشناس").await.is_empty());
}

#[tokio::test]
async fn filters_by_organization_role_and_activity() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن الف")).await,
        app.create_org(org("انجمن ب")).await,
    );
    let chair = app.create_member(person("رئیس")).await;
    let plain = app.create_member(person("عضو ساده")).await;
    let former = app.create_member(person("عضو پیشین")).await;
    app.create_member(person("بی‌عضویت")).await;
    app.add_membership_ok(&a, &chair, "board_chair", "2024-01-01", None)
        .await;
    app.add_membership_ok(&b, &plain, "member", "2024-01-01", None).await;
    app.add_membership_ok(&a, &former, "inspector", "2010-01-01", Some("2012-01-01"))
        .await;

    let list = |query: String| {
        let app = &app;
        async move { names(&app.get_json(&format!("/api/v1/members?{query}"), StatusCode::OK).await) }
    };
    assert_eq!(
        list(format!("organization_id={}", a["id"].as_str().unwrap())).await,
        ["رئیس", "عضو پیشین"]
    );
    assert_eq!(list("role=board".into()).await, ["رئیس"]);
    assert_eq!(list("role=inspector".into()).await, ["عضو پیشین"]);
    assert_eq!(list("active=true".into()).await, ["رئیس", "عضو ساده"]);
    assert_eq!(list("active=false".into()).await, ["بی‌عضویت", "عضو پیشین"]);
    assert_eq!(
        list(format!("organization_id={}&active=true", b["id"].as_str().unwrap())).await,
        ["عضو ساده"]
    );
    let problem = assert_problem(
        app.get("/api/v1/members?role=president").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["role"]);
}

#[tokio::test]
async fn members_page_by_name() {
    let app = TestApp::spawn().await;
    for name in ["Dara", "Bahar", "Azar", "Cyrus"] {
        app.create_member(person(name)).await;
    }
    let first = app
        .get_json("/api/v1/members?sort=full_name&limit=3", StatusCode::OK)
        .await;
    let page: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(page, ["Azar", "Bahar", "Cyrus"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(
            &format!("/api/v1/members?sort=full_name&limit=3&cursor={cursor}"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(second["items"][0]["full_name"], "Dara");
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_member_with_memberships_is_deleted_only_with_force() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن حذف")).await;
    let member = app.create_member(person("عضو ماندگار")).await;
    let membership = app.add_membership_ok(&a, &member, "member", "2020-01-01", None).await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());

    assert_problem(app.delete(&path).await, StatusCode::CONFLICT, "has_memberships").await;
    app.get_json(&path, StatusCode::OK).await;
    let stale = app
        .request(Method::DELETE, &format!("{path}?force=true"))
        .header("If-Match", "\"9\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;

    assert_eq!(
        app.delete(&format!("{path}?force=true")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
    // Nothing dangles: the membership went with the member.
    let membership_path = format!("/api/v1/memberships/{}", membership["id"].as_str().unwrap());
    assert_problem(app.get(&membership_path).await, StatusCode::NOT_FOUND, "not_found").await;
    let listed = app
        .get_json(
            &format!("/api/v1/organizations/{}/memberships", a["id"].as_str().unwrap()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed["items"], json!([]));

    let loner = app.create_member(person("تنها")).await;
    assert_eq!(
        app.delete(&format!("/api/v1/members/{}", loner["id"].as_str().unwrap()))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn search_follows_a_rename_and_survives_other_changes() {
    let app = TestApp::spawn().await;
    let member = app.create_member(json!({"full_name": "کاوه یزدانی"})).await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    // A change that leaves the name alone keeps the member findable…
    let response = app.patch_json(&path, &json!({"expertise": "واسنجی"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(search(&app, "یزدانی").await, ["کاوه یزدانی"]);
    // …and a rename moves the search key with it.
    let response = app.patch_json(&path, &json!({"full_name": "کاوه شریفی"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(search(&app, "شریفی").await, ["کاوه شریفی"]);
    assert!(search(&app, "یزدانی").await.is_empty());
}

#[tokio::test]
async fn patch_clears_and_validates() {
    let app = TestApp::spawn().await;
    let member = app
        .create_member(json!({"full_name": "نرگس", "email": "n@example.org", "expertise": "بازرسی"}))
        .await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    let changed: Value = app
        .patch_json(&path, &json!({"expertise": null, "national_id": "0499370899"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["expertise"], Value::Null);
    assert_eq!(changed["national_id"], "0499370899");
    assert_eq!(changed["version"], 2);
    let problem = assert_problem(
        app.patch_json(&path, &json!({"full_name": null, "national_id": "0499370898"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["full_name"]);
    assert_eq!(app.get_json(&path, StatusCode::OK).await, changed);
}

#[tokio::test]
async fn editors_change_only_people_of_their_organizations() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن ویراستار")).await,
        app.create_org(org("انجمن دیگر")).await,
    );
    let ours = app.create_member(person("عضو ما")).await;
    let theirs = app.create_member(person("عضو آنها")).await;
    app.add_membership_ok(&a, &ours, "member", "2020-01-01", None).await;
    app.add_membership_ok(&b, &theirs, "member", "2020-01-01", None).await;
    let editor = app.login_as("editor", &[a["id"].as_str().unwrap()]).await;
    let client = app.with_token(&editor);
    let ours_path = format!("/api/v1/members/{}", ours["id"].as_str().unwrap());
    let theirs_path = format!("/api/v1/members/{}", theirs["id"].as_str().unwrap());
    assert_eq!(
        client
            .patch_json(&ours_path, &json!({"expertise": "ممیزی"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        client.patch_json(&theirs_path, &json!({"expertise": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        client.delete(&format!("{theirs_path}?force=true")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Any editor may register a new person.
    assert_eq!(
        client.post_json("/api/v1/members", &person("تازه‌وارد")).await.status(),
        StatusCode::CREATED
    );
    let viewer = app.login_as("viewer", &[]).await;
    assert_problem(
        app.with_token(&viewer)
            .post_json("/api/v1/members", &person("x y"))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
