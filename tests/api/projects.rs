//! Joint projects: the two-organization and one-lead invariants, the team, the lifecycle
//! and who may change them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, error_fields, org, person, TestApp};

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

async fn project(app: &TestApp, lead: &Value, others: &[&Value]) -> Value {
    let mut ids = vec![lead["id"].clone()];
    ids.extend(others.iter().map(|o| o["id"].clone()));
    let response = app
        .post_json(
            "/api/v1/projects",
            &json!({"title": "پژوهش مشترک عدم قطعیت", "kind": "research", "lead_organization_id": lead["id"], "organization_ids": ids}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn transition(app: &TestApp, p: &Value, to: &str) -> reqwest::Response {
    if to == "approved" {
        crate::approvals::approve_all(app, &format!("/api/v1/projects/{}", id(p))).await;
    }
    app.post_json(
        &format!("/api/v1/projects/{}/transitions", id(p)),
        &json!({"to": to, "reason": format!("به {to}")}),
    )
    .await
}

#[tokio::test]
async fn a_project_needs_two_organizations_and_one_lead() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن الف")).await,
        app.create_org(org("جامعه ب")).await,
    );
    let p = project(&app, &a, &[&b]).await;
    assert_eq!(p["status"], "proposed");
    assert_eq!(p["allowed_transitions"], json!(["approved", "cancelled"]));
    assert_eq!(p["lead_organization_id"], a["id"]);
    let roles: Vec<(&str, &str)> = p["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&("انجمن الف", "lead")) && roles.contains(&("جامعه ب", "partner")));

    // One organization is not a joint project.
    let response = app
        .post_json(
            "/api/v1/projects",
            &json!({"title": "تنها", "kind": "other", "lead_organization_id": a["id"], "organization_ids": [a["id"]]}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_ids"]);
    let response = app
        .post_json(
            "/api/v1/projects",
            &json!({"title": "ناشناس", "kind": "other", "lead_organization_id": a["id"], "organization_ids": ["019a0000-0000-7000-8000-000000000000"]}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_ids"]);

    let base = format!("/api/v1/projects/{}/organizations", id(&p));
    // The lead cannot be demoted or removed; the second organization cannot leave.
    let problem = app
        .request(Method::PUT, &format!("{base}/{}", id(&a)))
        .json(&json!({"role": "partner"}))
        .send()
        .await
        .unwrap();
    assert_problem(problem, StatusCode::CONFLICT, "participation_rule").await;
    assert_problem(
        app.delete(&format!("{base}/{}", id(&a))).await,
        StatusCode::CONFLICT,
        "participation_rule",
    )
    .await;
    assert_problem(
        app.delete(&format!("{base}/{}", id(&b))).await,
        StatusCode::CONFLICT,
        "participation_rule",
    )
    .await;

    // A third organization joins as sponsor; then b can leave.
    let c = app.create_org(org("فدراسیون ج")).await;
    let response = app
        .request(Method::PUT, &format!("{base}/{}", id(&c)))
        .json(&json!({"role": "sponsor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let part = app.get_json(&format!("{base}/{}", id(&c)), StatusCode::OK).await;
    assert_eq!(part["role"], "sponsor");
    assert_eq!(
        app.delete(&format!("{base}/{}", id(&b))).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(&format!("{base}/{}", id(&b))).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Naming a new lead hands the role over: still exactly one.
    let response = app
        .request(Method::PUT, &format!("{base}/{}", id(&c)))
        .json(&json!({"role": "lead"}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["lead_organization_id"], c["id"]);
    let leads = body["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["role"] == "lead")
        .count();
    assert_eq!(leads, 1);
    assert_eq!(
        app.get_json(&format!("{base}/{}", id(&a)), StatusCode::OK).await["role"],
        "partner"
    );
}

#[tokio::test]
async fn the_lifecycle_allows_only_its_steps_and_keeps_them() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن چرخه")).await,
        app.create_org(org("جامعه چرخه")).await,
    );
    let p = project(&app, &a, &[&b]).await;
    for to in ["approved", "active", "on_hold", "active", "completed"] {
        let response = transition(&app, &p, to).await;
        assert_eq!(response.status(), StatusCode::CREATED, "→ {to}");
        let t: Value = response.json().await.unwrap();
        assert_eq!(t["to"], to);
        assert_eq!(t["by"]["kind"], "user");
    }
    // Completed is final.
    let problem = assert_problem(
        transition(&app, &p, "active").await,
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("final"), "{problem}");
    let history = app
        .get_json(&format!("/api/v1/projects/{}/transitions", id(&p)), StatusCode::OK)
        .await;
    let steps: Vec<(Option<&str>, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].as_str(), t["to"].as_str().unwrap()))
        .collect();
    let steps: Vec<(&str, &str)> = steps.into_iter().map(|(f, t)| (f.unwrap_or("-"), t)).collect();
    assert_eq!(
        steps,
        [
            ("-", "proposed"),
            ("proposed", "approved"),
            ("approved", "active"),
            ("active", "on_hold"),
            ("on_hold", "active"),
            ("active", "completed")
        ]
    );
    assert_eq!(history["items"][1]["reason"], "به approved");
    let now = app
        .get_json(&format!("/api/v1/projects/{}", id(&p)), StatusCode::OK)
        .await;
    assert_eq!(
        (now["status"].as_str(), now["allowed_transitions"].clone()),
        (Some("completed"), json!([]))
    );
}

#[tokio::test]
async fn illegal_steps_name_the_allowed_ones_and_any_open_state_can_be_cancelled() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.create_org(org("انجمن گام")).await,
        app.create_org(org("جامعه گام")).await,
    );
    for (path, illegal) in [
        (vec![], "active"),
        (vec!["approved"], "completed"),
        (vec!["approved", "active"], "approved"),
        (vec!["approved", "active", "on_hold"], "completed"),
    ] {
        let p = project(&app, &a, &[&b]).await;
        for step in &path {
            assert_eq!(transition(&app, &p, step).await.status(), StatusCode::CREATED);
        }
        let problem = assert_problem(
            transition(&app, &p, illegal).await,
            StatusCode::CONFLICT,
            "illegal_transition",
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().contains("cancelled"), "{problem}");
        assert_eq!(error_fields(&problem), ["to"]);
        assert_eq!(transition(&app, &p, "cancelled").await.status(), StatusCode::CREATED);
        assert_problem(
            transition(&app, &p, "cancelled").await,
            StatusCode::CONFLICT,
            "illegal_transition",
        )
        .await;
    }
    let p = project(&app, &a, &[&b]).await;
    let response = app
        .post_json(
            &format!("/api/v1/projects/{}/transitions", id(&p)),
            &json!({"to": "finished"}),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // A stale If-Match is refused before the step.
    let response = app
        .request(Method::POST, &format!("/api/v1/projects/{}/transitions", id(&p)))
        .header("If-Match", "\"9\"")
        .json(&json!({"to": "approved"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
}

#[tokio::test]
async fn team_members_come_from_participating_organizations() {
    let app = TestApp::spawn().await;
    let (a, b, outsider) = (
        app.create_org(org("انجمن تیم")).await,
        app.create_org(org("جامعه تیم")).await,
        app.create_org(org("بیرونی")).await,
    );
    let p = project(&app, &a, &[&b]).await;
    let person1 = app.create_member(person("پژوهشگر یک")).await;
    let team = format!("/api/v1/projects/{}/members", id(&p));
    let response = app
        .post_json(
            &team,
            &json!({"member_id": person1["id"], "organization_id": outsider["id"], "role": "researcher"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    let response = app
        .post_json(
            &team,
            &json!({"member_id": person1["id"], "organization_id": b["id"], "role": "coordinator"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let added: Value = response.json().await.unwrap();
    assert_eq!(added["full_name"], "پژوهشگر یک");
    let response = app
        .post_json(
            &team,
            &json!({"member_id": person1["id"], "organization_id": a["id"], "role": "member"}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT, "already_on_team").await;

    let member_path = format!("{team}/{}", id(&person1));
    let changed: Value = app
        .patch_json(&member_path, &json!({"role": "trainer", "organization_id": a["id"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (changed["role"].as_str(), changed["organization_id"].clone()),
        (Some("trainer"), a["id"].clone())
    );
    let problem = assert_problem(
        app.patch_json(&member_path, &json!({"organization_id": outsider["id"]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    // The organization a member represents cannot leave while they do.
    let c = app.create_org(org("سوم")).await;
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{}/organizations/{}", id(&p), id(&c)),
    )
    .json(&json!({"role": "partner"}))
    .send()
    .await
    .unwrap();
    let response = app
        .delete(&format!("/api/v1/projects/{}/organizations/{}", id(&p), id(&a)))
        .await;
    assert_problem(response, StatusCode::CONFLICT, "participation_rule").await;

    let listed = app.get_json(&team, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Filters: by member and by organization.
    let by_member = app
        .get_json(&format!("/api/v1/projects?member_id={}", id(&person1)), StatusCode::OK)
        .await;
    assert_eq!(by_member["items"][0]["id"], p["id"]);
    assert_eq!(app.delete(&member_path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.delete(&member_path).await, StatusCode::NOT_FOUND, "not_found").await;
    let by_member = app
        .get_json(&format!("/api/v1/projects?member_id={}", id(&person1)), StatusCode::OK)
        .await;
    assert_eq!(by_member["items"], json!([]));
}

#[tokio::test]
async fn filters_and_search() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        app.create_org(org("انجمن فیلتر")).await,
        app.create_org(org("جامعه فیلتر")).await,
        app.create_org(org("سوم فیلتر")).await,
    );
    let create = |title: &'static str, kind: &'static str, lead: &Value, other: &Value, starts: &'static str| {
        let body = json!({"title": title, "kind": kind, "lead_organization_id": lead["id"], "organization_ids": [other["id"]], "starts_on": starts});
        let app = &app;
        async move {
            let response = app.post_json("/api/v1/projects", &body).await;
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<Value>().await.unwrap()
        }
    };
    let research = create("پژوهش کالیبراسیون", "research", &a, &b, "2026-01-01").await;
    let audit = create("نظارت بر آزمایشگاهها", "supervisory", &b, &c, "2027-01-01").await;
    let course = create("دوره آموزشي ممیزی", "educational", &a, &c, "2025-06-01").await;
    transition(&app, &audit, "approved").await;
    let titles = |path: String| {
        let app = &app;
        async move {
            let page = app.get_json(&path, StatusCode::OK).await;
            let mut t: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["title"].as_str().unwrap().to_owned())
                .collect();
            t.sort();
            t
        }
    };
    assert_eq!(
        titles("/api/v1/projects?kind=research".into()).await,
        [research["title"].as_str().unwrap()]
    );
    assert_eq!(
        titles("/api/v1/projects?status=approved".into()).await,
        [audit["title"].as_str().unwrap()]
    );
    assert_eq!(
        titles(format!("/api/v1/projects?organization_id={}", id(&c)))
            .await
            .len(),
        2
    );
    assert_eq!(titles("/api/v1/projects?starts_after=2025-12-31".into()).await.len(), 2);
    // "آموزشي" with Arabic yeh finds "آموزشی".
    let q: String = form_urlencoded::byte_serialize("آموزشی".as_bytes()).collect();
    assert_eq!(
        titles(format!("/api/v1/projects?q={q}")).await,
        [course["title"].as_str().unwrap()]
    );
    let page = app.get_json("/api/v1/projects?limit=2", StatusCode::OK).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let rest = app
        .get_json(
            &format!(
                "/api/v1/projects?limit=2&cursor={}",
                page["next_cursor"].as_str().unwrap()
            ),
            StatusCode::OK,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_participants_change_a_project() {
    let app = TestApp::spawn().await;
    let (a, b, outsider) = (
        app.create_org(org("انجمن مجاز")).await,
        app.create_org(org("جامعه مجاز")).await,
        app.create_org(org("انجمن بیرون")).await,
    );
    let p = project(&app, &a, &[&b]).await;
    let path = format!("/api/v1/projects/{}", id(&p));
    let insider = app.login_as("editor", &[id(&b)]).await;
    let stranger = app.login_as("editor", &[id(&outsider)]).await;
    let token = app.with_api_token(&["projects:write"], Some(id(&outsider))).await;
    let viewer = app.login_as("viewer", &[id(&a)]).await;

    assert_eq!(
        app.with_token(&insider)
            .patch_json(&path, &json!({"summary": "خلاصه"}))
            .await
            .status(),
        StatusCode::OK
    );
    crate::approvals::approve_all(&app, &path).await;
    assert_eq!(
        app.with_token(&insider)
            .post_json(&format!("{path}/transitions"), &json!({"to": "approved"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    for credential in [&stranger, &token, &viewer] {
        let client = app.with_token(credential);
        assert_eq!(client.get(&path).await.status(), StatusCode::OK, "everyone reads");
        assert_problem(
            client.patch_json(&path, &json!({"summary": "x"})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_problem(
            client
                .post_json(&format!("{path}/transitions"), &json!({"to": "active"}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let put = client
            .request(Method::PUT, &format!("{path}/organizations/{}", id(&outsider)))
            .json(&json!({"role": "partner"}))
            .send()
            .await
            .unwrap();
        assert_problem(put, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(client.delete(&path).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // A stranger cannot create a project for other organizations either.
    let body = json!({"title": "پروژه دیگران", "kind": "other", "lead_organization_id": a["id"], "organization_ids": [b["id"]]});
    assert_problem(
        app.with_token(&stranger).post_json("/api/v1/projects", &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let read_only = app.with_api_token(&["projects:read"], None).await;
    assert_eq!(
        app.with_token(&read_only).get("/api/v1/projects").await.status(),
        StatusCode::OK
    );
    assert_problem(
        app.with_token(&read_only).post_json("/api/v1/projects", &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The insider's transition was recorded as theirs.
    let history = app.get_json(&format!("{path}/transitions"), StatusCode::OK).await;
    assert_eq!(history["items"][1]["by"]["kind"], "user");
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
}

/// Walks a sub-list one entry a page through `next_cursor`; returns what it saw.
async fn walk(app: &TestApp, path: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut url = format!("{path}?limit=1");
    loop {
        let page = app.get_json(&url, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 1, "{page}");
        seen.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}?limit=1&cursor={cursor}"),
            None => return seen,
        }
    }
}

async fn actions(app: &TestApp, resource: &str) -> Vec<String> {
    let events = app
        .get_json(
            &format!("/api/v1/audit-events?resource_id={resource}&limit=200"),
            StatusCode::OK,
        )
        .await;
    events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_team_and_the_history_page_and_every_change_is_an_event() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        app.create_org(org("انجمن صفحه")).await,
        app.create_org(org("جامعه صفحه")).await,
        app.create_org(org("فدراسیون صفحه")).await,
    );
    let p = project(&app, &a, &[&b]).await;
    let path = format!("/api/v1/projects/{}", id(&p));
    let mut people = Vec::new();
    for name in ["پژوهشگر اول", "پژوهشگر دوم", "پژوهشگر سوم"] {
        let person = app.create_member(person(name)).await;
        let response = app
            .post_json(
                &format!("{path}/members"),
                &json!({"member_id": person["id"], "organization_id": b["id"], "role": "researcher"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        people.push(person);
    }
    let team = walk(&app, &format!("{path}/members")).await;
    let walked: Vec<&Value> = team.iter().map(|m| &m["member_id"]).collect();
    let added: Vec<&Value> = people.iter().map(|m| &m["id"]).collect();
    assert_eq!(walked, added);

    for to in ["approved", "active", "on_hold"] {
        assert_eq!(transition(&app, &p, to).await.status(), StatusCode::CREATED);
    }
    let history = walk(&app, &format!("{path}/transitions")).await;
    let steps: Vec<&str> = history.iter().map(|t| t["to"].as_str().unwrap()).collect();
    // The creation comes first, and one entry a page reaches it and every step once.
    assert_eq!(steps, ["proposed", "approved", "active", "on_hold"]);
    assert_eq!(history[0]["from"], Value::Null);
    assert_eq!(history[0]["at"], p["created_at"]);
    for step in &history {
        assert_eq!(step["actor"]["type"], "user");
        assert!(step["actor"]["name"].as_str().is_some(), "{step}");
    }

    for sub in ["members", "transitions"] {
        assert_problem(
            app.get(&format!("{path}/{sub}?sort=created_at")).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
    }

    let member_path = format!("{path}/members/{}", id(&people[0]));
    app.patch_json(&member_path, &json!({"role": "trainer"})).await;
    app.delete(&member_path).await;
    app.request(Method::PUT, &format!("{path}/organizations/{}", id(&c)))
        .json(&json!({"role": "sponsor"}))
        .send()
        .await
        .unwrap();
    app.request(Method::PUT, &format!("{path}/organizations/{}", id(&c)))
        .json(&json!({"role": "partner"}))
        .send()
        .await
        .unwrap();
    app.delete(&format!("{path}/organizations/{}", id(&c))).await;
    app.patch_json(&path, &json!({"summary": "خلاصه"})).await;
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        actions(&app, id(&p)).await,
        [
            "created",
            "team_member_added",
            "team_member_added",
            "team_member_added",
            // Both organizations approve before the project leaves `proposed`.
            "approved",
            "approved",
            "transitioned",
            "transitioned",
            "transitioned",
            "team_member_updated",
            "team_member_removed",
            "participant_added",
            "participant_updated",
            "participant_removed",
            "updated",
            "deleted",
        ]
    );
}
