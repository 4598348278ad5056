//! Capacities: offered under an agreement or to listed partners, seen by them and by no
//! one else; accreditations with their expiry flags and warnings; Persian search.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, TestApp, TestDb};

pub fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

pub async fn created(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

pub async fn agreement(app: &TestApp, orgs: &[&Value]) -> Value {
    let ids: Vec<&Value> = orgs.iter().map(|o| &o["id"]).collect();
    created(
        app.post_json(
            "/api/v1/agreements",
            &json!({"title": "تفاهم‌نامهٔ همکاری", "organization_ids": ids}),
        )
        .await,
    )
    .await
}

/// The founding case: the laboratories (A) and the audit society (B) under an agreement,
/// and C, who shares none with them.
pub struct Case {
    pub app: TestApp,
    pub a: Value,
    pub b: Value,
    pub c: Value,
    pub agreement: Value,
}

pub async fn case() -> Case {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن آزمایشگاه‌های همکار")).await;
    let b = app.create_org(org("جامعه ممیزی و بازرسی")).await;
    let c = app.create_org(org("انجمن بیرونی")).await;
    let agreement = agreement(&app, &[&a, &b]).await;
    Case {
        app,
        a,
        b,
        c,
        agreement,
    }
}

pub fn calibration(case: &Case) -> Value {
    json!({"kind": "calibration", "title": "کالیبراسیون ترازوهای آزمایشگاهی",
           "title_en": "Laboratory balance calibration",
           "description": "ترازوهای تا ۲۲۰ گرم، در محل یا در آزمایشگاه",
           "organization_id": case.a["id"], "province": "تهران", "city": "تهران",
           "offered_to": {"agreement_id": case.agreement["id"]}})
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn offered_to_partners_seen_by_them_and_by_no_one_else() {
    let case = case().await;
    let app = &case.app;
    let editor_a = app.login_as("editor", &[id(&case.a)]).await;
    let capacity = created(
        app.with_token(&editor_a)
            .post_json("/api/v1/capacities", &calibration(&case))
            .await,
    )
    .await;
    assert_eq!(capacity["availability"], "available");
    assert_eq!(capacity["offered_to"]["agreement_id"], case.agreement["id"]);
    assert_eq!(capacity["visible_to"], json!([case.a["id"], case.b["id"]]));
    let path = format!("/api/v1/capacities/{}", id(&capacity));

    let viewer_b = app.login_as("viewer", &[id(&case.b)]).await;
    let editor_c = app.login_as("editor", &[id(&case.c)]).await;
    let token_c = app.with_api_token(&["capacities:write"], Some(id(&case.c))).await;
    let response = app.with_token(&viewer_b).get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    for outsider in [&editor_c, &token_c] {
        assert_problem(
            app.with_token(outsider).get(&path).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let page = app.with_token(outsider).get("/api/v1/capacities").await;
        assert!(ids(&page.json().await.unwrap()).is_empty());
        // An outsider may not even learn it exists by trying to change it.
        assert_problem(
            app.with_token(outsider)
                .patch_json(&path, &json!({"availability": "limited"}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let page: Value = app
        .with_token(&viewer_b)
        .get("/api/v1/capacities")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page), [id(&capacity)]);
    // The partner reads but does not change it.
    let editor_b = app.login_as("editor", &[id(&case.b)]).await;
    assert_problem(
        app.with_token(&editor_b).delete(&path).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Listed partners: B is one, C is not.
    let mut listed = calibration(&case);
    listed["offered_to"] = json!({"organization_ids": [case.c["id"]]});
    let problem = assert_problem(
        app.with_token(&editor_a).post_json("/api/v1/capacities", &listed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_a_partner", "{problem}");
    listed["offered_to"] = json!({"organization_ids": [case.b["id"]], "agreement_id": case.agreement["id"]});
    let problem = assert_problem(
        app.post_json("/api/v1/capacities", &listed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["offered_to"]);
    // C may not offer under an agreement it is no party to.
    let mut foreign = calibration(&case);
    foreign["organization_id"] = case.c["id"].clone();
    let problem = assert_problem(
        app.post_json("/api/v1/capacities", &foreign).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_a_party");
    let all: Value = app.get_json("/api/v1/capacities", StatusCode::OK).await;
    assert_eq!(ids(&all).len(), 1, "nothing refused was stored");

    // Moving the offer to C is refused too; to listed B it is not, and C never sees it.
    let problem = assert_problem(
        app.with_token(&editor_a)
            .patch_json(&path, &json!({"offered_to": {"organization_ids": [case.c["id"]]}}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "not_a_partner");
    let stale = app
        .with_token(&editor_a)
        .request(Method::PATCH, &path)
        .header("If-Match", "\"7\"")
        .json(&json!({"availability": "limited"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let response = app
        .with_token(&editor_a)
        .request(Method::PATCH, &path)
        .header("If-Match", "\"1\"")
        .json(&json!({"availability": "limited", "offered_to": {"organization_ids": [case.b["id"], case.a["id"]]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(
        (changed["version"].as_i64(), changed["availability"].as_str()),
        (Some(2), Some("limited"))
    );
    assert_eq!(
        changed["offered_to"],
        json!({"agreement_id": null, "organization_ids": [case.b["id"]]})
    );
    assert_problem(
        app.with_token(&editor_c).get(&path).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Filters.
    let count = |q: String| {
        let app = &case.app;
        async move { ids(&app.get_json(&format!("/api/v1/capacities?{q}"), StatusCode::OK).await).len() }
    };
    assert_eq!(count("kind=calibration".into()).await, 1);
    assert_eq!(count("kind=training".into()).await, 0);
    assert_eq!(count(format!("organization_id={}", id(&case.a))).await, 1);
    assert_eq!(count(format!("organization_id={}", id(&case.b))).await, 0);
    assert_eq!(count("availability=limited".into()).await, 1);
    assert_eq!(count("availability=available".into()).await, 0);

    let response = app.with_token(&editor_a).delete(&path).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    let audit = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={}", id(&capacity)),
            StatusCode::OK,
        )
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 3, "created, updated, deleted");
}

fn accreditation(valid_from: &str, valid_until: &str) -> Value {
    json!({"standard": "iso_iec_17025", "body": "مرکز ملی تأیید صلاحیت ایران",
           "certificate_number": "NACI-L-0123", "scope": "کالیبراسیون جرم و ترازو",
           "valid_from": valid_from, "valid_until": valid_until})
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

#[tokio::test]
async fn accreditations_are_flagged_when_expired_and_filter_by_standard_and_day() {
    let case = case().await;
    let app = &case.app;
    let capacity = created(app.post_json("/api/v1/capacities", &calibration(&case)).await).await;
    let path = format!("/api/v1/capacities/{}", id(&capacity));
    let accreditations = format!("{path}/accreditations");

    let problem = assert_problem(
        app.post_json(&accreditations, &accreditation("2026-01-02", "2026-01-01"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "before_start");
    let mut other = accreditation("2024-01-01", "2025-01-01");
    other["standard"] = json!("other");
    let problem = assert_problem(
        app.post_json(&accreditations, &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["standard_text"]);
    other["standard_text"] = json!("ISO 15189");
    let expired = created(app.post_json(&accreditations, &other).await).await;
    assert_eq!(expired["expired"], true);
    let current = created(
        app.post_json(&accreditations, &accreditation(&day(-30), &day(400)))
            .await,
    )
    .await;
    assert_eq!(current["expired"], false);

    let read = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(read["version"], 3, "each accreditation moves the capacity's version");
    let flags: Vec<(&str, bool)> = read["accreditations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["standard"].as_str().unwrap(), a["expired"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("iso_iec_17025", false), ("other", true)]);

    let count = |q: String| {
        let app = &case.app;
        async move {
            app.get_json(&format!("/api/v1/capacities?{q}"), StatusCode::OK).await["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("standard=iso_iec_17025".into()).await, 1);
    assert_eq!(count("standard=iso_iec_17020".into()).await, 0);
    assert_eq!(count(format!("accredited_on={}", day(0))).await, 1);
    assert_eq!(count(format!("standard=other&accredited_on={}", day(0))).await, 0);
    assert_eq!(count("standard=other&accredited_on=2024-06-01".into()).await, 1);
    assert_eq!(count(format!("accredited_on={}", day(500))).await, 0);
    // The day in the Persian calendar.
    let response = app
        .request(Method::GET, "/api/v1/capacities?accredited_on=1403-06-01")
        .header("Accept-Calendar", "persian")
        .send()
        .await
        .unwrap();
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "1403-06-01 is 2024-08-22");

    let response = app.delete(&format!("{accreditations}/{}", id(&expired))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(count("standard=other".into()).await, 0);
    let response = app.delete(&format!("{accreditations}/{}", id(&expired))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn expiring(app: &TestApp) -> Vec<Value> {
    app.get_json("/api/v1/events?types=accreditation.expiring", StatusCode::OK)
        .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn expiring_accreditations_are_announced_once_at_60_and_14_days() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let check_often = |s: &mut hamkari_http::Settings| s.webhooks.token_check_every = Duration::from_millis(200);
    let one = TestApp::spawn_with(db, url.clone(), check_often).await;
    let a = one.create_org(org("انجمن آزمایشگاه‌ها")).await;
    let b = one.create_org(org("جامعه بازرسی")).await;
    let agreement = agreement(&one, &[&a, &b]).await;
    let capacity = created(
        one.post_json(
            "/api/v1/capacities",
            &json!({"kind": "inspection", "title": "بازرسی فنی", "organization_id": a["id"],
                    "offered_to": {"agreement_id": agreement["id"]}}),
        )
        .await,
    )
    .await;
    let accreditations = format!("/api/v1/capacities/{}/accreditations", id(&capacity));
    let mut inspection = accreditation(&day(-300), &day(50));
    inspection["standard"] = json!("iso_iec_17020");
    let within_60 = created(one.post_json(&accreditations, &inspection).await).await;
    let within_14 = created(
        one.post_json(&accreditations, &accreditation(&day(-300), &day(10)))
            .await,
    )
    .await;
    created(
        one.post_json(&accreditations, &accreditation(&day(-300), &day(90)))
            .await,
    )
    .await;
    // A person's accreditation, held by a member of A only.
    let member = one.create_member(json!({"full_name": "بازرس ارشد"})).await;
    one.add_membership_ok(&a, &member, "member", "2024-01-01", None).await;
    let mut person = accreditation(&day(-300), &day(5));
    person["standard"] = json!("iso_iec_17024");
    let personal = created(
        one.post_json(&format!("/api/v1/members/{}/accreditations", id(&member)), &person)
            .await,
    )
    .await;
    // A second instance checks the same database: each warning is still written once.
    let _two = TestApp::spawn_with(TestDb::create(), url, check_often).await;
    let mut items = Vec::new();
    for _ in 0..150 {
        items = expiring(&one).await;
        if items.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let items_after = expiring(&one).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items_after.len(), 3, "written once by two instances");
    let mut warned: Vec<&str> = items_after.iter().map(|i| i["resource_id"].as_str().unwrap()).collect();
    warned.sort();
    let mut want = vec![id(&within_60), id(&within_14), id(&personal)];
    want.sort();
    assert_eq!(warned, want);
    let item = items_after
        .iter()
        .find(|i| i["resource_id"] == within_14["id"])
        .unwrap();
    assert_eq!(item["data"]["valid_until"], within_14["valid_until"]);
    assert_eq!(item["data"]["expired"], false);
    // The partner follows the capacity's in its feed, not A's member's; an outsider neither.
    let viewer_b = one.login_as("viewer", &[id(&b)]).await;
    let page: Value = one
        .with_token(&viewer_b)
        .get("/api/v1/events?types=accreditation.expiring")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let c = one.create_org(org("انجمن بیرونی")).await;
    let viewer_c = one.login_as("viewer", &[id(&c)]).await;
    let page: Value = one
        .with_token(&viewer_c)
        .get("/api/v1/events?types=accreditation.expiring")
        .await
        .json()
        .await
        .unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
}
