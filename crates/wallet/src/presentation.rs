//! OpenID4VP 1.0 responder: fetch the request object behind a link (§5.7, RFC 9101), check it,
//! match its DCQL query against the wallet (§6.4), and build a [`PresentationPlan`] that says
//! exactly what each presentation will disclose, so the user can consent before anything is
//! sent. [`submit`] then signs a KB-JWT per presentation (`nonce` from the request, `aud` = the
//! client id, Appendix B.3.6) and posts the `vp_token` with `direct_post` (§8.2); [`decline`]
//! posts `access_denied` instead.

use credentials::oid4vc::matching::{self, Selection};
use credentials::oid4vc::oauth::{ErrorCode, OAuthError};
use credentials::oid4vc::transaction_data::TransactionData;
use credentials::oid4vc::vp::{
    AuthorizationRequest, AuthorizationResponse, DID_PREFIX, DirectPostResponse, ReceivedRequestObject, RequestLink,
    VpToken,
};
use credentials::sdjwt::KeyBinding;
use reqwest::Client;
use serde::Serialize;
use serde_json::Value;

use crate::http;
use crate::store::Wallet;
use crate::{Result, WalletError, protocol};

/// One presentation the wallet would send.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedPresentation {
    /// The credential query it answers.
    pub query_id: String,
    /// The held credential's id, type and issuer.
    pub credential_id: String,
    pub vct: String,
    pub issuer: String,
    /// Each selectively disclosed claim (JSON Pointer, value) that will be revealed.
    pub disclosed: Vec<(String, Value)>,
    /// Claims the verifier sees anyway because the issuer did not make them disclosable.
    pub always_visible: Vec<String>,
    #[serde(skip)]
    held: usize,
    #[serde(skip)]
    indices: Vec<usize>,
}

/// What the wallet is about to do for a request.
#[derive(Debug, Clone, Serialize)]
pub struct PresentationPlan {
    /// The verifier as it identifies itself (for `redirect_uri:` clients, its response URI).
    pub client_id: String,
    /// For a signed request, the RFC 7638 thumbprint of the key that signed it.
    pub verifier_key: Option<String>,
    pub response_uri: String,
    pub presentations: Vec<PlannedPresentation>,
    /// Credential queries the wallet cannot answer; when non-empty only [`decline`] is possible.
    pub missing: Vec<String>,
    /// What the verifier asks the holder to authorise with the presentation (OpenID4VP
    /// transaction data), in words to show before consenting.
    pub transactions: Vec<PlannedTransaction>,
    #[serde(skip)]
    request: AuthorizationRequest,
    #[serde(skip)]
    transaction_data: Vec<TransactionData>,
}

/// A transaction the presentation will authorise.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedTransaction {
    pub kind: String,
    /// What the holder signs, in words.
    pub summary: String,
    /// The credential queries whose presentations carry the authorisation.
    pub credential_ids: Vec<String>,
}

/// The transaction data types this wallet can show and authorise: signing a workforce sharing
/// agreement (the agreement's hash, version and terms in words), and giving or withdrawing consent
/// to an inter-authority transfer (the new employer and the statement).
pub const SUPPORTED_TRANSACTION_DATA: &[&str] =
    &[credentials::agreement::TRANSACTION_DATA_TYPE, credentials::consent::CONSENT_TRANSACTION_DATA_TYPE];

fn planned(td: &TransactionData) -> Result<PlannedTransaction> {
    let summary = if td.td_type == credentials::consent::CONSENT_TRANSACTION_DATA_TYPE {
        let consent = credentials::consent::ConsentTransactionData::decode(&td.encoded)
            .map_err(|e| protocol(format!("transaction data: {e}")))?;
        let verb = if consent.given { "Consent" } else { "Withdraw consent" };
        format!(
            "{verb} to an inter-authority transfer to {} ({}): {}",
            consent.new_employer_name, consent.new_employer_ods, consent.statement
        )
    } else {
        let agreement = credentials::agreement::AgreementTransactionData::decode(&td.encoded)
            .map_err(|e| protocol(format!("transaction data: {e}")))?;
        format!(
            "{} agreement {} version {} (SHA-256 {}): {}",
            agreement.action.verb(),
            agreement.agreement_id,
            agreement.version,
            agreement.agreement_sha256,
            agreement.summary
        )
    };
    Ok(PlannedTransaction { kind: td.td_type.clone(), summary, credential_ids: td.credential_ids.clone() })
}

