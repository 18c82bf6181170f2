//! OpenID for Verifiable Credentials, the message layer: OpenID4VCI 1.0 (issuance) and
//! OpenID4VP 1.0 with DCQL (presentation), as pure types and rules. No HTTP, no clock, no
//! storage: the server's endpoints and the wallet's client parse, build and check messages here
//! and do their own I/O. Specifications as read on 2026-11-25 (both "1.0 incorporating errata
//! set 1" editor's drafts of the approved finals; nothing we use differs from the finals).
//!
//! - [`vci`]: credential offer (by value and by `credential_offer_uri`), issuer and
//!   authorisation server metadata, token request/response for the pre-authorised code with
//!   `tx_code`, nonce response, credential request (`proofs`) and response (`credentials`).
//! - [`proof`]: the `jwt` key proof (`openid4vci-proof+jwt`): built by the wallet, verified by
//!   the issuer, each failure with its own code mapped to `invalid_proof` / `invalid_nonce`.
//! - [`vp`]: the authorisation request (request object by `request_uri`, `response_type=vp_token`,
//!   `response_mode=direct_post`), its link, and the `direct_post` response form.
//! - [`dcql`], [`claims_path`]: DCQL queries (OpenID4VP §6) and claims path pointers (§7).
//! - [`matching`]: which held SD-JWT VCs answer which credential query, and what to disclose.
//! - [`validate`]: the verifier's check of a `vp_token` against its query (OpenID4VP §8.6).
//! - [`grant`]: the issuer's pre-authorised code rules (single use, expiry, PIN attempts) and
//!   stateless `c_nonce` values.
//! - [`form`]: `application/x-www-form-urlencoded` and percent-encoding, used by the token
//!   request, links and `direct_post`; [`OAuthError`]: the RFC 6749 §5.2 error body.

pub mod claims_path;
pub mod dcql;
pub mod form;
pub mod grant;
pub mod matching;
pub mod oauth;
pub mod proof;
pub mod transaction_data;
pub mod validate;
pub mod vci;
pub mod vp;

pub use oauth::{ErrorCode, OAuthError};

/// The Credential Format Identifier of SD-JWT VC in both specifications (VCI Appendix A.3,
/// VP Appendix B.3).
pub const FORMAT_SD_JWT_VC: &str = "dc+sd-jwt";
