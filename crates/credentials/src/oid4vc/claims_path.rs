//! Claims path pointers (OpenID4VP §7, OpenID4VCI Appendix C): a non-empty array of strings
//! (object keys), non-negative integers (array indices) and `null` (every element), applied to
//! the JSON claims of a credential. Processing yields the selected values together with the
//! RFC 6901 JSON Pointer of each, which is how the SD-JWT code names claims to disclose.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sdjwt::pointer;

/// One component of a claims path pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathElement {
    Key(String),
    Index(u64),
    /// `null`: every element of the selected array(s).
    All(()),
}

/// A claims path pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClaimPath(pub Vec<PathElement>);

/// Why a path selects nothing (§7.1.1): both mean "the claim is not there".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// The path is empty.
    Empty,
    /// A component met the wrong kind of value (a key on an array, an index on an object…).
    TypeMismatch,
    /// Processing ended with nothing selected.
    NotFound,
}

impl ClaimPath {
    /// A path of object keys, e.g. `ClaimPath::keys(&["address", "postal_code"])`.
    pub fn keys(keys: &[&str]) -> Self {
        Self(keys.iter().map(|k| PathElement::Key((*k).to_owned())).collect())
    }

    /// Applies the path to `root` (§7.1.1) and returns each selected value with its JSON Pointer.
    pub fn select<'v>(&self, root: &'v Value) -> Result<Vec<(String, &'v Value)>, PathError> {
        if self.0.is_empty() {
            return Err(PathError::Empty);
        }
        let mut current: Vec<(String, &Value)> = vec![(String::new(), root)];
        for element in &self.0 {
            let mut next = Vec::with_capacity(current.len());
            for (ptr, value) in current {
                match (element, value) {
                    (PathElement::Key(k), Value::Object(map)) => {
                        if let Some(v) = map.get(k) {
                            next.push((format!("{ptr}/{}", pointer::escape(k)), v));
                        }
                    }
                    (PathElement::All(()), Value::Array(items)) => {
                        next.extend(items.iter().enumerate().map(|(i, v)| (format!("{ptr}/{i}"), v)));
                    }
                    (PathElement::Index(i), Value::Array(items)) => {
                        if let Some(v) = usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                            next.push((format!("{ptr}/{i}"), v));
                        }
                    }
                    _ => return Err(PathError::TypeMismatch),
                }
            }
            current = next;
        }
        if current.is_empty() { Err(PathError::NotFound) } else { Ok(current) }
    }

    /// A readable form for people, e.g. `address.postal_code` or `competences[*].subject`.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for e in &self.0 {
            match e {
                PathElement::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                PathElement::Index(i) => out.push_str(&format!("[{i}]")),
                PathElement::All(()) => out.push_str("[*]"),
            }
        }
        out
    }

    /// True when the two paths can address the same claim (used to refuse duplicates, §6.1).
    pub fn overlaps(&self, other: &ClaimPath) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| {
                a == b
                    || matches!(
                        (a, b),
                        (PathElement::All(()), PathElement::Index(_)) | (PathElement::Index(_), PathElement::All(()))
                    )
            })
    }
}

impl std::fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        // OpenID4VP §7.3 example credential.
        json!({
          "name": "Arthur Dent",
          "address": {"street_address": "42 Market Street", "locality": "Milliways", "postal_code": "12345"},
          "degrees": [{"type": "Bachelor of Science", "university": "University of Betelgeuse"},
                      {"type": "Master of Science", "university": "University of Betelgeuse"}],
          "nationalities": ["British", "Betelgeusian"]
        })
    }

    fn path(v: Value) -> ClaimPath {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn spec_examples_select_what_the_spec_says() {
        let c = example();
        let got = |p: Value| path(p).select(&c).unwrap().into_iter().map(|(p, v)| (p, v.clone())).collect::<Vec<_>>();
        assert_eq!(got(json!(["name"])), vec![("/name".into(), json!("Arthur Dent"))]);
        assert_eq!(got(json!(["address"]))[0].1["locality"], "Milliways");
        assert_eq!(
            got(json!(["address", "street_address"])),
            vec![("/address/street_address".into(), json!("42 Market Street"))]
        );
        assert_eq!(
            got(json!(["degrees", null, "type"])),
            vec![
                ("/degrees/0/type".into(), json!("Bachelor of Science")),
                ("/degrees/1/type".into(), json!("Master of Science"))
            ]
        );
        assert_eq!(got(json!(["nationalities", 1])), vec![("/nationalities/1".into(), json!("Betelgeusian"))]);
    }

    #[test]
    fn mismatches_and_absences_are_errors() {
        let c = example();
        assert_eq!(path(json!(["name", 0])).select(&c).unwrap_err(), PathError::TypeMismatch);
        assert_eq!(path(json!(["address", null])).select(&c).unwrap_err(), PathError::TypeMismatch);
        assert_eq!(path(json!(["nationalities", 5])).select(&c).unwrap_err(), PathError::NotFound);
        assert_eq!(path(json!(["missing"])).select(&c).unwrap_err(), PathError::NotFound);
        assert!(serde_json::from_value::<ClaimPath>(json!(["a", -1])).is_err());
        assert!(serde_json::from_value::<ClaimPath>(json!(["a", 1.5])).is_err());
        assert_eq!(path(json!(["degrees", null, "type"])).display(), "degrees[*].type");
        assert!(path(json!(["a", null])).overlaps(&path(json!(["a", 3]))));
    }
}
