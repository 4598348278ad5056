//! Member search through the word tails and the vocabulary (migration
//! `…_member_search_words`) finds exactly what a substring search finds: a query that
//! starts inside a word and ends inside another, one word inside a longer one, short
//! queries that take the trigram path; and the index follows renames and deletions. The
//! organization's member list pages straight from its index without repeating anyone.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{org, person, TestApp};

async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let encoded: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page = app
        .get_json(&format!("/api/v1/members?q={encoded}"), StatusCode::OK)
        .await;
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["full_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn search_finds_every_key_containing_the_query() {
    let app = TestApp::spawn().await;
    let compound = app.create_member(person("محمدعلی رضایی‌زاده")).await;
    app.create_member(person("علی رضایی")).await;
    let short = app.create_member(person("علی رضا")).await;
    app.create_member(json!({"full_name": "مریم کریمی", "national_id": "0499370899"}))
        .await;

    // Across two words, starting inside the first and ending inside the second.
    assert_eq!(search(&app, "علی رضایی").await, ["علی رضایی", "محمدعلی رضایی‌زاده"]);
    // A first word of two letters has no trigrams: the fallback gives the same answer.
    assert_eq!(
        search(&app, "لی رضا").await,
        ["علی رضا", "علی رضایی", "محمدعلی رضایی‌زاده"]
    );
    // One word, whole or inside a longer one.
    assert_eq!(search(&app, "رضایی").await, ["علی رضایی", "محمدعلی رضایی‌زاده"]);
    assert_eq!(search(&app, "ضایی").await, ["علی رضایی", "محمدعلی رضایی‌زاده"]);
    assert_eq!(search(&app, "محمد").await, ["محمدعلی رضایی‌زاده"]);
    assert_eq!(search(&app, "37089").await, ["مریم کریمی"]);
    assert_eq!(search(&app, "کریمی 0499").await, ["مریم کریمی"]);
    assert!(search(&app, "علی کریمی").await.is_empty());

    // A rename replaces the member's words; a deletion removes them.
    let path = format!("/api/v1/members/{}", short["id"].as_str().unwrap());
    let renamed = app.patch_json(&path, &json!({"full_name": "نرگس احمدی"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(search(&app, "علی رضا").await, ["علی رضایی", "محمدعلی رضایی‌زاده"]);
    assert_eq!(search(&app, "نرگس احمدی").await, ["نرگس احمدی"]);
    let path = format!("/api/v1/members/{}", compound["id"].as_str().unwrap());
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(search(&app, "علی رضایی").await, ["علی رضایی"]);
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_organizations_members_page_in_creation_order_once_each() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن الف")).await;
    let b = app.create_org(org("انجمن ب")).await;
    let mut created = Vec::new();
    for i in 0..5 {
        let member = app.create_member(person(&format!("عضو شماره {i}"))).await;
        app.add_membership_ok(&a, &member, "member", "2020-01-01", None).await;
        created.push(member["id"].as_str().unwrap().to_owned());
    }
    // Two memberships in the same organization, and one elsewhere only.
    let twice = app.create_member(person("عضو دوبار")).await;
    app.add_membership_ok(&a, &twice, "member", "2020-01-01", None).await;
    app.add_membership_ok(&a, &twice, "board_member", "2021-01-01", None)
        .await;
    created.push(twice["id"].as_str().unwrap().to_owned());
    let elsewhere = app.create_member(person("عضو جای دیگر")).await;
    app.add_membership_ok(&b, &elsewhere, "member", "2020-01-01", None)
        .await;

    let base = format!("/api/v1/members?organization_id={}&limit=2", a["id"].as_str().unwrap());
    assert_eq!(walk(&app, &base).await, created);

    let boards = app.get_json(&format!("{base}&role=board_member"), StatusCode::OK).await;
    assert_eq!(ids(&boards), [created[5].clone()]);
}

/// Walks every page of `base` (a list path with its query) through the cursors.
async fn walk(app: &TestApp, base: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut path = base.to_owned();
    loop {
        let page = app.get_json(&path, StatusCode::OK).await;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{base}&cursor={cursor}"),
            None => return seen,
        }
    }
}

/// Creates members named `matching` (each containing `query`) and `others` (not), pages a
/// search for `query` both ways, renames one match away, and pages again.
async fn pages_once_each(app: &TestApp, query: &str, matching: &[&str], others: &[&str]) {
    let mut ids = Vec::new();
    for name in matching {
        ids.push(app.create_member(person(name)).await["id"].as_str().unwrap().to_owned());
    }
    // The query twice in one key (name and expertise): still one result.
    let twice = app
        .create_member(json!({"full_name": query, "expertise": format!("همکار {query}")}))
        .await;
    ids.push(twice["id"].as_str().unwrap().to_owned());
    for name in others {
        app.create_member(person(name)).await;
    }

    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    assert_eq!(
        walk(app, &format!("/api/v1/members?q={q}&limit=2")).await,
        ids,
        "{query}"
    );
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(
        walk(app, &format!("/api/v1/members?q={q}&limit=4&sort=-created_at")).await,
        newest_first,
        "{query}"
    );
    // Renamed away, a member leaves the results.
    let gone = &ids[1];
    let version = app.get_json(&format!("/api/v1/members/{gone}"), StatusCode::OK).await["version"].clone();
    let response = app
        .request(reqwest::Method::PATCH, &format!("/api/v1/members/{gone}"))
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"full_name": "حسن کریمی"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut expected = ids.clone();
    expected.remove(1);
    assert_eq!(
        walk(app, &format!("/api/v1/members?q={q}&limit=2")).await,
        expected,
        "{query}"
    );
}

/// A search paged from its matches sorted in the server: one range of tails (the first word
/// ends no other stored word) and several ("علی" also ends "محمدعلی"), each read from the
/// index.
#[tokio::test]
async fn search_pages_in_creation_order_once_each_both_ways() {
    let app = TestApp::spawn().await;
    pages_once_each(
        &app,
        "بهرام کاظمی",
        &["بهرام کاظمی", "بهرام کاظمی‌پور", "بهرام کاظمی", "بهرام کاظمیان"],
        &["بهرام کاظم", "کاظمی بهرام"],
    )
    .await;
    pages_once_each(
        &app,
        "علی رضایی",
        &[
            "علی رضایی",
            "علی رضایی‌نژاد",
            "محمدعلی رضایی",
            "علی رضایی",
            "علی رضاییان",
        ],
        &["علی رضوی", "رضایی علی"],
    )
    .await;
}

/// A search matching more members than the server sorts itself (2,000) walks the members in
/// creation order and asks each one's tails: it pages the same, once each, both ways.
#[tokio::test]
async fn a_search_matching_thousands_pages_once_each_both_ways() {
    let app = TestApp::spawn().await;
    let organization = app.create_org(org("انجمن پرشمار")).await;
    let names: Vec<String> = (0..2400)
        .map(|i| match i % 8 {
            7 => format!("سارا دیگری {i}"),
            _ => format!("کیوان نمونه {i}"),
        })
        .collect();
    let rows: Vec<Vec<String>> = names.iter().map(|n| vec![n.clone()]).collect();
    let csv = crate::imports::csv_bytes(&["نام و نام خانوادگی"], &rows, b',');
    let response =
        crate::imports::import(&app, organization["id"].as_str().unwrap(), "", crate::imports::CSV, csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["created"], 2400, "{}", report["summary"]);

    // Everyone in creation order, then those whose name holds the query.
    let mut expected = Vec::new();
    let mut path = "/api/v1/members?limit=200".to_owned();
    loop {
        let page = app.get_json(&path, StatusCode::OK).await;
        for member in page["items"].as_array().unwrap() {
            if member["full_name"].as_str().unwrap().contains("کیوان") {
                expected.push(member["id"].as_str().unwrap().to_owned());
            }
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/members?limit=200&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(expected.len(), 2100);

    let q: String = form_urlencoded::byte_serialize("کیوان".as_bytes()).collect();
    assert_eq!(walk(&app, &format!("/api/v1/members?q={q}&limit=200")).await, expected);
    expected.reverse();
    assert_eq!(
        walk(&app, &format!("/api/v1/members?q={q}&limit=150&sort=-created_at")).await,
        expected
    );
}
