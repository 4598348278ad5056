//! Responses and headers every operation shares because middleware, extractors or the
//! database produce them whatever the handler does. Adding them here, from what each
//! operation declares (security, body, parameters), keeps the document honest without
//! repeating the same seven lines on fifty-seven handlers.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType};
use utoipa::openapi::{ContentBuilder, Object, OpenApi as Spec, Ref, RefOr, ResponseBuilder, Type};
use utoipa::Modify;

/// Adds the shared error responses and constrains the conditional-request headers.
pub struct Conventions;

/// An entity-tag list as `If-Match`/`If-None-Match` carry it: `*` or `"3"`, `W/"3"`, ….
/// A bare version (`3`) is accepted as the tag `"3"`.
const ETAG_LIST_PATTERN: &str =
    r#"^(\*|((W/)?"[\x21\x23-\x7E]*"|[0-9]+)([ \t]*,[ \t]*((W/)?"[\x21\x23-\x7E]*"|[0-9]+))*)$"#;

impl Modify for Conventions {
    fn modify(&self, spec: &mut Spec) {
        for (path, item) in spec.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                add_shared_responses(path, operation);
                constrain_opaque_parameters(operation);
            }
        }
    }
}

fn add_shared_responses(path: &str, op: &mut Operation) {
    let public = op
        .security
        .as_ref()
        .is_some_and(|requirements| requirements.iter().all(|r| *r == Default::default()));
    let params = op.parameters.clone().unwrap_or_default();
    let has = |location: ParameterIn| {
        params.iter().any(|p| match p {
            RefOr::T(p) => p.parameter_in == location,
            RefOr::Ref(_) => false,
        })
    };
    let names = |name: &str| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(name)))
    };

    if !public {
        add(
            op,
            "401",
            "No credentials, or they are invalid, expired or revoked.",
            Some(("WWW-Authenticate", "The `Bearer` challenge (RFC 6750).")),
        );
        add(
            op,
            "403",
            "Authenticated, but the role or the token's scopes do not allow this.",
            None,
        );
    }
    if op.request_body.is_some() {
        add(op, "400", "The body is not JSON, or a parameter is malformed.", None);
        add(op, "413", "The body is larger than 256 KiB.", None);
        add(op, "415", "The body is not `application/json`.", None);
        add(
            op,
            "422",
            "The body is well-formed but invalid; `errors` names each field.",
            None,
        );
    }
    if has(ParameterIn::Query) {
        add(op, "400", "A query parameter is unknown or malformed.", None);
    }
    if names("cursor") {
        add(op, "422", "The cursor was not issued by this list for this sort.", None);
    }
    if has(ParameterIn::Path) {
        add(op, "404", "Nothing with this id, or not visible to the caller.", None);
    }
    if names("If-Match") || names("If-None-Match") {
        add(
            op,
            "400",
            "`If-Match` or `If-None-Match` is not `*` or a list of entity tags.",
            None,
        );
    }
    if names("If-Match") {
        add(op, "412", "`If-Match` does not name the current version.", None);
    }
    if path != "/health/live" {
        add(
            op,
            "503",
            "The database is unavailable or the server is saturated; retry later.",
            Some(("Retry-After", "Seconds to wait.")),
        );
    }
    add(
        op,
        "500",
        "An unexpected error; its cause is logged under the `X-Request-Id` it returns.",
        None,
    );
}

/// Adds a problem+json response under `status` unless the operation already documents it.
fn add(op: &mut Operation, status: &str, description: &str, header: Option<(&str, &str)>) {
    if op.responses.responses.contains_key(status) {
        return;
    }
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content);
    if let Some((name, about)) = header {
        let header = HeaderBuilder::new()
            .schema(Some(Object::with_type(Type::String)))
            .description(Some(about))
            .build();
        response = response.header(name, header);
    }
    op.responses
        .responses
        .insert(status.to_owned(), RefOr::T(response.build()));
}

/// Documents the syntax the server accepts for cursors, `If-Match` and `If-None-Match`.
fn constrain_opaque_parameters(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        if let RefOr::T(Parameter {
            name,
            schema,
            parameter_in,
            ..
        }) = param
        {
            if name == "cursor" {
                let mut object = Object::with_type(Type::String);
                object.pattern = Some(crate::pagination::CURSOR_PATTERN.to_owned());
                *schema = Some(object.into());
            } else if name.eq_ignore_ascii_case("If-Match") || name.eq_ignore_ascii_case("If-None-Match") {
                let mut object = Object::with_type(Type::String);
                object.pattern = Some(ETAG_LIST_PATTERN.to_owned());
                object.examples = vec![serde_json::json!("\"3\"")];
                *schema = Some(object.into());
            } else if *parameter_in == ParameterIn::Query {
                // The server refuses `name=` for every parameter (see `extract::parse_query`).
                if let Some(RefOr::T(Schema::Object(object))) = schema {
                    if object.schema_type == SchemaType::Type(Type::String) && object.min_length.is_none() {
                        object.min_length = Some(1);
                    }
                }
            }
        }
    }
}
