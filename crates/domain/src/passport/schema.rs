//! A JSON Schema (draft 2020-12) for each passport type: the payload of a credential after its
//! disclosures are processed, i.e. the registered claims and every personal claim the issuer
//! writes. Served at a stable path on every deployment next to the type metadata, and tested
//! against every credential the issuer makes.
//!
//! Enumerations are taken from the domain enums' own OpenAPI schemas (the same derive as their
//! serde names), so the schema cannot drift from what serde writes. [`validate`] is a small
//! validator for exactly the keywords these schemas use; it refuses any other keyword, so a
//! schema can never lean on a rule that is not checked.

use serde_json::{Map, Value, json};
use utoipa::PartialSchema;

use super::PassportType;
use crate::checks::{
    AssuranceLevel, CheckOutcome, DbsLevel, DbsWorkforce, EppClearance, FitnessOutcome, IdentityRoute,
    RightToWorkPermission, RightToWorkRoute,
};
use crate::immunisation::{Antigen, ImmunisationStatus};
use crate::person::{Register, RegistrationStatus};

/// The `enum` of a domain enumeration, as its OpenAPI schema lists it.
fn enum_of<T: PartialSchema>() -> Value {
    let schema = serde_json::to_value(T::schema()).unwrap_or(Value::Null);
    json!({"type": "string", "enum": schema.get("enum").cloned().unwrap_or_else(|| json!([]))})
}

fn string() -> Value {
    json!({"type": "string"})
}

fn date() -> Value {
    json!({"type": "string", "format": "date"})
}

fn optional(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn object(required: &[&str], properties: Vec<(&str, Value)>) -> Value {
    let mut props = Map::new();
    for (name, schema) in properties {
        props.insert(name.to_owned(), schema);
    }
    json!({"type": "object", "required": required, "properties": props, "additionalProperties": false})
}

/// A check claim: its own members and the envelope every check claim carries.
fn checked(required: &[&str], mut properties: Vec<(&str, Value)>) -> Value {
    let mut all: Vec<&str> = required.to_vec();
    all.extend(["outcome", "checked_on"]);
    properties.push(("outcome", enum_of::<CheckOutcome>()));
    properties.push(("checked_on", date()));
    properties.push(("recheck_on", date()));
    object(&all, properties)
}

/// The personal claims of `kind`: (required, properties).
fn personal(kind: PassportType) -> (Vec<&'static str>, Vec<(&'static str, Value)>) {
    let mut required = vec!["given_name", "family_name"];
    let mut props = vec![("given_name", string()), ("family_name", string())];
    match kind {
        PassportType::IdentityAndRightToWork => {
            required.push("birthdate");
            props.push(("birthdate", date()));
            props.push((
                "identity",
                checked(
                    &["route", "assurance"],
                    vec![("route", enum_of::<IdentityRoute>()), ("assurance", enum_of::<AssuranceLevel>())],
                ),
            ));
            props.push((
                "right_to_work",
                checked(
                    &["permission", "route"],
                    vec![
                        ("permission", enum_of::<RightToWorkPermission>()),
                        ("expires_on", optional(date())),
                        ("follow_up_on", optional(date())),
                        ("route", enum_of::<RightToWorkRoute>()),
                    ],
                ),
            ));
        }
        PassportType::ProfessionalRegistration => {
            required.push("registration");
            props.push((
                "registration",
                checked(
                    &["register", "number", "status"],
                    vec![
                        ("register", enum_of::<Register>()),
                        ("number", string()),
                        ("status", enum_of::<RegistrationStatus>()),
                        ("expires_on", optional(date())),
                        ("conditions", json!({"type": "array", "items": string()})),
                        ("qualifications_verified", json!({"type": "array", "items": string()})),
                    ],
                ),
            ));
        }
        PassportType::CriminalRecord => {
            required.push("dbs");
            props.push((
                "dbs",
                checked(
                    &["level", "workforce", "certificate_number", "issued_on", "update_service"],
                    vec![
                        ("level", enum_of::<DbsLevel>()),
                        ("workforce", enum_of::<DbsWorkforce>()),
                        ("certificate_number", json!({"type": "string", "pattern": "^[0-9]{12}$"})),
                        ("issued_on", date()),
                        ("update_service", json!({"type": "boolean"})),
                        ("last_status_check_on", date()),
                    ],
                ),
            ));
        }
        PassportType::OccupationalHealth => {
            let immunity = object(
                &["antigen", "status"],
                vec![
                    ("antigen", enum_of::<Antigen>()),
                    ("status", enum_of::<ImmunisationStatus>()),
                    ("last_dose_on", date()),
                    ("protected", json!({"type": "boolean"})),
                    ("basis", string()),
                ],
            );
            props.push(("immunisations", json!({"type": "array", "items": immunity})));
            props.push((
                "oh_clearance",
                object(
                    &["epp", "cleared_on"],
                    vec![
                        ("epp", enum_of::<EppClearance>()),
                        ("cleared_on", date()),
                        ("restrictions", optional(string())),
                        ("review_on", optional(date())),
                    ],
                ),
            ));
            props.push((
                "work_health",
                checked(
                    &["fitness", "epp_clearance", "assessed_on"],
                    vec![
                        ("fitness", enum_of::<FitnessOutcome>()),
                        ("epp_clearance", enum_of::<EppClearance>()),
                        ("assessed_on", date()),
                    ],
                ),
            ));
        }
        PassportType::Training => {
            required.push("competences");
            let item = object(
                &["subject", "name", "completed"],
                vec![
                    ("subject", string()),
                    ("name", string()),
                    ("level", optional(json!({"type": "integer", "minimum": 1, "maximum": 9}))),
                    ("completed", date()),
                    ("expires", optional(date())),
                    ("refresher_months", json!({"type": "integer", "minimum": 1})),
                ],
            );
            props.push(("competences", json!({"type": "array", "items": item})));
        }
        PassportType::Employment => {
            required.push("employment");
            props.push((
                "employment",
                object(
                    &["employer", "role", "staff_group", "band", "start_date"],
                    vec![
                        ("employer", object(&["ods_code", "name"], vec![("ods_code", string()), ("name", string())])),
                        ("role", string()),
                        ("staff_group", string()),
                        ("band", string()),
                        ("start_date", date()),
                        ("end_date", optional(date())),
                    ],
                ),
            ));
        }
        PassportType::EmploymentHistory => {
            required.push("employment_history");
            let reference = object(
                &["referee", "received_on"],
                vec![("referee", string()), ("organisation", optional(string())), ("received_on", date())],
            );
            props.push((
                "employment_history",
                checked(
                    &["covered_from", "covered_to", "references", "gaps_explained"],
                    vec![
                        ("covered_from", date()),
                        ("covered_to", date()),
                        ("references", json!({"type": "array", "items": reference})),
                        ("gaps_explained", json!({"type": "boolean"})),
                    ],
                ),
            ));
        }
    }
    (required, props)
}

