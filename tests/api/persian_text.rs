//! Persian as its users write it: spelling variants meet in search and in organization
//! names, and keys stored under older rules are rebuilt at start.

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{org, person, TestApp, TestDb};

/// Each name must be found by a query spelled the other way (and the reverse).
const PAIRS: &[(&str, &str)] = &[
    ("هیئت مدیره", "هیات مدیره"),
    ("هیأت مدیره", "هیات مدیره"),
    ("هیئت مدیره", "هیأت مدیره"),
    ("مسئول فنی", "مسؤول فنی"),
    ("رئوف", "رؤوف"),
    ("آزمایشگاه مرکزی", "ازمایشگاه مرکزی"),
    ("آزمایشگاه‌ها", "آزمایشگاه ها"),
    ("آزمایشگاهها", "آزمایشگاه ها"),
    ("آزمایشگاه‌ها", "آزمایشگاهها"),
    ("بزرگ‌ترین", "بزرگ ترین"),
    ("می‌رویم", "می رویم"),
];

fn spellings() -> Vec<(&'static str, &'static str)> {
    PAIRS.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect()
}

async fn search(app: &TestApp, path: &str, q: &str) -> Vec<String> {
    let response = app
        .request(Method::GET, path)
        .query(&[("q", q), ("limit", "200")])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Creates one resource per spelling (named by `make`) and finds each through `q` spelled
/// the other way.
async fn each_spelling_finds_its_partner<F, Fut>(app: &TestApp, path: &str, make: F)
where
    F: Fn(usize, &'static str) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    for (i, (written, typed)) in spellings().into_iter().enumerate() {
        let made = make(i, written).await;
        let id = made["id"].as_str().unwrap();
        let found = search(app, path, typed).await;
        assert!(
            found.iter().any(|f| f == id),
            "{path}: {typed:?} does not find {written:?}"
        );
    }
}

#[tokio::test]
async fn spelling_variants_meet_in_member_search() {
    let app = TestApp::spawn().await;
    each_spelling_finds_its_partner(&app, "/api/v1/members", |_, name| {
        let app = &app;
        async move { app.create_member(person(&format!("{name} کریمی"))).await }
    })
    .await;
}

#[tokio::test]
async fn spelling_variants_meet_in_organization_search() {
    let app = TestApp::spawn().await;
    each_spelling_finds_its_partner(&app, "/api/v1/organizations", |i, name| {
        let app = &app;
        // A number keeps the names distinct: spelling variants are one name.
        async move { app.create_org(org(&format!("انجمن {i} {name}"))).await }
    })
    .await;
}

#[tokio::test]
async fn spelling_variants_meet_in_project_search() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن الف")).await,
        app.create_org(org("انجمن ب")).await,
    );
    each_spelling_finds_its_partner(&app, "/api/v1/projects", |_, name| {
        let (app, a, b) = (&app, &a, &b);
        async move {
            let body = json!({"title": format!("پروژه {name}"), "kind": "research",
                "lead_organization_id": a["id"], "organization_ids": [a["id"], b["id"]]});
            created(app.post_json("/api/v1/projects", &body).await).await
        }
    })
    .await;
}

#[tokio::test]
async fn spelling_variants_meet_in_working_group_search() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    each_spelling_finds_its_partner(&app, "/api/v1/working-groups", |_, name| {
        let (app, a) = (&app, &a);
        async move {
            let body = json!({"name": format!("کارگروه {name}"), "scope": "general", "organization_ids": [a["id"]]});
            created(app.post_json("/api/v1/working-groups", &body).await).await
        }
    })
    .await;
}

