//! OpenID4VCI 1.0 messages: the credential offer (§4.1), issuer metadata (§12.2) and OAuth
//! authorisation server metadata (§12.3, RFC 8414), the token endpoint for the pre-authorised
//! code (§6), the nonce endpoint (§7) and the credential endpoint (§8). Types only, plus the
//! checks the receiving side must make; key proofs are in [`super::proof`].
//!
//! Unknown members are ignored on input everywhere (the specification requires it), so these
//! structs deliberately do not `deny_unknown_fields`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::oauth::{ErrorCode, OAuthError};
use super::{FORMAT_SD_JWT_VC, form};
use crate::jws::Jwk;

/// The pre-authorised code grant type (§4.1.1, registered in §13.1).
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// The custom scheme a wallet answers offers on when it has no discoverable endpoint (§12.1).
pub const OFFER_SCHEME: &str = "openid-credential-offer://";
/// Issuer metadata well-known suffix (§12.2.2).
pub const WELL_KNOWN_CREDENTIAL_ISSUER: &str = "openid-credential-issuer";
/// RFC 8414 §3.
pub const WELL_KNOWN_OAUTH_AS: &str = "oauth-authorization-server";
/// SD-JWT VC issuer metadata (draft-ietf-oauth-sd-jwt-vc §5).
pub const WELL_KNOWN_JWT_VC_ISSUER: &str = "jwt-vc-issuer";

/// Checks a Credential Issuer Identifier (§12.2.1): `https`, a host, no query or fragment.
/// `http` is accepted only for loopback hosts, so the whole flow runs in tests and demos.
pub fn check_issuer_identifier(id: &str) -> Result<(), String> {
    let rest = if let Some(r) = id.strip_prefix("https://") {
        r
    } else if let Some(r) = id.strip_prefix("http://") {
        let host = r.split(['/', ':']).next().unwrap_or("");
        let host = if r.starts_with('[') { r.split(']').next().map(|h| &h[1..]).unwrap_or("") } else { host };
        if !(host == "localhost" || host == "::1" || host.starts_with("127.")) {
            return Err("must use https (http only on loopback)".into());
        }
        r
    } else {
        return Err("must be an https URL".into());
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("has no host".into());
    }
    if id.contains(['?', '#']) {
        return Err("must not have a query or fragment".into());
    }
    Ok(())
}

/// The well-known URL for `identifier`: `/.well-known/<suffix>` inserted between host and path
/// (§12.2.2, RFC 8414 §3.1, SD-JWT VC §5.1), e.g. `https://h/tenant` → `https://h/.well-known/x/tenant`.
pub fn well_known_url(identifier: &str, suffix: &str) -> String {
    let scheme_end = identifier.find("://").map(|i| i + 3).unwrap_or(0);
    let (origin, path) = match identifier[scheme_end..].find('/') {
        Some(i) => identifier.split_at(scheme_end + i),
        None => (identifier, ""),
    };
    let path = path.trim_end_matches('/');
    format!("{origin}/.well-known/{suffix}{path}")
}

/// The Credential Offer object (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialOffer {
    pub credential_issuer: String,
    pub credential_configuration_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// The grants an offer names; only the two this specification defines are modelled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grants {
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<Value>,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.pre_authorized_code.is_none() && self.authorization_code.is_none()
    }
}

/// The pre-authorised code grant's parameters (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// Present (even as `{}`) when the token request must carry a transaction code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// How the wallet should ask for the transaction code (§4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TxCode {
    /// `numeric` (the default) or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// At most 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CredentialOffer {
    /// An offer of `configuration_ids` under a pre-authorised code, with a PIN description when
    /// a transaction code is required (`pin_length: Some`).
    pub fn pre_authorized(
        issuer: &str,
        configuration_ids: Vec<String>,
        code: &str,
        pin_length: Option<u32>,
        pin_description: Option<&str>,
    ) -> Self {
        let tx_code = pin_length.map(|length| TxCode {
            input_mode: Some("numeric".into()),
            length: Some(length),
            description: pin_description.map(str::to_owned),
        });
        Self {
            credential_issuer: issuer.to_owned(),
            credential_configuration_ids: configuration_ids,
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code.to_owned(),
                    tx_code,
                    authorization_server: None,
                }),
                authorization_code: None,
            },
        }
    }

    /// The checks a wallet makes before acting on an offer (§4.1.1, §12.2.1).
    pub fn validate(&self) -> Result<(), String> {
        check_issuer_identifier(&self.credential_issuer).map_err(|e| format!("credential_issuer {e}"))?;
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() {
            return Err("credential_configuration_ids is empty".into());
        }
        let mut seen = std::collections::HashSet::new();
        if !ids.iter().all(|id| seen.insert(id)) {
            return Err("credential_configuration_ids are not unique".into());
        }
        if let Some(g) = &self.grants.pre_authorized_code {
            if g.pre_authorized_code.is_empty() {
                return Err("pre-authorized_code is empty".into());
            }
            if let Some(tx) = &g.tx_code {
                if tx.description.as_ref().is_some_and(|d| d.chars().count() > 300) {
                    return Err("tx_code description exceeds 300 characters".into());
                }
                if tx.input_mode.as_deref().is_some_and(|m| m != "numeric" && m != "text") {
                    return Err("tx_code input_mode must be numeric or text".into());
                }
            }
        }
        Ok(())
    }

    /// The link (or QR text) for an offer served at `offer_uri` (§4.1.3):
    /// `openid-credential-offer://?credential_offer_uri=…`.
    pub fn link_by_reference(offer_uri: &str) -> String {
        format!("{OFFER_SCHEME}?credential_offer_uri={}", form::encode(offer_uri))
    }
}