/// The JSON Schema of a `kind` credential's processed payload; `id` is where it is served.
pub fn json_schema(kind: PassportType, id: &str) -> Value {
    let (mut required, mut props) = personal(kind);
    required.extend(["iss", "vct", "iat"]);
    props.extend([
        ("iss", string()),
        ("vct", json!({"const": kind.vct()})),
        ("iat", json!({"type": "integer"})),
        ("nbf", json!({"type": "integer"})),
        ("exp", json!({"type": "integer"})),
        ("cnf", json!({"type": "object"})),
        ("status", json!({"type": "object"})),
    ]);
    let mut schema = object(&required, props);
    if kind == PassportType::IdentityAndRightToWork {
        schema["anyOf"] = json!([{"required": ["identity"]}, {"required": ["right_to_work"]}]);
    }
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["$id"] = json!(id);
    schema["title"] = json!(kind.name());
    schema
}

/// Checks `value` against `schema` (the keywords above only); `Err` lists each violation as
/// `path: problem`.
pub fn validate(schema: &Value, value: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check(schema, value, "", &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "string" => value.is_string(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        errors.push(format!("{at}: the schema is not an object"));
        return;
    };
    let here = if at.is_empty() { "/" } else { at };
    let fail = |errors: &mut Vec<String>, problem: String| errors.push(format!("{here}: {problem}"));
    for (keyword, rule) in schema {
        match keyword.as_str() {
            "$schema" | "$id" | "title" | "description" | "properties" | "additionalProperties" => {}
            "type" => {
                let name = rule.as_str().unwrap_or_default();
                if !type_matches(name, value) {
                    fail(errors, format!("{value} is not of type {name}"));
                }
            }
            "const" if value != rule => fail(errors, format!("{value} is not {rule}")),
            "enum" if !rule.as_array().is_some_and(|options| options.contains(value)) => {
                fail(errors, format!("{value} is not one of {rule}"))
            }
            "pattern" => {
                // The one pattern in use: `^[0-9]{N}$`.
                let n: Option<usize> =
                    rule.as_str().and_then(|p| p.strip_prefix("^[0-9]{")?.strip_suffix("}$")?.parse().ok());
                let text = value.as_str().unwrap_or_default();
                match n {
                    Some(n) if text.len() == n && text.bytes().all(|b| b.is_ascii_digit()) => {}
                    Some(_) => fail(errors, format!("{value} does not match {rule}")),
                    None => fail(errors, format!("pattern {rule} is not supported")),
                }
            }
            "format" => {
                if rule == "date"
                    && let Some(text) = value.as_str()
                    && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err()
                {
                    fail(errors, format!("{value} is not a date"));
                }
            }
            "minimum" | "maximum" => {
                if let (Some(n), Some(bound)) = (value.as_f64(), rule.as_f64()) {
                    let outside = if keyword == "minimum" { n < bound } else { n > bound };
                    if outside {
                        fail(errors, format!("{n} is outside the {keyword} {bound}"));
                    }
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in rule.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !object.contains_key(name) {
                            fail(errors, format!("{name} is required"));
                        }
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(rule, item, &format!("{at}/{i}"), errors);
                }
            }
            "anyOf" => {
                let options = rule.as_array().map(Vec::as_slice).unwrap_or_default();
                let any = options.iter().any(|option| {
                    let mut scratch = Vec::new();
                    check(option, value, at, &mut scratch);
                    scratch.is_empty()
                });
                if !any {
                    fail(errors, format!("{value} matches none of {rule}"));
                }
            }
            "const" | "enum" => {}
            other => fail(errors, format!("schema keyword {other} is not supported")),
        }
    }
    check_rest(schema, value, at, errors);
}

/// `properties` and `additionalProperties: false` of an object schema.
fn check_rest(schema: &Map<String, Value>, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(object) = value.as_object() else { return };
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, member) in object {
        match properties.and_then(|p| p.get(name)) {
            Some(rule) => check(rule, member, &format!("{at}/{name}"), errors),
            None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                errors.push(format!("{at}/{name}: not allowed"));
            }
            None => {}
        }
    }
}