/// A last word that may be a suffix is also tried as the start of a word.
#[tokio::test]
async fn a_query_still_being_typed_finds_the_longer_word() {
    let app = TestApp::spawn().await;
    let member = app.create_member(person("رضا امیری")).await;
    let found = search(&app, "/api/v1/members", "رضا ام").await;
    assert_eq!(found, [member["id"].as_str().unwrap()]);
    let found = search(&app, "/api/v1/members", "ضا ام").await;
    assert_eq!(found, [member["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn organization_names_that_differ_only_in_spelling_are_one_name() {
    let app = TestApp::spawn().await;
    app.create_org(org("انجمن هیئت داوران")).await;
    for variant in ["انجمن هیأت داوران", "انجمن هیات داوران", "انجمن هيئت‌ داوران"]
    {
        let response = app.post_json("/api/v1/organizations", &org(variant)).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{variant}");
    }
}

/// Keys written by the first rules (here: the names as typed, which is what those rules
/// made of them) and the empty sort keys the migration gave existing rows are rebuilt when
/// an instance starts.
#[tokio::test]
async fn keys_stored_by_older_rules_are_rebuilt_at_start() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_on(db, url.clone(), true).await;
    let (a, b) = (
        app.create_org(org("انجمن هیئت داوران")).await,
        app.create_org(org("انجمن ب")).await,
    );
    let member = app.create_member(person("رئوف آزمایشگاهی")).await;
    app.create_member(person("پروین")).await;
    app.create_member(person("بهرام")).await;
    let project = created(
        app.post_json(
            "/api/v1/projects",
            &json!({"title": "پروژه مسئول", "kind": "research", "lead_organization_id": a["id"], "organization_ids": [a["id"], b["id"]]}),
        )
        .await,
    )
    .await;
    let group = created(
        app.post_json(
            "/api/v1/working-groups",
            &json!({"name": "کارگروه آزمون", "scope": "general", "organization_ids": [a["id"]]}),
        )
        .await,
    )
    .await;
    let old_keys = "
        UPDATE organizations SET name_key = name, search_key = name, name_sort = '';
        UPDATE members SET search_key = full_name, full_name_sort = '';
        UPDATE projects SET search_key = title;
        UPDATE working_groups SET search_key = name;
        DELETE FROM server_settings;";
    app.db.connect().batch_execute(old_keys).unwrap();
    let checks = [
        ("/api/v1/organizations", "هیات داوران", &a),
        ("/api/v1/members", "رووف ازمایشگاهی", &member),
        ("/api/v1/projects", "مسؤول", &project),
        ("/api/v1/working-groups", "ازمون", &group),
    ];
    for (path, q, _) in checks {
        assert!(search(&app, path, q).await.is_empty(), "{path}: old keys are in place");
    }
    // Empty sort keys tie, and ties go by id (creation order here).
    let response = app.get("/api/v1/members?sort=full_name&limit=200").await;
    let body: Value = response.json().await.unwrap();
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["رئوف آزمایشگاهی", "پروین", "بهرام"]);

    let _second = TestApp::spawn_with(TestDb::create(), url, |s| s.admin = hamkari_http::AdminBootstrap::Skip).await;
    for (path, q, made) in checks {
        assert_eq!(
            search(&app, path, q).await,
            [made["id"].as_str().unwrap()],
            "{path}: {q}"
        );
    }
    let alphabetical = ["بهرام", "پروین", "رئوف آزمایشگاهی"];
    assert_eq!(
        all_pages(&app, "/api/v1/members", "full_name", "full_name").await,
        alphabetical
    );
    // The unique name key was rebuilt too.
    let response = app.post_json("/api/v1/organizations", &org("انجمن هیأت داوران")).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

/// Every page of `path` (sorted by `sort`, two at a time), following the cursors.
async fn all_pages(app: &TestApp, path: &str, sort: &str, field: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut query = vec![("sort", sort.to_owned()), ("limit", "2".to_owned())];
        if let Some(c) = cursor.take() {
            query.push(("cursor", c));
        }
        let response = app.request(Method::GET, path).query(&query).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        names.extend(items.iter().map(|i| i[field].as_str().unwrap().to_owned()));
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return names,
        }
    }
    panic!("more pages than names: {names:?}");
}

/// In Persian alphabetical order: پ after ب, چ after ج, ژ after ز, گ after ک (not after
/// ن and و, as code points would have it); digits first, Latin last.
const IN_ORDER: &[&str] = &[
    "۱۲ نفر",
    "آرش",
    "احمد",
    "بهرام",
    "پروین",
    "جواد",
    "چنگیز",
    "زهرا",
    "ژاله",
    "کاوه",
    "گلناز",
    "نرگس",
    "وحید",
    "یاسمن",
    "Alice",
    "Zoe",
];

fn shuffled() -> Vec<&'static str> {
    // A fixed scramble: creation order must not be the answer.
    let mut names: Vec<&str> = IN_ORDER.to_vec();
    names.reverse();
    names.swap(0, 7);
    names.swap(3, 12);
    names
}

#[tokio::test]
async fn members_sort_by_full_name_in_persian_order_across_pages() {
    let app = TestApp::spawn().await;
    for name in shuffled() {
        app.create_member(person(name)).await;
    }
    let names = all_pages(&app, "/api/v1/members", "full_name", "full_name").await;
    assert_eq!(names, IN_ORDER);
    let mut reversed: Vec<&str> = IN_ORDER.to_vec();
    reversed.reverse();
    assert_eq!(
        all_pages(&app, "/api/v1/members", "-full_name", "full_name").await,
        reversed
    );
}

#[tokio::test]
async fn organizations_sort_by_name_in_persian_order_across_pages() {
    let app = TestApp::spawn().await;
    for name in shuffled() {
        app.create_org(org(&format!("{name} انجمن"))).await;
    }
    let names = all_pages(&app, "/api/v1/organizations", "name", "name").await;
    let expected: Vec<String> = IN_ORDER.iter().map(|n| format!("{n} انجمن")).collect();
    assert_eq!(names, expected);
}
