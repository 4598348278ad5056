//! The length limits in the served OpenAPI document are the server's own: for every string
//! field of a request body that has a `maxLength`, exactly that many characters are accepted,
//! one more is refused (422 naming the field), and so is one fewer than any `minLength`.
//! Values are Persian letters (two bytes each in UTF-8), so a limit counted in bytes fails.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::authorization_matrix::{request_for, World};
use crate::helpers::{assert_problem, error_fields, org, TestApp};

/// How a field's values are made.
#[derive(Clone, Copy)]
enum Fill {
    Text,
    /// A URL: this prefix, then letters.
    Url(&'static str),
    /// Lower-case hex digits: a valid, unique slug.
    Slug,
}

/// One request string field: the operation whose request carries it (as the authorization
/// matrix prepares it), the schema and property the document describes it with, where it
/// goes in the body, the field a refusal names, and what else the body needs for it.
struct Case {
    operation: &'static str,
    schema: &'static str,
    property: &'static str,
    pointer: &'static str,
    field: &'static str,
    fill: Fill,
    with: Value,
}

fn case(operation: &'static str, schema: &'static str, property: &'static str) -> Case {
    Case {
        operation,
        schema,
        property,
        pointer: "",
        field: property,
        fill: Fill::Text,
        with: json!({}),
    }
}

impl Case {
    fn url(mut self, prefix: &'static str) -> Self {
        self.fill = Fill::Url(prefix);
        self
    }

    fn with(mut self, extra: Value) -> Self {
        self.with = extra;
        self
    }

