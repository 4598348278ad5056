//! Every error the server produces is problem+json, including the framework's own cases.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_problem, error_fields, TestApp};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    for body in ["{\"name\": ", "{not json}", "", "[1, 2", "{\"name\": \"a\"} trailing"] {
        let response = app
            .request(Method::POST, "/api/v1/organizations")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, StatusCode::BAD_REQUEST, "malformed_json").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(!detail.contains("line") && !detail.contains("column"), "{detail}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/api/v1/organizations", &json!(["a"])).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // serde would read `[]` as a struct whose fields are all optional: a PATCH of nothing.
    let org = app.create_org(json!({"name": "انجمن نخست", "kind": "other"})).await;
    let path = format!("/api/v1/organizations/{}", org["id"].as_str().unwrap());
    for body in [
        json!([]),
        json!([{"name": "دیگر"}]),
        json!("name"),
        json!(7),
        json!(null),
        json!(true),
    ] {
        let response = app.patch_json(&path, &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), vec![String::new()], "{body}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "invalid_type", "{body}: {problem}");
    }
    let after = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(after["version"], org["version"]);
    assert_eq!(after["name"], "انجمن نخست");
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415() {
    let app = TestApp::spawn().await;
    let body = r#"{"name": "انجمن", "kind": "other"}"#;
    let plain = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(plain, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let missing = app
        .request(Method::POST, "/api/v1/organizations")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(missing, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    // A structured JSON type is JSON.
    let merge = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "application/merge-patch+json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(merge.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn oversized_bodies_are_413_and_store_nothing() {
    let app = TestApp::spawn().await;
    let huge = "ا".repeat(40_000);
    let response = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "انجمن", "kind": "other", "description": huge}),
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Chunked, without a Content-Length to refuse up front.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"{\"name\": \"".to_vec()),
        Ok(vec![b'a'; 70_000]),
        Ok(b"\"}".to_vec()),
    ];
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let list = app.get_json("/api/v1/organizations", StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    assert_problem(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(app.get("/").await, StatusCode::NOT_FOUND, "not_found").await;

    let response = app.request(Method::PUT, "/api/v1/organizations").send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD, POST");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    let response = app
        .request(
            Method::POST,
            "/api/v1/organizations/019a0000-0000-7000-8000-000000000000",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD, PATCH, DELETE");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    let response = app.request(Method::DELETE, "/health/live").send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn bad_dates_name_the_field() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/api/v1/organizations",
            &json!({"name": "انجمن", "kind": "other", "founded_on": "1403-13-01"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["founded_on"]);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/organizations").await;
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let error = app.get("/nope").await;
    assert!(error.headers().contains_key("x-request-id"));

    // A plain id from the caller is kept, so one id can follow a call across systems...
    let response = app
        .request(Method::GET, "/health/live")
        .header("x-request-id", "caller-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "caller-42");
    // ...anything else is replaced.
    let response = app
        .request(Method::GET, "/health/live")
        .header("x-request-id", "has spaces and is \"odd\"")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "has spaces and is \"odd\"");
}

/// Headers past the server's limit are refused as problem+json too, before authentication
/// (a client that cannot send its headers cannot fix its token either).
#[tokio::test]
async fn oversized_headers_are_431_problems() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::GET, "/api/v1/organizations")
        .header("X-Padding", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("x-request-id"));
    assert_problem(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    let mut many = app.anonymous().request(Method::GET, "/health/live");
    for i in 0..70 {
        many = many.header(format!("x-extra-{i}"), "1");
    }
    let response = many.send().await.unwrap();
    assert_problem(
        response,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    // An ordinary request still works.
    assert_eq!(app.get("/api/v1/organizations").await.status(), StatusCode::OK);
}