/// What an offer link carries (§4.1): the offer itself or where to fetch it.
#[derive(Debug, Clone, PartialEq)]
pub enum OfferLink {
    ByValue(CredentialOffer),
    ByReference(String),
}

impl OfferLink {
    /// Parses a link with exactly one of `credential_offer` / `credential_offer_uri`. A plain
    /// http(s) URL with neither parameter is taken as the offer's own location.
    pub fn parse(link: &str) -> Result<Self, String> {
        let q = form::query_of(link).ok_or("the link's query is not valid percent-encoding")?;
        let by_value = form::single(&q, "credential_offer")?;
        let by_ref = form::single(&q, "credential_offer_uri")?;
        match (by_value, by_ref) {
            (Some(_), Some(_)) => Err("credential_offer and credential_offer_uri are both present".into()),
            (Some(v), None) => serde_json::from_str(v)
                .map(OfferLink::ByValue)
                .map_err(|e| format!("credential_offer is not an offer: {e}")),
            (None, Some(uri)) => Ok(OfferLink::ByReference(uri.to_owned())),
            (None, None) if link.starts_with("https://") || link.starts_with("http://") => {
                Ok(OfferLink::ByReference(link.to_owned()))
            }
            (None, None) => Err("the link has neither credential_offer nor credential_offer_uri".into()),
        }
    }
}

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
    pub path: super::claims_path::ClaimPath,
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

/// A token request with the pre-authorised code (§6.1), sent form-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreAuthorizedTokenRequest {
    pub pre_authorized_code: String,
    pub tx_code: Option<String>,
}

impl PreAuthorizedTokenRequest {
    /// The form body.
    pub fn to_form(&self) -> String {
        let mut pairs =
            vec![("grant_type", PRE_AUTHORIZED_CODE_GRANT), ("pre-authorized_code", &self.pre_authorized_code)];
        if let Some(tx) = &self.tx_code {
            pairs.push(("tx_code", tx));
        }
        form::serialize(pairs)
    }

    /// Parses a form body. A missing or repeated parameter is `invalid_request`, another grant
    /// type `unsupported_grant_type` (RFC 6749 §5.2). Whether `tx_code` must be present is the
    /// issuer's knowledge (§6.3), not checked here.
    pub fn from_form(body: &str) -> Result<Self, OAuthError> {
        let bad = |d: String| OAuthError::new(ErrorCode::InvalidRequest, d);
        let pairs = form::parse(body).ok_or_else(|| bad("the body is not valid form encoding".into()))?;
        match form::single(&pairs, "grant_type").map_err(bad)? {
            Some(PRE_AUTHORIZED_CODE_GRANT) => {}
            Some(other) => {
                return Err(OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    format!("grant_type {other} is not supported"),
                ));
            }
            None => return Err(bad("grant_type is missing".into())),
        }
        let code = form::single(&pairs, "pre-authorized_code")
            .map_err(bad)?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| bad("pre-authorized_code is missing".into()))?;
        let tx_code = form::single(&pairs, "tx_code").map_err(bad)?.map(str::to_owned);
        Ok(Self { pre_authorized_code: code.to_owned(), tx_code })
    }
}

/// A successful token response (§6.2, RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_details: Vec<AuthorizationDetail>,
}

/// An `openid_credential` authorisation detail as returned by the token endpoint (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationDetail {
    #[serde(rename = "type")]
    pub type_: String,
    /// Present for `openid_credential`; other detail types may lack it.
    #[serde(default)]
    pub credential_configuration_id: String,
    #[serde(default)]
    pub credential_identifiers: Vec<String>,
}

impl TokenResponse {
    /// A bearer token response.
    pub fn bearer(access_token: &str, expires_in: u64) -> Self {
        Self {
            access_token: access_token.to_owned(),
            token_type: "Bearer".into(),
            expires_in: Some(expires_in),
            authorization_details: Vec::new(),
        }
    }