impl PresentationPlan {
    pub fn can_submit(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Fetches and checks the request behind `link` and plans the answer.
pub async fn prepare(wallet: &Wallet, client: &Client, link: &str, now: i64) -> Result<PresentationPlan> {
    let link = RequestLink::parse(link).map_err(|e| protocol(e.to_string()))?;
    let token = match link.request_uri_method.as_deref() {
        // §5.10: with `post` the wallet may send its metadata; we send none, which is allowed.
        Some("post") => {
            http::post_form_text(client, &link.request_uri, String::new(), "application/oauth-authz-req+jwt").await?
        }
        _ => http::get_text(client, &link.request_uri, "application/oauth-authz-req+jwt").await?,
    };
    let received = ReceivedRequestObject::parse(&token).map_err(|e| protocol(format!("request object: {e}")))?;
    // Unsecured objects only come from redirect_uri: clients (parse checks that); signed ones
    // only from did:jwk clients, whose key the DID itself carries.
    let verifier_key = if received.alg == "none" {
        None
    } else if received.request.client_id.starts_with(DID_PREFIX) {
        Some(received.verify_did_jwk(&token).map_err(|e| protocol(format!("request object: {e}")))?.thumbprint())
    } else {
        return Err(protocol(format!(
            "signed request objects from client {} use a client identifier prefix this wallet does not support",
            received.request.client_id
        )));
    };
    let request = received.request;
    // §5.10.1: the link's client_id and the request object's must be identical.
    if request.client_id != link.client_id {
        return Err(protocol("the request object's client_id differs from the link's"));
    }
    let (response_uri, transaction_data) =
        request.validate_supporting(now, SUPPORTED_TRANSACTION_DATA).map_err(|e| protocol(e.to_string()))?;
    let response_uri = response_uri.to_owned();
    let transactions = transaction_data.iter().map(planned).collect::<Result<Vec<_>>>()?;
    http::check_url(&response_uri)?;
    let query = request.dcql_query.as_ref().ok_or_else(|| protocol("no dcql_query"))?;
    let held = wallet.held()?;
    let (selection, missing) = match matching::select(query, &held) {
        Ok(s) => (s, Vec::new()),
        Err(u) => (Selection { picks: Vec::new() }, u.missing),
    };
    let mut presentations = Vec::new();
    for (query_id, candidates) in &selection.picks {
        for c in candidates {
            let h = &held[c.held];
            let indices =
                matching::disclosure_indices(&h.sd, &c.pointers).map_err(|e| WalletError::Credential(e.to_string()))?;
            let disclosed = matching::revealed(&h.sd, &indices).map_err(|e| WalletError::Credential(e.to_string()))?;
            let payload = h.sd.unverified_payload().map_err(|e| WalletError::Credential(e.to_string()))?;
            let always_visible = payload
                .keys()
                .filter(|k| !k.starts_with('_') && !credentials::vc::NEVER_DISCLOSABLE.contains(&k.as_str()))
                .cloned()
                .collect();
            let stored = &wallet.credentials()[c.held];
            presentations.push(PlannedPresentation {
                query_id: query_id.clone(),
                credential_id: stored.id.clone(),
                vct: h.vct.clone(),
                issuer: h.issuer.clone(),
                disclosed,
                always_visible,
                held: c.held,
                indices,
            });
        }
    }
    Ok(PresentationPlan {
        client_id: request.client_id.clone(),
        verifier_key,
        response_uri,
        presentations,
        missing,
        transactions,
        request,
        transaction_data,
    })
}

/// Builds the presentations with KB-JWTs and posts them to the response URI.
pub async fn submit(wallet: &Wallet, client: &Client, plan: &PresentationPlan, now: i64) -> Result<DirectPostResponse> {
    if !plan.can_submit() {
        return Err(protocol(format!("cannot answer: no credential for {}", plan.missing.join(", "))));
    }
    let held = wallet.held()?;
    let mut vp_token = VpToken::new();
    for p in &plan.presentations {
        let kb =
            KeyBinding { signer: wallet.holder(), nonce: &plan.request.nonce, aud: &plan.request.client_id, iat: now };
        // §B.3.3: each presentation's KB-JWT lists the transactions its query may authorise.
        let authorised = plan.transaction_data.iter().filter(|td| td.credential_ids.contains(&p.query_id));
        let shown = matching::present_with(&held[p.held], &p.indices, &kb, TransactionData::kb_claims(authorised))
            .map_err(|e| WalletError::Credential(e.to_string()))?;
        vp_token.entry(p.query_id.clone()).or_default().push(Value::String(shown));
    }
    let body = AuthorizationResponse::VpToken { vp_token, state: plan.request.state.clone() };
    http::post_form(client, &plan.response_uri, body.to_form()).await
}

/// Tells the verifier the user declined (or the wallet cannot answer): `access_denied` (§8.5).
pub async fn decline(client: &Client, plan: &PresentationPlan) -> Result<DirectPostResponse> {
    let why = if plan.can_submit() { "the holder declined" } else { "the wallet holds no matching credential" };
    let body = AuthorizationResponse::Error {
        error: OAuthError::new(ErrorCode::AccessDenied, why),
        state: plan.request.state.clone(),
    };
    http::post_form(client, &plan.response_uri, body.to_form()).await
}
