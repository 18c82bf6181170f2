//! OpenID4VCI 1.0 messages, split by endpoint: the credential offer (§4.1) in [`offer`], issuer,
//! authorisation server and JWT VC issuer metadata (§12.2, §12.3, RFC 8414, SD-JWT VC §5) in
//! [`metadata`], and the token (§6), nonce (§7) and credential (§8) endpoints in [`endpoints`].
//! Types only, plus the checks the receiving side must make; key proofs are in
//! [`super::proof`]. Everything is re-exported here.
//!
//! Unknown members are ignored on input everywhere (the specification requires it), so these
//! structs deliberately do not `deny_unknown_fields`.

mod endpoints;
mod metadata;
mod offer;

pub use endpoints::*;
pub use metadata::*;
pub use offer::*;

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
#[cfg(test)]
mod tests {
    use super::*;

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
}
