//! Issuer and registry signing keys behind [`KeyStore`]: the one module a KMS or HSM backend
//! replaces. Everything that signs (issuing, status lists, the trust list, OpenID4VP request
//! objects, talent profiles, audit checkpoints) asks the key store for a [`KeySigner`] and sees only
//! the [`Signer`] trait, never the software key type.
//!
//! [`SoftwareKeyStore`] keeps ES256 keys in the database **sealed**: the PKCS#8 DER encrypted with
//! AES-256-GCM under a key-encryption key (KEK) that never enters the database, with the owner and
//! `kid` as associated data (a sealed key moved to another row does not open). Each row names the
//! KEK that sealed it by a fingerprint ([`Kek::id`]), so a wrong KEK is reported as such rather than
//! as corruption. The KEK comes from `PASSPORT_KEK` (base64 of 32 bytes) or a key file; a missing
//! key file is generated (0600) the first time a key has to be sealed, never when only opening.
//! Rows written before migration 0070 hold plaintext PKCS#8; [`SoftwareKeyStore::seal_legacy_keys`]
//! seals them in place on start (decision: migrate, not refuse — see the README, "Keys at rest").
//!
//! This module must not know HTTP; [`KeyError`] becomes a 500 like any internal failure.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use credentials::CredentialError;
use credentials::jws::{Jwk, Signer, SoftwareEs256Key};
use sha2::{Digest, Sha256};
use store::{IssuerKey, NewKey, OrgScope, SigningKey, Store, StoreError};

use crate::error::ApiError;

/// Why a key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the {kid} key of {owner} is sealed under key-encryption key {sealed_under}, but the key given ({source_name}) \
         is {given}: set PASSPORT_KEK or --key-file to the key this database was used with"
    )]
    WrongKek { owner: String, kid: String, sealed_under: String, given: String, source_name: String },
    #[error("no key-encryption key: {0}")]
    KekMissing(String),
    #[error("key-encryption key {source_name}: {reason}")]
    KekInvalid { source_name: String, reason: String },
    #[error("the {kid} key of {owner} does not open under the right key-encryption key: it was altered")]
    Tampered { owner: String, kid: String },
    #[error(transparent)]
    Credential(#[from] CredentialError),
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Store(e) => e.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A signer handed out by a [`KeyStore`], plus a secret seed for keys derived from it (MAC keys
/// that must change when the signing key rotates, such as the OpenID4VCI `c_nonce` key).
#[derive(Clone)]
pub struct KeySigner {
    inner: Arc<dyn Signer>,
    seed: [u8; 32],
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySigner").field("kid", &self.inner.kid()).finish_non_exhaustive()
    }
}

impl KeySigner {
    /// A 256-bit secret for `purpose`, derived from this key: stable while the key is, never the
    /// key itself.
    pub fn derive_secret(&self, purpose: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"staff-passport-derived-secret-v1\0");
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(self.seed);
        h.finalize().into()
    }
}

