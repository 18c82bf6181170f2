//! The credential engine: standards machinery for the Staff Passport, with no I/O, no clock and no
//! async. Time is a parameter (unix seconds) and randomness an injected [`rand::RngCore`], so every
//! rule is testable at a fixed instant with fixed salts.
//!
//! Specifications implemented (numbers as read on 2026-11-25):
//! - RFC 9901, Selective Disclosure for JSON Web Tokens (SD-JWT), compact serialisation only;
//! - draft-ietf-oauth-sd-jwt-vc-26 (SD-JWT VC): `typ: dc+sd-jwt`, `vct`, `cnf`, `status`;
//! - draft-ietf-oauth-status-list-21 (Token Status List), JWT form, 2 bits per entry;
//! - RFC 7515 (JWS compact), RFC 7517 (JWK), RFC 7638 (JWK thumbprint), RFC 7518 / RFC 8037 (ES256,
//!   EdDSA).
//!
//! - OpenID4VCI 1.0 and OpenID4VP 1.0 with DCQL, as message types and rules: [`oid4vc`].
//!
//! - RFC 8785 (JSON canonicalisation) and RFC 7515 §7.2.1 (JWS JSON General Serialization), for
//!   signed workforce sharing agreements: [`agreement`].
//!
//! Organisation-signed JWTs between organisations (the transfer across deployments) are our own
//! profile of compact JWS: [`org_jwt`].
//!
//! The trust list is our own format (a JWS signed by the registry operator); see [`trust`].
//!
//! What the server calls:
//! - issue: [`vc::issue_vc`] with a [`vc::VcSpec`] and a [`jws::Signer`];
//! - present: [`sdjwt::SdJwt::parse`] then [`sdjwt::SdJwt::present`] (+ [`sdjwt::KeyBinding`]);
//! - verify: [`verify::verify_presentation`];
//! - status lists: [`status::StatusList`], [`status::issue_status_list_token`],
//!   [`status::verify_status_list_token`];
//! - trust lists: [`trust::TrustList::sign`], [`trust::TrustList::verify`];
//! - OpenID4VCI / OpenID4VP endpoints: [`oid4vc::vci`], [`oid4vc::proof::verify_jwt_proofs`],
//!   [`oid4vc::vp`], [`oid4vc::validate::validate_vp_token`].

pub mod agreement;
pub mod b64;
pub mod consent;
pub mod error;
pub mod json;
pub mod jws;
pub mod oid4vc;
pub mod org_jwt;
pub mod sdjwt;
pub mod status;
pub mod trust;
pub mod vc;
pub mod verify;

pub use error::{CredentialError, VerifyError};
