//! The OAuth 2.0 error response (RFC 6749 §5.2) and every error code the OpenID4VC endpoints
//! use: RFC 6749 and RFC 6750 codes plus OpenID4VCI §6.3, §8.3.1.2 and OpenID4VP §8.5 additions.

use serde::{Deserialize, Serialize};

/// An error code we send. Codes received from other parties stay strings in [`OAuthError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    /// RFC 6750 §3.1: the access token is missing, expired or revoked.
    InvalidToken,
    /// OpenID4VCI §8.3.1.2.
    InvalidCredentialRequest,
    UnknownCredentialConfiguration,
    UnknownCredentialIdentifier,
    InvalidProof,
    InvalidNonce,
    InvalidEncryptionParameters,
    CredentialRequestDenied,
    /// OpenID4VP §8.5.
    VpFormatsNotSupported,
    InvalidRequestUriMethod,
    InvalidTransactionData,
    WalletUnavailable,
}

impl ErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::InvalidToken => "invalid_token",
            Self::InvalidCredentialRequest => "invalid_credential_request",
            Self::UnknownCredentialConfiguration => "unknown_credential_configuration",
            Self::UnknownCredentialIdentifier => "unknown_credential_identifier",
            Self::InvalidProof => "invalid_proof",
            Self::InvalidNonce => "invalid_nonce",
            Self::InvalidEncryptionParameters => "invalid_encryption_parameters",
            Self::CredentialRequestDenied => "credential_request_denied",
            Self::VpFormatsNotSupported => "vp_formats_not_supported",
            Self::InvalidRequestUriMethod => "invalid_request_uri_method",
            Self::InvalidTransactionData => "invalid_transaction_data",
            Self::WalletUnavailable => "wallet_unavailable",
        }
    }

    /// The HTTP status the error goes with: 401 for `invalid_client` and `invalid_token`
    /// (RFC 6749 §5.2, RFC 6750 §3.1), 403 for `access_denied`, 400 otherwise.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidClient | Self::InvalidToken => 401,
            Self::AccessDenied => 403,
            _ => 400,
        }
    }
}

/// `{"error": …, "error_description": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl OAuthError {
    /// An error with a description; characters RFC 6749 §5.2 forbids in `error_description`
    /// (outside `%x20-21 / %x23-5B / %x5D-7E`: quotes, backslashes, controls, non-ASCII) are
    /// replaced by `?`, so no caller can produce an invalid body.
    pub fn new(code: ErrorCode, description: impl AsRef<str>) -> Self {
        let clean: String = description
            .as_ref()
            .chars()
            .map(|c| if matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e') { c } else { '?' })
            .collect();
        Self { error: code.as_str().to_owned(), error_description: (!clean.is_empty()).then_some(clean) }
    }

    /// True when `error` is `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.error == code.as_str()
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_description {
            Some(d) => write!(f, "{}: {d}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_is_kept_within_the_allowed_characters() {
        let e = OAuthError::new(ErrorCode::InvalidProof, "aud \"x\" \\ é\n");
        assert_eq!(e.error_description.as_deref(), Some("aud ?x? ? ??"));
        assert_eq!(serde_json::to_value(&e).unwrap()["error"], "invalid_proof");
        assert_eq!(ErrorCode::InvalidToken.http_status(), 401);
    }
}