impl Signer for KeySigner {
    fn alg(&self) -> &str {
        self.inner.alg()
    }
    fn kid(&self) -> &str {
        self.inner.kid()
    }
    fn public_jwk(&self) -> Jwk {
        self.inner.public_jwk()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CredentialError> {
        self.inner.sign(message)
    }
}

/// What [`KeyStore::signer`] found: the signer, and whether it was created just now (the caller
/// then drops caches that list keys, such as the trust list).
pub struct Obtained {
    pub signer: KeySigner,
    pub created: bool,
}

/// A future returned by a [`KeyStore`] method (boxed so the trait stays object safe).
pub type KeyFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, KeyError>> + Send + 'a>>;

/// Where signing keys live and how they sign. The owner is an organisation's store id, or
/// [`store::REGISTRY_CHAIN`] for the registry operator.
pub trait KeyStore: Send + Sync {
    /// The owner's active signer, generated and stored on first use.
    fn signer<'a>(&'a self, owner: &'a str) -> KeyFuture<'a, Obtained>;
    /// A signer for a key the store handed out (issuing reads the key in its own transaction).
    fn open(&self, stored: &SigningKey) -> Result<KeySigner, KeyError>;
    /// Retires the organisation's active key and makes a fresh one, audited; returns the new
    /// public key. What the old key signed still verifies.
    fn rotate<'a>(&'a self, scope: &'a OrgScope) -> KeyFuture<'a, (Jwk, IssuerKey)>;
}

/// Where the key-encryption key comes from.
#[derive(Clone)]
pub enum KekSource {
    /// Base64 (standard or URL-safe) of 32 bytes, from `PASSPORT_KEK`.
    Env(String),
    /// A file holding the base64 key; generated 0600 when a key must be sealed and it is missing.
    File(PathBuf),
    /// A random key of this process only: for tests and throwaway worlds. Keys sealed under it
    /// do not open in any other process.
    Ephemeral,
}

impl std::fmt::Debug for KekSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl KekSource {
    fn describe(&self) -> String {
        match self {
            KekSource::Env(_) => "PASSPORT_KEK".to_owned(),
            KekSource::File(path) => format!("key file {}", path.display()),
            KekSource::Ephemeral => "this process's ephemeral key".to_owned(),
        }
    }
}

/// A key-encryption key. `Debug` never shows it.
pub struct Kek {
    key: LessSafeKey,
    id: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kek").field("id", &self.id).finish_non_exhaustive()
    }
}

const KEK_LEN: usize = 32;

impl Kek {
    pub fn from_bytes(bytes: &[u8]) -> Result<Kek, String> {
        if bytes.len() != KEK_LEN {
            return Err(format!("must be {KEK_LEN} bytes, found {}", bytes.len()));
        }
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).map_err(|e| e.to_string())?);
        let mut h = Sha256::new();
        h.update(b"staff-passport-kek-id-v1\0");
        h.update(bytes);
        let id = hex_prefix(&h.finalize(), 8);
        Ok(Kek { key, id })
    }

    /// Parses base64 text (standard or URL-safe alphabet, padding optional).
    pub fn from_base64(text: &str) -> Result<Kek, String> {
        let normal: String = text
            .trim()
            .chars()
            .filter(|c| *c != '=')
            .map(|c| {
                if c == '+' {
                    '-'
                } else if c == '/' {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let bytes = credentials::b64::decode(&normal).ok_or("not base64")?;
        Kek::from_bytes(&bytes)
    }

    /// A fingerprint naming this key (16 hex digits of a domain-separated SHA-256); safe to store.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| CredentialError::Key("no randomness".into()))?;
        let mut sealed = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut sealed)
            .map_err(|_| CredentialError::Key("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = (sealed.get(..NONCE_LEN)?, sealed.get(NONCE_LEN..)?);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut body = body.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(aad), &mut body).ok()?;
        Some(plain.to_vec())
    }
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    bytes.iter().take(n).map(|b| format!("{b:02x}")).collect()
}

/// The associated data of a sealed key: the row it belongs to.
fn aad(owner: &str, kid: &str) -> Vec<u8> {
    format!("staff-passport-issuer-key-v1\0{owner}\0{kid}").into_bytes()
}

fn random_kek_bytes() -> Result<[u8; KEK_LEN], KeyError> {
    let mut bytes = [0u8; KEK_LEN];
    SystemRandom::new().fill(&mut bytes).map_err(|_| CredentialError::Key("no randomness".into()))?;
    Ok(bytes)
}

/// Writes a fresh key file, owner-only; if another process made it first, reads theirs.
fn create_key_file(path: &std::path::Path) -> Result<Kek, KeyError> {
    let invalid = |reason: String| KeyError::KekInvalid { source_name: format!("{}", path.display()), reason };
    let bytes = random_kek_bytes()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let text = format!("{}\n", credentials::b64::encode(bytes));
            std::io::Write::write_all(&mut file, text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| invalid(format!("cannot write: {e}")))?;
            tracing::warn!(path = %path.display(), "generated a new key-encryption key file: keep it, and back it up apart from the database");
            Kek::from_bytes(&bytes).map_err(invalid)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path),
        Err(e) => Err(invalid(format!("cannot create: {e}"))),
    }
}

