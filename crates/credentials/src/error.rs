//! The crate's two error types: [`CredentialError`] for failures while *making* things (signing,
//! bad input to the issuer), and [`VerifyError`], one variant per reason a credential, presentation,
//! status list or trust list is *rejected*, each with a stable machine code.
//! Messages name the rule broken, never a claim value (claim values are personal data).

use thiserror::Error;

/// A failure while issuing, presenting or encoding: never a verification outcome.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CredentialError {
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("key material rejected: {0}")]
    Key(String),
    #[error("invalid input for {field}: {reason}")]
    Input { field: &'static str, reason: String },
    #[error("status list: {0}")]
    StatusList(String),
}

macro_rules! verify_errors {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $msg:literal ;)*) => {
        /// Why a presentation (or a status list, or a trust list) was rejected. Each variant has a
        /// stable [`code`](VerifyError::code) for APIs, logs and tests; the `String` carries a
        /// human-readable detail that never contains claim values.
        #[derive(Debug, Error, Clone, PartialEq, Eq)]
        pub enum VerifyError {
            $( $(#[$doc])* #[error("{}: {}", $msg, .0)] $variant(String), )*
        }

        impl VerifyError {
            /// The stable reason code, e.g. `signature_invalid`.
            pub fn code(&self) -> &'static str {
                match self { $( Self::$variant(_) => $code, )* }
            }

            /// The detail text without the code.
            pub fn detail(&self) -> &str {
                match self { $( Self::$variant(d) => d, )* }
            }

            /// Every code this crate can return, for documentation and API schemas.
            pub const ALL_CODES: &'static [&'static str] = &[$($code),*];
        }
    };
}

