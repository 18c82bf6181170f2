//! The verifier's check of a `vp_token` against the DCQL query it sent (OpenID4VP §8.6):
//! the token's shape first (an error there rejects the whole response), then each presentation
//! through [`verify_presentation`] with the request's `nonce` and the client id as `aud`
//! (Appendix B.3.6), then the type and claims each query asked for, then the credential sets.
//! A presentation that fails is discarded with its reason, so the caller can say which
//! requirement was not met and why.

use serde::Serialize;
use serde_json::Value;

use super::claims_path::ClaimPath;
use super::dcql::DcqlQuery;
use super::matching::select_claims;
use super::oauth::{ErrorCode, OAuthError};
use super::vp::VpToken;
use crate::error::VerifyError;
use crate::verify::{StatusSource, TrustSource, Verified, VerifyOptions, verify_presentation};

/// A `vp_token` that is wrong as a whole (§8.1, §8.6 step 1): the response is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VpTokenError {
    #[error("vp_token names {0:?}, which the query does not")]
    UnknownQuery(String),
    #[error("vp_token has an empty array for {0:?}")]
    Empty(String),
    #[error("vp_token has several presentations for {0:?}, which does not allow multiple")]
    MultipleNotAllowed(String),
}

impl VpTokenError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownQuery(_) => "vp_token_unknown_query",
            Self::Empty(_) => "vp_token_empty_entry",
            Self::MultipleNotAllowed(_) => "vp_token_multiple_not_allowed",
        }
    }

    /// The response endpoint's error body.
    pub fn to_oauth(&self) -> OAuthError {
        OAuthError::new(ErrorCode::InvalidRequest, self.to_string())
    }
}

/// Why one presentation was discarded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum Rejection {
    /// The credential engine refused it (signature, trust, status, key binding, …).
    Verify { reason: String, message: String },
    /// Not a string (SD-JWT VC presentations are strings, Appendix B.3).
    NotAString,
    /// Its `vct` is not among the query's `vct_values`.
    VctNotRequested(String),
    /// The disclosed claims do not cover any claim set of the query.
    ClaimsMissing(Vec<String>),
}

impl Rejection {
    /// The stable reason code: a [`VerifyError`] code, or one of ours.
    pub fn code(&self) -> &str {
        match self {
            Self::Verify { reason, .. } => reason,
            Self::NotAString => "presentation_not_a_string",
            Self::VctNotRequested(_) => "vct_not_requested",
            Self::ClaimsMissing(_) => "claims_missing",
        }
    }

    fn from_verify(e: VerifyError) -> Self {
        Self::Verify { reason: e.code().to_owned(), message: e.to_string() }
    }
}

/// The outcome for one credential query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryOutcome {
    pub id: String,
    /// Presentations that passed every check.
    pub accepted: Vec<Verified>,
    /// Presentations that were discarded, with why.
    pub rejected: Vec<Rejection>,
}

impl QueryOutcome {
    pub fn met(&self) -> bool {
        !self.accepted.is_empty()
    }
}

/// The whole answer: per query, and whether the credential sets are satisfied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidatedResponse {
    pub queries: Vec<QueryOutcome>,
    /// For each required credential set none of whose options is met: the ids of its first
    /// (preferred) option.
    pub unmet: Vec<Vec<String>>,
}

impl ValidatedResponse {
    /// Every required credential set is met (§6.4.2).
    pub fn satisfied(&self) -> bool {
        self.unmet.is_empty()
    }

    pub fn query(&self, id: &str) -> Option<&QueryOutcome> {
        self.queries.iter().find(|q| q.id == id)
    }

    /// The JWK thumbprint (RFC 7638) of the holder key the first accepted presentation is bound to.
    pub fn holder_thumbprint(&self) -> Option<String> {
        self.queries.iter().flat_map(|q| &q.accepted).find_map(|v| v.cnf.as_ref()).map(|k| k.thumbprint())
    }

    /// True when every accepted presentation is bound to the same holder key (`cnf.jwk`). OpenID4VP
    /// does not require it, but a ready-to-work decision built from several credentials should:
    /// otherwise two holders could pool their credentials into one answer.
    pub fn single_holder(&self) -> bool {
        let mut keys = self.queries.iter().flat_map(|q| &q.accepted).map(|v| v.cnf.as_ref().map(|k| k.thumbprint()));
        match keys.next() {
            None => true,
            Some(first) => first.is_some() && keys.all(|k| k == first),
        }
    }
}

