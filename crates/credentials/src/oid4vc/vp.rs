//! OpenID4VP 1.0 messages for the cross-device flow we use (§3.2): the authorisation request
//! as a Request Object fetched by `request_uri` (§5, RFC 9101), with `response_type=vp_token`,
//! `response_mode=direct_post`, `response_uri`, `nonce`, `state` and `dcql_query`; the link that
//! carries `client_id` and `request_uri`; and the `direct_post` response (§8.2).
//!
//! Client identification, two ways:
//! - `redirect_uri:` (§5.9.3): the identifier is the response URI; such requests cannot be
//!   signed, so the Request Object is an unsecured JWT (`alg: none`, RFC 7519 §6). Simple, but
//!   wallets such as `@openid4vc/openid4vp` refuse `redirect_uri:` with `request_uri` at all.
//! - `decentralized_identifier:did:jwk:…` (§5.9.3): the Request Object is signed by the key the
//!   DID embeds (`kid` = `<did>#0`), so any wallet can check it without a network lookup, and a
//!   wallet that knows the registry's trust list can tell which organisation holds the key.
//!
//! Which verifiers to trust is the wallet's decision, not this module's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::dcql::DcqlQuery;
use super::oauth::{ErrorCode, OAuthError};
use super::transaction_data::TransactionData;
use super::{FORMAT_SD_JWT_VC, form};
use crate::b64;
use crate::error::CredentialError;
use crate::jws::{self, CompactJws, Jwk, Signer, VerifyingKey};

/// The Request Object media type / `typ` (§5, RFC 9101 §10.2).
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";
/// `aud` of a Request Object under static discovery (§5.8).
pub const SELF_ISSUED_AUD: &str = "https://self-issued.me/v2";
/// The default wallet invocation scheme (§13.1.2).
pub const WALLET_SCHEME: &str = "openid4vp://";
/// The `redirect_uri` Client Identifier Prefix (§5.9.3).
pub const REDIRECT_URI_PREFIX: &str = "redirect_uri:";
/// The `decentralized_identifier` Client Identifier Prefix (§5.9.3).
pub const DID_PREFIX: &str = "decentralized_identifier:";

/// The `did:jwk` DID of a public key: `did:jwk:` + base64url(JSON of the bare JWK).
pub fn did_jwk(jwk: &Jwk) -> String {
    format!("did:jwk:{}", b64::encode(serde_json::to_vec(&jwk.bare()).unwrap_or_default()))
}

/// The key a `did:jwk` DID embeds; `None` when it is not one.
pub fn resolve_did_jwk(did: &str) -> Option<Jwk> {
    let encoded = did.strip_prefix("did:jwk:")?;
    serde_json::from_slice(&b64::decode(encoded)?).ok()
}

/// Presents a signer under another `kid` (a DID URL), keeping its key and algorithm.
struct KidAs<'a> {
    inner: &'a dyn Signer,
    kid: String,
}

impl Signer for KidAs<'_> {
    fn alg(&self) -> &str {
        self.inner.alg()
    }
    fn kid(&self) -> &str {
        &self.kid
    }
    fn public_jwk(&self) -> Jwk {
        self.inner.public_jwk()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError> {
        self.inner.sign(message)
    }
}

/// An authorisation request's parameters, as carried in a Request Object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub response_type: String,
    pub response_mode: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    pub nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dcql_query: Option<DcqlQuery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_data: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// §5.2: `nonce` and `state` only contain ASCII URL-safe characters.
