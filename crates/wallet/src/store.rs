//! The wallet's contents and their lifecycle: create (fresh P-256 holder key), open, add a
//! received credential (parsed once into a summary), look up, save. The file format and its
//! encryption are in [`crate::file`].

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use credentials::jws::{Jwk, Signer, SoftwareEs256Key};
use credentials::oid4vc::matching::HeldCredential;
use credentials::status::StatusRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::file::{self, FileKey, KdfParams};
use crate::{Result, WalletError};

/// A received credential: the SD-JWT VC exactly as issued, plus what the wallet shows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCredential {
    /// A short stable id: the first 12 characters of the issuer-signed JWT's signature.
    pub id: String,
    /// `<jwt>~<disclosure>~…~`, byte for byte as received.
    pub raw: String,
    pub vct: String,
    pub issuer: String,
    /// The offer's credential configuration id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_id: Option<String>,
    /// Every claim with all disclosures applied (the holder sees everything).
    pub claims: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    pub received_at: i64,
}

impl StoredCredential {
    /// Parses an issued SD-JWT VC into a stored credential.
    pub fn from_issued(raw: &str, configuration_id: Option<&str>, now: i64) -> Result<Self> {
        let held = HeldCredential::parse(raw).map_err(|e| WalletError::Credential(e.to_string()))?;
        let id: String = held.sd.jwt.rsplit('.').next().unwrap_or_default().chars().take(12).collect();
        let status = held
            .claims
            .get("status")
            .map(StatusRef::from_claim)
            .transpose()
            .map_err(|e| WalletError::Credential(e.to_string()))?;
        let int = |n: &str| held.claims.get(n).and_then(Value::as_i64);
        Ok(Self {
            id,
            raw: raw.to_owned(),
            vct: held.vct.clone(),
            issuer: held.issuer.clone(),
            configuration_id: configuration_id.map(str::to_owned),
            iat: int("iat"),
            exp: int("exp"),
            status,
            claims: held.claims,
            received_at: now,
        })
    }

    /// The personal claims: everything but the SD-JWT VC registered claims.
    pub fn personal_claims(&self) -> serde_json::Map<String, Value> {
        let mut m = self.claims.as_object().cloned().unwrap_or_default();
        for n in credentials::vc::NEVER_DISCLOSABLE {
            m.remove(*n);
        }
        m
    }
}

#[derive(Serialize, Deserialize)]
struct Contents {
    /// PKCS#8 v1 DER of the holder key, base64.
    holder_key: String,
    credentials: Vec<StoredCredential>,
    created_at: i64,
}

/// An open wallet.
pub struct Wallet {
    path: PathBuf,
    key: FileKey,
    holder: SoftwareEs256Key,
    contents: Contents,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("path", &self.path)
            .field("credentials", &self.contents.credentials.len())
            .finish()
    }
}

impl Wallet {
    /// Creates a wallet with a fresh P-256 holder key; refuses to overwrite an existing file.
    pub fn create(path: &Path, passphrase: &str, kdf: KdfParams, now: i64) -> Result<Self> {
        if path.exists() {
            return Err(WalletError::Exists(path.display().to_string()));
        }
        if passphrase.is_empty() {
            return Err(WalletError::Protocol("the passphrase must not be empty".into()));
        }
        let holder = SoftwareEs256Key::generate().map_err(|e| WalletError::Credential(e.to_string()))?;
        let pkcs8 = holder.to_pkcs8().map_err(|e| WalletError::Credential(e.to_string()))?;
        let wallet = Self {
            path: path.to_owned(),
            key: FileKey::new(passphrase, kdf)?,
            holder,
            contents: Contents { holder_key: STANDARD.encode(pkcs8), credentials: Vec::new(), created_at: now },
        };
        wallet.save()?;
        Ok(wallet)
    }

    /// Opens and decrypts a wallet; [`WalletError::WrongPassphrase`] on a wrong passphrase.
    pub fn open(path: &Path, passphrase: &str) -> Result<Self> {
        let (key, plain) = file::read(path, passphrase)?;
        let contents: Contents =
            serde_json::from_slice(&plain).map_err(|e| WalletError::Corrupt(format!("contents: {e}")))?;
        let der = STANDARD.decode(&contents.holder_key).map_err(|_| WalletError::Corrupt("holder key".into()))?;
        let holder = SoftwareEs256Key::from_pkcs8(&der).map_err(|e| WalletError::Corrupt(e.to_string()))?;
        Ok(Self { path: path.to_owned(), key, holder, contents })
    }

