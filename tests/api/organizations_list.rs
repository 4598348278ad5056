//! Listing organizations: keyset pages, sorting, filters and Persian-normalized search.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, TestApp};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn seed(app: &TestApp, orgs: &[(&str, &str, &str)]) {
    for (name, name_en, kind) in orgs {
        app.create_org(json!({"name": name, "name_en": name_en, "kind": kind}))
            .await;
    }
}

#[tokio::test]
async fn pages_follow_cursors_and_link_headers_to_the_end() {
    let app = TestApp::spawn().await;
    let all: Vec<String> = (1..=7).map(|i| format!("Organization {i:02}")).collect();
    for name in &all {
        app.create_org(json!({"name": name, "kind": "other"})).await;
    }

    let mut seen = Vec::new();
    let mut path = "/api/v1/organizations?limit=3&sort=name".to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK);
        let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        pages += 1;
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header when another page exists");
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                assert!(link.contains("limit=3") && link.contains("sort=name"), "{link}");
                // The Link target and the cursor lead to the same page.
                let target = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
                assert!(target.contains(&format!("cursor={cursor}")), "{target}");
                path = target;
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);

    let first = app
        .get_json("/api/v1/organizations?limit=2&sort=-name", StatusCode::OK)
        .await;
    assert_eq!(names(&first), ["Organization 07", "Organization 06"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(
            &format!("/api/v1/organizations?limit=2&sort=-name&cursor={cursor}"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(names(&second), ["Organization 05", "Organization 04"]);
}

#[tokio::test]
async fn default_order_is_creation_order_and_every_sort_pages_cleanly() {
    let app = TestApp::spawn().await;
    seed(
        &app,
        &[
            ("Gamma", "gamma", "other"),
            ("Alpha", "alpha", "other"),
            ("Beta", "beta", "other"),
        ],
    )
    .await;
    let page = app.get_json("/api/v1/organizations", StatusCode::OK).await;
    assert_eq!(names(&page), ["Gamma", "Alpha", "Beta"]);
    assert_eq!(page["next_cursor"], Value::Null);
    for (sort, expected) in [
        ("slug", ["Alpha", "Beta", "Gamma"]),
        ("-slug", ["Gamma", "Beta", "Alpha"]),
        ("created_at", ["Gamma", "Alpha", "Beta"]),
        ("-created_at", ["Beta", "Alpha", "Gamma"]),
        ("updated_at", ["Gamma", "Alpha", "Beta"]),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/organizations?sort={sort}&limit=1&cursor={c}"),
                None => format!("/api/v1/organizations?sort={sort}&limit=1"),
            };
            let page = app.get_json(&path, StatusCode::OK).await;
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "sort={sort}");
    }
}

#[tokio::test]
async fn kind_filter() {
    let app = TestApp::spawn().await;
    seed(
        &app,
        &[
            ("Alpha", "a1", "society"),
            ("Beta", "b1", "association"),
            ("Gamma", "g1", "society"),
        ],
    )
    .await;
    let page = app
        .get_json("/api/v1/organizations?kind=society&sort=name", StatusCode::OK)
        .await;
    assert_eq!(names(&page), ["Alpha", "Gamma"]);
    let problem = assert_problem(
        app.get("/api/v1/organizations?kind=club").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"]);
}

#[tokio::test]
async fn search_is_persian_normalized() {
    let app = TestApp::spawn().await;
    seed(
        &app,
        &[
            ("انجمن علی کاشانی", "Kashani Scientific Society", "society"),
            ("آزمایشگاه‌های همکار ۱۲", "Cooperating Labs", "association"),
            (
                "جامعه ممیزی و بازرسی ایران",
                "Iranian Audit and Inspection Society",
                "society",
            ),
        ],
    )
    .await;
    let search = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        async move {
            let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let mut found = names(
                &app.get_json(&format!("/api/v1/organizations?q={encoded}"), StatusCode::OK)
                    .await,
            );
            found.sort();
            found
        }
    };
    // Arabic yeh and kaf find the Persian spelling.
    assert_eq!(search("علي").await, ["انجمن علی کاشانی"]);
    assert_eq!(search("كاشاني").await, ["انجمن علی کاشانی"]);
    // With or without the zero-width non-joiner.
    assert_eq!(search("آزمایشگاهها").await, ["آزمایشگاه‌های همکار ۱۲"]);
    assert_eq!(search("آزمایشگاه‌ها").await, ["آزمایشگاه‌های همکار ۱۲"]);
    // Persian digits in the name, ASCII in the query, and the other way round.
    assert_eq!(search("همکار 12").await, ["آزمایشگاه‌های همکار ۱۲"]);
    assert_eq!(search("۱۲").await, ["آزمایشگاه‌های همکار ۱۲"]);
    // English names, any case; substrings in the middle of words.
    assert_eq!(
        search("SOCIETY").await,
        ["انجمن علی کاشانی", "جامعه ممیزی و بازرسی ایران"]
    );
    assert_eq!(search("nspect").await, ["جامعه ممیزی و بازرسی ایران"]);
    // Two-character queries work too.
    assert_eq!(search("ای").await.len(), 2);
    // LIKE wildcards and FTS syntax are taken literally.
    assert!(search("%").await.is_empty());
    assert!(search("\"labs").await.is_empty());
    assert!(search("zzz").await.is_empty());
    // Search combines with the kind filter.
    let both = app
        .get_json("/api/v1/organizations?q=society&kind=society&limit=1", StatusCode::OK)
        .await;
    assert_eq!(both["items"].as_array().unwrap().len(), 1);
    assert!(both["next_cursor"].is_string());
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("sort=id", "sort"),
        ("sort=--name", "sort"),
        ("cursor=not+a+cursor", "cursor"),
        ("cursor=", "cursor"),
        ("q=", "q"),
        ("colour=red", "colour"),
    ] {
        check_refused(&app, query, field).await;
    }
    // `maxLength: 200` counts what was sent, even when normalizing would shorten it.
    check_refused(&app, &format!("q={}+", "a".repeat(200)), "q").await;
    async fn check_refused(app: &TestApp, query: &str, field: &str) {
        let problem = assert_problem(
            app.get(&format!("/api/v1/organizations?{query}")).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
    // Cursor-shaped but never issued: well-formed, unusable.
    let problem = assert_problem(
        app.get("/api/v1/organizations?cursor=garbage").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["cursor"]);
    // A cursor is tied to the sort it was made for.
    for name in ["A1", "B1"] {
        app.create_org(json!({"name": name, "kind": "other"})).await;
    }
    let page = app
        .get_json("/api/v1/organizations?limit=1&sort=name", StatusCode::OK)
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let problem = assert_problem(
        app.get(&format!("/api/v1/organizations?limit=1&sort=slug&cursor={cursor}"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["cursor"]);
}

/// Follows `next_cursor` from `path` (which has no query yet) with `limit=1`; returns the ids.
async fn walk(app: &TestApp, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut query = "limit=1".to_owned();
    loop {
        let page = app.get_json(&format!("{path}?{query}"), StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 1, "{page}");
        ids.extend(items.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=1&cursor={cursor}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn membership_sub_lists_page_like_lists() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(crate::helpers::org("انجمن صفحه")).await,
        app.create_org(crate::helpers::org("انجمن صفحه دوم")).await,
    );
    let a_id = a["id"].as_str().unwrap();
    let mut in_a = Vec::new();
    for name in ["یکم", "دوم", "سوم"] {
        let member = app.create_member(crate::helpers::person(name)).await;
        let membership = app.add_membership_ok(&a, &member, "member", "2020-01-01", None).await;
        in_a.push(membership["id"].as_str().unwrap().to_owned());
    }
    let member = app.create_member(crate::helpers::person("چندجایی")).await;
    let mut of_member = Vec::new();
    for (o, role) in [(&a, "inspector"), (&b, "member"), (&b, "treasurer")] {
        let membership = app.add_membership_ok(o, &member, role, "2021-01-01", None).await;
        of_member.push(membership["id"].as_str().unwrap().to_owned());
    }
    in_a.push(of_member[0].clone());

    let by_org = format!("/api/v1/organizations/{a_id}/memberships");
    let by_member = format!("/api/v1/members/{}/memberships", member["id"].as_str().unwrap());
    assert_eq!(walk(&app, &by_org).await, in_a);
    assert_eq!(walk(&app, &by_member).await, of_member);
    for path in [&by_org, &by_member] {
        let problem = assert_problem(
            app.get(&format!("{path}?colour=red")).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(error_fields(&problem), ["colour"], "{path}");
        let problem = assert_problem(
            app.get(&format!("{path}?limit=0")).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_eq!(error_fields(&problem), ["limit"], "{path}");
    }
}
