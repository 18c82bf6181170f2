//! The Credential Offer (OpenID4VCI §4.1): by value or by `credential_offer_uri`, with the
//! pre-authorised code grant and its `tx_code` description, and the wallet's checks on it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{OFFER_SCHEME, check_issuer_identifier};
use crate::oid4vc::form;

/// The Credential Offer object (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialOffer {
    pub credential_issuer: String,
    pub credential_configuration_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// The grants an offer names; only the two this specification defines are modelled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grants {
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<Value>,
}

impl Grants {
    pub fn is_empty(&self) -> bool {
        self.pre_authorized_code.is_none() && self.authorization_code.is_none()
    }
}

/// The pre-authorised code grant's parameters (§4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// Present (even as `{}`) when the token request must carry a transaction code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// How the wallet should ask for the transaction code (§4.1.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TxCode {
    /// `numeric` (the default) or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// At most 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CredentialOffer {
    /// An offer of `configuration_ids` under a pre-authorised code, with a PIN description when
    /// a transaction code is required (`pin_length: Some`).
    pub fn pre_authorized(
        issuer: &str,
        configuration_ids: Vec<String>,
        code: &str,
        pin_length: Option<u32>,
        pin_description: Option<&str>,
    ) -> Self {
        let tx_code = pin_length.map(|length| TxCode {
            input_mode: Some("numeric".into()),
            length: Some(length),
            description: pin_description.map(str::to_owned),
        });
        Self {
            credential_issuer: issuer.to_owned(),
            credential_configuration_ids: configuration_ids,
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: code.to_owned(),
                    tx_code,
                    authorization_server: None,
                }),
                authorization_code: None,
            },
        }
    }

    /// The checks a wallet makes before acting on an offer (§4.1.1, §12.2.1).
    pub fn validate(&self) -> Result<(), String> {
        check_issuer_identifier(&self.credential_issuer).map_err(|e| format!("credential_issuer {e}"))?;
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() {
            return Err("credential_configuration_ids is empty".into());
        }
        let mut seen = std::collections::HashSet::new();
        if !ids.iter().all(|id| seen.insert(id)) {
            return Err("credential_configuration_ids are not unique".into());
        }
        if let Some(g) = &self.grants.pre_authorized_code {
            if g.pre_authorized_code.is_empty() {
                return Err("pre-authorized_code is empty".into());
            }
            if let Some(tx) = &g.tx_code {
                if tx.description.as_ref().is_some_and(|d| d.chars().count() > 300) {
                    return Err("tx_code description exceeds 300 characters".into());
                }
                if tx.input_mode.as_deref().is_some_and(|m| m != "numeric" && m != "text") {
                    return Err("tx_code input_mode must be numeric or text".into());
                }
            }
        }
        Ok(())
    }

    /// The link (or QR text) for an offer served at `offer_uri` (§4.1.3):
    /// `openid-credential-offer://?credential_offer_uri=…`.
    pub fn link_by_reference(offer_uri: &str) -> String {
        format!("{OFFER_SCHEME}?credential_offer_uri={}", form::encode(offer_uri))
    }
}

/// What an offer link carries (§4.1): the offer itself or where to fetch it.
#[derive(Debug, Clone, PartialEq)]
pub enum OfferLink {
    ByValue(CredentialOffer),
    ByReference(String),
}

impl OfferLink {
    /// Parses a link with exactly one of `credential_offer` / `credential_offer_uri`. A plain
    /// http(s) URL with neither parameter is taken as the offer's own location.
    pub fn parse(link: &str) -> Result<Self, String> {
        let q = form::query_of(link).ok_or("the link's query is not valid percent-encoding")?;
        let by_value = form::single(&q, "credential_offer")?;
        let by_ref = form::single(&q, "credential_offer_uri")?;
        match (by_value, by_ref) {
            (Some(_), Some(_)) => Err("credential_offer and credential_offer_uri are both present".into()),
            (Some(v), None) => serde_json::from_str(v)
                .map(OfferLink::ByValue)
                .map_err(|e| format!("credential_offer is not an offer: {e}")),
            (None, Some(uri)) => Ok(OfferLink::ByReference(uri.to_owned())),
            (None, None) if link.starts_with("https://") || link.starts_with("http://") => {
                Ok(OfferLink::ByReference(link.to_owned()))
            }
            (None, None) => Err("the link has neither credential_offer nor credential_offer_uri".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_offer_examples_parse_and_validate() {
        // §4.1.3 (by reference) and §4.1.1 (multiple credentials) examples, verbatim.
        let by_ref: CredentialOffer = serde_json::from_value(json!({
          "credential_issuer": "https://credential-issuer.example.com",
          "credential_configuration_ids": ["UniversityDegree_LDP_VC"],
          "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
              "pre-authorized_code": "adhjhdjajkdkhjhdj", "tx_code": {}}}
        }))
        .unwrap();
        by_ref.validate().unwrap();
        assert_eq!(by_ref.grants.pre_authorized_code.as_ref().unwrap().tx_code, Some(TxCode::default()));
        let multi: CredentialOffer = serde_json::from_value(json!({
          "credential_issuer": "https://credential-issuer.example.com",
          "credential_configuration_ids": ["UniversityDegreeCredential", "org.iso.18013.5.1.mDL"],
          "grants": {"urn:ietf:params:oauth:grant-type:pre-authorized_code": {
              "pre-authorized_code": "oaKazRN8I0IbtZ0C7JuMn5",
              "tx_code": {"length": 4, "input_mode": "numeric",
                          "description": "Please provide the one-time code that was sent via e-mail"}}},
          "issuer_redirect_uri": "https://credential-issuer.example.com/redirect"
        }))
        .unwrap();
        multi.validate().unwrap();
        assert_eq!(multi.grants.pre_authorized_code.unwrap().tx_code.unwrap().length, Some(4));
    }

    #[test]
    fn empty_tx_code_object_survives_a_round_trip() {
        let mut offer = CredentialOffer::pre_authorized("https://i.example", vec!["dbs".into()], "c", None, None);
        offer.grants.pre_authorized_code.as_mut().unwrap().tx_code = Some(TxCode::default());
        let text = serde_json::to_string(&offer).unwrap();
        assert!(text.contains(r#""tx_code":{}"#), "{text}");
    }

    #[test]
    fn offer_links_by_value_and_reference() {
        let link = CredentialOffer::link_by_reference("https://i.example/offers/abc?x=1");
        assert_eq!(OfferLink::parse(&link).unwrap(), OfferLink::ByReference("https://i.example/offers/abc?x=1".into()));
        // §4.1.2 example, by value.
        let spec = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22:%22https://credential-issuer.example.com%22,%22credential_configuration_ids%22:%5B%22org.iso.18013.5.1.mDL%22%5D,%22grants%22:%7B%22urn:ietf:params:oauth:grant-type:pre-authorized_code%22:%7B%22pre-authorized_code%22:%22oaKazRN8I0IbtZ0C7JuMn5%22,%22tx_code%22:%7B%22input_mode%22:%22text%22,%22description%22:%22Please%20enter%20the%20serial%20number%20of%20your%20physical%20drivers%20license%22%7D%7D%7D%7D";
        let OfferLink::ByValue(offer) = OfferLink::parse(spec).unwrap() else { panic!("by value") };
        assert_eq!(offer.grants.pre_authorized_code.unwrap().tx_code.unwrap().input_mode.as_deref(), Some("text"));
        assert!(OfferLink::parse("openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=x").is_err());
    }
}
