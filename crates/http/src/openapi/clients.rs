//! What the middleware for machine clients adds to every operation: the rate-limit fields and
//! 429, `Idempotency-Key` on writes, and the token-expiry warning.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::{Object, OpenApi as Spec, RefOr, Required, Type};
use utoipa::Modify;

use super::conventions::add;

pub struct ClientConventions;

const HEADERS: [(&str, &str); 3] = [
    (
        "RateLimit-Policy",
        "The quota (IETF httpapi rate-limit fields): `\"default\";q=<requests>;w=<window seconds>`, per credential \
         (per client address without one), counted per server instance.",
    ),
    (
        "RateLimit",
        "What is left of the quota: `\"default\";r=<remaining>;t=<seconds until the window resets>`.",
    ),
    (
        "Hamkari-Token-Expires",
        "Only to an API token expiring within 14 days: its expiry, RFC 3339 in UTC.",
    ),
];

impl Modify for ClientConventions {
    fn modify(&self, spec: &mut Spec) {
        for item in spec.paths.paths.values_mut() {
            let writes = [&mut item.post, &mut item.patch];
            for operation in writes.into_iter().flatten() {
                idempotency_key(operation);
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                limits(operation);
            }
        }
    }
}

fn public(op: &Operation) -> bool {
    op.security
        .as_ref()
        .is_some_and(|requirements| requirements.iter().all(|r| *r == Default::default()))
}

/// Protected writes take an optional `Idempotency-Key`; public ones (login) ignore it.
fn idempotency_key(op: &mut Operation) {
    if public(op) {
        return;
    }
    let mut schema = Object::with_type(Type::String);
    schema.min_length = Some(1);
    schema.max_length = Some(257);
    schema.pattern = Some(r#"^("[\x21\x23-\x5B\x5D-\x7E]{1,255}"|[\x21\x23-\x5B\x5D-\x7E]{1,255})$"#.to_owned());
    schema.examples = vec![serde_json::json!("\"019ab1c2-7d44-7c1e-9b1a-5f0e0c6f4a21\"")];
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: a repeat with the same key, method, path and body within 24 hours gets the \
             first answer again (with `Idempotent-Replayed: true`) and has no second effect. Keys belong to \
             the credential; server errors (5xx) are not kept.",
        ))
        .schema(Some(schema))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(RefOr::T(parameter));
    add(
        op,
        "400",
        "The `Idempotency-Key` is empty, longer than 255 characters or malformed.",
        None,
    );
    add(
        op,
        "409",
        "A request with the same `Idempotency-Key` is still being processed.",
        None,
    );
    add(
        op,
        "422",
        "The `Idempotency-Key` was used for a different request.",
        None,
    );
}

/// Every response carries the quota; beyond it, 429. Public operations have no token to warn.
fn limits(op: &mut Operation) {
    add(
        op,
        "429",
        "Over the request quota (or, on login, too many failed attempts).",
        Some(("Retry-After", "Seconds until the quota resets.")),
    );
    let public = public(op);
    // Every response carries them; documented where a client reads them, so the document
    // does not repeat three headers on each error response.
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        if !(status.starts_with('2') || status == "429") {
            continue;
        }
        for (name, about) in HEADERS {
            if public && name == "Hamkari-Token-Expires" {
                continue;
            }
            if !response.headers.contains_key(name) {
                let header = HeaderBuilder::new()
                    .schema(Some(Object::with_type(Type::String)))
                    .description(Some(about))
                    .build();
                response.headers.insert(name.to_owned(), RefOr::T(header));
            }
        }
    }
}
