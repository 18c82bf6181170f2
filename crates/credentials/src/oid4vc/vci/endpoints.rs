//! The token endpoint with the pre-authorised code (OpenID4VCI §6), the nonce endpoint (§7)
//! and the credential endpoint's request and response (§8).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::PRE_AUTHORIZED_CODE_GRANT;
use crate::oid4vc::form;
use crate::oid4vc::oauth::{ErrorCode, OAuthError};

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
