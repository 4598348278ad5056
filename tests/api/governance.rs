//! Where approvals meet meetings: an approval may cite the resolution that decided it, and
//! only an adopted resolution of a meeting the approving organization took part in.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, TestApp};
use crate::meetings::{board_meeting, founders, hold, id, ok};

async fn resolution(app: &TestApp, meeting: &Value, outcome: &str) -> Value {
    ok(
        app.post_json(
            &format!("/api/v1/meetings/{}/resolutions", id(meeting)),
            &json!({"text": "همکاری دو انجمن تصویب شد", "outcome": outcome}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

#[tokio::test]
async fn an_approval_cites_an_adopted_resolution_of_a_meeting_its_organization_attended() {
    let app = TestApp::spawn().await;
    let f = founders(&app).await;
    let meeting = board_meeting(&app, &f).await;
    hold(&app, &meeting).await;
    let adopted = resolution(&app, &meeting, "adopted").await;
    let rejected = resolution(&app, &meeting, "rejected").await;
    let agreement = ok(
        app.post_json(
            "/api/v1/agreements",
            &json!({"title": "تفاهم‌نامهٔ همکاری", "organization_ids": [f.a["id"], f.b["id"]]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let approvals = format!("/api/v1/agreements/{}/approvals", id(&agreement));

    for (cited, code) in [
        (json!("019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b"), "not_found"),
        (rejected["id"].clone(), "not_adopted"),
    ] {
        let refused = app
            .post_json(
                &approvals,
                &json!({"organization_id": f.a["id"], "resolution_id": cited}),
            )
            .await;
        let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["resolution_id"]);
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let listed = app.get_json(&approvals, StatusCode::OK).await;
    assert_eq!(listed["items"], json!([]), "a refused approval writes nothing");

    let approval = ok(
        app.post_json(
            &approvals,
            &json!({"organization_id": f.a["id"], "resolution_id": adopted["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(approval["resolution_id"], adopted["id"]);
    let listed = app.get_json(&approvals, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["resolution_id"], adopted["id"]);
}
