//! The Digital Credentials Query Language (OpenID4VP §6): the query types, their validation,
//! and builders for the verifier. Matching against held credentials is in
//! [`super::matching`]; checking a response against a query in [`super::validate`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FORMAT_SD_JWT_VC;
use super::claims_path::ClaimPath;

/// A DCQL query (§6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DcqlQuery {
    pub credentials: Vec<CredentialQuery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

/// A Credential Query (§6.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialQuery {
    pub id: String,
    pub format: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    #[serde(default)]
    pub meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_authorities: Option<Vec<TrustedAuthority>>,
    /// Defaults to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_cryptographic_holder_binding: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Vec<ClaimsQuery>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_sets: Option<Vec<Vec<String>>>,
}

/// `meta` (§6.1): for `dc+sd-jwt`, `vct_values` (Appendix B.3.5). Other members are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct_values: Option<Vec<String>>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// A Trusted Authorities Query (§6.1.1). Carried, not evaluated: our trust comes from the
/// registry's trust list, which the verifier applies after verification anyway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustedAuthority {
    #[serde(rename = "type")]
    pub type_: String,
    pub values: Vec<String>,
}

/// A Credential Set Query (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialSetQuery {
    pub options: Vec<Vec<String>>,
    /// Defaults to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// A Claims Query (§6.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimsQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub path: ClaimPath,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

/// Why a query is not valid DCQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid DCQL query: {0}")]
pub struct DcqlError(pub String);

/// §6.1, §6.3: non-empty, alphanumeric, `_` or `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl CredentialQuery {
    /// An SD-JWT VC query for type `vct` asking for no claims yet.
    pub fn sd_jwt_vc(id: &str, vct: &str) -> Self {
        Self {
            id: id.to_owned(),
            format: FORMAT_SD_JWT_VC.into(),
            multiple: false,
            meta: Meta { vct_values: Some(vec![vct.to_owned()]), other: Default::default() },
            trusted_authorities: None,
            require_cryptographic_holder_binding: None,
            claims: None,
            claim_sets: None,
        }
    }

    /// Adds a claim by path.
    pub fn claim(mut self, path: ClaimPath) -> Self {
        self.claims.get_or_insert_with(Vec::new).push(ClaimsQuery { id: None, path, values: None });
        self
    }

    /// Adds a claim that must have one of `values`.
    pub fn claim_with_values(mut self, path: ClaimPath, values: Vec<Value>) -> Self {
        self.claims.get_or_insert_with(Vec::new).push(ClaimsQuery { id: None, path, values: Some(values) });
        self
    }

    /// Whether a KB-JWT is required (§6.1: default true).
    pub fn holder_binding_required(&self) -> bool {
        self.require_cryptographic_holder_binding.unwrap_or(true)
    }

    /// The claim sets as lists of claims queries, in the verifier's order of preference. Without
    /// `claim_sets`, the one set is every claim (§6.4.1); without `claims`, the one set is empty.
    pub fn claim_options(&self) -> Vec<Vec<&ClaimsQuery>> {
        let claims: Vec<&ClaimsQuery> = self.claims.iter().flatten().collect();
        match &self.claim_sets {
            None => vec![claims],
            Some(sets) => sets
                .iter()
                .map(|set| {
                    set.iter().filter_map(|id| claims.iter().copied().find(|c| c.id.as_deref() == Some(id))).collect()
                })
                .collect(),
        }
    }

    fn validate(&self) -> Result<(), DcqlError> {
        let bad = |m: String| Err(DcqlError(format!("credential query {:?}: {m}", self.id)));
        if !valid_id(&self.id) {
            return bad("id must be non-empty alphanumeric, '_' or '-'".into());
        }
        if self.format.is_empty() {
            return bad("format is empty".into());
        }
        if self.format == FORMAT_SD_JWT_VC && self.meta.vct_values.as_ref().is_none_or(|v| v.is_empty()) {
            // Appendix B.3.5: vct_values is REQUIRED and non-empty.
            return bad("meta.vct_values is required for dc+sd-jwt".into());
        }
        if self.trusted_authorities.as_ref().is_some_and(|t| t.is_empty() || t.iter().any(|a| a.values.is_empty())) {
            return bad("trusted_authorities must be non-empty with non-empty values".into());
        }
        let mut ids = HashSet::new();
        if let Some(claims) = &self.claims {
            if claims.is_empty() {
                return bad("claims is empty".into());
            }
            for (i, c) in claims.iter().enumerate() {
                if c.path.0.is_empty() {
                    return bad(format!("claims[{i}].path is empty"));
                }
                if let Some(id) = &c.id
                    && (!valid_id(id) || !ids.insert(id.as_str()))
                {
                    return bad(format!("claims[{i}].id {id:?} is invalid or repeated"));
                }
                if self.claim_sets.is_some() && c.id.is_none() {
                    return bad(format!("claims[{i}] needs an id when claim_sets is present"));
                }
                if let Some(values) = &c.values
                    && (values.is_empty()
                        || values.iter().any(|v| !(v.is_string() || v.is_i64() || v.is_u64() || v.is_boolean())))
                {
                    return bad(format!("claims[{i}].values must be non-empty strings, integers or booleans"));
                }
                if claims[..i].iter().any(|o| o.path.overlaps(&c.path)) {
                    return bad(format!("claims[{i}] points at a claim already requested"));
                }
            }
        }
        if let Some(sets) = &self.claim_sets {
            if self.claims.is_none() {
                return bad("claim_sets without claims".into());
            }
            if sets.is_empty() || sets.iter().any(|s| s.is_empty() || s.iter().any(|id| !ids.contains(id.as_str()))) {
                return bad("claim_sets must be non-empty and name claims of this query".into());
            }
        }
        Ok(())
    }
}