/// Validates `vp_token` against `query`. `opts` carries the request's `nonce` and the client
/// id (the required KB-JWT `aud`) and the time; key binding is required per query unless it set
/// `require_cryptographic_holder_binding: false`.
pub fn validate_vp_token(
    vp_token: &VpToken,
    query: &DcqlQuery,
    opts: &VerifyOptions,
    trust: &dyn TrustSource,
    status: &dyn StatusSource,
) -> Result<ValidatedResponse, VpTokenError> {
    for (id, presentations) in vp_token {
        let q = query.credential(id).ok_or_else(|| VpTokenError::UnknownQuery(id.clone()))?;
        if presentations.is_empty() {
            return Err(VpTokenError::Empty(id.clone()));
        }
        if presentations.len() > 1 && !q.multiple {
            return Err(VpTokenError::MultipleNotAllowed(id.clone()));
        }
    }
    let mut queries = Vec::with_capacity(query.credentials.len());
    for q in &query.credentials {
        let mut outcome = QueryOutcome { id: q.id.clone(), accepted: Vec::new(), rejected: Vec::new() };
        let mut o = opts.clone();
        o.require_key_binding = q.holder_binding_required();
        for p in vp_token.get(&q.id).into_iter().flatten() {
            let Value::String(text) = p else {
                outcome.rejected.push(Rejection::NotAString);
                continue;
            };
            let verified = match verify_presentation(text, &o, trust, status) {
                Ok(v) => v,
                Err(e) => {
                    outcome.rejected.push(Rejection::from_verify(e));
                    continue;
                }
            };
            if !q.meta.vct_values.iter().flatten().any(|v| *v == verified.vct) {
                outcome.rejected.push(Rejection::VctNotRequested(verified.vct.clone()));
                continue;
            }
            let options = q.claim_options();
            if !options.iter().any(|set| select_claims(set, &verified.claims).is_some()) {
                // Name what the preferred set lacks.
                let lacking: Vec<String> = options[0]
                    .iter()
                    .filter(|c| select_claims(&[*c], &verified.claims).is_none())
                    .map(|c| c.path.display())
                    .collect();
                outcome.rejected.push(Rejection::ClaimsMissing(lacking));
                continue;
            }
            outcome.accepted.push(verified);
        }
        queries.push(outcome);
    }
    let met = |id: &str| queries.iter().any(|q: &QueryOutcome| q.id == id && q.met());
    let unmet = query
        .effective_sets()
        .into_iter()
        .filter(|(required, options)| *required && !options.iter().any(|o| o.iter().all(|id| met(id))))
        .map(|(_, options)| options[0].iter().map(|s| (*s).to_owned()).collect())
        .collect();
    Ok(ValidatedResponse { queries, unmet })
}