verify_errors! {
    /// The input is not `<jwt>~<disclosure>~...~[<kb-jwt>]`, or a JWT is not three base64url parts.
    Malformed => "malformed", "the input is not a well-formed SD-JWT";
    /// A JOSE header is unreadable or carries something we must not ignore (`crit`).
    HeaderInvalid => "header_invalid", "the JOSE header is invalid";
    /// `alg` is `none`, an HMAC, or anything but ES256 / EdDSA.
    AlgNotAllowed => "alg_not_allowed", "the signature algorithm is not allowed";
    /// The key's type does not fit `alg` (e.g. an Ed25519 key under `ES256`).
    AlgKeyMismatch => "alg_key_mismatch", "the key does not match the algorithm";
    /// The issuer-signed JWT's `typ` is not `dc+sd-jwt` (or the legacy type without the option).
    TypInvalid => "typ_invalid", "the credential type header is not accepted";
    /// The issuer-signed JWT has no `kid`, so no key on the trust list can be chosen.
    KidMissing => "kid_missing", "the credential header has no kid";
    /// The issuer signature does not verify.
    SignatureInvalid => "signature_invalid", "the issuer signature is invalid";
    /// The payload is not a JSON object, or a registered claim has the wrong type.
    PayloadInvalid => "payload_invalid", "the credential payload is invalid";
    /// A claim SD-JWT VC requires (`iss`, `vct`) is missing.
    ClaimMissing => "claim_missing", "a required claim is missing";
    /// `_sd_alg` names a hash other than sha-256, or appears somewhere other than the top level.
    SdAlgUnsupported => "sd_alg_unsupported", "the disclosure hash algorithm is not supported";
    /// `_sd` is not an array of strings, or a `...` element is not a lone string member.
    SdInvalid => "sd_invalid", "a digest container is invalid";
    /// A disclosure is not base64url of a JSON array of 2 or 3 elements with a string salt/name.
    DisclosureMalformed => "disclosure_malformed", "a disclosure is malformed";
    /// The same disclosure string was presented twice.
    DisclosureDuplicate => "disclosure_duplicate", "a disclosure was presented twice";
    /// A presented disclosure's digest appears nowhere in the credential (edited, foreign).
    DisclosureUnreferenced => "disclosure_unreferenced", "a disclosure is not referenced by the credential";
    /// A digest appears more than once in the credential and its disclosures.
    DigestDuplicate => "digest_duplicate", "a digest is referenced more than once";
    /// A disclosed claim name already exists as a plain claim in the same object.
    DisclosureClaimConflict => "disclosure_claim_conflict", "a disclosed claim clashes with an existing claim";
    /// A disclosure uses the reserved name `_sd` or `...`.
    DisclosureReservedName => "disclosure_reserved_name", "a disclosure uses a reserved claim name";
    /// An array-element disclosure sits in `_sd`, or a name/value disclosure in an array.
    DisclosureWrongShape => "disclosure_wrong_shape", "a disclosure has the wrong shape for its position";
    /// `exp` has passed.
    Expired => "expired", "the credential has expired";
    /// `nbf` is in the future.
    NotYetValid => "not_yet_valid", "the credential is not yet valid";
    /// `iat` is in the future.
    IssuedInFuture => "issued_in_future", "the credential was issued in the future";
    /// The verifier requires key binding and no KB-JWT was presented.
    KeyBindingRequired => "key_binding_required", "key binding is required";
    /// A KB-JWT was presented but the credential carries no `cnf.jwk`.
    CnfMissing => "cnf_missing", "the credential has no holder key";
    /// The KB-JWT header `typ` is not `kb+jwt`.
    KbTypInvalid => "kb_typ_invalid", "the key binding JWT type is wrong";
    /// The KB-JWT signature does not verify under `cnf.jwk`.
    KbSignatureInvalid => "kb_signature_invalid", "the key binding signature is invalid";
    /// The KB-JWT lacks `nonce`, `aud`, `iat` or `sd_hash`.
    KbClaimMissing => "kb_claim_missing", "a key binding claim is missing";
    /// `sd_hash` does not match the presented SD-JWT.
    SdHashMismatch => "sd_hash_mismatch", "the presentation was altered after key binding";
    /// `nonce` is not the expected one.
    NonceMismatch => "nonce_mismatch", "the nonce does not match";
    /// `aud` is not the expected audience.
    AudMismatch => "aud_mismatch", "the audience does not match";
    /// The KB-JWT `iat` is older than the accepted window.
    KbIatStale => "kb_iat_stale", "the key binding JWT is too old";
    /// The KB-JWT `iat` is in the future beyond the clock skew.
    KbIatInFuture => "kb_iat_in_future", "the key binding JWT is from the future";
    /// The status list says revoked (1).
    Revoked => "revoked", "the credential has been revoked";
    /// The status list says suspended (2).
    Suspended => "suspended", "the credential is suspended";
    /// The status list says an application-specific value (3) we do not accept.
    StatusUnknown => "status_unknown", "the credential has an unrecognised status";
    /// The `status` claim is malformed.
    StatusClaimInvalid => "status_claim_invalid", "the status reference is invalid";
    /// No status list is known for the referenced URI.
    StatusUnavailable => "status_unavailable", "the status list is unavailable";
    /// The index is beyond the end of the status list.
    StatusIndexOutOfRange => "status_index_out_of_range", "the status index is out of range";
    /// The status list token's signature does not verify.
    StatusListSignatureInvalid => "status_list_signature_invalid", "the status list signature is invalid";
    /// The status list token is malformed (`typ`, `sub`, `status_list`).
    StatusListInvalid => "status_list_invalid", "the status list token is invalid";
    /// The status list token's `exp` has passed.
    StatusListExpired => "status_list_expired", "the status list has expired";
    /// The status list was not signed by the credential's own issuer.
    StatusListIssuerMismatch => "status_list_issuer_mismatch", "the status list was not signed by the credential's issuer";
    /// The issuer is not on the trust list, or has been removed from it.
    IssuerNotTrusted => "issuer_not_trusted", "the issuer is not on the trust list";
    /// The issuer's registration is suspended.
    IssuerSuspended => "issuer_suspended", "the issuer is suspended";
    /// The `kid` is not among the issuer's keys on the trust list (e.g. rotated out).
    KeyNotTrusted => "key_not_trusted", "the signing key is not on the trust list";
    /// The key was retired before this credential was issued.
    KeyRetired => "key_retired", "the signing key was retired before the credential was issued";
    /// The trust list's signature does not verify under the operator key.
    TrustListSignatureInvalid => "trust_list_signature_invalid", "the trust list signature is invalid";
    /// The trust list is malformed.
    TrustListInvalid => "trust_list_invalid", "the trust list is invalid";
    /// The trust list's `exp` has passed.
    TrustListExpired => "trust_list_expired", "the trust list has expired";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in VerifyError::ALL_CODES {
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn display_includes_detail() {
        let e = VerifyError::Revoked("index 7".into());
        assert_eq!(e.code(), "revoked");
        assert_eq!(e.to_string(), "the credential has been revoked: index 7");
    }
}
