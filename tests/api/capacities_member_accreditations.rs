//! Accreditations a person holds (ISO/IEC 17024, say): kept by those who keep the member,
//! flagged when expired, and announced before they end like a capacity's.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::capacities::{created, id};
use crate::helpers::{assert_problem, error_fields, org, TestApp};

#[tokio::test]
async fn a_members_accreditations_are_kept_by_its_organizations_editors() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("جامعه ممیزی و بازرسی")).await;
    let b = app.create_org(org("انجمن دیگر")).await;
    let member = app.create_member(json!({"full_name": "فاطمه احمدی"})).await;
    app.add_membership_ok(&a, &member, "member", "2024-01-01", None).await;
    let path = format!("/api/v1/members/{}/accreditations", id(&member));
    let editor_a = app.login_as("editor", &[id(&a)]).await;
    let editor_b = app.login_as("editor", &[id(&b)]).await;
    let person = json!({"standard": "iso_iec_17024", "body": "مرکز ملی تأیید صلاحیت ایران",
                        "certificate_number": "NACI-P-0042", "scope": "ممیز سامانه‌های مدیریت کیفیت",
                        "valid_from": "2022-01-01", "valid_until": "2025-01-01"});

    let mut reversed = person.clone();
    reversed["valid_until"] = json!("2021-12-31");
    let problem = assert_problem(
        app.with_token(&editor_a).post_json(&path, &reversed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["valid_until"]);
    assert_problem(
        app.with_token(&editor_b).post_json(&path, &person).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let added = created(app.with_token(&editor_a).post_json(&path, &person).await).await;
    assert_eq!(
        (&added["member_id"], &added["capacity_id"], &added["expired"]),
        (&member["id"], &Value::Null, &json!(true))
    );
    let listed = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["standard"], "iso_iec_17024");
    // A capacity's path does not reach a member's accreditation.
    let elsewhere = format!(
        "/api/v1/members/{}/accreditations/{}",
        id(&app.create_member(json!({"full_name": "دیگری"})).await),
        id(&added)
    );
    assert_eq!(app.delete(&elsewhere).await.status(), StatusCode::NOT_FOUND);
    assert_problem(
        app.with_token(&editor_b)
            .delete(&format!("{path}/{}", id(&added)))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = app
        .with_token(&editor_a)
        .delete(&format!("{path}/{}", id(&added)))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(app.get_json(&path, StatusCode::OK).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let events = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={}", id(&member)),
            StatusCode::OK,
        )
        .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"accreditation_added") && actions.contains(&"accreditation_removed"),
        "{actions:?}"
    );
}
