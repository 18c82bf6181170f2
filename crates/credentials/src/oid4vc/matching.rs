//! The wallet's side of DCQL (OpenID4VP §6.4): which held SD-JWT VCs satisfy which credential
//! query, which claim set is used, and exactly which disclosures must be presented. Nothing
//! beyond what the chosen claims need is disclosed (§6.4: wallets MUST NOT send selectively
//! disclosable claims that were not selected); a requested object brings its disclosable
//! members with it, since the verifier asked for the whole object.

use std::collections::BTreeSet;

use serde_json::Value;

use super::FORMAT_SD_JWT_VC;
use super::claims_path::ClaimPath;
use super::dcql::{ClaimsQuery, CredentialQuery, DcqlQuery};
use super::vp::VpToken;
use crate::error::{CredentialError, VerifyError};
use crate::sdjwt::{self, KeyBinding, SdJwt, pointer, process};
use crate::vc::VC_TYP;

/// A credential in the wallet, parsed once: the SD-JWT and its fully disclosed claims.
#[derive(Debug, Clone)]
pub struct HeldCredential {
    pub sd: SdJwt,
    /// Every claim with all disclosures applied, registered claims included.
    pub claims: Value,
    pub vct: String,
    pub issuer: String,
    pub has_cnf: bool,
}

impl HeldCredential {
    /// Parses an issued SD-JWT VC (`typ: dc+sd-jwt`). The issuer signature is not checked here:
    /// the wallet checked it when it received the credential.
    pub fn parse(raw: &str) -> Result<Self, VerifyError> {
        let sd = SdJwt::parse(raw)?;
        let header = sd.jwt.split('.').next().and_then(crate::b64::decode).unwrap_or_default();
        let header = crate::json::object_from_slice(&header).map_err(VerifyError::HeaderInvalid)?;
        if header.get("typ").and_then(Value::as_str) != Some(VC_TYP) {
            return Err(VerifyError::TypInvalid("not a dc+sd-jwt credential".into()));
        }
        let payload = sd.unverified_payload()?;
        let encoded: Vec<&str> = sd.disclosures.iter().map(|d| d.encoded.as_str()).collect();
        let claims = Value::Object(process::process(payload, &encoded)?);
        let text = |n: &str| claims.get(n).and_then(Value::as_str).map(str::to_owned);
        let vct = text("vct").ok_or_else(|| VerifyError::ClaimMissing("vct".into()))?;
        let issuer = text("iss").ok_or_else(|| VerifyError::ClaimMissing("iss".into()))?;
        let has_cnf = claims.get("cnf").and_then(|c| c.get("jwk")).is_some();
        Ok(Self { sd, claims, vct, issuer, has_cnf })
    }
}

/// One way a held credential answers a credential query.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index into the held credentials.
    pub held: usize,
    /// Which of the query's claim sets was used (0 without `claim_sets`).
    pub claim_set: usize,
    /// JSON Pointers of the claims to disclose.
    pub pointers: Vec<String>,
}

/// Claims of `claims` selected by `q`, honouring `values` (§6.3); `None` if any is missing.
pub(crate) fn select_claims(q: &[&ClaimsQuery], claims: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for c in q {
        let hits = c.path.select(claims).ok()?;
        let hits: Vec<_> = match &c.values {
            None => hits,
            Some(values) => hits.into_iter().filter(|(_, v)| values.contains(v)).collect(),
        };
        if hits.is_empty() {
            return None;
        }
        out.extend(hits.into_iter().map(|(p, _)| p));
    }
    Some(out)
}

/// Whether `held` satisfies `query` and with which claim set (the first that works, §6.4.1).
pub fn match_credential(query: &CredentialQuery, held: &HeldCredential, index: usize) -> Option<Candidate> {
    if query.format != FORMAT_SD_JWT_VC {
        return None;
    }
    if !query.meta.vct_values.iter().flatten().any(|v| *v == held.vct) {
        return None;
    }
    if query.holder_binding_required() && !held.has_cnf {
        return None;
    }
    query.claim_options().iter().enumerate().find_map(|(i, set)| {
        select_claims(set, &held.claims).map(|pointers| Candidate { held: index, claim_set: i, pointers })
    })
}

