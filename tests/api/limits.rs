//! The limits the OpenAPI document states are the limits the server keeps, and an invalid
//! body is refused the same way whatever version an `If-Match` names.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, error_fields, person, TestApp};

#[tokio::test]
async fn a_length_limit_counts_what_was_sent() {
    let app = TestApp::spawn().await;
    let padded = format!("{}{}", "ب".repeat(199), " ".repeat(5));
    let refused = app.post_json("/api/v1/members", &json!({ "full_name": padded })).await;
    let body = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&body), ["full_name"]);

    let at_the_limit = format!("  {}", "ب".repeat(198));
    let created = app
        .post_json("/api/v1/members", &json!({ "full_name": at_the_limit }))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_invalid_change_is_422_even_with_a_stale_if_match() {
    let app = TestApp::spawn().await;
    let member = app.create_member(person("عضو محدود")).await;
    let path = format!("/api/v1/members/{}", member["id"].as_str().unwrap());
    let response = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"9\"")
        .json(&json!({ "expertise": "x".repeat(2001) }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&body), ["expertise"]);

    let stale = app
        .request(Method::PATCH, &path)
        .header("If-Match", "\"9\"")
        .json(&json!({ "expertise": "آزمون" }))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let unchanged = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(unchanged["expertise"], json!(null));
    assert_eq!(unchanged["version"], member["version"]);
}

#[tokio::test]
async fn a_method_no_operation_takes_is_405_whatever_idempotency_key_it_carries() {
    let app = TestApp::spawn().await;
    let key = "\"limits-405-key\"";
    let created = app
        .request(Method::POST, "/api/v1/members")
        .header("Idempotency-Key", key)
        .json(&person("عضو کلیددار"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let patched = app
        .request(Method::PATCH, "/api/v1/members")
        .header("Idempotency-Key", key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.headers()["allow"], "GET, HEAD, POST");
    assert_problem(patched, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}
