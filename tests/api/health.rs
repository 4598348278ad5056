//! Liveness, readiness and the documentation endpoints.

use reqwest::StatusCode;
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
