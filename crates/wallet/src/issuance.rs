//! OpenID4VCI 1.0 pre-authorised code flow, wallet side: fetch the offer (by reference,
//! §4.1.3), the issuer metadata (§12.2.2) and authorisation server metadata (RFC 8414), redeem
//! the code with the PIN at the token endpoint (§6), get a `c_nonce` (§7), and request each
//! offered credential with a key proof (§8). Every credential received is checked before it is
//! stored: `dc+sd-jwt`, issued by the offering issuer under a key from its
//! `/.well-known/jwt-vc-issuer` metadata, of the offered `vct`, and bound to our holder key.

use credentials::jws::{CompactJws, Jwk, VerifyingKey};
use credentials::oid4vc::FORMAT_SD_JWT_VC;
use credentials::oid4vc::proof::build_proof_jwt;
use credentials::oid4vc::vci::{
    self, AuthorizationServerMetadata, CredentialIssuerMetadata, CredentialOffer, CredentialRequest,
    CredentialResponse, JwtVcIssuerMetadata, NonceResponse, OfferLink, PreAuthorizedTokenRequest, Proofs,
    TokenResponse, TxCode,
};
use reqwest::Client;
use serde_json::Value;

use crate::http;
use crate::store::{StoredCredential, Wallet};
use crate::{Result, WalletError, protocol};

/// Fetches (or decodes) and checks the offer behind a link.
pub async fn fetch_offer(client: &Client, link: &str) -> Result<CredentialOffer> {
    let offer = match OfferLink::parse(link).map_err(protocol)? {
        OfferLink::ByValue(o) => o,
        OfferLink::ByReference(uri) => http::get_json(client, &uri).await?,
    };
    offer.validate().map_err(|e| protocol(format!("offer: {e}")))?;
    Ok(offer)
}

/// The transaction code the offer asks for, if any (`Some` even when its description is empty).
pub fn pin_required(offer: &CredentialOffer) -> Option<&TxCode> {
    offer.grants.pre_authorized_code.as_ref().and_then(|g| g.tx_code.as_ref())
}

/// The issuer's signing keys from its JWT VC Issuer Metadata (SD-JWT VC §5), inline or by URI.
pub async fn issuer_keys(client: &Client, issuer: &str) -> Result<Vec<Jwk>> {
    let url = vci::well_known_url(issuer, vci::WELL_KNOWN_JWT_VC_ISSUER);
    let meta: JwtVcIssuerMetadata = http::get_json(client, &url).await?;
    if meta.issuer != issuer {
        return Err(protocol(format!("{url} describes issuer {:?}, not {issuer:?}", meta.issuer)));
    }
    match (meta.jwks, meta.jwks_uri) {
        (Some(j), _) => Ok(j.keys),
        (None, Some(uri)) => Ok(http::get_json::<vci::Jwks>(client, &uri).await?.keys),
        (None, None) => Err(protocol(format!("{url} has neither jwks nor jwks_uri"))),
    }
}

/// Checks a compact JWS's signature against the key of `keys` its `kid` names.
pub(crate) fn verify_with_keys(jwt: &str, keys: &[Jwk]) -> Result<()> {
    let jws = CompactJws::parse(jwt).map_err(|e| WalletError::Credential(e.to_string()))?;
    let kid = jws.header_str("kid").ok_or_else(|| WalletError::Credential("no kid in the header".into()))?;
    let jwk = keys
        .iter()
        .find(|k| k.kid.as_deref() == Some(kid) || k.thumbprint() == kid)
        .ok_or_else(|| WalletError::Credential(format!("kid {kid} is not among the issuer's keys")))?;
    let key = VerifyingKey::from_jwk(jwk).map_err(WalletError::Credential)?;
    match jws.verify_with(&key) {
        Ok(true) => Ok(()),
        Ok(false) => Err(WalletError::Credential("the issuer signature does not verify".into())),
        Err(e) => Err(WalletError::Credential(e.to_string())),
    }
}

