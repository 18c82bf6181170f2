//! Prints, as one JSON object, the OpenID4VCI / OpenID4VP messages our issuer, wallet and
//! verifier exchange, built only with `credentials::oid4vc`, for `interop/oid4vc/run.sh` to
//! check with other implementations. Keys are fresh each run; times are now.

use std::collections::BTreeMap;

use credentials::jws::{Signer, SoftwareEs256Key};
use credentials::oid4vc::claims_path::ClaimPath;
use credentials::oid4vc::dcql::{CredentialQuery, DcqlQuery};
use credentials::oid4vc::proof::build_proof_jwt;
use credentials::oid4vc::vci::{
    self, AuthorizationServerMetadata, CredentialConfiguration, CredentialIssuerMetadata, CredentialOffer,
};
use credentials::oid4vc::vp::{AuthorizationRequest, RequestLink};
use serde_json::json;

fn main() {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let issuer = "https://rx1.passport.example.nhs.uk/orgs/RX1";
    let vct = "https://passport.example.nhs.uk/vct/dbs-check";
    let offer_uri = "https://rx1.passport.example.nhs.uk/orgs/RX1/offers/3fQ2";
    let offer = CredentialOffer::pre_authorized(
        issuer,
        vec!["dbs".into()],
        "pre-auth-code-1",
        Some(6),
        Some("The PIN HR sent you"),
    );
    let mut configs = BTreeMap::new();
    configs.insert("dbs".to_owned(), CredentialConfiguration::sd_jwt_vc(vct, "DBS check"));
    let holder = SoftwareEs256Key::generate().expect("key");
    let c_nonce = "c-nonce-7Hq";

    let verifier = SoftwareEs256Key::generate().expect("key");
    let query = DcqlQuery::new(vec![
        CredentialQuery::sd_jwt_vc("dbs", vct)
            .claim_with_values(ClaimPath::keys(&["level"]), vec![json!("enhanced")])
            .claim(ClaimPath::keys(&["issued_on"])),
    ]);
    let response_uri = "https://rx2.passport.example.nhs.uk/orgs/RX2/vp/response";
    let nonce = "vp-nonce-Zx81";
    let request = AuthorizationRequest::direct_post(response_uri, nonce, "state-1", query.clone(), now, 300);
    let unsecured = request.to_unsigned_request_object();
    let unsecured_uri = "https://rx2.passport.example.nhs.uk/orgs/RX2/vp/requests/u1";
    let unsecured_link = RequestLink {
        client_id: request.client_id.clone(),
        request_uri: unsecured_uri.into(),
        request_uri_method: None,
    };
    let signed = request.with_did_jwk_client(&verifier.public_jwk());
    let request_uri = "https://rx2.passport.example.nhs.uk/orgs/RX2/vp/requests/s1";
    let link =
        RequestLink { client_id: signed.client_id.clone(), request_uri: request_uri.into(), request_uri_method: None };

    let out = json!({
        "now": now,
        "offer": offer,
        "offer_uri": offer_uri,
        "offer_link": CredentialOffer::link_by_reference(offer_uri),
        "metadata": CredentialIssuerMetadata::new(issuer, configs, 4),
        "metadata_url": vci::well_known_url(issuer, vci::WELL_KNOWN_CREDENTIAL_ISSUER),
        "as_metadata": AuthorizationServerMetadata::pre_authorized_only(issuer),
        "as_metadata_url": vci::well_known_url(issuer, vci::WELL_KNOWN_OAUTH_AS),
        "c_nonce": c_nonce,
        "proof": build_proof_jwt(&holder, issuer, Some(c_nonce), now).expect("proof"),
        "nonce": nonce,
        "dcql_query": query,
        "request_uri": request_uri,
        "request_link": link.to_url(),
        "request_object": signed.to_did_jwk_request_object(&verifier).expect("signed request object"),
        "unsecured_request_uri": unsecured_uri,
        "unsecured_request_link": unsecured_link.to_url(),
        "unsecured_request_object": unsecured,
    });
    println!("{out}");
}
