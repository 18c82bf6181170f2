//! Disclosures (RFC 9901 §4.2.1, §4.2.2) and their digests (§4.2.3).
//!
//! We *write* disclosures in the same JSON spelling as the RFC's examples (`", "` between array
//! elements, `": "` after object keys, non-ASCII left as UTF-8), which lets the golden tests
//! rebuild the RFC's disclosures byte for byte from salt, name and value. We *read* any spelling,
//! and the digest is always taken over the base64url text exactly as received (§4.2.3), never over
//! a re-serialisation.

use std::io;

use serde_json::Value;
use serde_json::ser::Formatter;

use crate::b64;
use crate::error::VerifyError;

/// One disclosure: the encoded text plus what it decodes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The base64url text, exactly as issued or received.
    pub encoded: String,
    /// `base64url(SHA-256(encoded))`.
    pub digest: String,
    pub salt: String,
    /// `None` for an array element (§4.2.2).
    pub name: Option<String>,
    pub value: Value,
}

impl Disclosure {
    /// Builds an object-member (`name: Some`) or array-element (`name: None`) disclosure.
    pub fn new(salt: &str, name: Option<&str>, value: &Value) -> Self {
        let mut array = vec![Value::String(salt.to_owned())];
        if let Some(n) = name {
            array.push(Value::String(n.to_owned()));
        }
        array.push(value.clone());
        let json = to_rfc_style_json(&Value::Array(array));
        let encoded = b64::encode(json.as_bytes());
        Self {
            digest: digest(&encoded),
            encoded,
            salt: salt.to_owned(),
            name: name.map(str::to_owned),
            value: value.clone(),
        }
    }

    /// Decodes a received disclosure. The digest is computed over `encoded` as given.
    pub fn parse(encoded: &str) -> Result<Self, VerifyError> {
        let bad = |why: &str| VerifyError::DisclosureMalformed(why.to_owned());
        let bytes = b64::decode(encoded).ok_or_else(|| bad("not base64url"))?;
        let Value::Array(mut items) =
            crate::json::from_slice(&bytes).map_err(|_| bad("not JSON, or a duplicate member name"))?
        else {
            return Err(bad("not a JSON array"));
        };
        let (salt, name, value) = match items.len() {
            2 => {
                let value = items.pop().unwrap_or(Value::Null);
                (items.pop(), None, value)
            }
            3 => {
                let value = items.pop().unwrap_or(Value::Null);
                let Some(Value::String(name)) = items.pop() else {
                    return Err(bad("claim name is not a string"));
                };
                (items.pop(), Some(name), value)
            }
            _ => return Err(bad("array must have 2 or 3 elements")),
        };
        let Some(Value::String(salt)) = salt else {
            return Err(bad("salt is not a string"));
        };
        Ok(Self { digest: digest(encoded), encoded: encoded.to_owned(), salt, name, value })
    }
}

/// RFC 9901 §4.2.3: SHA-256 over the US-ASCII bytes of the base64url disclosure, base64url-encoded.
pub fn digest(encoded: &str) -> String {
    b64::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, encoded.as_bytes()))
}

/// Serialises with the separators the RFC's examples use (Python's `json.dumps` defaults).
pub fn to_rfc_style_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(64);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, RfcStyle);
    // Writing a `Value` into a Vec cannot fail.
    serde::Serialize::serialize(value, &mut ser).expect("serialising a Value into memory");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

pub(crate) struct RfcStyle;

impl Formatter for RfcStyle {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc_9901_4_2_1_object_member() {
        let d = Disclosure::new("_26bc4LT-ac6q2KI6cBW5es", Some("family_name"), &json!("Möbius"));
        assert_eq!(d.encoded, "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0");
        assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
    }

    #[test]
    fn rfc_9901_4_2_2_array_element() {
        let d = Disclosure::new("lklxF5jMYlGTPUovMNIvCA", None, &json!("FR"));
        assert_eq!(d.encoded, "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0");
        assert_eq!(d.digest, "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs");
    }

    #[test]
    fn other_spellings_parse_to_the_same_claim_with_their_own_digest() {
        // §4.2.1 notes these equivalent encodings; each must hash as received.
        for text in [
            r#"["_26bc4LT-ac6q2KI6cBW5es","family_name","Möbius"]"#,
            "[\"_26bc4LT-ac6q2KI6cBW5es\", \"family_name\", \"M\\u00f6bius\"]",
        ] {
            let enc = b64::encode(text);
            let d = Disclosure::parse(&enc).unwrap();
            assert_eq!(d.value, json!("Möbius"));
            assert_ne!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
            assert_eq!(d.digest, digest(&enc));
        }
    }

    #[test]
    fn malformed_disclosures_are_refused() {
        for text in [r#"{"a":1}"#, r#"["only"]"#, r#"[1,"n","v"]"#, r#"["s",2,"v"]"#, r#"["s","n","v","x"]"#, "nope"] {
            let err = Disclosure::parse(&b64::encode(text)).unwrap_err();
            assert_eq!(err.code(), "disclosure_malformed", "{text}");
        }
        assert_eq!(Disclosure::parse("!!").unwrap_err().code(), "disclosure_malformed");
    }
}