fn read_key_file(path: &std::path::Path) -> Result<Kek, KeyError> {
    let invalid = |reason: String| KeyError::KekInvalid { source_name: format!("key file {}", path.display()), reason };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    Kek::from_base64(&text).map_err(invalid)
}

/// ES256 software keys, sealed in the store under a key-encryption key.
pub struct SoftwareKeyStore {
    store: Store,
    source: KekSource,
    kek: Mutex<Option<Arc<Kek>>>,
}

impl std::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKeyStore").field("source", &self.source).finish_non_exhaustive()
    }
}

impl SoftwareKeyStore {
    pub fn new(store: Store, source: KekSource) -> Self {
        SoftwareKeyStore { store, source, kek: Mutex::new(None) }
    }

    /// A key store for `store` whose keys are sealed under `source`, after sealing any plaintext
    /// keys left from before migration 0070 and checking that the KEK opens the stored keys (a
    /// wrong KEK is refused here, at start, with [`KeyError::WrongKek`]).
    pub async fn open_checked(store: Store, source: KekSource) -> Result<Self, KeyError> {
        let keys = SoftwareKeyStore::new(store, source);
        let sealed = keys.seal_legacy_keys().await?;
        if sealed > 0 {
            tracing::warn!(sealed, "sealed plaintext issuer keys left from before key encryption");
        }
        if let Some(stored) = keys.store.issuing().signing_key(store::REGISTRY_CHAIN).await? {
            keys.open(&stored)?;
        }
        Ok(keys)
    }

    /// The KEK, loaded once. `create`: generate a missing key file (only when sealing).
    fn kek(&self, create: bool) -> Result<Arc<Kek>, KeyError> {
        let mut slot = self.kek.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kek) = slot.as_ref() {
            return Ok(kek.clone());
        }
        let kek = match &self.source {
            KekSource::Env(text) => Kek::from_base64(text)
                .map_err(|reason| KeyError::KekInvalid { source_name: "PASSPORT_KEK".into(), reason })?,
            KekSource::File(path) if path.exists() => read_key_file(path)?,
            KekSource::File(path) if create => create_key_file(path)?,
            KekSource::File(path) => {
                return Err(KeyError::KekMissing(format!(
                    "the key file {} does not exist, and the database holds sealed keys",
                    path.display()
                )));
            }
            KekSource::Ephemeral => Kek::from_bytes(&random_kek_bytes()?)
                .map_err(|reason| KeyError::KekInvalid { source_name: self.source.describe(), reason })?,
        };
        let kek = Arc::new(kek);
        *slot = Some(kek.clone());
        Ok(kek)
    }

    /// Seals every plaintext key (rows from before migration 0070) in place; returns how many.
    pub async fn seal_legacy_keys(&self) -> Result<usize, KeyError> {
        let plain = self.store.issuing().legacy_plaintext_keys().await?;
        if plain.is_empty() {
            return Ok(0);
        }
        let kek = self.kek(true)?;
        let mut sealed = Vec::with_capacity(plain.len());
        for key in &plain {
            // Refuse to seal something that is not a key: it would only fail later, less clearly.
            SoftwareEs256Key::from_pkcs8(key.material())?;
            sealed.push((key.owner.clone(), key.kid.clone(), kek.seal(&aad(&key.owner, &key.kid), key.material())?));
        }
        self.store.issuing().seal_legacy_keys(kek.id(), &sealed).await?;
        Ok(sealed.len())
    }

    /// A fresh key, sealed: the software key (to sign with now) and the row to store.
    fn generate(&self, owner: &str) -> Result<(SoftwareEs256Key, Vec<u8>, String, Arc<Kek>), KeyError> {
        let key = SoftwareEs256Key::generate()?;
        let kek = self.kek(true)?;
        let pkcs8 = key.to_pkcs8()?;
        let sealed = kek.seal(&aad(owner, key.kid()), &pkcs8)?;
        let jwk = serde_json::to_string(&key.public_jwk()).map_err(|e| CredentialError::Key(e.to_string()))?;
        Ok((key, sealed, jwk, kek))
    }
}

fn seed_of(pkcs8: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"staff-passport-key-seed-v1\0");
    h.update(pkcs8);
    h.finalize().into()
}