fn url_safe(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl AuthorizationRequest {
    /// A `direct_post` request whose client is identified by its response URI
    /// (`client_id = "redirect_uri:" + response_uri`), with metadata saying we accept ES256
    /// SD-JWT VCs and KB-JWTs (Appendix B.3.4).
    pub fn direct_post(response_uri: &str, nonce: &str, state: &str, query: DcqlQuery, now: i64, ttl: i64) -> Self {
        Self {
            response_type: "vp_token".into(),
            response_mode: "direct_post".into(),
            client_id: format!("{REDIRECT_URI_PREFIX}{response_uri}"),
            response_uri: Some(response_uri.to_owned()),
            redirect_uri: None,
            nonce: nonce.to_owned(),
            state: Some(state.to_owned()),
            dcql_query: Some(query),
            scope: None,
            client_metadata: Some(json!({
                "vp_formats_supported": {FORMAT_SD_JWT_VC: {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"]}}
            })),
            transaction_data: None,
            aud: Some(SELF_ISSUED_AUD.into()),
            iat: Some(now),
            exp: Some(now + ttl),
        }
    }

    /// The wallet's checks before it shows anything to the user (§5, §5.9.3, §8.2, §8.5), for a
    /// wallet that supports no transaction data. Returns the response URI to post to.
    pub fn validate(&self, now: i64) -> Result<&str, OAuthError> {
        self.validate_supporting(now, &[]).map(|(uri, _)| uri)
    }

    /// [`Self::validate`] for a wallet that supports the transaction data types `supported`:
    /// also returns the decoded entries (§5.1: one unknown type fails the request).
    pub fn validate_supporting(
        &self,
        now: i64,
        supported: &[&str],
    ) -> Result<(&str, Vec<TransactionData>), OAuthError> {
        let bad = |d: &str| OAuthError::new(ErrorCode::InvalidRequest, d);
        if self.response_type != "vp_token" {
            return Err(bad("response_type must be vp_token"));
        }
        if self.response_mode != "direct_post" {
            return Err(bad("only response_mode direct_post is supported"));
        }
        // §5.9.3: a redirect_uri: client may omit response_uri; its identifier is the URI.
        let uri = match (self.response_uri.as_deref(), self.client_id.strip_prefix(REDIRECT_URI_PREFIX)) {
            (Some(u), _) => u,
            (None, Some(id)) => id,
            (None, None) => return Err(bad("response_uri is required with direct_post")),
        };
        if self.redirect_uri.is_some() {
            return Err(bad("redirect_uri must not be present with direct_post"));
        }
        if let Some(id) = self.client_id.strip_prefix(REDIRECT_URI_PREFIX)
            && id != uri
        {
            return Err(bad("a redirect_uri: client_id must equal response_uri"));
        }
        if !url_safe(&self.nonce) {
            return Err(bad("nonce must be non-empty URL-safe ASCII"));
        }
        if self.state.as_deref().is_some_and(|s| !url_safe(s)) {
            return Err(bad("state must be URL-safe ASCII"));
        }
        if self.exp.is_some_and(|e| e <= now) {
            return Err(bad("the request has expired"));
        }
        let query = match (&self.dcql_query, &self.scope) {
            (Some(_), Some(_)) => return Err(bad("dcql_query and scope are exclusive")),
            (None, _) => return Err(bad("dcql_query is required")),
            (Some(q), None) => {
                q.validate().map_err(|e| bad(&e.to_string()))?;
                q
            }
        };
        let transactions = match &self.transaction_data {
            Some(entries) => {
                let ids: Vec<&str> = query.credentials.iter().map(|c| c.id.as_str()).collect();
                TransactionData::decode_all(entries, supported, &ids)?
            }
            None => Vec::new(),
        };
        Ok((uri, transactions))
    }

    /// The same request with the client identified as `decentralized_identifier:did:jwk:…` of
    /// `key` (sign it with [`to_did_jwk_request_object`](Self::to_did_jwk_request_object)).
    pub fn with_did_jwk_client(mut self, key: &Jwk) -> Self {
        self.client_id = format!("{DID_PREFIX}{}", did_jwk(key));
        self
    }

    /// The Request Object signed by `signer` with `kid` = `<did:jwk>#0`; the client id must be
    /// the did:jwk of that signer.
    pub fn to_did_jwk_request_object(&self, signer: &dyn Signer) -> Result<String, CredentialError> {
        let did = did_jwk(&signer.public_jwk());
        if self.client_id.strip_prefix(DID_PREFIX) != Some(did.as_str()) {
            return Err(CredentialError::Input {
                field: "client_id",
                reason: "is not the did:jwk of the signing key".into(),
            });
        }
        self.to_signed_request_object(&KidAs { inner: signer, kid: format!("{did}#0") })
    }

    /// The Request Object as an unsecured JWT (`alg: none`), for `redirect_uri:` clients.
    pub fn to_unsigned_request_object(&self) -> String {
        let header = json!({"alg": "none", "typ": REQUEST_OBJECT_TYP});
        format!(
            "{}.{}.",
            b64::encode(serde_json::to_vec(&header).unwrap_or_default()),
            b64::encode(serde_json::to_vec(self).unwrap_or_default())
        )
    }

    /// The Request Object signed by `signer`.
    pub fn to_signed_request_object(&self, signer: &dyn Signer) -> Result<String, CredentialError> {
        let mut header = Map::new();
        header.insert("typ".into(), json!(REQUEST_OBJECT_TYP));
        let payload = serde_json::to_vec(self).map_err(|e| CredentialError::Signing(e.to_string()))?;
        jws::sign_compact(header, &payload, signer)
    }
}

/// A Request Object as received, typed but with its signature (if any) not yet checked.
#[derive(Debug, Clone)]
pub struct ReceivedRequestObject {
    pub request: AuthorizationRequest,
    /// `alg` of the header; `none` for an unsecured object.
    pub alg: String,
    pub header: Map<String, Value>,
}

impl ReceivedRequestObject {
    /// For a `decentralized_identifier:did:jwk:` client: checks that `kid` is a URL of that DID
    /// and that `token` (the text this was parsed from) is signed by the key it embeds. Returns
    /// the verifier's key.
    pub fn verify_did_jwk(&self, token: &str) -> Result<Jwk, OAuthError> {
        let bad = |d: &str| OAuthError::new(ErrorCode::InvalidRequest, d);
        let did = self
            .request
            .client_id
            .strip_prefix(DID_PREFIX)
            .ok_or_else(|| bad("the client is not a decentralized_identifier"))?;
        let jwk = resolve_did_jwk(did).ok_or_else(|| bad("only did:jwk client identifiers are supported"))?;
        let kid = self.header.get("kid").and_then(Value::as_str).unwrap_or_default();
        if kid.split('#').next() != Some(did) {
            return Err(bad("the request object is not signed by the client's DID"));
        }
        let jws = CompactJws::parse(token.trim()).map_err(|e| bad(&format!("request object: {e}")))?;
        let key = VerifyingKey::from_jwk(&jwk).map_err(|e| bad(&format!("did:jwk key: {e}")))?;
        match jws.verify_with(&key) {
            Ok(true) => Ok(jwk),
            _ => Err(bad("the request object signature does not verify under the client's DID key")),
        }
    }

    /// Parses a Request Object (§5: `typ` MUST be `oauth-authz-req+jwt`). An unsecured object
    /// (`alg: none`, empty signature) is accepted only for a `redirect_uri:` client, since other
    /// prefixes require signatures; a signed object is returned for the caller to verify.
    pub fn parse(token: &str) -> Result<Self, OAuthError> {
        let bad = |d: &str| OAuthError::new(ErrorCode::InvalidRequest, d);
        let mut parts = token.trim().split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad("the request object is not a JWT"));
        };
        let header = b64::decode(h)
            .and_then(|b| crate::json::object_from_slice(&b).ok())
            .ok_or_else(|| bad("the request object header is not a JSON object"))?;
        if header.get("typ").and_then(Value::as_str) != Some(REQUEST_OBJECT_TYP) {
            return Err(bad("the request object typ is not oauth-authz-req+jwt"));
        }
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default().to_owned();
        let payload = b64::decode(p).ok_or_else(|| bad("the request object payload is not base64url"))?;
        let payload = crate::json::from_slice(&payload).map_err(|_| bad("the request object payload is not JSON"))?;
        let request: AuthorizationRequest =
            serde_json::from_value(payload).map_err(|e| bad(&format!("the request object is incomplete: {e}")))?;
        if alg == "none" {
            if !s.is_empty() {
                return Err(bad("an unsecured request object must have an empty signature"));
            }
            if !request.client_id.starts_with(REDIRECT_URI_PREFIX) {
                return Err(bad("an unsecured request object is only acceptable for a redirect_uri: client"));
            }
        } else if request.client_id.starts_with(REDIRECT_URI_PREFIX) {
            return Err(bad("redirect_uri: clients cannot sign requests"));
        }
        Ok(Self { request, alg, header })
    }
}

/// The link a verifier shows (as text or QR): `client_id` and `request_uri` (§5.7, RFC 9101 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLink {
    pub client_id: String,
    pub request_uri: String,
    pub request_uri_method: Option<String>,
}

