//! The OpenAPI document, generated from the registered routes, and what it tells the
//! fallback handler about which methods a path allows.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Spec;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{ApiError, Problem, ProblemField};

mod calendar;
mod clients;
mod conventions;
mod links;

use conventions::{Conventions, Exact};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hamkari",
        description = "همکاری — the API through which professional associations run their cooperation: \
organizations, the members they share, joint projects and working groups.\n\n\
Errors are RFC 9457 `application/problem+json` documents with a stable `code`. \
Lists are keyset-paginated: follow `next_cursor` (or the `Link: rel=\"next\"` header). \
Lists whose 200 response lists `text/csv` and `application/x-ndjson` export every item their filters \
select when `Accept` asks for one of those (streamed page by page; `limit` and `cursor` only set where \
it starts). NDJSON is one JSON item per line. CSV is UTF-8 with a byte-order mark and a header row; a \
column is a field of the item's JSON, a nested field named by its path with `_` (`member_full_name`), \
a list of values joined by `;`, a field of a list's items taken from each of them, joined by `;` in \
the same order; a cell beginning with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` \
so spreadsheet programs do not run it as a formula (an import removes it again). An `Accept` \
allowing none of a list's types answers 406. \
Every resource has a `version`, sent as `ETag`; send it back in `If-Match` to change it safely \
(412 answers only an `If-Match` you sent; without one, concurrent changes are applied in turn).\n\n\
Authorization: every user reads everything (except capacities and capacity requests, which only the \
organizations concerned see), and an API token reads with the resource's read scope. \
Writes need the write scope (tokens) and the editor or administrator role (users); editors and \
organization-bound tokens write only for their own organizations, and a person who belongs to \
several organizations only for all of them at once. Something the caller may not see answers 404; \
something the caller may see but not change answers 403. Every change is recorded as an event \
(`/api/v1/audit-events`).\n\n\
Machine clients: send `Idempotency-Key` on a `POST` or `PATCH` to retry it safely; every response \
carries the request quota (`RateLimit-Policy`, `RateLimit`), and 429 with `Retry-After` beyond it; \
a response to an API token that expires within 14 days carries `Hamkari-Token-Expires`.",
        license(name = "MIT"),
    ),
    tags(
        (name = "auth", description = "Logging in, refreshing and ending sessions."),
        (name = "organizations", description = "Associations, societies and companies that cooperate."),
        (name = "members", description = "People, one identity each, whatever organizations they belong to."),
        (name = "memberships", description = "Who holds which role in which organization, when; and whom organizations share."),
        (name = "projects", description = "Joint research, supervisory and educational projects."),
        (name = "working-groups", description = "Specialized and general working groups."),
        (name = "meetings", description = "Meetings, their agenda, attendees and minutes; resolutions, action items and calendars."),
        (name = "agreements", description = "Cooperation agreements between organizations, and approval by every party."),
        (name = "capacities", description = "What organizations offer their partners (testing, calibration, inspection, experts, training, …), the accreditations behind it, and partners' requests for it. Seen only by the offering organization and the partners it is offered to."),
        (name = "users", description = "People who log in (administrators only)."),
        (name = "api-tokens", description = "Tokens for other systems (administrators only)."),
        (name = "imports", description = "Members and their memberships from a CSV or XLSX file, with a dry run."),
        (name = "audit", description = "Every committed change, as events (administrators; editors for their organizations)."),
        (name = "health", description = "Liveness and readiness probes."),
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&SecuritySchemes),
    security(("bearer_jwt" = []), ("api_token" = []))
)]
struct ApiDoc;

/// The two ways to authenticate: a user's JWT access token, or an API token.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, spec: &mut Spec) {
        let components = spec.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` from `POST /api/v1/auth/login`, valid 15 minutes.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hk_…")
                    .description(Some("An API token issued by an administrator; limited to its scopes."))
                    .build(),
            ),
        );
    }
}

/// A string that is one of `values`, for fields whose Rust type is a plain string
/// (`#[schema(schema_with = …)]`), so typed clients get a union of literals.
pub fn string_enum<S: Into<String>>(values: impl IntoIterator<Item = S>) -> utoipa::openapi::Object {
    let mut object = utoipa::openapi::Object::with_type(utoipa::openapi::Type::String);
    object.enum_values = Some(
        values
            .into_iter()
            .map(|v| serde_json::Value::String(v.into()))
            .collect(),
    );
    object
}

/// The complete document: the base above plus every registered route.
pub fn spec() -> Spec {
    let (_, spec) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::documented)
        .split_for_parts();
    // After the routes are in: the modifiers in `#[openapi]` run before they are.
    let mut spec = spec;
    Conventions.modify(&mut spec);
    clients::ClientConventions.modify(&mut spec);
    Exact.modify(&mut spec);
    links::Links.modify(&mut spec);
    name_the_callers(&mut spec);
    spec
}

