//! Lists as CSV and NDJSON: every item the filters select, streamed, and a CSV that
//! imports back to the same data.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{assert_problem, org, TestApp};
use crate::imports::{csv_bytes, import, rows, CSV};

async fn export(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn members_as_csv_and_ndjson_with_filters_and_back_again() {
    let app = TestApp::spawn().await;
    let ours = app.create_org(org("انجمن صادرات")).await;
    let ours_id = ours["id"].as_str().unwrap();
    // More rows than one streamed page (500), all good (the bad lines start at 101).
    let header = ["نام و نام خانوادگی", "کد ملی", "ایمیل", "موبایل", "نقش", "تاریخ شروع"];
    let good: Vec<Vec<String>> = rows(1000)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| ![99, 200, 301, 402, 503].contains(i))
        .map(|(_, r)| r)
        .collect();
    assert_eq!(good.len(), 995);
    let response = import(&app, ours_id, "", CSV, csv_bytes(&header, &good[..700], b',')).await;
    assert_eq!(response.status(), StatusCode::OK);
    app.create_member(serde_json::json!({"full_name": "بیرون از انجمن"}))
        .await;

    let path = format!("/api/v1/members?organization_id={ours_id}&sort=full_name&limit=7");
    let response = export(&app, &path, "text/csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{FEFF}".as_bytes()), "a byte-order mark first");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[1], "full_name");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 700, "every member of the filter, not one page");
    assert!(records.iter().all(|r| r[1].starts_with("عضو شماره")));

    let response = export(&app, &path, "application/x-ndjson").await;
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let lines: Vec<Value> = response
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 700);
    let csv_ids: Vec<&str> = records.iter().map(|r| &r[0]).collect();
    let json_ids: Vec<&str> = lines.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(csv_ids, json_ids, "the same order as the list");
    let searched = export(
        &app,
        "/api/v1/members?q=%D8%A8%DB%8C%D8%B1%D9%88%D9%86",
        "application/x-ndjson",
    )
    .await;
    assert_eq!(searched.text().await.unwrap().lines().count(), 1);

    let memberships = export(
        &app,
        &format!("/api/v1/organizations/{ours_id}/memberships?role=inspector"),
        "text/csv",
    )
    .await;
    assert_eq!(memberships.status(), StatusCode::OK);
    let text = memberships.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{FEFF}').lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,member_id,member_full_name,organization_id,organization_name,role"));
    // Every fourth row of the sheet is an inspector (بازرس).
    assert_eq!(lines.filter(|l| l.contains(",inspector,")).count(), 175);

    // The exported CSV imports back as it is: nothing changes.
    let response = import(&app, ours_id, "", CSV, bytes.to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["unchanged"], 700, "{}", report["summary"]);
    assert_eq!(report["summary"]["error"], 0);
}

#[tokio::test]
async fn unsupported_accept_is_406_and_audit_events_export_too() {
    let app = TestApp::spawn().await;
    app.create_org(org("انجمن سرآیند")).await;
    for path in ["/api/v1/members", "/api/v1/audit-events", "/api/v1/organizations"] {
        assert_problem(
            export(&app, path, "image/png").await,
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
        )
        .await;
        let response = export(&app, path, "application/json;q=0.5, text/html").await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let response = export(&app, "/api/v1/audit-events?resource_type=organization", "text/csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let mut lines = text.trim_start_matches('\u{FEFF}').lines();
    assert!(lines.next().unwrap().starts_with("id,at,action,resource_type"));
    let event = lines.next().unwrap();
    assert!(event.contains(",created,organization,"), "{event}");
    assert_eq!(lines.count(), 0);
    let response = export(&app, "/api/v1/organizations?limit=1", "text/csv").await;
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{FEFF}').lines().collect();
    assert!(lines[0].starts_with("id,name,name_en,slug,kind"), "{text}");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains(",انجمن سرآیند,") && lines[1].contains(",association,"),
        "{text}"
    );
    // A caller refused the list is refused the export, with a problem, not a stream.
    let viewer = app.login_as("viewer", &[]).await;
    let response = app
        .with_token(&viewer)
        .request(Method::GET, "/api/v1/audit-events")
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}