impl RequestLink {
    /// `openid4vp://?client_id=…&request_uri=…`.
    pub fn to_url(&self) -> String {
        let mut pairs = vec![("client_id", self.client_id.as_str()), ("request_uri", self.request_uri.as_str())];
        if let Some(m) = &self.request_uri_method {
            pairs.push(("request_uri_method", m));
        }
        format!("{WALLET_SCHEME}?{}", form::serialize(pairs))
    }

    /// Parses any link (custom scheme or https) carrying `client_id` and `request_uri`.
    pub fn parse(link: &str) -> Result<Self, OAuthError> {
        let bad = |d: String| OAuthError::new(ErrorCode::InvalidRequest, d);
        let q = form::query_of(link).ok_or_else(|| bad("the link's query is not valid percent-encoding".into()))?;
        let client_id =
            form::single(&q, "client_id").map_err(bad)?.ok_or_else(|| bad("client_id is missing".into()))?;
        let request_uri =
            form::single(&q, "request_uri").map_err(bad)?.ok_or_else(|| bad("request_uri is missing".into()))?;
        let method = form::single(&q, "request_uri_method").map_err(bad)?;
        if let Some(m) = method
            && m != "get"
            && m != "post"
        {
            return Err(OAuthError::new(ErrorCode::InvalidRequestUriMethod, "request_uri_method must be get or post"));
        }
        Ok(Self {
            client_id: client_id.to_owned(),
            request_uri: request_uri.to_owned(),
            request_uri_method: method.map(str::to_owned),
        })
    }
}