    /// Writes the wallet back (atomically).
    pub fn save(&self) -> Result<()> {
        let plain = serde_json::to_vec(&self.contents).map_err(|e| WalletError::Corrupt(e.to_string()))?;
        file::write(&self.path, &self.key, &plain)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The holder key (signs proofs and KB-JWTs).
    pub fn holder(&self) -> &SoftwareEs256Key {
        &self.holder
    }

    /// The holder's public key as bound into credentials (`cnf.jwk`).
    pub fn holder_jwk(&self) -> Jwk {
        self.holder.public_jwk().bare()
    }

    pub fn credentials(&self) -> &[StoredCredential] {
        &self.contents.credentials
    }

    /// The credential whose id starts with `prefix` (ids are shown shortened); `NotFound` when
    /// none or several match.
    pub fn find(&self, prefix: &str) -> Result<&StoredCredential> {
        let mut hits = self.contents.credentials.iter().filter(|c| c.id.starts_with(prefix));
        match (hits.next(), hits.next()) {
            (Some(c), None) if !prefix.is_empty() => Ok(c),
            _ => Err(WalletError::NotFound(prefix.to_owned())),
        }
    }

    /// Adds a received credential after checking it is bound to this wallet's key. A credential
    /// already held (same id) is replaced. Call [`save`](Self::save) afterwards.
    pub fn add(&mut self, credential: StoredCredential) -> Result<&StoredCredential> {
        let cnf = credential.claims.get("cnf").and_then(|c| c.get("jwk")).cloned();
        let cnf: Option<Jwk> = cnf.and_then(|j| serde_json::from_value(j).ok());
        if cnf.map(|j| j.bare()) != Some(self.holder_jwk()) {
            return Err(WalletError::Credential("the credential is not bound to this wallet's key".into()));
        }
        self.contents.credentials.retain(|c| c.id != credential.id);
        self.contents.credentials.push(credential);
        Ok(self.contents.credentials.last().expect("just pushed"))
    }

    /// Parsed forms of every held credential, in the order of [`credentials`](Self::credentials).
    pub fn held(&self) -> Result<Vec<HeldCredential>> {
        self.contents
            .credentials
            .iter()
            .map(|c| HeldCredential::parse(&c.raw).map_err(|e| WalletError::Credential(format!("{}: {e}", c.id))))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use credentials::sdjwt::SdPlan;
    use credentials::vc::{VcSpec, issue_vc};
    use serde_json::json;

    pub(crate) const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

    pub(crate) fn issue_to(holder: &Jwk, vct: &str, claims: Value) -> String {
        let issuer = SoftwareEs256Key::generate().unwrap();
        let claims = claims.as_object().cloned().unwrap();
        let spec = VcSpec {
            iss: "http://127.0.0.1:1/orgs/RX1".into(),
            vct: vct.into(),
            iat: 1000,
            nbf: None,
            exp: Some(9_000_000_000),
            cnf: Some(holder.clone()),
            status: Some(StatusRef { idx: 7, uri: "http://127.0.0.1:1/orgs/RX1/status/1".into() }),
            sd: SdPlan::all_members(&claims, 1),
            claims,
        };
        issue_vc(&spec, &issuer, &mut rand::thread_rng()).unwrap()
    }

    #[test]
    fn create_add_save_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        let mut w = Wallet::create(&path, "pass phrase", FAST, 100).unwrap();
        assert!(matches!(Wallet::create(&path, "x", FAST, 100), Err(WalletError::Exists(_))));
        let raw = issue_to(&w.holder_jwk(), "urn:vct:dbs", json!({"level": "enhanced", "certificate": "001"}));
        let c = StoredCredential::from_issued(&raw, Some("dbs"), 200).unwrap();
        assert_eq!(c.status.as_ref().unwrap().idx, 7);
        assert_eq!(c.personal_claims().len(), 2);
        let id = w.add(c).unwrap().id.clone();
        w.save().unwrap();
        let again = Wallet::open(&path, "pass phrase").unwrap();
        assert_eq!(again.holder_jwk(), w.holder_jwk());
        assert_eq!(again.find(&id[..6]).unwrap().raw, raw);
        assert!(matches!(Wallet::open(&path, "pass phrasE"), Err(WalletError::WrongPassphrase)));
        // A credential bound to someone else's key is refused.
        let other = SoftwareEs256Key::generate().unwrap();
        let foreign = issue_to(&other.public_jwk(), "urn:vct:dbs", json!({"level": "basic"}));
        let mut again = again;
        assert!(again.add(StoredCredential::from_issued(&foreign, None, 1).unwrap()).is_err());
    }
}
