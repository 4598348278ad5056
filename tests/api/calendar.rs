//! Days in the Solar Hijri calendar (`Accept-Calendar: persian`), stored Gregorian, and the
//! refusal of a day sent in the wrong calendar.

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp, TestDb};

const PERSIAN: &str = "persian";

async fn send(app: &TestApp, method: Method, path: &str, calendar: Option<&str>, body: Option<&Value>) -> Response {
    let mut request = app.request(method, path);
    if let Some(calendar) = calendar {
        request = request.header("Accept-Calendar", calendar);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn json_ok(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

/// An organization and a member, and the path that adds memberships to it.
async fn setup(app: &TestApp) -> (Value, Value, String) {
    let organization = app.create_org(org("انجمن تقویم")).await;
    let member = app.create_member(person("مریم تقویمی")).await;
    let path = format!(
        "/api/v1/organizations/{}/memberships",
        organization["id"].as_str().unwrap()
    );
    (organization, member, path)
}

#[tokio::test]
async fn a_membership_written_in_jalali_reads_back_in_both_calendars() {
    let app = TestApp::spawn().await;
    let (_, member, path) = setup(&app).await;
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1403-01-01", "ends_on": "1403-12-30"});
    let response = send(&app, Method::POST, &path, Some(PERSIAN), Some(&body)).await;
    assert_eq!(response.headers()["content-calendar"], "persian");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json_ok(response, StatusCode::CREATED).await;
    assert_eq!(
        (created["starts_on"].as_str(), created["ends_on"].as_str()),
        (Some("1403-01-01"), Some("1403-12-30"))
    );
    // Timestamps are not days: RFC 3339 UTC in every calendar.
    let created_at = created["created_at"].as_str().unwrap();
    assert!(
        created_at.starts_with("20") && created_at.ends_with('Z'),
        "{created_at}"
    );

    let response = send(&app, Method::GET, &location, None, None).await;
    assert_eq!(response.headers()["content-calendar"], "gregorian");
    let gregorian = json_ok(response, StatusCode::OK).await;
    assert_eq!(
        (gregorian["starts_on"].as_str(), gregorian["ends_on"].as_str()),
        (Some("2024-03-20"), Some("2025-03-20"))
    );
    let persian = json_ok(
        send(&app, Method::GET, &location, Some(PERSIAN), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(persian, created);

    // A change in Jalali: Shahrivar has 31 days.
    let changed = json_ok(
        send(
            &app,
            Method::PATCH,
            &location,
            Some(PERSIAN),
            Some(&json!({"ends_on": "1404-06-31"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["ends_on"], "1404-06-31");
    let gregorian = json_ok(
        send(&app, Method::GET, &location, Some("gregorian"), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(gregorian["ends_on"], "2025-09-22");
}

#[tokio::test]
async fn nowruz_lands_on_the_right_day_and_esfand_30_only_in_leap_years() {
    let app = TestApp::spawn().await;
    let (_, member, path) = setup(&app).await;
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1399-01-01"});
    let location = format!(
        "/api/v1/memberships/{}",
        json_ok(
            send(&app, Method::POST, &path, Some(PERSIAN), Some(&body)).await,
            StatusCode::CREATED
        )
        .await["id"]
            .as_str()
            .unwrap()
    );
    // Official calendar (see crates/domain/src/calendar/tests.rs for the sources).
    let nowruz = [
        (1400, "2021-03-21", false),
        (1401, "2022-03-21", false),
        (1402, "2023-03-21", false),
        (1403, "2024-03-20", true),
        (1404, "2025-03-21", false),
        (1405, "2026-03-21", false),
        (1406, "2027-03-21", false),
        (1407, "2028-03-20", false),
        (1408, "2029-03-20", true),
        (1409, "2030-03-21", false),
        (1410, "2031-03-21", false),
    ];
    for (year, gregorian, leap) in nowruz {
        let change = json!({"starts_on": format!("{year}-01-01"), "ends_on": null});
        let response = send(&app, Method::PATCH, &location, Some(PERSIAN), Some(&change)).await;
        assert_eq!(
            json_ok(response, StatusCode::OK).await["starts_on"],
            format!("{year}-01-01")
        );
        let stored = json_ok(send(&app, Method::GET, &location, None, None).await, StatusCode::OK).await;
        assert_eq!(stored["starts_on"], gregorian, "Nowruz {year}");

        let esfand_30 = json!({"ends_on": format!("{year}-12-30")});
        let response = send(&app, Method::PATCH, &location, Some(PERSIAN), Some(&esfand_30)).await;
        if leap {
            assert_eq!(
                json_ok(response, StatusCode::OK).await["ends_on"],
                format!("{year}-12-30")
            );
            let next = nowruz.iter().find(|(y, _, _)| *y == year + 1).unwrap().1;
            let stored = json_ok(send(&app, Method::GET, &location, None, None).await, StatusCode::OK).await;
            let day_before = chrono::NaiveDate::parse_from_str(next, "%Y-%m-%d")
                .unwrap()
                .pred_opt()
                .unwrap();
            assert_eq!(stored["ends_on"], day_before.to_string(), "Esfand 30, {year}");
        } else {
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], "ends_on", "{problem}");
            assert_eq!(problem["errors"][0]["code"], "invalid_date", "{problem}");
        }
    }
    // Nothing else is a month either.
    let response = send(
        &app,
        Method::PATCH,
        &location,
        Some(PERSIAN),
        Some(&json!({"ends_on": "1410-13-01"})),
    )
    .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn a_solar_hijri_date_sent_as_gregorian_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, member, path) = setup(&app).await;
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1403-01-01"});
    let problem = assert_problem(
        send(&app, Method::POST, &path, None, Some(&body)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "implausible_date",
    )
    .await;
    assert_eq!(error_fields(&problem), ["starts_on"]);
    assert_eq!(problem["errors"][0]["code"], "implausible_date");
    assert!(problem["detail"].as_str().unwrap().contains("Solar Hijri"), "{problem}");
    // In Persian too.
    let response = app
        .request(Method::POST, &path)
        .header("Accept-Language", "fa")
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "implausible_date").await;
    assert!(problem["detail"].as_str().unwrap().contains("خورشیدی"), "{problem}");
    // The mirror mistake: a Gregorian date in Persian mode.
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "2024-03-20"});
    let response = send(&app, Method::POST, &path, Some(PERSIAN), Some(&body)).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "implausible_persian_date").await;
    // Filters too.
    let response = send(&app, Method::GET, &format!("{path}?on=1403-01-01"), None, None).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "implausible_date").await;

    let list = json_ok(send(&app, Method::GET, &path, None, None).await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]), "nothing was written");
    // 1800 is the default floor.
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1800-01-01"});
    json_ok(
        send(&app, Method::POST, &path, None, Some(&body)).await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn the_floor_is_configurable() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(db, url, |s| s.min_date = "1950-01-01".parse().unwrap()).await;
    let (_, member, path) = setup(&app).await;
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1949-12-31"});
    let response = send(&app, Method::POST, &path, None, Some(&body)).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "implausible_date").await;
    let body = json!({"member_id": member["id"], "role": "member", "starts_on": "1950-01-01"});
    let created = json_ok(
        send(&app, Method::POST, &path, None, Some(&body)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["starts_on"], "1950-01-01");
}

#[tokio::test]
async fn list_filters_take_jalali() {
    let app = TestApp::spawn().await;
    let (_, member, path) = setup(&app).await;
    let other = app.create_member(person("رضا تقویمی")).await;
    let earlier =
        json!({"member_id": member["id"], "role": "member", "starts_on": "1402-01-01", "ends_on": "1402-12-29"});
    let later = json!({"member_id": other["id"], "role": "member", "starts_on": "1403-01-01"});
    for body in [&earlier, &later] {
        json_ok(
            send(&app, Method::POST, &path, Some(PERSIAN), Some(body)).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let on = |day: &str| format!("{path}?on={day}");
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["member"]["full_name"].as_str().unwrap().to_owned())
            .collect()
    };
    // The last day of 1402 and the first of 1403, in Jalali; the same days in Gregorian.
    for (day, calendar, who) in [
        ("1402-12-29", Some(PERSIAN), "مریم تقویمی"),
        ("1403-01-01", Some(PERSIAN), "رضا تقویمی"),
        ("2024-03-19", None, "مریم تقویمی"),
        ("2024-03-20", None, "رضا تقویمی"),
    ] {
        let list = json_ok(send(&app, Method::GET, &on(day), calendar, None).await, StatusCode::OK).await;
        assert_eq!(names(&list), [who], "on={day} ({calendar:?})");
    }
    // A day the calendar lacks is well formed but unusable: 422 naming the parameter.
    let response = send(&app, Method::GET, &on("1402-12-30"), Some(PERSIAN), None).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["on"]);
    assert_eq!(problem["errors"][0]["code"], "invalid_date");
}

#[tokio::test]
async fn a_calendar_we_do_not_know_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let (_, _, path) = setup(&app).await;
    for value in ["jalali", "", "persian, gregorian"] {
        let response = send(&app, Method::GET, &path, Some(value), None).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_header").await;
        assert_eq!(error_fields(&problem), ["Accept-Calendar"], "{value:?}");
    }
    // Any case is fine; responses say which calendar they used, and vary by it.
    let response = send(&app, Method::GET, &path, Some("Persian"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-calendar"], "persian");
    let vary: Vec<_> = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(vary.iter().any(|v| v.contains("Accept-Calendar")), "{vary:?}");
}

#[test]
fn every_operation_documents_accept_calendar() {
    let spec: Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(params) = op.get("parameters").and_then(Value::as_array) else {
                panic!("{method} {path} has no parameters");
            };
            let header = params.iter().find(|p| p["name"] == "Accept-Calendar");
            let header = header.unwrap_or_else(|| panic!("{method} {path} lacks Accept-Calendar"));
            assert_eq!(header["in"], "header");
            assert_eq!(header["schema"]["enum"], json!(["gregorian", "persian"]));
            assert!(op["responses"]["400"].is_object(), "{method} {path} lacks 400");
            operations += 1;
        }
    }
    assert!(operations > 40, "{operations}");
    let date = &spec["components"]["schemas"]["CalendarDate"];
    assert_eq!(date["type"], "string");
    assert!(date["description"].as_str().unwrap().contains("Accept-Calendar"));
    let starts_on = &spec["components"]["schemas"]["CreateMembership"]["properties"]["starts_on"];
    assert_eq!(starts_on["$ref"], "#/components/schemas/CalendarDate", "{starts_on}");
}