/// `vp_token` (§8.1): credential query id → presentations. SD-JWT VC presentations are strings.
pub type VpToken = BTreeMap<String, Vec<Value>>;

/// What the wallet posts to `response_uri` (§8.2): a VP Token or an error, with `state`.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizationResponse {
    VpToken { vp_token: VpToken, state: Option<String> },
    Error { error: OAuthError, state: Option<String> },
}

impl AuthorizationResponse {
    /// The `application/x-www-form-urlencoded` body; `vp_token` is JSON-encoded (§8.1).
    pub fn to_form(&self) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let state = match self {
            Self::VpToken { vp_token, state } => {
                pairs.push(("vp_token".into(), serde_json::to_string(vp_token).unwrap_or_default()));
                state
            }
            Self::Error { error, state } => {
                pairs.push(("error".into(), error.error.clone()));
                if let Some(d) = &error.error_description {
                    pairs.push(("error_description".into(), d.clone()));
                }
                state
            }
        };
        if let Some(s) = state {
            pairs.push(("state".into(), s.clone()));
        }
        form::serialize(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Parses the body at the response endpoint. Structure errors are `invalid_request`; the
    /// presentations themselves are checked by [`super::validate::validate_vp_token`].
    pub fn from_form(body: &str) -> Result<Self, OAuthError> {
        let bad = |d: String| OAuthError::new(ErrorCode::InvalidRequest, d);
        let pairs = form::parse(body).ok_or_else(|| bad("the body is not valid form encoding".into()))?;
        let state = form::single(&pairs, "state").map_err(bad)?.map(str::to_owned);
        if let Some(error) = form::single(&pairs, "error").map_err(bad)? {
            let description = form::single(&pairs, "error_description").map_err(bad)?.map(str::to_owned);
            return Ok(Self::Error {
                error: OAuthError { error: error.to_owned(), error_description: description },
                state,
            });
        }
        let raw = form::single(&pairs, "vp_token").map_err(bad)?.ok_or_else(|| bad("vp_token is missing".into()))?;
        let value = crate::json::from_slice(raw.as_bytes()).map_err(|_| bad("vp_token is not JSON".into()))?;
        let vp_token: VpToken = serde_json::from_value(value)
            .map_err(|_| bad("vp_token must be an object of arrays keyed by credential query id".into()))?;
        Ok(Self::VpToken { vp_token, state })
    }

    pub fn state(&self) -> Option<&str> {
        match self {
            Self::VpToken { state, .. } | Self::Error { state, .. } => state.as_deref(),
        }
    }
}

/// The response endpoint's JSON answer (§8.2): where the wallet should send the user next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectPostResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oid4vc::claims_path::ClaimPath;
    use crate::oid4vc::dcql::CredentialQuery;

    fn request() -> AuthorizationRequest {
        let q = DcqlQuery::new(vec![
            CredentialQuery::sd_jwt_vc("dbs", "https://p.example/vct/dbs").claim(ClaimPath::keys(&["level"])),
        ]);
        AuthorizationRequest::direct_post(
            "https://v.example/orgs/RX2/vp/response",
            "n-0S6_WzA2Mj",
            "st4te",
            q,
            1000,
            300,
        )
    }