fn software_signer(key: SoftwareEs256Key, pkcs8: &[u8]) -> KeySigner {
    KeySigner { seed: seed_of(pkcs8), inner: Arc::new(key) }
}

impl KeyStore for SoftwareKeyStore {
    fn signer<'a>(&'a self, owner: &'a str) -> KeyFuture<'a, Obtained> {
        Box::pin(async move {
            let issuing = self.store.issuing();
            if let Some(stored) = issuing.signing_key(owner).await? {
                return Ok(Obtained { signer: self.open(&stored)?, created: false });
            }
            let (key, sealed, jwk, kek) = self.generate(owner)?;
            let pkcs8 = key.to_pkcs8()?;
            let new = NewKey { kid: key.kid(), alg: key.alg(), material: &sealed, kek_id: kek.id(), public_jwk: &jwk };
            match issuing.install_first_key(owner, &new).await {
                Ok(()) => Ok(Obtained { signer: software_signer(key, &pkcs8), created: true }),
                // Another request installed one first: use that.
                Err(StoreError::Conflict { .. }) => {
                    let stored = issuing.signing_key(owner).await?.ok_or(StoreError::NotFound)?;
                    Ok(Obtained { signer: self.open(&stored)?, created: false })
                }
                Err(other) => Err(other.into()),
            }
        })
    }

    fn open(&self, stored: &SigningKey) -> Result<KeySigner, KeyError> {
        let Some(sealed_under) = stored.kek_id() else {
            // A row from before migration 0070 that `seal_legacy_keys` has not reached yet.
            let key = SoftwareEs256Key::from_pkcs8(stored.material())?;
            return Ok(software_signer(key, stored.material()));
        };
        let kek = self.kek(false)?;
        if kek.id() != sealed_under {
            return Err(KeyError::WrongKek {
                owner: stored.owner.clone(),
                kid: stored.kid.clone(),
                sealed_under: sealed_under.to_owned(),
                given: kek.id().to_owned(),
                source_name: self.source.describe(),
            });
        }
        let pkcs8 = kek
            .open(&aad(&stored.owner, &stored.kid), stored.material())
            .ok_or_else(|| KeyError::Tampered { owner: stored.owner.clone(), kid: stored.kid.clone() })?;
        let key = SoftwareEs256Key::from_pkcs8(&pkcs8)?;
        Ok(software_signer(key, &pkcs8))
    }

    fn rotate<'a>(&'a self, scope: &'a OrgScope) -> KeyFuture<'a, (Jwk, IssuerKey)> {
        Box::pin(async move {
            let (key, sealed, jwk, kek) = self.generate(scope.org_id())?;
            let new = NewKey { kid: key.kid(), alg: key.alg(), material: &sealed, kek_id: kek.id(), public_jwk: &jwk };
            let stored = self.store.dataset(scope).rotate_issuer_key(&new).await?;
            Ok((key.public_jwk(), stored))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_kek_and_row() {
        let kek = Kek::from_bytes(&[7u8; 32]).unwrap();
        let sealed = kek.seal(&aad("org", "kid"), b"secret pkcs8").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(kek.open(&aad("org", "kid"), &sealed).unwrap(), b"secret pkcs8");
        assert!(kek.open(&aad("other", "kid"), &sealed).is_none(), "bound to its row");
        let other = Kek::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open(&aad("org", "kid"), &sealed).is_none());
        assert_ne!(kek.id(), other.id());
    }

    #[test]
    fn kek_text_accepts_both_base64_alphabets() {
        let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37).wrapping_add(251)).collect();
        let url = credentials::b64::encode(&bytes);
        let standard: String = url
            .chars()
            .map(|c| {
                if c == '-' {
                    '+'
                } else if c == '_' {
                    '/'
                } else {
                    c
                }
            })
            .collect::<String>()
            + "=";
        assert_eq!(Kek::from_base64(&url).unwrap().id(), Kek::from_base64(&standard).unwrap().id());
        assert!(Kek::from_base64("c2hvcnQ").unwrap_err().contains("32 bytes"));
        assert!(!format!("{:?}", Kek::from_bytes(&bytes).unwrap()).contains(&url));
    }
}
