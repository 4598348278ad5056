//! Liveness, readiness and the documentation endpoints.

use reqwest::StatusCode;
use serde_json::Value;

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