    #[test]
    fn spec_direct_post_request_object_parses() {
        // §8.2's Request Object payload, with the elided query filled from §5.3.
        let r: AuthorizationRequest = serde_json::from_value(json!({
          "client_id": "redirect_uri:https://client.example.org/post",
          "response_uri": "https://client.example.org/post",
          "response_type": "vp_token", "response_mode": "direct_post",
          "dcql_query": {"credentials": [{"id": "some_identity_credential", "format": "dc+sd-jwt",
              "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
              "claims": [{"path": ["last_name"]}, {"path": ["first_name"]}]}]},
          "nonce": "n-0S6_WzA2Mj", "state": "eyJhb-6-sVA"
        }))
        .unwrap();
        assert_eq!(r.validate(0).unwrap(), "https://client.example.org/post");
    }

    #[test]
    fn unsigned_request_object_round_trip_and_wallet_checks() {
        let r = request();
        let jwt = r.to_unsigned_request_object();
        let got = ReceivedRequestObject::parse(&jwt).unwrap();
        assert_eq!(got.alg, "none");
        assert_eq!(got.request, r);
        assert!(got.request.validate(1100).is_ok());
        assert!(got.request.validate(1300).is_err(), "expired");
        let mut other = r.clone();
        other.client_id = "x509_san_dns:v.example".into();
        assert!(ReceivedRequestObject::parse(&other.to_unsigned_request_object()).is_err());
        let mut mismatched = r.clone();
        mismatched.response_uri = Some("https://evil.example/post".into());
        assert!(mismatched.validate(1100).is_err());
        let mut implied = r.clone();
        implied.response_uri = None;
        assert_eq!(implied.validate(1100).unwrap(), "https://v.example/orgs/RX2/vp/response");
        let mut with_redirect = r.clone();
        with_redirect.redirect_uri = Some("https://v.example/cb".into());
        assert!(with_redirect.validate(1100).is_err());
        let mut td = r;
        td.transaction_data = Some(vec!["e30".into()]);
        assert!(td.validate(1100).unwrap_err().is(ErrorCode::InvalidTransactionData));
    }

    #[test]
    fn did_jwk_signed_request_objects() {
        let key = crate::jws::SoftwareEs256Key::generate().unwrap();
        let r = request().with_did_jwk_client(&key.public_jwk());
        assert!(r.client_id.starts_with("decentralized_identifier:did:jwk:"));
        assert_eq!(resolve_did_jwk(r.client_id.strip_prefix(DID_PREFIX).unwrap()), Some(key.public_jwk().bare()));
        let jwt = r.to_did_jwk_request_object(&key).unwrap();
        let got = ReceivedRequestObject::parse(&jwt).unwrap();
        assert_eq!(got.alg, "ES256");
        assert!(got.header["kid"].as_str().unwrap().ends_with("#0"));
        assert_eq!(got.verify_did_jwk(&jwt).unwrap(), key.public_jwk().bare());
        got.request.validate(1100).unwrap();
        // Signed by another key than the DID's.
        let other = crate::jws::SoftwareEs256Key::generate().unwrap();
        assert!(r.to_did_jwk_request_object(&other).is_err());
        let forged = r
            .to_signed_request_object(&KidAs { inner: &other, kid: format!("{}#0", did_jwk(&key.public_jwk())) })
            .unwrap();
        let got = ReceivedRequestObject::parse(&forged).unwrap();
        assert!(got.verify_did_jwk(&forged).is_err());
    }

    #[test]
    fn links_and_direct_post_forms_round_trip() {
        let link = RequestLink {
            client_id: "redirect_uri:https://v.example/r".into(),
            request_uri: "https://v.example/req/abc".into(),
            request_uri_method: None,
        };
        assert_eq!(RequestLink::parse(&link.to_url()).unwrap(), link);
        let mut vp_token = VpToken::new();
        vp_token.insert("dbs".into(), vec![json!("eyJ~d~kb")]);
        let resp = AuthorizationResponse::VpToken { vp_token, state: Some("st4te".into()) };
        assert_eq!(AuthorizationResponse::from_form(&resp.to_form()).unwrap(), resp);
        let err =
            AuthorizationResponse::Error { error: OAuthError::new(ErrorCode::AccessDenied, "declined"), state: None };
        assert_eq!(AuthorizationResponse::from_form(&err.to_form()).unwrap(), err);
        assert!(AuthorizationResponse::from_form("vp_token=%5B1%5D").is_err());
        assert!(AuthorizationResponse::from_form("state=x").is_err());
    }
}
