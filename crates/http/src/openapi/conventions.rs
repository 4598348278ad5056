//! Responses and headers every operation shares because middleware, extractors or the
//! database produce them whatever the handler does. Adding them here, from what each
//! operation declares (security, body, parameters), keeps the document honest without
//! repeating the same seven lines on fifty-seven handlers.
//!
//! `Exact` then makes the schemas as precise as a typed client needs (see its comment).

use serde_json::Value;
use std::collections::BTreeSet;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems};
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
                super::calendar::document(operation);
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
pub(super) fn add(op: &mut Operation, status: &str, description: &str, header: Option<(&str, &str)>) {
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

/// Makes the document exact enough for a generated, typed client:
///
/// - every property of a schema only responses use is `required`, because serde writes every
///   field (an `Option` as `null`); utoipa marks `Option` fields optional, which is right only
///   for request bodies, where a client may leave them out. Schemas reachable from a request
///   body or a parameter keep utoipa's rules, so request bodies keep their optional fields.
/// - an inline copy of a component (what utoipa makes of `ListPage<T>`'s `T`) becomes a
///   `$ref` to it, so clients get one `MemberBody` type, not one per list;
/// - a query parameter whose `pattern` only lists alternatives (`^-?(created_at|name)$`)
///   becomes an `enum` of them, which clients turn into a union of literals.
pub struct Exact;

/// Response properties that serde leaves out when empty (`skip_serializing_if`): the only
/// properties of response-only schemas that stay optional. utoipa's output cannot tell them
/// from `Option` fields, which serde always writes.
const SOMETIMES_ABSENT: &[(&str, &str)] = &[
    ("Problem", "errors"),
    ("Problem", "pending_organization_ids"),
    ("Problem", "existing_id"),
];

const SCHEMA_PREFIX: &str = "#/components/schemas/";

impl Modify for Exact {
    fn modify(&self, spec: &mut Spec) {
        reference_components(spec);
        require_response_properties(spec);
        enumerate_query_patterns(spec);
    }
}

fn operations_mut(spec: &mut Spec) -> impl Iterator<Item = &mut Operation> {
    spec.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
    })
}

/// Calls `f` on every schema directly inside `schema` (properties, items, alternatives).
fn children(schema: &mut Schema, f: &mut dyn FnMut(&mut RefOr<Schema>)) {
    match schema {
        Schema::Object(object) => {
            object.properties.values_mut().for_each(&mut *f);
            if let Some(AdditionalProperties::RefOr(inner)) = object.additional_properties.as_deref_mut() {
                f(inner);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                f(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(f),
        Schema::AllOf(all) => all.items.iter_mut().for_each(f),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(f),
        _ => {}
    }
}

/// Replaces every inline schema equal to exactly one component by a `$ref` to it. Only
/// object and enum schemas qualify: a bare `string` names no type.
fn reference_components(spec: &mut Spec) {
    let named: Vec<(String, Value)> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, schema)| {
            let value = serde_json::to_value(schema).ok()?;
            let object = value.as_object()?;
            (object.contains_key("properties") || object.contains_key("enum")).then(|| (name.clone(), value))
        })
        .collect();
    let find = |schema: &RefOr<Schema>| -> Option<String> {
        let RefOr::T(_) = schema else { return None };
        let value = serde_json::to_value(schema).ok()?;
        let mut hits = named.iter().filter(|(_, c)| *c == value);
        let (name, _) = hits.next()?;
        hits.next().is_none().then(|| name.clone())
    };
    fn walk(schema: &mut RefOr<Schema>, find: &dyn Fn(&RefOr<Schema>) -> Option<String>) {
        if let Some(name) = find(schema) {
            *schema = RefOr::Ref(Ref::from_schema_name(name));
        } else if let RefOr::T(inner) = schema {
            children(inner, &mut |child| walk(child, find));
        }
    }
    if let Some(components) = spec.components.as_mut() {
        for schema in components.schemas.values_mut() {
            if let RefOr::T(inner) = schema {
                children(inner, &mut |child| walk(child, &find));
            }
        }
    }
    for op in operations_mut(spec) {
        for response in op.responses.responses.values_mut() {
            if let RefOr::T(response) = response {
                for content in response.content.values_mut() {
                    let RefOr::T(content) = content else { continue };
                    if let Some(schema) = content.schema.as_mut() {
                        walk(schema, &find);
                    }
                }
            }
        }
    }
}

/// The names of the components `roots` refer to, directly or through other components.
fn reachable(roots: &[Value], named: &[(String, Value)]) -> BTreeSet<String> {
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if let Some(name) = r.strip_prefix(SCHEMA_PREFIX) {
                        out.push(name.to_owned());
                    }
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = Vec::new();
    roots.iter().for_each(|root| refs(root, &mut todo));
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            if let Some((_, schema)) = named.iter().find(|(n, _)| *n == name) {
                refs(schema, &mut todo);
            }
        }
    }
    seen
}

