//! OpenAPI `links` from each create to the operations on what it created, derived from the
//! paths themselves: a `201` of `POST /x` whose body has an `id` links to every operation
//! under `/x/{param}`, with `param` taken from that `id` (and the create's own path
//! parameters passed along). Clients and stateful testers (schemathesis) follow them to
//! chain a create into reads, changes and deletes; deriving them keeps every new resource
//! linked without a line per handler.

use serde_json::Value;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::{OpenApi as Spec, RefOr};
use utoipa::Modify;

pub struct Links;

/// Creates under one path whose item lives under another collection (the path a `201`'s
/// `Location` names).
const ELSEWHERE: &[(&str, &str)] = &[("/api/v1/organizations/{id}/memberships", "/api/v1/memberships")];

impl Modify for Links {
    fn modify(&self, spec: &mut Spec) {
        let schemas = spec
            .components
            .as_ref()
            .and_then(|c| serde_json::to_value(&c.schemas).ok())
            .unwrap_or(Value::Null);
        let targets: Vec<(String, Vec<String>)> = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ids = [&item.get, &item.put, &item.patch, &item.delete, &item.post]
                    .into_iter()
                    .flatten()
                    .filter_map(|op| op.operation_id.clone())
                    .collect();
                (path.clone(), ids)
            })
            .collect();

        for (path, item) in spec.paths.paths.iter_mut() {
            let Some(create) = item.post.as_mut() else { continue };
            let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
                continue;
            };
            let has_id = created
                .content
                .get("application/json")
                .and_then(|content| serde_json::to_value(content).ok())
                .is_some_and(|content| has_id(resolve(&content["schema"], &schemas), &schemas));
            if !has_id {
                continue;
            }
            let collection = ELSEWHERE
                .iter()
                .find(|(create, _)| create == path)
                .map_or(path.as_str(), |(_, items)| items);
            // The create's own parameters mean the same in targets under the same path only.
            let own_params = if collection == path {
                template_params(path)
            } else {
                Vec::new()
            };
            for (target, operation_ids) in &targets {
                let Some(param) = created_param(collection, target) else {
                    continue;
                };
                for operation_id in operation_ids {
                    let mut link = LinkBuilder::new()
                        .operation_id(operation_id)
                        .parameter(param.clone(), "$response.body#/id");
                    for own in &own_params {
                        link = link.parameter(own.clone(), format!("$request.path.{own}"));
                    }
                    created.links.insert(operation_id.clone(), RefOr::T(link.build()));
                }
            }
        }
    }
}

/// The parameter naming the created item when `target` sits under `/{collection}/{param}`.
fn created_param(collection: &str, target: &str) -> Option<String> {
    let rest = target.strip_prefix(collection)?.strip_prefix('/')?;
    let first = rest.split('/').next()?;
    let param = first.strip_prefix('{')?.strip_suffix('}')?;
    Some(param.to_owned())
}

fn template_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_owned)
        .collect()
}

/// Whether a body schema has an `id`, also when it is composed (`allOf`).
fn has_id(schema: &Value, schemas: &Value) -> bool {
    schema["properties"]["id"].is_object()
        || schema["allOf"]
            .as_array()
            .is_some_and(|parts| parts.iter().any(|part| has_id(resolve(part, schemas), schemas)))
}

fn resolve<'a>(schema: &'a Value, schemas: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &schemas[name],
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_the_operations_under_the_created_item() {
        assert_eq!(
            created_param("/api/v1/members", "/api/v1/members/{id}").as_deref(),
            Some("id")
        );
        assert_eq!(
            created_param("/api/v1/members", "/api/v1/members/{id}/memberships").as_deref(),
            Some("id")
        );
        assert_eq!(created_param("/api/v1/members", "/api/v1/members"), None);
        assert_eq!(created_param("/api/v1/members", "/api/v1/members-x/{id}"), None);
        assert_eq!(created_param("/api/v1/projects", "/api/v1/projects/transitions"), None);
    }

    #[test]
    fn the_document_links_a_create_to_reads_changes_and_deletes() {
        let doc = serde_json::to_value(super::super::spec()).unwrap();
        let links = &doc["paths"]["/api/v1/organizations"]["post"]["responses"]["201"]["links"];
        let get = links
            .as_object()
            .unwrap()
            .values()
            .find(|l| doc["paths"]["/api/v1/organizations/{id}"]["get"]["operationId"] == l["operationId"]);
        assert_eq!(get.unwrap()["parameters"]["id"], "$response.body#/id");
        let linked = links.as_object().unwrap().len();
        assert!(linked >= 3, "get, patch and delete at least; got {linked}");
    }
}