    /// The credential identifiers granted for `configuration_id`, if the server returned any.
    pub fn credential_identifiers(&self, configuration_id: &str) -> &[String] {
        self.authorization_details
            .iter()
            .find(|d| d.type_ == "openid_credential" && d.credential_configuration_id == configuration_id)
            .map_or(&[], |d| &d.credential_identifiers)
    }
}

/// The nonce endpoint's answer (§7.2); served with `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    pub c_nonce: String,
}

/// A credential request (§8.2), JSON-encoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_configuration_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proofs: Option<Proofs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_response_encryption: Option<Value>,
}

/// `proofs`: exactly one proof type, a non-empty array (§8.2). We model `jwt`; any other type
/// lands in `other` so it can be refused by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Proofs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt: Option<Vec<String>>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// Which credential a request is for, once its shape is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedCredential<'a> {
    Identifier(&'a str),
    Configuration(&'a str),
}

impl CredentialRequest {
    /// Checks the shape (§8.2, §8.3.1.2): exactly one of `credential_identifier` and
    /// `credential_configuration_id`; `proofs` with exactly one type. Encrypted responses are
    /// not offered, so asking for one is `invalid_encryption_parameters`. Proof contents are
    /// checked by [`super::proof::verify_jwt_proofs`].
    pub fn check_shape(&self) -> Result<RequestedCredential<'_>, OAuthError> {
        let bad = |d: &str| OAuthError::new(ErrorCode::InvalidCredentialRequest, d);
        let which = match (&self.credential_identifier, &self.credential_configuration_id) {
            (Some(i), None) => RequestedCredential::Identifier(i),
            (None, Some(c)) => RequestedCredential::Configuration(c),
            (Some(_), Some(_)) => {
                return Err(bad("credential_identifier and credential_configuration_id are exclusive"));
            }
            (None, None) => return Err(bad("credential_identifier or credential_configuration_id is required")),
        };
        if self.credential_response_encryption.is_some() {
            return Err(OAuthError::new(
                ErrorCode::InvalidEncryptionParameters,
                "this issuer does not encrypt credential responses",
            ));
        }
        if let Some(p) = &self.proofs {
            let kinds = usize::from(p.jwt.is_some()) + p.other.len();
            if kinds != 1 {
                return Err(OAuthError::new(ErrorCode::InvalidProof, "proofs must hold exactly one proof type"));
            }
        }
        Ok(which)
    }
}

/// A credential response (§8.3): immediate (`credentials`) or deferred (`transaction_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Vec<IssuedCredential>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<String>,
}

/// One issued credential; for `dc+sd-jwt` a string (Appendix A.3.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredential {
    pub credential: Value,
}