    fn at(mut self, pointer: &'static str, field: &'static str) -> Self {
        self.pointer = pointer;
        self.field = field;
        self
    }
}

const WEBSITE: &str = "https://example.org/";
const HOOK: &str = "http://127.0.0.1:9/hooks/";
const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn cases() -> Vec<Case> {
    let mut cases = vec![
        case("project.transition", "TransitionRequest", "reason"),
        case("working_group.transition", "GroupTransitionRequest", "reason"),
        case("agreement.transition", "AgreementTransitionRequest", "reason"),
        case("meeting.transition", "MeetingTransition", "reason"),
        case("action_item.transition", "ActionItemTransition", "reason"),
        case("project.approve", "ApproveRequest", "note"),
        case("working_group.approve", "ApproveRequest", "note"),
        case("agreement.approve", "ApproveRequest", "note"),
        case("meeting.agenda_set", "AgendaItemBody", "title").at("/items/0/title", "items[0].title"),
        case("meeting.agenda_set", "AgendaItemBody", "notes").at("/items/0/notes", "items[0].notes"),
        case("meeting.minutes_draft", "MinutesDraft", "text"),
        case("resolution.create", "CreateResolution", "text"),
        case("action_item.create", "CreateActionItem", "what"),
        case("membership.create", "CreateMembership", "end_reason").with(json!({"ends_on": "2025-12-31"})),
        case("membership.update", "UpdateMembership", "end_reason"),
        case("user.create", "CreateUser", "display_name"),
        case("user.update", "UpdateUser", "display_name"),
        case("user.create", "CreateUser", "password"),
        case("user.update", "UpdateUser", "password"),
        case("api_token.create", "CreateApiToken", "name"),
        case("webhook.create", "CreateWebhook", "url").url(HOOK),
        case("webhook.update", "UpdateWebhook", "url").url(HOOK),
    ];
    for (operation, schema) in [
        ("organization.create", "CreateOrganization"),
        ("organization.update", "UpdateOrganization"),
    ] {
        for property in ["name", "name_en", "description"] {
            cases.push(case(operation, schema, property));
        }
        cases.push(case(operation, schema, "website").url(WEBSITE));
        let mut slug = case(operation, schema, "slug");
        slug.fill = Fill::Slug;
        cases.push(slug);
    }
    for (operation, schema) in [("member.create", "CreateMember"), ("member.update", "UpdateMember")] {
        for property in ["full_name", "full_name_en", "expertise"] {
            cases.push(case(operation, schema, property));
        }
    }
    for (operation, schema) in [("project.create", "CreateProject"), ("project.update", "UpdateProject")] {
        for property in ["title", "title_en", "summary"] {
            cases.push(case(operation, schema, property));
        }
    }
    for (operation, schema) in [
        ("working_group.create", "CreateWorkingGroup"),
        ("working_group.update", "UpdateWorkingGroup"),
    ] {
        for property in ["name", "name_en", "topic", "mandate"] {
            cases.push(case(operation, schema, property));
        }
    }
    for (operation, schema) in [
        ("agreement.create", "CreateAgreement"),
        ("agreement.update", "UpdateAgreement"),
    ] {
        for property in ["title", "summary", "scope"] {
            cases.push(case(operation, schema, property));
        }
        cases.push(case(operation, schema, "document_url").url(WEBSITE));
        cases.push(case(operation, schema, "document_name").with(json!({"document_sha256": SHA})));
    }
    for (operation, schema) in [("meeting.create", "CreateMeeting"), ("meeting.update", "UpdateMeeting")] {
        for property in ["title", "place"] {
            cases.push(case(operation, schema, property));
        }
        cases.push(case(operation, schema, "online_url").url("https://meet.example.org/"));
    }
    for (operation, schema) in [
        ("capacity.create", "CreateCapacity"),
        ("capacity.update", "UpdateCapacity"),
    ] {
        for property in ["title", "title_en", "description", "province", "city"] {
            cases.push(case(operation, schema, property));
        }
    }
    for property in ["purpose", "quantity"] {
        cases.push(case("capacity_request.create", "CreateCapacityRequest", property));
    }
    cases.push(case("capacity_request.comment", "CreateComment", "body"));
    for operation in ["accreditation.add", "member.accreditation_add"] {
        for property in ["body", "certificate_number", "scope"] {
            cases.push(case(operation, "CreateAccreditation", property));
        }
        cases.push(case(operation, "CreateAccreditation", "standard_text").with(json!({"standard": "other"})));
    }
    cases
}

/// Request string fields with no length limit of their own: each has a grammar (or is
/// compared, never stored) that bounds what is accepted.
const UNBOUNDED: &[(&str, &str)] = &[
    ("CreateMember", "national_id"),
    ("CreateMember", "email"),
    ("CreateMember", "phone"),
    ("UpdateMember", "national_id"),
    ("UpdateMember", "email"),
    ("UpdateMember", "phone"),
    ("CreateOrganization", "email"),
    ("CreateOrganization", "phone"),
    ("UpdateOrganization", "email"),
    ("UpdateOrganization", "phone"),
    ("CreateUser", "email"),
    ("CreateAgreement", "document_sha256"),
    ("UpdateAgreement", "document_sha256"),
    ("CreateMeeting", "time_zone"),
    ("UpdateMeeting", "time_zone"),
    ("LoginRequest", "email"),
    ("LoginRequest", "password"),
    ("RefreshRequest", "refresh_token"),
];

/// Compared with the stored hash, never stored; its limit is checked in tests/api/users.rs.
const COMPARED_ONLY: &[(&str, &str)] = &[("UpdateUser", "current_password")];

/// Letters that make each generated value unique (names must be), then `ک` up to `chars`.
fn text(seed: usize, chars: usize) -> String {
    const LETTERS: [char; 20] = [
        'ا', 'ب', 'پ', 'ت', 'ث', 'ج', 'چ', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'ژ', 'س', 'ش', 'ص', 'ض', 'ط', 'ظ',
    ];
    let mut tag = String::new();
    let mut n = seed;
    loop {
        tag.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
    }
    tag.chars().chain(std::iter::repeat('ک')).take(chars).collect()
}

fn value_of(fill: Fill, seed: usize, chars: usize) -> String {
    match fill {
        Fill::Text => text(seed, chars),
        // Too short to hold the prefix: a value under `minLength`, refused whatever it is.
        Fill::Url(prefix) if chars <= prefix.len() => text(seed, chars),
        Fill::Url(prefix) => format!("{prefix}{}", text(seed, chars - prefix.len())),
        Fill::Slug => std::iter::repeat_with(|| uuid::Uuid::now_v7().simple().to_string())
            .flat_map(|s| s.chars().collect::<Vec<_>>())
            .take(chars)
            .collect(),
    }
}

/// Each request body schema's string properties, with their `minLength` and `maxLength`.
fn request_strings(document: &Value) -> BTreeMap<(String, String), (Option<u64>, Option<u64>)> {
    let schemas = &document["components"]["schemas"];
    let mut names = BTreeSet::new();
    let mut pending: Vec<&Value> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation.get("requestBody"))
        .collect();
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if let Some(name) = map.get("$ref").and_then(Value::as_str) {
                    let name = name.rsplit('/').next().unwrap().to_owned();
                    if names.insert(name.clone()) {
                        pending.push(&schemas[&name]);
                    }
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    let mut strings = BTreeMap::new();
    for name in names {
        for (property, schema) in schemas[&name]["properties"].as_object().into_iter().flatten() {
            let string = match &schema["type"] {
                Value::String(t) => t == "string",
                Value::Array(types) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            if string && schema.get("format").is_none() && schema.get("enum").is_none() {
                let limits = (schema["minLength"].as_u64(), schema["maxLength"].as_u64());
                strings.insert((name.clone(), property.clone()), limits);
            }
        }
    }
    strings
}

async fn prepared(app: &TestApp, world: &World, operation: &str) -> (Method, String, Value) {
    if operation == "project.transition" {
        let project = app
            .post_json(
                "/api/v1/projects",
                &json!({"title": "پروژهٔ مرزها", "kind": "research", "lead_organization_id": world.a,
                        "organization_ids": [world.a, world.c]}),
            )
            .await;
        assert_eq!(project.status(), StatusCode::CREATED);
        let project: Value = project.json().await.unwrap();
        let path = format!("/api/v1/projects/{}/transitions", project["id"].as_str().unwrap());
        return (Method::POST, path, json!({"to": "cancelled"}));
    }
    let (method, path, body) = request_for(app, world, operation).await;
    (method, path, body.unwrap_or_else(|| json!({})))
}

fn set(body: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let shown = body.to_string();
    body.pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer} in {shown}"))[key] = value;
}

#[tokio::test]
async fn every_request_length_limit_in_the_document_is_the_servers() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api-docs/openapi.json", StatusCode::OK).await;
    let strings = request_strings(&document);
    let cases = cases();