impl DcqlQuery {
    /// A query for all of `credentials`.
    pub fn new(credentials: Vec<CredentialQuery>) -> Self {
        Self { credentials, credential_sets: None }
    }

    /// The query's credential query of id `id`.
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }

    /// Checks the rules of §6.1–§6.3.
    pub fn validate(&self) -> Result<(), DcqlError> {
        if self.credentials.is_empty() {
            return Err(DcqlError("credentials is empty".into()));
        }
        let mut ids = HashSet::new();
        for c in &self.credentials {
            c.validate()?;
            if !ids.insert(c.id.as_str()) {
                return Err(DcqlError(format!("credential query id {:?} is repeated", c.id)));
            }
        }
        if let Some(sets) = &self.credential_sets {
            if sets.is_empty() {
                return Err(DcqlError("credential_sets is empty".into()));
            }
            for (i, s) in sets.iter().enumerate() {
                if s.options.is_empty()
                    || s.options.iter().any(|o| o.is_empty() || o.iter().any(|id| !ids.contains(id.as_str())))
                {
                    return Err(DcqlError(format!(
                        "credential_sets[{i}] must have non-empty options naming credential queries"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The credential sets to satisfy: the declared ones, or one required single-option set per
    /// credential query when `credential_sets` is absent (§6.4.2).
    pub fn effective_sets(&self) -> Vec<(bool, Vec<Vec<&str>>)> {
        match &self.credential_sets {
            Some(sets) => sets
                .iter()
                .map(|s| {
                    (
                        s.required.unwrap_or(true),
                        s.options.iter().map(|o| o.iter().map(String::as_str).collect()).collect(),
                    )
                })
                .collect(),
            None => self.credentials.iter().map(|c| (true, vec![vec![c.id.as_str()]])).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_examples_parse_and_validate() {
        // §6.4.1 claim_sets example and §5.3's request object query, as published in 1.0.
        let claims_alt: DcqlQuery = serde_json::from_value(json!({
          "credentials": [{"id": "pid", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
            "claims": [{"id": "a", "path": ["last_name"]}, {"id": "b", "path": ["postal_code"]},
                       {"id": "c", "path": ["locality"]}, {"id": "d", "path": ["region"]},
                       {"id": "e", "path": ["date_of_birth"]}],
            "claim_sets": [["a", "c", "d", "e"], ["a", "b", "e"]]}]
        }))
        .unwrap();
        claims_alt.validate().unwrap();
        assert_eq!(claims_alt.credentials[0].claim_options()[1].len(), 3);
        let credentials_alt: DcqlQuery = serde_json::from_value(json!({
          "credentials": [
            {"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
             "claims": [{"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]}]},
            {"id": "other_pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://othercredentials.example/pid"]},
             "claims": [{"path": ["given_name"]}, {"path": ["family_name"]}, {"path": ["address", "street_address"]}]},
            {"id": "pid_reduced_cred_1", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://credentials.example.com/reduced_identity_credential"]},
             "claims": [{"path": ["family_name"]}, {"path": ["given_name"]}]},
            {"id": "pid_reduced_cred_2", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://cred.example/residence_credential"]},
             "claims": [{"path": ["postal_code"]}, {"path": ["locality"]}, {"path": ["region"]}]},
            {"id": "nice_to_have", "format": "dc+sd-jwt", "meta": {"vct_values": ["https://company.example/company_rewards"]},
             "claims": [{"path": ["rewards_number"]}]}],
          "credential_sets": [
            {"options": [["pid"], ["other_pid"], ["pid_reduced_cred_1", "pid_reduced_cred_2"]]},
            {"required": false, "options": [["nice_to_have"]]}]
        }))
        .unwrap();
        credentials_alt.validate().unwrap();
        let sets = credentials_alt.effective_sets();
        assert_eq!((sets[0].0, sets[0].1.len(), sets[1].0), (true, 3, false));
    }

    #[test]
    fn invalid_queries_are_refused() {
        let base = || CredentialQuery::sd_jwt_vc("dbs", "https://v.example/dbs").claim(ClaimPath::keys(&["level"]));
        let mut q = DcqlQuery::new(vec![base(), base()]);
        assert!(q.validate().unwrap_err().0.contains("repeated"));
        q.credentials.pop();
        q.validate().unwrap();
        q.credentials[0].meta.vct_values = None;
        assert!(q.validate().is_err());
        let mut q = DcqlQuery::new(vec![base().claim(ClaimPath::keys(&["level"]))]);
        assert!(q.validate().unwrap_err().0.contains("already requested"));
        q.credentials[0].claims = Some(vec![]);
        assert!(q.validate().is_err());
        let mut q = DcqlQuery::new(vec![base()]);
        q.credentials[0].claim_sets = Some(vec![vec!["x".into()]]);
        assert!(q.validate().is_err());
        q.credentials[0].claim_sets = None;
        q.credentials[0].id = "has space".into();
        assert!(q.validate().is_err());
        let mut q = DcqlQuery::new(vec![base()]);
        q.credential_sets = Some(vec![CredentialSetQuery { options: vec![vec!["nope".into()]], required: None }]);
        assert!(q.validate().is_err());
        let q = DcqlQuery::new(vec![base().claim_with_values(ClaimPath::keys(&["x"]), vec![json!({"a": 1})])]);
        assert!(q.validate().is_err());
    }
}
