//! `Accept-Language: fa` gives Persian problem text (`title`, `detail`, each field error's
//! `message`); `code` and everything else stay as they are.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{org, TestApp};

fn persian(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// Sends `request` in Persian and in English: the same status and code, Persian text in
/// the first and English in the second. Returns the Persian problem.
async fn in_both(request: impl Fn() -> RequestBuilder, status: StatusCode, code: &str) -> Value {
    let fa = request()
        .header("Accept-Language", "fa-IR,fa;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(fa.status(), status, "{code}");
    assert_eq!(fa.headers()["content-language"], "fa", "{code}");
    let problem: Value = fa.json().await.unwrap();
    assert_eq!(problem["code"], code, "{problem}");
    assert_eq!(problem["status"], status.as_u16());
    assert_eq!(problem["type"], format!("urn:hamkari:problem:{code}"));
    for key in ["title", "detail"] {
        assert!(
            persian(problem[key].as_str().unwrap()),
            "{code}: {key} is not Persian: {problem}"
        );
    }
    for error in problem["errors"].as_array().into_iter().flatten() {
        assert!(persian(error["message"].as_str().unwrap()), "{code}: {error}");
        assert!(error["code"].as_str().unwrap().is_ascii());
    }

    let en = request()
        .header("Accept-Language", "en-US,en;q=0.9,fa;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), status);
    assert!(en.headers().get("content-language").is_none());
    let english: Value = en.json().await.unwrap();
    assert_eq!(english["code"], code);
    assert!(!persian(english["title"].as_str().unwrap()), "{english}");
    problem
}

#[tokio::test]
async fn problems_speak_persian_when_asked() {
    let app = TestApp::spawn().await;
    let a = &app;
    let created = app.create_org(org("انجمن یکم")).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());

    let problem = in_both(
        || a.anonymous().request(Method::GET, "/api/v1/organizations"),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(problem["title"], "احراز هویت نشده");
    in_both(
        || {
            a.request(
                Method::GET,
                "/api/v1/organizations/019a0000-0000-7000-8000-000000000000",
            )
        },
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    in_both(
        || a.request(Method::GET, "/api/v1/no-such-thing"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    in_both(
        || a.request(Method::DELETE, "/api/v1/organizations"),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    in_both(
        || {
            a.request(Method::POST, "/api/v1/organizations")
                .header("content-type", "text/plain")
                .body("{}")
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    in_both(
        || {
            a.request(Method::POST, "/api/v1/organizations")
                .header("content-type", "application/json")
                .body("{\"name\": ")
        },
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    let problem = in_both(
        || a.request(Method::GET, "/api/v1/members?limit=0"),
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "limit");
    assert_eq!(problem["errors"][0]["code"], "out_of_range");
    in_both(
        || a.request(Method::GET, "/api/v1/members?sort=shoe_size"),
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    let problem = in_both(
        || {
            a.request(Method::POST, "/api/v1/members")
                .json(&json!({"full_name": "مریم", "email": "no", "shoe_size": 40}))
        },
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["detail"], "برخی از فیلدهای درخواست نامعتبرند.");
    let problem = in_both(
        || a.request(Method::POST, "/api/v1/organizations").json(&org("انجمن يكم")),
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "name");
    in_both(
        || {
            a.request(Method::PATCH, &path)
                .header("If-Match", "\"99\"")
                .json(&json!({"kind": "other"}))
        },
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    in_both(
        || {
            a.request(Method::GET, "/api/v1/organizations")
                .header("X-Padding", "a".repeat(20 * 1024))
        },
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
}

/// Without a Persian preference the body is exactly what it always was.
#[tokio::test]
async fn other_languages_get_english() {
    let app = TestApp::spawn().await;
    for accept in [None, Some("de"), Some("*"), Some("fa;q=0, en")] {
        let mut request = app.anonymous().request(Method::GET, "/api/v1/organizations");
        if let Some(accept) = accept {
            request = request.header("Accept-Language", accept);
        }
        let problem: Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(problem["title"], "Unauthorized", "{accept:?}");
        assert!(!persian(problem["detail"].as_str().unwrap()), "{accept:?}");
    }
}