/// Lists every property as required in the schemas only responses use, nested inline
/// objects included, and in inline response schemas.
fn require_response_properties(spec: &mut Spec) {
    let named: Vec<(String, Value)> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, schema)| Some((name.clone(), serde_json::to_value(schema).ok()?)))
        .collect();
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for op in operations_mut(spec) {
        inputs.push(serde_json::to_value(&op.request_body).unwrap_or_default());
        inputs.push(serde_json::to_value(&op.parameters).unwrap_or_default());
        outputs.push(serde_json::to_value(&op.responses).unwrap_or_default());
    }
    let inputs = reachable(&inputs, &named);
    let outputs = reachable(&outputs, &named);

    fn require_all(name: &str, schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else { return };
        if let Schema::Object(object) = schema {
            object.required = object
                .properties
                .keys()
                .filter(|p| !SOMETIMES_ABSENT.contains(&(name, p.as_str())))
                .cloned()
                .collect();
        }
        children(schema, &mut |child| require_all(name, child));
    }
    if let Some(components) = spec.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            if outputs.contains(name) && !inputs.contains(name) {
                require_all(name, schema);
            }
        }
    }
    for op in operations_mut(spec) {
        for response in op.responses.responses.values_mut() {
            if let RefOr::T(response) = response {
                for content in response.content.values_mut() {
                    let RefOr::T(content) = content else { continue };
                    if let Some(schema) = content.schema.as_mut() {
                        require_all("", schema);
                    }
                }
            }
        }
    }
}

/// `^(a|b)$` or `^-?(a|b)$` (`-` for descending) as the values it allows, when the pattern
/// says nothing else.
fn alternatives(pattern: &str) -> Option<Vec<String>> {
    let inner = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let (descending, inner) = match inner.strip_prefix("-?") {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let inner = inner
        .strip_prefix('(')
        .and_then(|i| i.strip_suffix(')'))
        .unwrap_or(inner);
    let words: Vec<&str> = inner.split('|').collect();
    if words
        .iter()
        .any(|w| w.is_empty() || !w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return None;
    }
    let mut values = Vec::new();
    for word in words {
        values.push(word.to_owned());
        if descending {
            values.push(format!("-{word}"));
        }
    }
    Some(values)
}

fn enumerate_query_patterns(spec: &mut Spec) {
    for op in operations_mut(spec) {
        for param in op.parameters.iter_mut().flatten() {
            let RefOr::T(Parameter {
                schema: Some(RefOr::T(Schema::Object(object))),
                parameter_in: ParameterIn::Query,
                ..
            }) = param
            else {
                continue;
            };
            if let Some(values) = object.pattern.as_deref().and_then(alternatives) {
                object.pattern = None;
                object.min_length = None;
                object.enum_values = Some(values.into_iter().map(Value::String).collect());
            }
        }
    }
}