impl CredentialResponse {
    /// An immediate response carrying SD-JWT VCs.
    pub fn immediate(sd_jwt_vcs: impl IntoIterator<Item = String>) -> Self {
        Self {
            credentials: Some(
                sd_jwt_vcs.into_iter().map(|c| IssuedCredential { credential: Value::String(c) }).collect(),
            ),
            ..Self::default()
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
    fn spec_offer_examples_parse_and_validate() {
        // §4.1.3 (by reference) and §4.1.1 (multiple credentials) examples, verbatim.
        let by_ref: CredentialOffer = serde_json::from_value(json!({
          "credential_issuer": "https://credential-issuer.example.com",
          "credential_configuration_ids": ["UniversityDegree_LDP_VC"],
          "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
              "pre-authorized_code": "adhjhdjajkdkhjhdj", "tx_code": {}}}
        }))
        .unwrap();
        by_ref.validate().unwrap();
        assert_eq!(by_ref.grants.pre_authorized_code.as_ref().unwrap().tx_code, Some(TxCode::default()));
        let multi: CredentialOffer = serde_json::from_value(json!({
          "credential_issuer": "https://credential-issuer.example.com",
          "credential_configuration_ids": ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"],
          "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
              "pre-authorized_code": "oaKazRN8I0IbtZ0C7JuMn5",
              "tx_code": {"length": 4, "input_mode": "numeric",
                          "description": "Please provide the one-time code that was sent via e-mail"}}},
          "issuer_redirect_uri": "https://credential-issuer.example.com/redirect"
        }))
        .unwrap();
        multi.validate().unwrap();
        assert_eq!(multi.grants.pre_authorized_code.unwrap().tx_code.unwrap().length, Some(4));
    }

    #[test]
    fn empty_tx_code_object_survives_a_round_trip() {
        let mut offer = CredentialOffer::pre_authorized("https://i.example", vec!["dbs".into()], "c", None, None);
        offer.grants.pre_authorized_code.as_mut().unwrap().tx_code = Some(TxCode::default());
        let text = serde_json::to_string(&offer).unwrap();
        assert!(text.contains(r#""tx_code":{}"#), "{text}");
    }

    #[test]
    fn offer_links_by_value_and_reference() {
        let link = CredentialOffer::link_by_reference("https://i.example/offers/abc?x=1");
        assert_eq!(OfferLink::parse(&link).unwrap(), OfferLink::ByReference("https://i.example/offers/abc?x=1".into()));
        // §4.1.2 example, by value.
        let spec = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22:%22https://credential-issuer.example.com%22,%22credential_configuration_ids%22:%5B%22org.iso.18013.5.1.mDL%22%5D,%22grants%22:%7B%22urn:ietf:params:oauth:grant-type:pre-authorized_code%22:%7B%22pre-authorized_code%22:%22oaKazRN8I0IbtZ0C7JuMn5%22,%22tx_code%22:%7B%22input_mode%22:%22text%22,%22description%22:%22Please%20enter%20the%20serial%20number%20of%20your%20physical%20drivers%20license%22%7D%7D%7D%7D";
        let OfferLink::ByValue(offer) = OfferLink::parse(spec).unwrap() else { panic!("by value") };
        assert_eq!(offer.grants.pre_authorized_code.unwrap().tx_code.unwrap().input_mode.as_deref(), Some("text"));
        assert!(OfferLink::parse("openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=x").is_err());
    }

    #[test]
    fn issuer_identifiers_and_well_known_urls() {
        assert!(check_issuer_identifier("https://issuer.example.com/tenant").is_ok());
        assert!(check_issuer_identifier("http://127.0.0.1:8080/orgs/RX1").is_ok());
        assert!(check_issuer_identifier("http://issuer.example.com").is_err());
        assert!(check_issuer_identifier("https://issuer.example.com?x=1").is_err());
        // §12.2.2's two examples.
        assert_eq!(
            well_known_url("https://issuer.example.com/tenant", WELL_KNOWN_CREDENTIAL_ISSUER),
            "https://issuer.example.com/.well-known/openid-credential-issuer/tenant"
        );
        assert_eq!(
            well_known_url("https://tenant.issuer.example.com", WELL_KNOWN_CREDENTIAL_ISSUER),
            "https://tenant.issuer.example.com/.well-known/openid-credential-issuer"
        );
    }

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

    #[test]
    fn token_request_form_round_trip_and_errors() {
        // §6.1 example body (without authorization_details).
        let body = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536";
        let r = PreAuthorizedTokenRequest::from_form(body).unwrap();
        assert_eq!(r.tx_code.as_deref(), Some("493536"));
        assert_eq!(PreAuthorizedTokenRequest::from_form(&r.to_form()).unwrap(), r);
        let e = PreAuthorizedTokenRequest::from_form("grant_type=authorization_code&code=x").unwrap_err();
        assert!(e.is(ErrorCode::UnsupportedGrantType));
        let e =
            PreAuthorizedTokenRequest::from_form(&format!("grant_type={}", form::encode(PRE_AUTHORIZED_CODE_GRANT)))
                .unwrap_err();
        assert!(e.is(ErrorCode::InvalidRequest));
        let twice = format!("{}&tx_code=1", r.to_form());
        assert!(PreAuthorizedTokenRequest::from_form(&twice).unwrap_err().is(ErrorCode::InvalidRequest));
    }

    #[test]
    fn credential_request_shapes() {
        // §8.2 SD-JWT VC example shape: identifier plus two jwt proofs.
        let r: CredentialRequest = serde_json::from_value(json!({
            "credential_identifier": "CivilEngineeringDegree-2023",
            "proofs": {"jwt": ["a.b.c", "d.e.f"]}
        }))
        .unwrap();
        assert_eq!(r.check_shape().unwrap(), RequestedCredential::Identifier("CivilEngineeringDegree-2023"));
        let both: CredentialRequest =
            serde_json::from_value(json!({"credential_identifier": "a", "credential_configuration_id": "b"})).unwrap();
        assert!(both.check_shape().unwrap_err().is(ErrorCode::InvalidCredentialRequest));
        let two_kinds: CredentialRequest = serde_json::from_value(
            json!({"credential_configuration_id": "b", "proofs": {"jwt": ["x"], "di_vp": [{}]}}),
        )
        .unwrap();
        assert!(two_kinds.check_shape().unwrap_err().is(ErrorCode::InvalidProof));
        let resp = CredentialResponse::immediate(["x~".to_owned()]);
        assert_eq!(serde_json::to_value(&resp).unwrap(), json!({"credentials": [{"credential": "x~"}]}));
    }
}
