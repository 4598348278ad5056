//! Every list exports through the same path: a few representative ones beyond members
//! (projects, a roster, approvals, webhooks, users, API tokens) with their filters and the
//! caller's view, and CSV cells that would run as formulas, which still import back.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, org, person, TestApp};
use crate::imports::{import, CSV};
use crate::webhooks::created as webhook;

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn export(client: &crate::helpers::Client<'_>, path: &str, accept: &str) -> reqwest::Response {
    client
        .request(Method::GET, path)
        .header("Accept", accept)
        .send()
        .await
        .unwrap()
}

/// The CSV body without its byte-order mark: header and records.
async fn csv_of(response: reqwest::Response) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(bytes.strip_prefix("\u{FEFF}".as_bytes()).expect("a BOM")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    (header, reader.records().map(Result::unwrap).collect())
}

async fn ndjson_of(response: reqwest::Response) -> Vec<Value> {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn column<'a>(header: &[String], record: &'a csv::StringRecord, name: &str) -> &'a str {
    let at = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    &record[at]
}

#[tokio::test]
async fn projects_a_team_and_approvals_export_as_the_list_filters_them() {
    let app = TestApp::spawn().await;
    let admin = app.with_token(&app.admin_token);
    let a = app.create_org(org("انجمن الف")).await;
    let b = app.create_org(org("انجمن ب")).await;
    let c = app.create_org(org("انجمن پ")).await;
    let mut ids = Vec::new();
    for (title, lead, other) in [("مشترک الف و ب", &a, &b), ("ب و پ", &c, &b), ("الف و پ", &a, &c)] {
        let body = json!({"title": title, "kind": "research", "lead_organization_id": lead["id"], "organization_ids": [other["id"]]});
        let response = app.post_json("/api/v1/projects", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        ids.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    let path = format!("/api/v1/projects?organization_id={}", id(&a));
    let page = app.get_json(&path, StatusCode::OK).await;
    let listed = page["items"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let (header, records) = csv_of(export(&admin, &path, "text/csv").await).await;
    assert_eq!(
        header[..10],
        [
            "id",
            "title",
            "title_en",
            "kind",
            "summary",
            "status",
            "lead_organization_id",
            "organizations_organization_id",
            "organizations_name",
            "organizations_role"
        ]
    );
    let exported: Vec<&str> = records.iter().map(|r| &r[0]).collect();
    let expected: Vec<&str> = listed.iter().map(id).collect();
    assert_eq!(exported, expected, "the filter's items, in the list's order");
    assert!(
        !exported.contains(&ids[1].as_str()),
        "not a project of this organization"
    );
    for (record, item) in records.iter().zip(listed) {
        let parties: Vec<&str> = item["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["organization_id"].as_str().unwrap())
            .collect();
        let roles: Vec<&str> = item["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["role"].as_str().unwrap())
            .collect();
        assert_eq!(
            column(&header, record, "organizations_organization_id"),
            parties.join(";")
        );
        assert_eq!(
            column(&header, record, "organizations_role"),
            roles.join(";"),
            "lined up with the ids"
        );
        assert_eq!(column(&header, record, "created_by_type"), "user");
    }
    let lines = ndjson_of(export(&admin, &path, "application/x-ndjson").await).await;
    assert_eq!(&lines, listed, "each line is the item as the JSON list has it");

    // A roster: the team of the first project.
    let project = format!("/api/v1/projects/{}", ids[0]);
    let member = app.create_member(person("پژوهشگر یکم")).await;
    app.add_membership_ok(&a, &member, "member", "2025-01-01", None).await;
    let response = app
        .post_json(
            &format!("{project}/members"),
            &json!({"member_id": member["id"], "organization_id": a["id"], "role": "researcher"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let (header, records) = csv_of(export(&admin, &format!("{project}/members"), "text/csv").await).await;
    assert_eq!(
        header,
        [
            "member_id",
            "full_name",
            "full_name_en",
            "organization_id",
            "role",
            "added_at"
        ]
    );
    assert_eq!(records.len(), 1);
    assert_eq!((&records[0][1], &records[0][4]), ("پژوهشگر یکم", "researcher"));

    // Approvals: one line per approval; who is still to approve stays in the JSON.
    let response = app
        .post_json(&format!("{project}/approvals"), &json!({"organization_id": a["id"]}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let (header, records) = csv_of(export(&admin, &format!("{project}/approvals"), "text/csv").await).await;
    assert_eq!(header[0], "organization_id");
    assert_eq!(records.len(), 1);
    assert_eq!(column(&header, &records[0], "organization_id"), id(&a));
    assert_eq!(column(&header, &records[0], "approved_by_type"), "user");
    let lines = ndjson_of(export(&admin, &format!("{project}/approvals"), "application/x-ndjson").await).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["organization_id"], a["id"]);

    // 406 and 404 as problems, not streams.
    assert_problem(
        export(&admin, &path, "image/png").await,
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
    )
    .await;
    let missing = "/api/v1/projects/019a0000-0000-7000-8000-000000000000/members";
    assert_problem(
        export(&admin, missing, "text/csv").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn webhooks_users_and_tokens_export_only_to_whom_the_list_shows_them() {
    let app = TestApp::spawn().await;
    let a = app.create_org(org("انجمن دارای وب‌هوک")).await;
    let b = app.create_org(org("انجمن دیگر")).await;
    for organization in [Some(id(&a)), Some(id(&b)), None] {
        webhook(&app, json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["organization.*"], "organization_id": organization})).await;
    }
    let editor = app.login_as("editor", &[id(&a)]).await;
    let editor = app.with_token(&editor);
    let (header, records) = csv_of(export(&editor, "/api/v1/webhooks", "text/csv").await).await;
    assert_eq!(header[..4], ["id", "url", "event_types", "organization_id"]);
    assert_eq!(records.len(), 1, "only the endpoint of the editor's organization");
    assert_eq!(column(&header, &records[0], "organization_id"), id(&a));
    assert_eq!(column(&header, &records[0], "event_types"), "organization.*");
    let lines = ndjson_of(export(&editor, "/api/v1/webhooks", "application/x-ndjson").await).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["organization_id"], a["id"]);
    let admin = app.with_token(&app.admin_token);
    assert_eq!(
        ndjson_of(export(&admin, "/api/v1/webhooks", "application/x-ndjson").await)
            .await
            .len(),
        3
    );

    // Users: filtered by role; refused to non-administrators with a problem.
    app.create_user("viewer", &[]).await;
    let (header, records) = csv_of(export(&admin, "/api/v1/users?role=editor", "text/csv").await).await;
    assert_eq!(header[..4], ["id", "email", "display_name", "role"]);
    assert_eq!(records.len(), 1, "the one editor");
    assert_eq!(column(&header, &records[0], "role"), "editor");
    assert_problem(
        export(&editor, "/api/v1/users", "text/csv").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    app.create_api_token(&["members:read"], None).await;
    let (header, records) = csv_of(export(&admin, "/api/v1/api-tokens", "text/csv").await).await;
    assert_eq!(records.len(), 1);
    assert_eq!(column(&header, &records[0], "scopes"), "members:read");
    assert!(
        !header.iter().any(|h| h.contains("secret") || h.contains("hash")),
        "{header:?}"
    );
    assert_problem(
        export(&editor, "/api/v1/api-tokens", "application/x-ndjson").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn formula_cells_are_quoted_in_csv_only_and_import_back_to_the_same_members() {
    let app = TestApp::spawn().await;
    let ours = app.create_org(org("انجمن مبدأ")).await;
    let theirs = app.create_org(org("انجمن مقصد")).await;
    let people = [
        json!({"full_name": "علی رضایی", "national_id": "0499370899", "phone": "+98 912 123 4567", "expertise": "=SUM(1,2)"}),
        json!({"full_name": "مریم احمدی", "email": "maryam@example.org", "phone": "09121234568", "expertise": "@مدیریت"}),
        json!({"full_name": "سارا کریمی", "phone": "۰۹۱۲۱۲۳۴۵۶۹", "full_name_en": "-Sara"}),
    ];
    let mut members = Vec::new();
    for body in people {
        let member = app.create_member(body).await;
        app.add_membership_ok(&ours, &member, "member", "2025-01-01", None)
            .await;
        members.push(member);
    }
    let path = format!("/api/v1/members?organization_id={}&sort=full_name", id(&ours));
    let response = export(&app.with_token(&app.admin_token), &path, "text/csv").await;
    let bytes = response.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(",'+989121234567,"), "{text}");
    assert!(
        text.contains("'=SUM(1,2)") && text.contains(",'@مدیریت,") && text.contains(",'-Sara,"),
        "{text}"
    );
    assert!(!text.contains(",+98"), "no phone left to run as a formula: {text}");
    let lines = app
        .request(Method::GET, &path)
        .header("Accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    let lines = ndjson_of(lines).await;
    assert!(
        lines.iter().any(|m| m["expertise"] == "=SUM(1,2)"),
        "NDJSON keeps values as they are"
    );
    assert!(lines.iter().all(|m| m["phone"].as_str().unwrap().starts_with("+98")));

    // Into another organization, dry: every row is the member it came from, nothing to change
    // but the membership it would add.
    let response = import(&app, id(&theirs), "?dry_run=true", CSV, bytes.to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["error"], 0, "{report}");
    assert_eq!(report["summary"]["created"], 0, "{report}");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let mut matched: Vec<&str> = rows.iter().map(|r| r["member_id"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = members.iter().map(id).collect();
    matched.sort_unstable();
    expected.sort_unstable();
    assert_eq!(matched, expected, "{report}");
    // For real: the members themselves stay exactly as they were.
    let response = import(&app, id(&theirs), "", CSV, bytes.to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    for before in &members {
        let after = app
            .get_json(&format!("/api/v1/members/{}", id(before)), StatusCode::OK)
            .await;
        for field in [
            "full_name",
            "full_name_en",
            "national_id",
            "email",
            "phone",
            "expertise",
            "version",
        ] {
            assert_eq!(after[field], before[field], "{field}: same data, same version");
        }
    }
    // And into its own organization again: every row unchanged.
    let response = import(&app, id(&ours), "?dry_run=true", CSV, bytes.to_vec()).await;
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["summary"]["unchanged"], 3, "{report}");
}
