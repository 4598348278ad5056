//! Liveness, readiness and the documentation endpoints.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn live_and_ready() {
    let app = TestApp::spawn().await;
    for path in ["/health/live", "/health/ready"] {
        let body = app.get_json(path, StatusCode::OK).await;
        assert_eq!(body["status"], "ok", "{path}");
    }
}

#[tokio::test]
async fn the_served_document_matches_the_code_and_docs_render() {
    let app = TestApp::spawn().await;
    let served: Value = app.get_json("/api-docs/openapi.json", StatusCode::OK).await;
    let generated: Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    assert_eq!(served, generated);
    assert!(served["paths"]["/api/v1/organizations/{id}"]["patch"].is_object());
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    // Without the slash, a redirect to it (the test client does not follow redirects).
    let bare = app.anonymous().get("/docs").await;
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(bare.headers()["location"], "/docs/");
}

/// The server registers its routes without building the document it serves, so this ties
/// the two together: every operation the document lists reaches a handler, with an
/// administrator's session, a made-up id for each path parameter and an empty JSON body.
/// The fallback's 404 and 405 (and a 401 from before routing) would mean it did not.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let document: Value = app.get_json("/api-docs/openapi.json", StatusCode::OK).await;
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "019a0000-0000-7000-8000-000000000000"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            operations.push((method, path.clone(), concrete.clone()));
        }
    }
    // Logging out ends the session the others are sent with.
    operations.sort_by_key(|(_, path, _)| path.ends_with("/logout"));
    for (method, path, concrete) in &operations {
        let response = app
            .request(method.clone(), concrete)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let label = format!("{method} {path} answered {status}");
        assert!(
            ![StatusCode::UNAUTHORIZED, StatusCode::METHOD_NOT_ALLOWED].contains(&status),
            "{label}"
        );
        if status == StatusCode::NOT_FOUND {
            let problem: Value = response.json().await.unwrap();
            assert_ne!(problem["detail"], "No resource at this address.", "{label}");
        }
    }
    assert!(operations.len() > 100, "{} operations", operations.len());
}

/// The committed contract is exactly what the code generates
/// (regenerate with `cargo run -- openapi > openapi/openapi.json`).
#[test]
fn committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json exists");
    let committed: Value = serde_json::from_str(&committed).expect("openapi/openapi.json is JSON");
    let generated: Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

/// The responses every operation can give whatever its handler does are in the document:
/// clients generated from it must know about 401, 503, 422 and the rest.
#[test]
fn every_operation_documents_the_shared_errors() {
    let spec: Value = serde_json::from_str(&hamkari_http::openapi::spec().to_json().unwrap()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |status: &str| responses.contains_key(status);
            let public = op["security"] == json!([{}]);
            let label = format!("{method} {path}");
            assert!(has("500"), "{label}");
            if path != "/health/live" {
                assert!(has("503"), "{label}");
                assert!(responses["503"]["headers"].get("Retry-After").is_some(), "{label}");
            }
            if !public {
                assert!(has("401") && has("403"), "{label}");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(has(status), "{label} {status}");
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["name"] == "If-Match") {
                assert!(has("412") && has("400"), "{label}");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{label} {status}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 57, "{checked} operations");
}