/// The claim paths of the preferred claim set of query `id`, for displaying what was asked.
pub fn requested_claims(query: &DcqlQuery, id: &str) -> Vec<ClaimPath> {
    query
        .credential(id)
        .and_then(|q| q.claim_options().into_iter().next())
        .map(|set| set.into_iter().map(|c| c.path.clone()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::{Signer, SoftwareEs256Key};
    use crate::oid4vc::dcql::CredentialQuery;
    use crate::oid4vc::matching::{self, HeldCredential};
    use crate::sdjwt::{KeyBinding, SdPlan};
    use crate::status::{InMemoryStatus, StatusList, StatusRef};
    use crate::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};
    use crate::vc::{VcSpec, issue_vc};
    use rand::SeedableRng;
    use serde_json::json;

    const ISS: &str = "https://i.example/orgs/RX1";
    const CLIENT: &str = "redirect_uri:https://v.example/orgs/RX2/vp/response";
    const STATUS_URI: &str = "https://i.example/orgs/RX1/status/1";

    struct World {
        issuer: SoftwareEs256Key,
        holder: SoftwareEs256Key,
        trust: TrustIndex,
        status: InMemoryStatus,
    }

    fn world() -> World {
        let issuer = SoftwareEs256Key::generate().unwrap();
        let list = TrustList {
            iss: "https://registry.example".into(),
            iat: 0,
            exp: i64::MAX,
            sequence: 1,
            organisations: vec![Organisation {
                ods_code: "RX1".into(),
                name: "Trust One".into(),
                issuer: ISS.into(),
                status: OrgStatus::Active,
                keys: vec![ListedKey { jwk: issuer.public_jwk(), retired_at: None }],
            }],
        };
        let mut status = InMemoryStatus::default();
        status.insert(ISS, STATUS_URI, StatusList::new(16, 2).unwrap());
        World { issuer, holder: SoftwareEs256Key::generate().unwrap(), trust: TrustIndex::new(&list).unwrap(), status }
    }

    fn issue(w: &World, vct: &str, claims: Value, idx: u64) -> HeldCredential {
        let claims = claims.as_object().cloned().unwrap();
        let spec = VcSpec {
            iss: ISS.into(),
            vct: vct.into(),
            iat: 1000,
            nbf: None,
            exp: Some(10_000_000),
            cnf: Some(w.holder.public_jwk()),
            status: Some(StatusRef { idx, uri: STATUS_URI.into() }),
            sd: SdPlan::all_members(&claims, 1),
            claims,
        };
        HeldCredential::parse(&issue_vc(&spec, &w.issuer, &mut rand::rngs::StdRng::seed_from_u64(idx)).unwrap())
            .unwrap()
    }

    fn dbs_query() -> DcqlQuery {
        DcqlQuery::new(vec![
            CredentialQuery::sd_jwt_vc("dbs", "urn:vct:dbs")
                .claim_with_values(ClaimPath::keys(&["level"]), vec![json!("enhanced")])
                .claim(ClaimPath::keys(&["issued_on"])),
        ])
    }

    /// What the wallet would post: the matched disclosures with a KB-JWT.
    fn answer(w: &World, held: &[HeldCredential], q: &DcqlQuery, nonce: &str, aud: &str) -> VpToken {
        let sel = matching::select(q, held).unwrap();
        let kb = KeyBinding { signer: &w.holder, nonce, aud, iat: 2000 };
        matching::vp_token(&sel, held, &kb).unwrap()
    }

    fn opts() -> VerifyOptions {
        VerifyOptions::new(2010, "n0nce", CLIENT)
    }

    #[test]
    fn a_matching_answer_is_accepted_with_only_the_asked_claims() {
        let w = world();
        let held = vec![issue(
            &w,
            "urn:vct:dbs",
            json!({"level": "enhanced", "issued_on": "2026-01-02", "certificate": "001"}),
            3,
        )];
        let q = dbs_query();
        let token = answer(&w, &held, &q, "n0nce", CLIENT);
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert!(r.satisfied(), "{r:?}");
        let v = &r.query("dbs").unwrap().accepted[0];
        assert_eq!(v.ods_code, "RX1");
        assert!(v.claims.get("certificate").is_none(), "an unrequested claim was disclosed");
    }

    #[test]
    fn replays_revocations_and_missing_claims_are_named() {
        let mut w = world();
        let held = vec![issue(&w, "urn:vct:dbs", json!({"level": "enhanced", "issued_on": "2026-01-02"}), 3)];
        let q = dbs_query();
        // A token bound to another verifier's nonce or audience.
        let other_nonce = answer(&w, &held, &q, "other", CLIENT);
        let r = validate_vp_token(&other_nonce, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0].code(), "nonce_mismatch");
        assert_eq!(r.unmet, vec![vec!["dbs".to_owned()]]);
        let other_aud = answer(&w, &held, &q, "n0nce", "redirect_uri:https://evil.example");
        let r = validate_vp_token(&other_aud, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0].code(), "aud_mismatch");
        // Revoked after issue.
        let token = answer(&w, &held, &q, "n0nce", CLIENT);
        w.status.lists.get_mut(STATUS_URI).unwrap().1.set(3, 1).unwrap();
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0].code(), "revoked");
        // A presentation that withholds a requested claim.
        let h = &held[0];
        let idx = matching::disclosure_indices(&h.sd, &["/level".to_owned()]).unwrap();
        let kb = KeyBinding { signer: &w.holder, nonce: "n0nce", aud: CLIENT, iat: 2000 };
        let mut partial = VpToken::new();
        partial.insert("dbs".into(), vec![json!(matching::present(h, &idx, Some(&kb)).unwrap())]);
        w.status.lists.get_mut(STATUS_URI).unwrap().1.set(3, 0).unwrap();
        let r = validate_vp_token(&partial, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0], Rejection::ClaimsMissing(vec!["issued_on".into()]));
        // A value other than the one required.
        let basic = vec![issue(&w, "urn:vct:dbs", json!({"level": "basic", "issued_on": "2026-01-02"}), 4)];
        let loose = DcqlQuery::new(vec![
            CredentialQuery::sd_jwt_vc("dbs", "urn:vct:dbs")
                .claim(ClaimPath::keys(&["level"]))
                .claim(ClaimPath::keys(&["issued_on"])),
        ]);
        let token = answer(&w, &basic, &loose, "n0nce", CLIENT);
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0].code(), "claims_missing");
        // Another credential type under the requested id.
        let rtw = vec![issue(&w, "urn:vct:rtw", json!({"level": "enhanced", "issued_on": "x"}), 5)];
        let q_rtw =
            DcqlQuery::new(vec![CredentialQuery::sd_jwt_vc("dbs", "urn:vct:rtw").claim(ClaimPath::keys(&["level"]))]);
        let token = answer(&w, &rtw, &q_rtw, "n0nce", CLIENT);
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0].code(), "vct_not_requested");
    }

    #[test]
    fn each_required_competence_is_its_own_query_and_discloses_only_its_element() {
        // A CSTF training credential with one disclosable array element per competence; a role
        // needing two subjects asks for each with its own credential query (DCQL forbids the same
        // path twice in one query, and `values` is any-of).
        let w = world();
        let held = vec![issue(
            &w,
            "urn:vct:training",
            json!({"competences": [
                {"subject": "fire_safety", "level": 1, "expires": "2027-01-01"},
                {"subject": "information_governance", "level": 1, "expires": "2027-02-01"},
                {"subject": "moving_and_handling", "level": 2, "expires": "2027-03-01"}]}),
            6,
        )];
        let want = |id: &str, subject: &str| {
            CredentialQuery::sd_jwt_vc(id, "urn:vct:training").claim_with_values(
                serde_json::from_value(json!(["competences", null, "subject"])).unwrap(),
                vec![json!(subject)],
            )
        };
        let q = DcqlQuery::new(vec![want("cstf_fire", "fire_safety"), want("cstf_mh", "moving_and_handling")]);
        q.validate().unwrap();
        let token = answer(&w, &held, &q, "n0nce", CLIENT);
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert!(r.satisfied(), "{r:?}");
        assert!(r.single_holder());
        let shown = &r.query("cstf_mh").unwrap().accepted[0].claims["competences"];
        assert_eq!(shown, &json!([{"subject": "moving_and_handling", "level": 2, "expires": "2027-03-01"}]));
        // A subject the holder lacks leaves that query unmet, by name.
        let q = DcqlQuery::new(vec![want("cstf_fire", "fire_safety"), want("cstf_bls", "basic_life_support")]);
        assert_eq!(matching::select(&q, &held).unwrap_err().missing, vec!["cstf_bls"]);
    }

    #[test]
    fn credentials_of_two_holders_are_flagged() {
        let w = world();
        let mut other = world();
        other.issuer = SoftwareEs256Key::from_pkcs8(&w.issuer.to_pkcs8().unwrap()).unwrap();
        let mine = issue(&w, "urn:vct:dbs", json!({"level": "enhanced", "issued_on": "2026-01-02"}), 3);
        let theirs = issue(&other, "urn:vct:rtw", json!({"right_to_work": true}), 4);
        let q = DcqlQuery::new(vec![
            CredentialQuery::sd_jwt_vc("dbs", "urn:vct:dbs").claim(ClaimPath::keys(&["level"])),
            CredentialQuery::sd_jwt_vc("rtw", "urn:vct:rtw").claim(ClaimPath::keys(&["right_to_work"])),
        ]);
        let mut token =
            answer(&w, std::slice::from_ref(&mine), &DcqlQuery::new(vec![q.credentials[0].clone()]), "n0nce", CLIENT);
        token.extend(answer(&other, &[theirs], &DcqlQuery::new(vec![q.credentials[1].clone()]), "n0nce", CLIENT));
        let r = validate_vp_token(&token, &q, &opts(), &w.trust, &w.status).unwrap();
        assert!(r.satisfied(), "each presentation is valid on its own");
        assert!(!r.single_holder());
    }

    #[test]
    fn malformed_tokens_are_rejected_whole() {
        let w = world();
        let q = dbs_query();
        let mut t = VpToken::new();
        t.insert("nope".into(), vec![json!("x")]);
        assert_eq!(
            validate_vp_token(&t, &q, &opts(), &w.trust, &w.status).unwrap_err().code(),
            "vp_token_unknown_query"
        );
        let mut t = VpToken::new();
        t.insert("dbs".into(), vec![]);
        assert_eq!(validate_vp_token(&t, &q, &opts(), &w.trust, &w.status).unwrap_err().code(), "vp_token_empty_entry");
        let mut t = VpToken::new();
        t.insert("dbs".into(), vec![json!("a"), json!("b")]);
        assert!(
            validate_vp_token(&t, &q, &opts(), &w.trust, &w.status)
                .unwrap_err()
                .to_oauth()
                .is(ErrorCode::InvalidRequest)
        );
        let mut t = VpToken::new();
        t.insert("dbs".into(), vec![json!({"not": "a string"})]);
        let r = validate_vp_token(&t, &q, &opts(), &w.trust, &w.status).unwrap();
        assert_eq!(r.query("dbs").unwrap().rejected[0], Rejection::NotAString);
        let r = validate_vp_token(&VpToken::new(), &q, &opts(), &w.trust, &w.status).unwrap();
        assert!(!r.satisfied());
    }
}