    // Every limited field is tried below; every other one is bounded some other way.
    let tried: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.schema.to_owned(), c.property.to_owned()))
        .collect();
    for (key, (_, max)) in &strings {
        let known = |list: &[(&str, &str)]| list.iter().any(|(s, p)| (*s, *p) == (key.0.as_str(), key.1.as_str()));
        match max {
            Some(_) => assert!(
                tried.contains(key) || known(COMPARED_ONLY),
                "{key:?} has a maxLength no case tries"
            ),
            None => assert!(
                known(UNBOUNDED),
                "{key:?} has no maxLength: what does the server allow?"
            ),
        }
    }

    let world = World {
        a: app.create_org(org("انجمن مرزها")).await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        b: app.create_org(org("انجمن مرزهای دیگر")).await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        c: app.create_org(org("انجمن همراه مرزها")).await["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    };
    let mut wrong = Vec::new();
    for (seed, case) in cases.iter().enumerate() {
        let key = (case.schema.to_owned(), case.property.to_owned());
        let Some(&(min, Some(max))) = strings.get(&key) else {
            wrong.push(format!("{key:?}: the document gives it no maxLength"));
            continue;
        };
        let (method, path, mut body) = prepared(&app, &world, case.operation).await;
        for (k, v) in case.with.as_object().unwrap() {
            body[k] = v.clone();
        }
        let pointer = if case.pointer.is_empty() {
            format!("/{}", case.property)
        } else {
            case.pointer.to_owned()
        };
        let mut refused = vec![max + 1];
        refused.extend(min.filter(|m| *m > 0).map(|m| m - 1));
        for chars in refused {
            let mut sent = body.clone();
            set(&mut sent, &pointer, json!(value_of(case.fill, seed, chars as usize)));
            let response = app.request(method.clone(), &path).json(&sent).send().await.unwrap();
            if response.status() != StatusCode::UNPROCESSABLE_ENTITY {
                wrong.push(format!(
                    "{}.{} with {chars} characters: {} (wanted 422)",
                    case.schema,
                    case.property,
                    response.status()
                ));
                continue;
            }
            let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            if !error_fields(&problem).iter().any(|f| f == case.field) {
                wrong.push(format!(
                    "{}.{}: {problem} does not name {}",
                    case.schema, case.property, case.field
                ));
            }
        }
        let mut sent = body;
        set(&mut sent, &pointer, json!(value_of(case.fill, seed, max as usize)));
        let response = app.request(method.clone(), &path).json(&sent).send().await.unwrap();
        let status = response.status();
        if !status.is_success() {
            let answer = response.text().await.unwrap();
            wrong.push(format!(
                "{}.{} with {max} characters: {status} {answer:.300}",
                case.schema, case.property
            ));
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn the_documents_array_limits_are_the_servers() {
    let app = TestApp::spawn().await;
    let document = app.get_json("/api-docs/openapi.json", StatusCode::OK).await;
    let schemas = &document["components"]["schemas"];
    let a = app.create_org(org("انجمن فهرست‌ها")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = app.create_org(org("انجمن همراه فهرست‌ها")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let world = World { a: a.clone(), b: a, c };

    let agenda = schemas["AgendaBody"]["properties"]["items"]["maxItems"]
        .as_u64()
        .unwrap() as usize;
    let (method, path, _) = prepared(&app, &world, "meeting.agenda_set").await;
    let items = |n: usize| json!({"items": (0..n).map(|i| json!({"title": format!("بند {i}")})).collect::<Vec<_>>()});
    let response = app
        .request(method.clone(), &path)
        .json(&items(agenda + 1))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["items"]);
    let response = app.request(method, &path).json(&items(agenda)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let types = &schemas["CreateWebhook"]["properties"]["event_types"];
    let (min, max) = (
        types["minItems"].as_u64().unwrap() as usize,
        types["maxItems"].as_u64().unwrap() as usize,
    );
    let hook = |n: usize| json!({"url": "http://127.0.0.1:9/hooks", "event_types": vec!["organization.created"; n]});
    for refused in [min - 1, max + 1] {
        let response = app.post_json("/api/v1/webhooks", &hook(refused)).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["event_types"], "{refused} event types");
    }
    assert_eq!(
        app.post_json("/api/v1/webhooks", &hook(max)).await.status(),
        StatusCode::CREATED
    );
}