/// Runs the flow for every `dc+sd-jwt` configuration the offer names and stores what arrives.
/// Returns the stored credentials (the wallet is saved once, at the end).
pub async fn receive(
    wallet: &mut Wallet,
    client: &Client,
    offer: &CredentialOffer,
    pin: Option<&str>,
    now: i64,
) -> Result<Vec<StoredCredential>> {
    let issuer = offer.credential_issuer.as_str();
    let grant = offer
        .grants
        .pre_authorized_code
        .as_ref()
        .ok_or_else(|| protocol("the offer has no pre-authorised code grant (only that flow is supported)"))?;
    let tx_code = match (&grant.tx_code, pin) {
        (Some(tx), None) => return Err(WalletError::PinRequired(tx.description.clone())),
        (Some(_), Some(p)) => Some(p.to_owned()),
        // §6.1: tx_code only when the offer asked for one.
        (None, _) => None,
    };

    let meta_url = vci::well_known_url(issuer, vci::WELL_KNOWN_CREDENTIAL_ISSUER);
    let meta: CredentialIssuerMetadata = http::get_json(client, &meta_url).await?;
    meta.validate_for(issuer).map_err(|e| protocol(format!("{meta_url}: {e}")))?;
    let as_id = match (&meta.authorization_servers, &grant.authorization_server) {
        (Some(list), Some(hint)) if list.contains(hint) => hint.clone(),
        (Some(_), Some(hint)) => {
            return Err(protocol(format!("authorization_server {hint} is not in the issuer metadata")));
        }
        (Some(list), None) => list.first().cloned().ok_or_else(|| protocol("authorization_servers is empty"))?,
        (None, _) => issuer.to_owned(),
    };
    let as_url = vci::well_known_url(&as_id, vci::WELL_KNOWN_OAUTH_AS);
    let as_meta: AuthorizationServerMetadata = http::get_json(client, &as_url).await?;
    if as_meta.issuer != as_id {
        return Err(protocol(format!("{as_url} names issuer {:?}", as_meta.issuer)));
    }

    let token_req = PreAuthorizedTokenRequest { pre_authorized_code: grant.pre_authorized_code.clone(), tx_code };
    let token: TokenResponse = http::post_form(client, &as_meta.token_endpoint, token_req.to_form()).await?;
    if !token.token_type.eq_ignore_ascii_case("bearer") {
        return Err(protocol(format!("token_type {} is not supported", token.token_type)));
    }
    let keys = issuer_keys(client, issuer).await?;

    let mut received = Vec::new();
    for config_id in &offer.credential_configuration_ids {
        let config = meta
            .credential_configurations_supported
            .get(config_id)
            .ok_or_else(|| protocol(format!("offered configuration {config_id} is not in the metadata")))?;
        if config.format != FORMAT_SD_JWT_VC {
            continue;
        }
        let c_nonce = match &meta.nonce_endpoint {
            Some(url) => Some(http::post_empty::<NonceResponse>(client, url).await?.c_nonce),
            None => None,
        };
        let proofs = if config.proof_types_supported.is_empty() {
            None
        } else {
            let jwt = config
                .proof_types_supported
                .get("jwt")
                .ok_or_else(|| protocol(format!("{config_id} accepts no jwt proofs")))?;
            if !jwt.proof_signing_alg_values_supported.iter().any(|a| a == "ES256") {
                return Err(protocol(format!("{config_id} does not accept ES256 proofs")));
            }
            let proof = build_proof_jwt(wallet.holder(), issuer, c_nonce.as_deref(), now)
                .map_err(|e| WalletError::Credential(e.to_string()))?;
            Some(Proofs { jwt: Some(vec![proof]), other: Default::default() })
        };
        // §8.2: the identifier from the token response when one was given, else the configuration.
        let identifiers = token.credential_identifiers(config_id);
        let requests: Vec<CredentialRequest> = if identifiers.is_empty() {
            vec![CredentialRequest {
                credential_configuration_id: Some(config_id.clone()),
                proofs,
                ..Default::default()
            }]
        } else {
            identifiers
                .iter()
                .map(|i| CredentialRequest {
                    credential_identifier: Some(i.clone()),
                    proofs: proofs.clone(),
                    ..Default::default()
                })
                .collect()
        };
        for request in requests {
            let resp: CredentialResponse =
                http::post_json(client, &meta.credential_endpoint, &request, &token.access_token).await?;
            if resp.transaction_id.is_some() {
                return Err(protocol("the issuer deferred issuance; deferred credentials are not supported"));
            }
            for issued in resp.credentials.unwrap_or_default() {
                let Value::String(raw) = issued.credential else {
                    return Err(protocol("a dc+sd-jwt credential must be a string"));
                };
                let stored = StoredCredential::from_issued(&raw, Some(config_id), now)?;
                if stored.issuer != issuer {
                    return Err(WalletError::Credential(format!(
                        "issued by {:?}, not the offering issuer",
                        stored.issuer
                    )));
                }
                if config.vct.as_deref() != Some(stored.vct.as_str()) {
                    return Err(WalletError::Credential(format!("vct {} is not the offered type", stored.vct)));
                }
                let jwt = raw.split('~').next().unwrap_or_default();
                verify_with_keys(jwt, &keys)?;
                received.push(wallet.add(stored)?.clone());
            }
        }
    }
    if received.is_empty() {
        return Err(protocol("the issuer sent no dc+sd-jwt credential"));
    }
    wallet.save()?;
    Ok(received)
}
