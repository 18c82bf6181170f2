//! Interop driver for `interop/run.sh`: writes one of our credentials, a KB-bound presentation and
//! a status list token for other libraries to verify, and verifies theirs with our verifier.
//! This is a test harness, not a product binary: it reads the system clock and writes files.
//!
//! ```text
//! interop issue <dir>
//! interop verify <presentation-file> <issuer-jwk-file> <iss> <nonce> <aud>
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use credentials::jws::{Jwk, Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt, SdPlan};
use credentials::status::{self, InMemoryStatus, StatusList, StatusListTokenSpec, StatusRef};
use credentials::trust::{ListedKey, OrgStatus, Organisation, TrustIndex, TrustList};
use credentials::vc::{self, VcSpec};
use credentials::verify::{self, VerifyOptions};
use serde_json::json;

const ISS: &str = "https://rx1.passport.example.nhs.uk";
const STATUS_URI: &str = "https://rx1.passport.example.nhs.uk/status/1";
const NONCE: &str = "interop-nonce-0001";
const AUD: &str = "https://verifier.interop.example";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("issue") if args.len() == 3 => issue(&args[2]),
        Some("verify") if args.len() == 7 => verify(&args[2], &args[3], &args[4], &args[5], &args[6]),
        _ => {
            eprintln!("usage: interop issue <dir> | interop verify <presentation> <issuer-jwk> <iss> <nonce> <aud>");
            std::process::exit(2);
        }
    }
}

fn issue(dir: &str) -> Result<(), Box<dyn std::error::Error>> {
    let t = now();
    let issuer = SoftwareEs256Key::generate()?;
    let holder = SoftwareEs256Key::generate()?;
    let claims = json!({
        "given_name": "Amara", "family_name": "Okafor", "birthdate": "1988-03-14",
        "competences": [
            {"subject": "Fire Safety", "level": 1, "expires": "2027-01-10"},
            {"subject": "Resuscitation", "level": 2, "expires": "2027-02-20"}
        ]
    })
    .as_object()
    .cloned()
    .ok_or("claims")?;
    let spec = VcSpec {
        iss: ISS.into(),
        vct: "https://passport.example.nhs.uk/vct/cstf-training/1".into(),
        iat: t - 60,
        nbf: None,
        exp: Some(t + 86_400),
        cnf: Some(holder.public_jwk()),
        status: Some(StatusRef { idx: 0, uri: STATUS_URI.into() }),
        sd: SdPlan::all_members(&claims, 2),
        claims,
    };
    let issued = vc::issue_vc(&spec, &issuer, &mut rand::rngs::OsRng)?;
    let kb = KeyBinding { signer: &holder, nonce: NONCE, aud: AUD, iat: t };
    let presentation = SdJwt::parse(&issued)?.present(&["/given_name", "/competences/1"], Some(&kb))?;
    // An expired twin, for probing how strictly each verifier checks `exp`.
    let expired_spec = VcSpec { iat: t - 7200, exp: Some(t - 3600), ..spec.clone() };
    let expired = vc::issue_vc(&expired_spec, &issuer, &mut rand::rngs::OsRng)?;
    let expired = SdJwt::parse(&expired)?.present(&["/given_name"], Some(&kb))?;
    let list = StatusList::new(1024, 2)?;
    let spec =
        StatusListTokenSpec { uri: STATUS_URI, iss: Some(ISS), iat: t - 60, exp: Some(t + 3600), ttl: Some(300) };
    let status_jwt = status::issue_status_list_token(&list, &spec, &issuer)?;
    std::fs::write(format!("{dir}/ours.issued.txt"), &issued)?;
    std::fs::write(format!("{dir}/ours.presentation.txt"), &presentation)?;
    std::fs::write(format!("{dir}/ours.status_list.jwt"), &status_jwt)?;
    std::fs::write(format!("{dir}/ours.expired.presentation.txt"), &expired)?;
    std::fs::write(format!("{dir}/ours.issuer.jwk.json"), serde_json::to_string(&issuer.public_jwk())?)?;
    let meta = json!({"iss": ISS, "nonce": NONCE, "aud": AUD, "now": t, "status_uri": STATUS_URI});
    std::fs::write(format!("{dir}/ours.meta.json"), meta.to_string())?;
    Ok(())
}

fn verify(
    presentation: &str,
    jwk_file: &str,
    iss: &str,
    nonce: &str,
    aud: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let presentation = std::fs::read_to_string(presentation)?;
    let jwk: Jwk = serde_json::from_str(&std::fs::read_to_string(jwk_file)?)?;
    let jwk = if jwk.kid.is_some() { jwk } else { jwk.with_thumbprint_kid() };
    let operator = SoftwareEs256Key::generate()?;
    let list = TrustList {
        iss: "https://registry.interop.example".into(),
        iat: now(),
        exp: now() + 60,
        sequence: 1,
        organisations: vec![Organisation {
            ods_code: "INTEROP".into(),
            name: "Interop issuer".into(),
            issuer: iss.into(),
            status: OrgStatus::Active,
            keys: vec![ListedKey { jwk, retired_at: None }],
        }],
    };
    let trust = TrustIndex::from_signed(&list.sign(&operator)?, &operator.public_jwk(), now())?;
    let opts = VerifyOptions::new(now(), nonce, aud);
    match verify::verify_presentation(&presentation, &opts, &trust, &InMemoryStatus::default()) {
        Ok(v) => {
            println!("{}", json!({"valid": true, "ods_code": v.ods_code, "vct": v.vct, "claims": v.claims}));
            Ok(())
        }
        Err(e) => {
            println!("{}", json!({"valid": false, "code": e.code(), "message": e.to_string()}));
            std::process::exit(1);
        }
    }
}