/// `MeBody` as two named variants told apart by a discriminator, instead of the inline
/// `allOf`s utoipa derives for a tagged enum: client generators (openapi-python-client)
/// cannot name those, and dropped the whole response.
fn name_the_callers(spec: &mut Spec) {
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let variant = |body: &str, kind: &str| {
        serde_json::json!({"allOf": [
            {"$ref": format!("#/components/schemas/{body}")},
            {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": [kind]}}}
        ]})
    };
    let me = serde_json::json!({
        "description": "The caller, told apart by `kind`: a user's session (`user`, with the user's fields as `GET /api/v1/users/{id}` shows them) or an API token (`api_token`).",
        "oneOf": [{"$ref": "#/components/schemas/UserMe"}, {"$ref": "#/components/schemas/TokenMe"}],
        "discriminator": {"propertyName": "kind", "mapping": {
            "user": "#/components/schemas/UserMe",
            "api_token": "#/components/schemas/TokenMe"
        }}
    });
    for (name, schema) in [
        ("UserMe", variant("UserBody", "user")),
        ("TokenMe", variant("TokenSelfBody", "api_token")),
        ("MeBody", me),
    ] {
        if let Ok(schema) = serde_json::from_value(schema) {
            components.schemas.insert(name.to_owned(), schema);
        }
    }
}

/// The document the server serves: `openapi/openapi.json` as committed, which the test
/// `committed_openapi_document_is_current` holds equal to what `spec()` generates. Building
/// the document takes about 28 MiB for a moment; serving the committed bytes keeps that
/// peak out of the server (bench/README.md).
pub const DOCUMENT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json"));

/// Path templates and the methods each allows, read off the document.
pub struct MethodTable {
    routes: Vec<(Vec<String>, String)>,
}

/// The part of a document the table needs: each path's keys, not what they hold.
#[derive(serde::Deserialize)]
struct Outline {
    paths: BTreeMap<String, BTreeMap<String, serde::de::IgnoredAny>>,
}

impl MethodTable {
    pub fn from_document(document: &[u8]) -> Result<Self, serde_json::Error> {
        let outline: Outline = serde_json::from_slice(document)?;
        let mut routes: Vec<(Vec<String>, String)> = outline
            .paths
            .iter()
            .map(|(path, item)| {
                let has = |method: &str| item.contains_key(method);
                let methods = [
                    ("GET", has("get")),
                    ("HEAD", has("get")),
                    ("POST", has("post")),
                    ("PUT", has("put")),
                    ("PATCH", has("patch")),
                    ("DELETE", has("delete")),
                ];
                let allow: Vec<&str> = methods.iter().filter(|(_, on)| *on).map(|(m, _)| *m).collect();
                (segments(path), allow.join(", "))
            })
            .collect();
        routes.push((segments("/api-docs/openapi.json"), "GET, HEAD".into()));
        Ok(Self { routes })
    }

    /// The `Allow` value for a concrete path, if any template matches it.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let parts = segments(path);
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == parts.len()
                    && template
                        .iter()
                        .zip(&parts)
                        .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
            })
            .map(|(_, allow)| allow.as_str())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/').split('/').map(str::to_owned).collect()
}

/// Answers every request no route took: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<MethodTable>) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed {
            allow: allow.to_owned(),
        },
        None => ApiError::NotFound("No resource at this address.".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_templates() {
        let table = MethodTable::from_document(DOCUMENT).unwrap();
        assert_eq!(table.allowed("/api/v1/organizations"), Some("GET, HEAD, POST"));
        assert_eq!(
            table.allowed("/api/v1/organizations/abc"),
            Some("GET, HEAD, PATCH, DELETE")
        );
        assert_eq!(table.allowed("/api/v1/organizations/abc/x"), None);
        assert_eq!(table.allowed("/nope"), None);
    }

    /// What a typed client relies on (`.ci/ts-client` checks the same against the server).
    #[test]
    fn response_types_are_exact_and_request_types_stay_optional() {
        let doc = serde_json::to_value(spec()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let required = |name: &str| -> Vec<String> {
            serde_json::from_value(schemas[name]["required"].clone()).unwrap_or_default()
        };
        // Always sent, `null` when unknown: required and nullable.
        assert!(required("MemberBody").contains(&"national_id".to_owned()));
        assert!(required("ListPage_MemberBody").contains(&"next_cursor".to_owned()));
        // Left out when empty: stays optional.
        assert!(!required("Problem").contains(&"errors".to_owned()));
        // A client may leave these out.
        assert_eq!(required("CreateMember"), ["full_name"]);
        assert!(required("UpdateMember").is_empty());
        // Lists name their item type instead of copying it.
        assert_eq!(
            schemas["ListPage_MemberBody"]["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/MemberBody"
        );
        let sort = doc["paths"]["/api/v1/members"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "sort")
            .unwrap();
        assert_eq!(
            sort["schema"]["enum"],
            serde_json::json!(["created_at", "-created_at", "full_name", "-full_name"])
        );
    }
}
