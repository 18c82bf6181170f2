//! A small world for integration tests and benchmarks: one registered trust with a current, a
//! second and a retired key, a suspended and a removed organisation, a registry operator, a holder,
//! a 2-bit status list, and a passport-like credential. Fixed clock; seeded salts.
#![allow(dead_code)]

use credentials::VerifyError;
use credentials::jws::{self, Jwk, Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt, SdPlan};
use credentials::status::{InMemoryStatus, StatusList, StatusRef};
use credentials::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};
use credentials::vc::{self, VcSpec};
use credentials::verify::{self, Verified, VerifyOptions};
use rand::SeedableRng;
use serde_json::{Map, Value, json};

pub const NOW: i64 = 1_770_000_000;
pub const ISSUER: &str = "https://rx1.passport.example.nhs.uk";
pub const SUSPENDED_ISSUER: &str = "https://rx2.passport.example.nhs.uk";
pub const REMOVED_ISSUER: &str = "https://rx3.passport.example.nhs.uk";
pub const STATUS_URI: &str = "https://rx1.passport.example.nhs.uk/status/1";
pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const AUD: &str = "https://host.example.nhs.uk/verifier";
pub const VCT: &str = "https://passport.example.nhs.uk/vct/cstf-training/1";
pub const RETIRED_AT: i64 = NOW - 86_400;

pub struct World {
    pub issuer: SoftwareEs256Key,
    pub second: SoftwareEs256Key,
    pub retired: SoftwareEs256Key,
    pub stranger: SoftwareEs256Key,
    pub operator: SoftwareEs256Key,
    pub holder: SoftwareEs256Key,
    pub trust_list: TrustList,
    pub trust_token: String,
    pub trust: TrustIndex,
    pub status: InMemoryStatus,
}

fn org(ods: &str, issuer: &str, status: OrgStatus, keys: Vec<ListedKey>) -> Organisation {
    Organisation { ods_code: ods.into(), name: format!("{ods} NHS Trust"), issuer: issuer.into(), status, keys }
}

fn listed(k: &SoftwareEs256Key, retired_at: Option<i64>) -> ListedKey {
    ListedKey { jwk: k.public_jwk(), retired_at }
}

impl World {
    pub fn new() -> Self {
        let k = || SoftwareEs256Key::generate().unwrap();
        let (issuer, second, retired, stranger, operator, holder) = (k(), k(), k(), k(), k(), k());
        let trust_list = TrustList {
            iss: "https://registry.passport.example.nhs.uk".into(),
            iat: NOW - 3600,
            exp: NOW + 86_400,
            sequence: 42,
            organisations: vec![
                org(
                    "RX1",
                    ISSUER,
                    OrgStatus::Active,
                    vec![listed(&issuer, None), listed(&second, None), listed(&retired, Some(RETIRED_AT))],
                ),
                org("RX2", SUSPENDED_ISSUER, OrgStatus::Suspended, vec![listed(&stranger, None)]),
                org("RX3", REMOVED_ISSUER, OrgStatus::Removed, vec![listed(&stranger, None)]),
            ],
        };
        let trust_token = trust_list.sign(&operator).unwrap();
        let trust = TrustIndex::from_signed(&trust_token, &operator.public_jwk(), NOW).unwrap();
        let mut list = StatusList::new(1024, 2).unwrap();
        list.set(1, 1).unwrap();
        list.set(2, 2).unwrap();
        list.set(3, 3).unwrap();
        let mut status = InMemoryStatus::default();
        status.insert(ISSUER, STATUS_URI, list);
        Self { issuer, second, retired, stranger, operator, holder, trust_list, trust_token, trust, status }
    }

    /// A CSTF training credential: every personal claim disclosable, one disclosure per competence,
    /// and the address disclosable as a whole and member by member.
    pub fn spec(&self, status_idx: u64) -> VcSpec {
        let claims: Map<String, Value> = json!({
            "given_name": "Amara",
            "family_name": "Okafor",
            "birthdate": "1988-03-14",
            "professional_registration": {"body": "NMC", "number": "12A3456B"},
            "address": {"street_address": "1 Hospital Road", "locality": "Leeds", "postal_code": "LS1 3EX"},
            "competences": [
                {"subject": "Fire Safety", "level": 1, "completed": "2026-01-10", "expires": "2027-01-10"},
                {"subject": "Information Governance", "level": 1, "completed": "2025-12-01", "expires": "2026-12-01"},
                {"subject": "Resuscitation", "level": 2, "completed": "2026-02-20", "expires": "2027-02-20"}
            ]
        })
        .as_object()
        .cloned()
        .unwrap();
        let mut sd = SdPlan::all_members(&claims, 2);
        sd.paths.extend(["/address/street_address".into(), "/address/locality".into()]);
        VcSpec {
            iss: ISSUER.into(),
            vct: VCT.into(),
            iat: NOW - 600,
            nbf: Some(NOW - 600),
            exp: Some(NOW + 365 * 86_400),
            cnf: Some(self.holder.public_jwk()),
            status: Some(StatusRef { idx: status_idx, uri: STATUS_URI.into() }),
            claims,
            sd,
        }
    }

    pub fn issue_with(&self, spec: &VcSpec, key: &dyn Signer) -> String {
        vc::issue_vc(spec, key, &mut rand::rngs::StdRng::seed_from_u64(2026)).unwrap()
    }

    pub fn issued(&self) -> String {
        self.issue_with(&self.spec(0), &self.issuer)
    }

    pub fn kb(&self) -> KeyBinding<'_> {
        KeyBinding { signer: &self.holder, nonce: NONCE, aud: AUD, iat: NOW - 5 }
    }

    /// Presents `reveal` from `issued` with a KB-JWT from the holder.
    pub fn present(&self, issued: &str, reveal: &[&str]) -> String {
        SdJwt::parse(issued).unwrap().present(reveal, Some(&self.kb())).unwrap()
    }

    pub fn presentation(&self) -> String {
        self.present(&self.issued(), &["/given_name", "/family_name", "/competences/0", "/address/locality"])
    }

    pub fn opts(&self) -> VerifyOptions {
        VerifyOptions::new(NOW, NONCE, AUD)
    }

    pub fn verify(&self, input: &str) -> Result<Verified, VerifyError> {
        self.verify_with(input, &self.opts())
    }

    pub fn verify_with(&self, input: &str, opts: &VerifyOptions) -> Result<Verified, VerifyError> {
        verify::verify_presentation(input, opts, &self.trust, &self.status)
    }

    /// Signs an arbitrary header/payload with an issuer key: for crafting hostile credentials.
    pub fn sign_raw(&self, header: Value, payload: &Value, key: &dyn Signer) -> String {
        jws::sign_compact(header.as_object().cloned().unwrap(), &serde_json::to_vec(payload).unwrap(), key).unwrap()
    }

    /// A minimal valid VC payload with `extra` merged in.
    pub fn base_payload(&self, extra: Value) -> Value {
        let mut p = json!({
            "iss": ISSUER, "vct": VCT, "iat": NOW - 600, "exp": NOW + 3600,
            "cnf": {"jwk": self.holder.public_jwk().bare()}, "_sd_alg": "sha-256"
        });
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        p
    }

    pub fn holder_jwk(&self) -> Jwk {
        self.holder.public_jwk()
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}