/// The credentials chosen for a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// (credential query id, chosen candidates): one, or all when the query allows `multiple`.
    pub picks: Vec<(String, Vec<Candidate>)>,
}

/// A request the wallet cannot answer: the required credential sets none of whose options it
/// can fill, by the ids of their first option (what the verifier preferred).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no held credential satisfies {}", .missing.join(", "))]
pub struct Unsatisfied {
    pub missing: Vec<String>,
}

/// Selects credentials for `query` from `held` (§6.4.2): every required credential set needs
/// one option whose every query has a match; optional sets are filled when they can be.
pub fn select(query: &DcqlQuery, held: &[HeldCredential]) -> Result<Selection, Unsatisfied> {
    let candidates: Vec<(&CredentialQuery, Vec<Candidate>)> = query
        .credentials
        .iter()
        .map(|q| (q, held.iter().enumerate().filter_map(|(i, h)| match_credential(q, h, i)).collect()))
        .collect();
    let has = |id: &str| candidates.iter().any(|(q, c)| q.id == id && !c.is_empty());
    let mut chosen: Vec<&str> = Vec::new();
    let mut missing = Vec::new();
    for (required, options) in query.effective_sets() {
        match options.iter().find(|o| o.iter().all(|id| has(id))) {
            Some(option) => chosen.extend(option.iter().copied()),
            None if required => missing.extend(options[0].iter().filter(|id| !has(id)).map(|id| (*id).to_owned())),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(Unsatisfied { missing });
    }
    let picks = candidates
        .into_iter()
        .filter(|(q, _)| chosen.contains(&q.id.as_str()))
        .map(|(q, mut c)| {
            if !q.multiple {
                c.truncate(1);
            }
            (q.id.clone(), c)
        })
        .collect();
    Ok(Selection { picks })
}

/// The disclosures to present so that every claim at `pointers` is visible: each disclosure at
/// or below a pointer, the nearest one above it, and every parent of those (RFC 9901 §7.1).
pub fn disclosure_indices(sd: &SdJwt, pointers: &[String]) -> Result<Vec<usize>, VerifyError> {
    let paths = sd.paths()?;
    let mut chosen = BTreeSet::new();
    let add = |start: usize, chosen: &mut BTreeSet<usize>| {
        let mut next = Some(start);
        while let Some(i) = next {
            if !chosen.insert(i) {
                break;
            }
            next = paths.iter().find(|p| p.index == i).and_then(|p| p.parent);
        }
    };
    for want in pointers {
        for p in paths.iter().filter(|p| pointer::is_prefix(want, &p.path)) {
            add(p.index, &mut chosen);
        }
        if let Some(above) = paths.iter().filter(|p| pointer::is_prefix(&p.path, want)).max_by_key(|p| p.path.len()) {
            add(above.index, &mut chosen);
        }
    }
    Ok(chosen.into_iter().collect())
}

/// What one presentation will reveal: each selectively disclosed claim (pointer, value).
pub fn revealed(sd: &SdJwt, indices: &[usize]) -> Result<Vec<(String, Value)>, VerifyError> {
    let paths = sd.paths()?;
    Ok(indices
        .iter()
        .filter_map(|i| {
            paths.iter().find(|p| p.index == *i).map(|p| (p.path.clone(), sd.disclosures[*i].value.clone()))
        })
        .collect())
}

/// Builds the presentation of `held` disclosing exactly `indices`, with a KB-JWT when given.
pub fn present(
    held: &HeldCredential,
    indices: &[usize],
    kb: Option<&KeyBinding<'_>>,
) -> Result<String, CredentialError> {
    held.sd.present_indices(indices, kb)
}

/// As [`present`], with further KB-JWT payload members (OpenID4VP 1.0 `transaction_data_hashes`).
pub fn present_with(
    held: &HeldCredential,
    indices: &[usize],
    kb: &KeyBinding<'_>,
    kb_extra: serde_json::Map<String, Value>,
) -> Result<String, CredentialError> {
    held.sd.present_indices_with(indices, Some(kb), kb_extra)
}

/// The `vp_token` answering a request (§8.1): every chosen candidate presented with exactly the
/// disclosures its claims need and a KB-JWT, keyed by credential query id. (The wallet builds the
/// same from the plan it shows for consent.)
pub fn vp_token(
    selection: &Selection,
    held: &[HeldCredential],
    kb: &KeyBinding<'_>,
) -> Result<VpToken, CredentialError> {
    let mut token = VpToken::new();
    for (query_id, picks) in &selection.picks {
        for pick in picks {
            let h = &held[pick.held];
            let indices = disclosure_indices(&h.sd, &pick.pointers)
                .map_err(|e| CredentialError::Input { field: "disclosures", reason: e.to_string() })?;
            token.entry(query_id.clone()).or_default().push(Value::String(present(h, &indices, Some(kb))?));
        }
    }
    Ok(token)
}

/// Readable names for the claims a candidate answers, for consent screens.
pub fn requested_paths(query: &CredentialQuery, candidate: &Candidate) -> Vec<ClaimPath> {
    query
        .claim_options()
        .get(candidate.claim_set)
        .map(|s| s.iter().map(|c| c.path.clone()).collect())
        .unwrap_or_default()
}

/// Splits a presentation into parts, for tests and diagnostics.
pub fn split(presentation: &str) -> Result<sdjwt::Split<'_>, VerifyError> {
    sdjwt::split(presentation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::{Signer, SoftwareEs256Key};
    use crate::oid4vc::dcql::CredentialSetQuery;
    use crate::sdjwt::SdPlan;
    use crate::vc::{VcSpec, issue_vc};
    use rand::SeedableRng;
    use serde_json::json;

    fn issue(vct: &str, claims: Value, holder: Option<&SoftwareEs256Key>) -> HeldCredential {
        let issuer = SoftwareEs256Key::generate().unwrap();
        let claims = claims.as_object().cloned().unwrap();
        let mut sd = SdPlan::all_members(&claims, 1);
        if claims.contains_key("address") {
            sd.paths.extend(["/address/postal_code".to_owned(), "/address/locality".to_owned()]);
        }
        let spec = VcSpec {
            iss: "https://i.example/orgs/RX1".into(),
            vct: vct.into(),
            iat: 1000,
            nbf: None,
            exp: None,
            cnf: holder.map(|h| h.public_jwk()),
            status: None,
            claims,
            sd,
        };
        let raw = issue_vc(&spec, &issuer, &mut rand::rngs::StdRng::seed_from_u64(7)).unwrap();
        HeldCredential::parse(&raw).unwrap()
    }

    fn query(v: Value) -> DcqlQuery {
        let q: DcqlQuery = serde_json::from_value(v).unwrap();
        q.validate().unwrap();
        q
    }

    #[test]
    fn vct_binding_and_claim_sets_decide_the_match() {
        let holder = SoftwareEs256Key::generate().unwrap();
        let pid = issue(
            "https://credentials.example.com/identity_credential",
            json!({"last_name": "Dent", "postal_code": "12345", "date_of_birth": "1960-01-01", "locality": "Milliways"}),
            Some(&holder),
        );
        // §6.4.1 claim_sets example: the first set needs `region`, which this credential lacks.
        let q = query(json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
            "claims": [{"id": "a", "path": ["last_name"]}, {"id": "b", "path": ["postal_code"]},
                       {"id": "c", "path": ["locality"]}, {"id": "d", "path": ["region"]},
                       {"id": "e", "path": ["date_of_birth"]}],
            "claim_sets": [["a", "c", "d", "e"], ["a", "b", "e"]]}]}));
        let c = match_credential(&q.credentials[0], &pid, 0).unwrap();
        assert_eq!(c.claim_set, 1);
        assert_eq!(c.pointers, vec!["/last_name", "/postal_code", "/date_of_birth"]);
        let unbound = issue("https://credentials.example.com/identity_credential", json!({"last_name": "Dent"}), None);
        assert!(match_credential(&q.credentials[0], &unbound, 0).is_none(), "holder binding is required by default");
        let wrong_type = issue("https://other.example/pid", json!({"last_name": "Dent"}), Some(&holder));
        let simple = query(json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
            "claims": [{"path": ["last_name"], "values": ["Dent"]}]}]}));
        assert!(match_credential(&simple.credentials[0], &wrong_type, 0).is_none());
        assert!(match_credential(&simple.credentials[0], &pid, 0).is_some());
        let other_value = query(json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://credentials.example.com/identity_credential"]},
            "claims": [{"path": ["last_name"], "values": ["Prefect"]}]}]}));
        assert!(match_credential(&other_value.credentials[0], &pid, 0).is_none());
    }

    #[test]
    fn credential_sets_pick_the_first_satisfiable_option_and_skip_missing_optional_ones() {
        let holder = SoftwareEs256Key::generate().unwrap();
        let held = vec![
            issue("urn:reduced", json!({"family_name": "Dent", "given_name": "Arthur"}), Some(&holder)),
            issue("urn:residence", json!({"postal_code": "12345"}), Some(&holder)),
        ];
        let mut q = DcqlQuery::new(vec![
            CredentialQuery::sd_jwt_vc("pid", "urn:pid").claim(ClaimPath::keys(&["given_name"])),
            CredentialQuery::sd_jwt_vc("r1", "urn:reduced").claim(ClaimPath::keys(&["family_name"])),
            CredentialQuery::sd_jwt_vc("r2", "urn:residence").claim(ClaimPath::keys(&["postal_code"])),
            CredentialQuery::sd_jwt_vc("nice", "urn:rewards"),
        ]);
        q.credential_sets = Some(vec![
            CredentialSetQuery { options: vec![vec!["pid".into()], vec!["r1".into(), "r2".into()]], required: None },
            CredentialSetQuery { options: vec![vec!["nice".into()]], required: Some(false) },
        ]);
        q.validate().unwrap();
        let s = select(&q, &held).unwrap();
        let ids: Vec<&str> = s.picks.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, vec!["r1", "r2"]);
        // Without credential_sets every query is required.
        q.credential_sets = None;
        assert_eq!(select(&q, &held).unwrap_err().missing, vec!["pid", "nice"]);
    }

    #[test]
    fn only_the_requested_disclosures_are_presented() {
        let holder = SoftwareEs256Key::generate().unwrap();
        let h = issue(
            "urn:pid",
            json!({"given_name": "Arthur", "family_name": "Dent", "address": {"postal_code": "12345", "locality": "Milliways"},
                   "nationalities": ["British", "Betelgeusian"]}),
            Some(&holder),
        );
        let q = query(json!({"credentials": [{"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:pid"]},
            "claims": [{"path": ["address", "postal_code"]}, {"path": ["nationalities", 1]}]}]}));
        let c = match_credential(&q.credentials[0], &h, 0).unwrap();
        let idx = disclosure_indices(&h.sd, &c.pointers).unwrap();
        let shown: Vec<String> = revealed(&h.sd, &idx).unwrap().into_iter().map(|(p, _)| p).collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        for p in ["/address", "/address/postal_code", "/nationalities", "/nationalities/1"] {
            assert!(shown.contains(&p.to_owned()), "{p} in {shown:?}");
        }
        // Asking for the whole object discloses its disclosable members too.
        let whole = disclosure_indices(&h.sd, &["/address".to_owned()]).unwrap();
        assert_eq!(whole.len(), 3);
        let p = present(&h, &idx, None).unwrap();
        assert_eq!(split(&p).unwrap().disclosures.len(), 4);
    }
}
