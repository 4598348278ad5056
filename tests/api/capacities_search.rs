//! Searching capacities and members' expertise as Persian users write: spelling variants
//! meet, accreditation scopes and the provider's name and expertise count, and keys stored
//! by older rules are rebuilt at start.

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::capacities::{agreement, created, id};
use crate::helpers::{org, TestApp, TestDb};

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

struct Offers {
    inspection: Value,
    expert: Value,
    member: Value,
}

async fn offers(app: &TestApp) -> Offers {
    let a = app.create_org(org("جامعه ممیزی و بازرسی")).await;
    let b = app.create_org(org("انجمن آزمایشگاه‌ها")).await;
    let agreement = agreement(app, &[&a, &b]).await;
    let member = app
        .create_member(json!({"full_name": "علی رضایی", "expertise": "ممیزی سامانه‌های مدیریت کیفیت"}))
        .await;
    let offer = |body: Value| {
        let mut body = body;
        body["organization_id"] = a["id"].clone();
        body["offered_to"] = json!({"agreement_id": agreement["id"]});
        body
    };
    let inspection = created(
        app.post_json(
            "/api/v1/capacities",
            &offer(json!({"kind": "inspection", "title": "تیم بازرسی هیئت فنی",
                          "description": "بازرسی مخازن تحت فشار"})),
        )
        .await,
    )
    .await;
    created(
        app.post_json(
            &format!("/api/v1/capacities/{}/accreditations", id(&inspection)),
            &json!({"standard": "iso_iec_17020", "body": "مرکز ملی تأیید صلاحیت",
                    "scope": "بازرسی جرثقیل‌ها و آسانسورها",
                    "valid_from": "2025-01-01", "valid_until": "2028-01-01"}),
        )
        .await,
    )
    .await;
    let expert = created(
        app.post_json(
            "/api/v1/capacities",
            &offer(json!({"kind": "expert", "title": "سرممیز ارشد", "provider_member_id": member["id"]})),
        )
        .await,
    )
    .await;
    Offers {
        inspection,
        expert,
        member,
    }
}

#[tokio::test]
async fn capacities_are_found_by_title_scope_and_their_providers_name_and_expertise() {
    let app = TestApp::spawn().await;
    let o = offers(&app).await;
    let path = "/api/v1/capacities";
    let (inspection, expert) = (id(&o.inspection).to_owned(), id(&o.expert).to_owned());
    for (q, want) in [
        ("هیات فنی", vec![inspection.clone()]),
        ("هيأت", vec![inspection.clone()]),
        ("مخازن", vec![inspection.clone()]),
        ("آسانسور", vec![inspection.clone()]),
        ("جرثقیلها", vec![inspection.clone()]),
        ("علي رضايي", vec![expert.clone()]),
        ("سامانههای مديريت", vec![expert.clone()]),
        ("ممیز", vec![expert.clone()]),
        ("کالیبراسیون", vec![]),
    ] {
        let mut got = search(&app, path, q).await;
        got.sort();
        assert_eq!(got, want, "{q}");
    }
    // The provider's key follows the member.
    let member = format!("/api/v1/members/{}", id(&o.member));
    let response = app
        .patch_json(
            &member,
            &json!({"expertise": "بازرسی آسانسور", "full_name": "علی رضایی‌نیا"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(search(&app, path, "مدیریت کیفیت").await.is_empty());
    assert_eq!(search(&app, path, "رضایینیا").await, [expert.as_str()]);
    let mut both = search(&app, path, "آسانسور").await;
    both.sort();
    let mut want = vec![inspection.clone(), expert.clone()];
    want.sort();
    assert_eq!(both, want);
    // A provider who is deleted takes their name out of the capacity's key.
    assert_eq!(app.delete(&member).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(search(&app, path, "آسانسور").await, [inspection.as_str()]);
    let read = app.get_json(&format!("{path}/{expert}"), StatusCode::OK).await;
    assert_eq!(read["provider_member_id"], Value::Null);
}

#[tokio::test]
async fn members_are_found_by_expertise() {
    let app = TestApp::spawn().await;
    let member = app
        .create_member(json!({"full_name": "مریم احمدی", "expertise": "داور هیأت‌های ارزیابی آزمایشگاه"}))
        .await;
    app.create_member(json!({"full_name": "هیوا کریمی"})).await;
    for q in ["هیئتهای ارزیابی", "هيات", "داور"] {
        assert_eq!(search(&app, "/api/v1/members", q).await, [id(&member)], "{q}");
    }
}

/// Keys written before expertise and capacities were searched (the rules' version 3) are
/// rebuilt when an instance starts.
#[tokio::test]
async fn keys_stored_before_expertise_counted_are_rebuilt_at_start() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let app = TestApp::spawn_on(db, url.clone(), true).await;
    let o = offers(&app).await;
    app.db
        .connect()
        .batch_execute(
            "UPDATE members SET search_key = 'علی رضایی';
             UPDATE capacities SET search_key = 'x';
             UPDATE server_settings SET value = '3' WHERE name = 'key_version';",
        )
        .unwrap();
    assert!(search(&app, "/api/v1/members", "کیفیت").await.is_empty());
    assert!(search(&app, "/api/v1/capacities", "مخازن").await.is_empty());
    let _second = TestApp::spawn_with(TestDb::create(), url, |s| s.admin = hamkari_http::AdminBootstrap::Skip).await;
    assert_eq!(search(&app, "/api/v1/members", "کیفیت").await, [id(&o.member)]);
    assert_eq!(search(&app, "/api/v1/capacities", "مخازن").await, [id(&o.inspection)]);
    assert_eq!(search(&app, "/api/v1/capacities", "کیفیت").await, [id(&o.expert)]);
}
