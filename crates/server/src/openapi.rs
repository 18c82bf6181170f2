//! The OpenAPI 3.1 document, generated from the handlers' annotations by utoipa. This module adds what no single
//! handler says: the title, the bearer scheme, and the error answers every operation can give, all as
//! `application/problem+json` (RFC 9457), so a client generated from the document knows every status it may see.

use std::sync::Arc;

use axum::Json;
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

pub fn finish(mut doc: OpenApi) -> Value {
    doc.info.title = "Staff Passport API".to_owned();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.description = Some(
        "Workforce records kept in one private dataset per NHS organisation. Every call is scoped to the \
         caller's organisation: anything outside it, or beyond the caller's role, answers 404. Errors are \
         RFC 9457 problem details naming each bad field."
            .to_owned(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("opaque").build()),
    );
    let mut doc = serde_json::to_value(doc).expect("the OpenAPI document serialises");
    close_composed_objects(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(operation) = item.get_mut(method) {
                    add_error_answers(path, operation);
                }
            }
        }
    }
    doc
}

/// Documents the problem answers an operation can give, and types every problem body as problem+json.
fn add_error_answers(path: &str, operation: &mut Value) {
    let secured = operation.get("security").is_some();
    let has_body = operation.get("requestBody").is_some();
    let has_params = path.contains('{') || operation.get("parameters").is_some();
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { return };
    let mut wanted: Vec<(&str, &str)> = vec![];
    if secured {
        wanted.push(("401", "No or invalid bearer token."));
    }
    if path.contains('{') || secured {
        wanted.push(("404", "Not found, not in the caller's organisation, or not allowed to the caller's role."));
    }
    if has_body {
        wanted.push(("400", "The body is not well-formed JSON."));
        wanted.push(("413", "The body is too large."));
        wanted.push(("415", "The body is not `application/json`."));
    }
    if has_body || has_params {
        wanted.push(("422", "A field or parameter is invalid; `errors` names each."));
    }
    for (status, description) in wanted {
        responses.entry(status.to_owned()).or_insert_with(|| json!({"description": description}));
    }
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') {
            continue;
        }
        response["content"] = json!({
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        });
    }
}

/// serde's `deny_unknown_fields` makes utoipa emit `additionalProperties: false` on each check's own schema, but
/// the tagged union composes that schema with its `kind` member in an `allOf`, which no document could then
/// satisfy. In JSON Schema 2020-12 (OpenAPI 3.1) the composite says it instead, with `unevaluatedProperties`.
fn close_composed_objects(doc: &mut Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    let mut composed: Vec<String> = vec![];
    for schema in schemas.values_mut() {
        for variant in schema.get_mut("oneOf").and_then(Value::as_array_mut).into_iter().flatten() {
            let refs: Vec<String> = variant
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|part| part.get("$ref").and_then(Value::as_str))
                .filter_map(|r| r.strip_prefix("#/components/schemas/").map(str::to_owned))
                .collect();
            if !refs.is_empty() {
                variant["unevaluatedProperties"] = Value::Bool(false);
                composed.extend(refs);
            }
        }
    }
    for name in composed {
        if let Some(object) = schemas.get_mut(&name).and_then(Value::as_object_mut) {
            object.remove("additionalProperties");
        }
    }
}

pub async fn serve(doc: Arc<Value>) -> Json<Value> {
    Json((*doc).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_union_members_are_closed_by_the_composite() {
        let mut doc = json!({"components": {"schemas": {
            "Details": {"oneOf": [{"allOf": [{"$ref": "#/components/schemas/Dbs"},
                {"type": "object", "properties": {"kind": {"enum": ["criminal_record"]}}}]}]},
            "Dbs": {"type": "object", "properties": {"level": {}}, "additionalProperties": false}
        }}});
        close_composed_objects(&mut doc);
        assert!(doc.pointer("/components/schemas/Dbs/additionalProperties").is_none());
        assert_eq!(doc.pointer("/components/schemas/Details/oneOf/0/unevaluatedProperties"), Some(&json!(false)));
    }

    #[test]
    fn every_operation_documents_its_problem_answers() {
        let mut operation = json!({
            "security": [{"bearer": []}],
            "requestBody": {},
            "responses": {"201": {"description": "created"}, "409": {"description": "conflict",
                "content": {"application/json": {}}}}
        });
        add_error_answers("/people/{person_id}/checks", &mut operation);
        let responses = operation["responses"].as_object().unwrap();
        for status in ["400", "401", "404", "409", "413", "415", "422"] {
            assert!(responses[status]["content"]["application/problem+json"].is_object(), "{status}");
        }
        assert!(responses["201"].get("content").is_none());
    }
}
