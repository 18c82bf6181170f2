//! The wallet file: a JSON envelope holding the contents encrypted with AES-256-GCM under a key
//! derived from the passphrase by Argon2id (RFC 9106). The KDF parameters, salt and nonce are in
//! the envelope and bound to the ciphertext as associated data, so an edited parameter fails
//! like a wrong passphrase. Writes go to a temporary file in the same directory, are synced and
//! renamed over the old file, so a crash leaves either the old or the new wallet, never half.

use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::{Result, WalletError};

const FORMAT: &str = "staff-passport-wallet";
const VERSION: u32 = 1;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// 19 MiB, 2 passes, 1 lane: the OWASP minimum for Argon2id.
    fn default() -> Self {
        Self { m_cost: 19 * 1024, t_cost: 2, p_cost: 1 }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    alg: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    alg: String,
    nonce: String,
}

/// A derived file key with the salt and parameters it came from; kept while the wallet is open so
/// saving does not rerun the KDF.
pub struct FileKey {
    key: [u8; 32],
    salt: [u8; 16],
    params: KdfParams,
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileKey").field("params", &self.params).finish_non_exhaustive()
    }
}

fn derive(passphrase: &str, salt: [u8; 16], params: KdfParams) -> Result<FileKey> {
    let p = argon2::Params::new(params.m_cost, params.t_cost, params.p_cost, Some(32))
        .map_err(|e| WalletError::Corrupt(format!("KDF parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(passphrase.as_bytes(), &salt, &mut key)
        .map_err(|e| WalletError::Corrupt(format!("KDF: {e}")))?;
    Ok(FileKey { key, salt, params })
}

impl FileKey {
    /// A new key with a fresh random salt.
    pub fn new(passphrase: &str, params: KdfParams) -> Result<Self> {
        let mut salt = [0u8; 16];
        SystemRandom::new().fill(&mut salt).map_err(|_| WalletError::Corrupt("no randomness".into()))?;
        derive(passphrase, salt, params)
    }
}

fn aad(params: &KdfParams, salt: &str, nonce: &str) -> String {
    format!("{FORMAT}|{VERSION}|argon2id|{}|{}|{}|{salt}|A256GCM|{nonce}", params.m_cost, params.t_cost, params.p_cost)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WalletError + '_ {
    move |source| WalletError::Io { path: path.display().to_string(), source }
}

/// Encrypts `plaintext` and writes it to `path` atomically (temp file, fsync, rename).
pub fn write(path: &Path, key: &FileKey, plaintext: &[u8]) -> Result<()> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).map_err(|_| WalletError::Corrupt("no randomness".into()))?;
    let (salt_b64, nonce_b64) = (STANDARD.encode(key.salt), STANDARD.encode(nonce));
    let sealing =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key.key).map_err(|_| WalletError::Corrupt("key".into()))?);
    let mut buf = plaintext.to_vec();
    sealing
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(&key.params, &salt_b64, &nonce_b64).as_bytes()),
            &mut buf,
        )
        .map_err(|_| WalletError::Corrupt("encryption failed".into()))?;
    let envelope = Envelope {
        format: FORMAT.into(),
        version: VERSION,
        kdf: Kdf { alg: "argon2id".into(), params: key.params, salt: salt_b64 },
        cipher: Cipher { alg: "A256GCM".into(), nonce: nonce_b64 },
        ciphertext: STANDARD.encode(&buf),
    };
    let text = serde_json::to_vec_pretty(&envelope).map_err(|e| WalletError::Corrupt(e.to_string()))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "wallet".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp).map_err(io(&tmp))?;
    f.write_all(&text).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io(path))?;
    // Make the rename itself durable where the platform allows opening a directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads and decrypts `path`; [`WalletError::WrongPassphrase`] when authentication fails.
pub fn read(path: &Path, passphrase: &str) -> Result<(FileKey, Vec<u8>)> {
    let text = std::fs::read(path).map_err(io(path))?;
    let env: Envelope =
        serde_json::from_slice(&text).map_err(|e| WalletError::Corrupt(format!("not a wallet file: {e}")))?;
    if env.format != FORMAT || env.version != VERSION || env.kdf.alg != "argon2id" || env.cipher.alg != "A256GCM" {
        return Err(WalletError::Corrupt(format!("unsupported wallet format {} v{}", env.format, env.version)));
    }
    let bad = |what: &str| WalletError::Corrupt(format!("{what} is not base64"));
    let salt: [u8; 16] =
        STANDARD.decode(&env.kdf.salt).ok().and_then(|s| s.try_into().ok()).ok_or_else(|| bad("salt"))?;
    let nonce: [u8; NONCE_LEN] =
        STANDARD.decode(&env.cipher.nonce).ok().and_then(|n| n.try_into().ok()).ok_or_else(|| bad("nonce"))?;
    let mut buf = STANDARD.decode(&env.ciphertext).map_err(|_| bad("ciphertext"))?;
    let key = derive(passphrase, salt, env.kdf.params)?;
    let opening =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key.key).map_err(|_| WalletError::Corrupt("key".into()))?);
    let plain = opening
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(&env.kdf.params, &env.kdf.salt, &env.cipher.nonce).as_bytes()),
            &mut buf,
        )
        .map_err(|_| WalletError::WrongPassphrase)?;
    let len = plain.len();
    buf.truncate(len);
    Ok((key, buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams { m_cost: 64, t_cost: 1, p_cost: 1 };

    #[test]
    fn round_trip_wrong_passphrase_and_tampered_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.json");
        let key = FileKey::new("correct horse", FAST).unwrap();
        write(&path, &key, b"secret contents").unwrap();
        let (_, plain) = read(&path, "correct horse").unwrap();
        assert_eq!(plain, b"secret contents");
        assert!(matches!(read(&path, "wrong horse"), Err(WalletError::WrongPassphrase)));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("secret"));
        // Lowering the KDF cost in the file must not yield a usable wallet.
        let edited = text.replace("\"t_cost\": 1", "\"t_cost\": 2");
        assert_ne!(edited, text);
        std::fs::write(&path, edited).unwrap();
        assert!(matches!(read(&path, "correct horse"), Err(WalletError::WrongPassphrase)));
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
