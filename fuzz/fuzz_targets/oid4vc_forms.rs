//! What the OpenID4VCI and OpenID4VP endpoints parse from the network: form bodies (token request,
//! direct_post response), wallet links (credential offers, request links) and request objects.
#![no_main]

use credentials::oid4vc::form;
use credentials::oid4vc::vci::{CredentialRequest, OfferLink, PreAuthorizedTokenRequest};
use credentials::oid4vc::vp::{AuthorizationResponse, ReceivedRequestObject, RequestLink};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = passport_fuzz::text(data);
    let _ = form::parse(&input);
    let _ = form::decode(&input);
    let _ = PreAuthorizedTokenRequest::from_form(&input);
    if let Ok(response) = AuthorizationResponse::from_form(&input) {
        let _ = response.to_form();
    }
    let _ = RequestLink::parse(&input);
    let _ = OfferLink::parse(&input);
    let _ = ReceivedRequestObject::parse(&input);
    if let Ok(request) = serde_json::from_slice::<CredentialRequest>(data) {
        let _ = request.check_shape();
    }
});
