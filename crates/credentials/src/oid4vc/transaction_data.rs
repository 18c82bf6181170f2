//! OpenID4VP 1.0 transaction data (§5.1, and §B.3.3 for SD-JWT VC): typed parameter sets a
//! verifier asks the holder to authorise with a presentation. Each entry is base64url JSON with
//! `type` and `credential_ids` (DCQL credential query ids whose presentations may authorise it).
//! A wallet refuses a request carrying any type it does not know, and lists the base64url SHA-256
//! of each entry it authorises in the KB-JWT's `transaction_data_hashes`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::oauth::{ErrorCode, OAuthError};
use crate::b64;

/// One decoded entry, with the string it was decoded from (hashes are over that string).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionData {
    pub encoded: String,
    pub td_type: String,
    pub credential_ids: Vec<String>,
    /// Every member, `type` and `credential_ids` included.
    pub fields: Map<String, Value>,
}

fn invalid(detail: impl AsRef<str>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTransactionData, detail)
}

/// The hash a KB-JWT lists for `encoded`: base64url SHA-256 of the string exactly as received
/// (`sha-256` is the default `transaction_data_hashes_alg`).
pub fn hash(encoded: &str) -> String {
    b64::encode(Sha256::digest(encoded.as_bytes()))
}

impl TransactionData {
    /// Decodes entry `encoded`, or says what is wrong with it (`invalid_transaction_data`).
    pub fn decode(encoded: &str) -> Result<Self, OAuthError> {
        let bytes = b64::decode(encoded).ok_or_else(|| invalid("an entry is not base64url"))?;
        let fields: Map<String, Value> =
            serde_json::from_slice(&bytes).map_err(|e| invalid(format!("an entry is not a JSON object: {e}")))?;
        let td_type = fields.get("type").and_then(Value::as_str).filter(|t| !t.is_empty());
        let td_type = td_type.ok_or_else(|| invalid("an entry has no type"))?.to_owned();
        let ids = fields.get("credential_ids").and_then(Value::as_array);
        let credential_ids: Vec<String> =
            ids.into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
        if credential_ids.is_empty() || ids.is_some_and(|ids| ids.len() != credential_ids.len()) {
            return Err(invalid(format!(
                "entry of type {td_type}: credential_ids must be a non-empty array of strings"
            )));
        }
        Ok(Self { encoded: encoded.to_owned(), td_type, credential_ids, fields })
    }

    /// Decodes every entry of a request and checks it against what the wallet supports and the
    /// request's credential query ids (§5.1: one unknown type fails the whole request).
    pub fn decode_all(entries: &[String], supported: &[&str], query_ids: &[&str]) -> Result<Vec<Self>, OAuthError> {
        if entries.is_empty() {
            return Err(invalid("transaction_data must not be an empty array"));
        }
        let mut decoded = Vec::with_capacity(entries.len());
        for entry in entries {
            let td = Self::decode(entry)?;
            if !supported.contains(&td.td_type.as_str()) {
                return Err(invalid(format!("transaction data type {} is not supported", td.td_type)));
            }
            if let Some(unknown) = td.credential_ids.iter().find(|id| !query_ids.contains(&id.as_str())) {
                return Err(invalid(format!("credential_ids names {unknown}, which the DCQL query does not")));
            }
            decoded.push(td);
        }
        Ok(decoded)
    }

    pub fn hash(&self) -> String {
        hash(&self.encoded)
    }

    /// The KB-JWT members authorising `entries` (empty when there are none).
    pub fn kb_claims<'a>(entries: impl IntoIterator<Item = &'a TransactionData>) -> Map<String, Value> {
        let hashes: Vec<String> = entries.into_iter().map(TransactionData::hash).collect();
        let mut extra = Map::new();
        if !hashes.is_empty() {
            extra.insert("transaction_data_hashes".into(), json!(hashes));
            extra.insert("transaction_data_hashes_alg".into(), json!("sha-256"));
        }
        extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: Value) -> String {
        b64::encode(serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn entries_are_checked_against_supported_types_and_query_ids() {
        let good = encode(json!({"type": "t", "credential_ids": ["q"], "summary": "x"}));
        let decoded = TransactionData::decode_all(std::slice::from_ref(&good), &["t"], &["q"]).unwrap();
        assert_eq!(decoded[0].fields["summary"], "x");
        assert_eq!(decoded[0].hash(), hash(&good));
        let claims = TransactionData::kb_claims(&decoded);
        assert_eq!(claims["transaction_data_hashes"], json!([hash(&good)]));
        assert!(TransactionData::kb_claims([]).is_empty());

        let refused = |entries: &[String], supported: &[&str]| {
            let e = TransactionData::decode_all(entries, supported, &["q"]).unwrap_err();
            assert!(e.is(ErrorCode::InvalidTransactionData), "{e:?}");
            e.to_string()
        };
        assert!(refused(std::slice::from_ref(&good), &[]).contains("not supported"));
        assert!(refused(&[], &["t"]).contains("empty"));
        assert!(refused(&["!".into()], &["t"]).contains("base64url"));
        assert!(refused(&[encode(json!({"credential_ids": ["q"]}))], &["t"]).contains("no type"));
        assert!(refused(&[encode(json!({"type": "t", "credential_ids": []}))], &["t"]).contains("non-empty"));
        assert!(refused(&[encode(json!({"type": "t", "credential_ids": ["q", 1]}))], &["t"]).contains("strings"));
        assert!(refused(&[encode(json!({"type": "t", "credential_ids": ["other"]}))], &["t"]).contains("other"));
    }
}
