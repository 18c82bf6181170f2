//! Metadata: Credential Issuer Metadata (OpenID4VCI §12.2, `dc+sd-jwt` profile in Appendix
//! A.3), OAuth authorisation server metadata (RFC 8414, §12.3) and JWT VC Issuer Metadata
//! (SD-JWT VC §5), with builders for our profile and the wallet's checks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PRE_AUTHORIZED_CODE_GRANT;
use crate::jws::Jwk;
use crate::oid4vc::FORMAT_SD_JWT_VC;

/// Credential Issuer Metadata (§12.2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialIssuerMetadata {
    pub credential_issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_servers: Option<Vec<String>>,
    pub credential_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_credential_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_credential_issuance: Option<BatchCredentialIssuance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
    pub credential_configurations_supported: BTreeMap<String, CredentialConfiguration>,
}

/// `batch_credential_issuance` (§12.2.4): how many proofs one request may carry (≥ 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCredentialIssuance {
    pub batch_size: u32,
}

/// Display properties for one locale (issuer or credential).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Display {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One entry of `credential_configurations_supported` (§12.2.4 and Appendix A.3 for `dc+sd-jwt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialConfiguration {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Required for `dc+sd-jwt` (Appendix A.3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_signing_alg_values_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cryptographic_binding_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proof_types_supported: BTreeMap<String, ProofTypeMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_metadata: Option<CredentialMetadata>,
}

/// `proof_types_supported` value (§12.2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProofTypeMetadata {
    pub proof_signing_alg_values_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_attestations_required: Option<Value>,
}

/// `credential_metadata` (§12.2.4): display and claim descriptions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialMetadata {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimDescription>,
}

/// A claims description for issuer metadata (Appendix B.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDescription {
    pub path: crate::oid4vc::claims_path::ClaimPath,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display: Vec<Display>,
}

impl CredentialConfiguration {
    /// Our profile: `dc+sd-jwt` of type `vct`, signed ES256, bound to a JWK proven by an ES256
    /// `jwt` proof.
    pub fn sd_jwt_vc(vct: &str, name: &str) -> Self {
        let mut proof_types_supported = BTreeMap::new();
        proof_types_supported.insert(
            "jwt".to_owned(),
            ProofTypeMetadata {
                proof_signing_alg_values_supported: vec!["ES256".into()],
                key_attestations_required: None,
            },
        );
        Self {
            format: FORMAT_SD_JWT_VC.into(),
            scope: None,
            vct: Some(vct.to_owned()),
            credential_signing_alg_values_supported: vec!["ES256".into()],
            cryptographic_binding_methods_supported: vec!["jwk".into()],
            proof_types_supported,
            credential_metadata: Some(CredentialMetadata {
                display: vec![Display { name: Some(name.to_owned()), locale: Some("en-GB".into()), description: None }],
                claims: Vec::new(),
            }),
        }
    }
}

impl CredentialIssuerMetadata {
    /// Metadata for an issuer that is its own authorisation server, with endpoints at
    /// `<issuer>/credential` and `<issuer>/nonce` and batches of up to `batch_size` proofs.
    pub fn new(issuer: &str, configurations: BTreeMap<String, CredentialConfiguration>, batch_size: u32) -> Self {
        let base = issuer.trim_end_matches('/');
        Self {
            credential_issuer: issuer.to_owned(),
            authorization_servers: None,
            credential_endpoint: format!("{base}/credential"),
            nonce_endpoint: Some(format!("{base}/nonce")),
            deferred_credential_endpoint: None,
            notification_endpoint: None,
            batch_credential_issuance: (batch_size >= 2).then_some(BatchCredentialIssuance { batch_size }),
            display: Vec::new(),
            credential_configurations_supported: configurations,
        }
    }

    /// The wallet's checks (§12.2.4): `credential_issuer` equals the identifier the metadata was
    /// fetched for, by simple string comparison; every `dc+sd-jwt` configuration has a `vct`.
    pub fn validate_for(&self, expected_issuer: &str) -> Result<(), String> {
        if self.credential_issuer != expected_issuer {
            return Err(format!("credential_issuer {:?} is not {expected_issuer:?}", self.credential_issuer));
        }
        for (id, c) in &self.credential_configurations_supported {
            if c.format == FORMAT_SD_JWT_VC && c.vct.is_none() {
                return Err(format!("configuration {id} has no vct"));
            }
        }
        Ok(())
    }

    /// The largest number of proofs one credential request may carry.
    pub fn max_proofs(&self) -> u32 {
        self.batch_credential_issuance.as_ref().map_or(1, |b| b.batch_size)
    }
}

/// The parts of RFC 8414 metadata a pre-authorised-code wallet needs (§12.3 adds the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types_supported: Vec<String>,
    #[serde(rename = "pre-authorized_grant_anonymous_access_supported", default)]
    pub pre_authorized_grant_anonymous_access_supported: bool,
}

impl AuthorizationServerMetadata {
    /// An issuer acting as its own authorisation server for the pre-authorised code only (a
    /// server with only that grant may omit `response_types_supported`, §12.2.4).
    pub fn pre_authorized_only(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            token_endpoint: format!("{}/token", issuer.trim_end_matches('/')),
            grant_types_supported: vec![PRE_AUTHORIZED_CODE_GRANT.into()],
            response_types_supported: Vec::new(),
            pre_authorized_grant_anonymous_access_supported: true,
        }
    }
}

/// JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §5): the issuer's keys, inline or by URI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JwtVcIssuerMetadata {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Jwks>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
}

/// A JSON Web Key Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_example_parses_and_ours_round_trips() {
        // Appendix A.3.2's configuration example (abridged to the members we read).
        let c: CredentialConfiguration = serde_json::from_value(json!({
          "format": "dc+sd-jwt", "scope": "SD_JWT_VC_example_in_OpenID4VCI",
          "cryptographic_binding_methods_supported": ["jwk"],
          "credential_signing_alg_values_supported": ["ES256"],
          "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"],
              "key_attestations_required": {"key_storage": ["iso_18045_moderate"]}}},
          "vct": "SD_JWT_VC_example_in_OpenID4VCI",
          "credential_metadata": {"claims": [{"path": ["given_name"], "display": [{"name": "Given Name", "locale": "en-US"}]},
                                             {"path": ["address", "street_address"]}]}
        }))
        .unwrap();
        assert_eq!(c.vct.as_deref(), Some("SD_JWT_VC_example_in_OpenID4VCI"));
        let mut configs = BTreeMap::new();
        configs.insert(
            "dbs".to_owned(),
            CredentialConfiguration::sd_jwt_vc("https://passport.example/vct/dbs", "DBS check"),
        );
        let m = CredentialIssuerMetadata::new("https://i.example/orgs/RX1", configs, 4);
        assert_eq!(m.nonce_endpoint.as_deref(), Some("https://i.example/orgs/RX1/nonce"));
        let back: CredentialIssuerMetadata = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        back.validate_for("https://i.example/orgs/RX1").unwrap();
        assert!(back.validate_for("https://i.example/orgs/RX1/").is_err());
        assert_eq!(back.max_proofs(), 4);
    }
}
