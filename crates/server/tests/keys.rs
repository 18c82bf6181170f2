//! Keys at rest (issue 14, finding 8): issuer and registry keys are sealed under a key-encryption key
//! kept outside the database, plaintext keys of older databases are sealed on start and scrubbed from
//! the file, a wrong key-encryption key is refused clearly, and rotation keeps working. A test binary
//! of its own: no HTTP is involved.

use credentials::jws::{CompactJws, Signer, SoftwareEs256Key, VerifyingKey, sign_compact};
use server::keys::{KekSource, KeyError, KeyStore, SoftwareKeyStore};
use store::testing::{TestDb, backends, fresh};
use store::{OrgScope, REGISTRY_CHAIN, RegistryScope, Store};

/// The DER header every P-256 PKCS#8 private key starts with (RFC 5208, RFC 5915), as the old
/// plaintext column stored it (hex): its presence in the file means a plaintext key.
const PKCS8_P256_HEADER_HEX: &str = "308187020100301306072a8648ce3d020106082a8648ce3d030107";

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("passport-keys-{}-{name}", uuid::Uuid::new_v4()))
}

/// Every byte of the SQLite database: the file and its write-ahead log.
fn database_bytes(db: &TestDb) -> Vec<u8> {
    let path = db.url().trim_start_matches("sqlite://").to_owned();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn organisation(store: &Store) -> OrgScope {
    let new = domain::org::NewOrganisation {
        ods_code: domain::org::OdsCode::parse("RJ1").unwrap(),
        name: "Guy's and St Thomas'".into(),
        kind: domain::org::OrgKind::AcuteTrust,
    };
    let org = store.registry().create_organisation(&RegistryScope::system("test"), &new).await.unwrap();
    OrgScope::system(org.id, "test")
}

fn verifies(signer_jwk: &credentials::jws::Jwk, token: &str) -> bool {
    let jws = CompactJws::parse(token).unwrap();
    jws.verify_with(&VerifyingKey::from_jwk(signer_jwk).unwrap()).unwrap()
}

fn sign(signer: &dyn Signer) -> String {
    sign_compact(serde_json::Map::new(), b"{}", signer).unwrap()
}

#[tokio::test]
async fn keys_are_sealed_in_the_database_and_the_files_are_owner_only() {
    let db = TestDb::sqlite().await;
    let key_file = temp_path("kek");
    let keys = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::File(key_file.clone())).await.unwrap();
    assert!(!key_file.exists(), "a key file is made only when a key must be sealed");
    let scope = organisation(&db.store).await;
    let issuer = keys.signer(scope.org_id()).await.unwrap();
    assert!(issuer.created);
    let registry = keys.signer(REGISTRY_CHAIN).await.unwrap().signer;
    let (rotated, _) = keys.rotate(&scope).await.unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key_file), 0o600, "key file");
        let db_path = std::path::PathBuf::from(db.url().trim_start_matches("sqlite://"));
        assert_eq!(mode(&db_path), 0o600, "database file");
        assert_eq!(mode(&db_path.with_extension("db-wal")), 0o600, "write-ahead log");
    }

    let bytes = database_bytes(&db);
    assert!(!contains(&bytes, PKCS8_P256_HEADER_HEX.as_bytes()), "a plaintext PKCS#8 key (hex) in the database");
    assert!(!contains(&bytes, &unhex(PKCS8_P256_HEADER_HEX)), "a plaintext PKCS#8 key in the database");
    let kek_text = std::fs::read_to_string(&key_file).unwrap();
    assert!(!contains(&bytes, kek_text.trim().as_bytes()), "the key-encryption key in the database");

    // The sealed keys open again in a new process (a new key store over the same file and key file),
    // and sign as the same keys.
    let again = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::File(key_file.clone())).await.unwrap();
    let reopened = again.signer(scope.org_id()).await.unwrap().signer;
    assert_eq!(reopened.kid(), rotated.kid.as_deref().unwrap());
    assert!(verifies(&rotated, &sign(&reopened)));
    assert_ne!(reopened.kid(), issuer.signer.kid(), "rotation replaced the key");
    let registry_again = again.signer(REGISTRY_CHAIN).await.unwrap().signer;
    assert!(verifies(&registry.public_jwk(), &sign(&registry_again)));
    std::fs::remove_file(key_file).ok();
    db.cleanup().await;
}

#[tokio::test]
async fn plaintext_keys_of_an_older_database_are_sealed_on_start_and_scrubbed() {
    let db = TestDb::sqlite().await;
    let scope = organisation(&db.store).await;
    // A key as versions before migration 0070 stored it: plaintext PKCS#8 in hex, no kek_id.
    let old = SoftwareEs256Key::generate().unwrap();
    let pkcs8 = old.to_pkcs8().unwrap();
    let jwk = serde_json::to_string(&old.public_jwk()).unwrap();
    sqlx::query(
        "INSERT INTO issuer_keys (org_id, kid, alg, key_material, kek_id, public_jwk, created_at) \
         VALUES ($1, $2, 'ES256', $3, NULL, $4, '2026-01-01T00:00:00.000000Z')",
    )
    .bind(scope.org_id())
    .bind(old.kid())
    .bind(hex(&pkcs8))
    .bind(&jwk)
    .execute(db.store.raw_pool())
    .await
    .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.store.raw_pool()).await.unwrap();
    let scalar_at = pkcs8.windows(2).position(|w| w == [0x04, 0x20]).unwrap() + 2;
    let secrets: Vec<Vec<u8>> = vec![
        hex(&pkcs8).into_bytes(),
        hex(&pkcs8[scalar_at..scalar_at + 32]).into_bytes(),
        credentials::b64::encode(&pkcs8[scalar_at..scalar_at + 32]).into_bytes(),
    ];
    assert!(contains(&database_bytes(&db), &secrets[0]), "the plaintext key is in the file before");

    let key_file = temp_path("kek");
    let keys = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::File(key_file.clone())).await.unwrap();
    let stored = db.store.issuing().signing_key(scope.org_id()).await.unwrap().unwrap();
    assert!(stored.kek_id().is_some(), "sealed in place");
    let bytes = database_bytes(&db);
    for secret in &secrets {
        assert!(!contains(&bytes, secret), "plaintext key material left in the database file");
    }
    // Still the same key.
    let signer = keys.signer(scope.org_id()).await.unwrap().signer;
    assert_eq!(signer.kid(), old.kid());
    assert!(verifies(&old.public_jwk(), &sign(&signer)));
    std::fs::remove_file(key_file).ok();
    db.cleanup().await;
}

#[tokio::test]
async fn a_wrong_or_missing_key_encryption_key_is_refused_clearly() {
    for backend in backends() {
        let db = fresh(backend).await;
        let right = credentials::b64::encode([1u8; 32]);
        let wrong = credentials::b64::encode([2u8; 32]);
        let keys = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::Env(right.clone())).await.unwrap();
        keys.signer(REGISTRY_CHAIN).await.unwrap();

        let err = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::Env(wrong)).await.unwrap_err();
        assert!(matches!(err, KeyError::WrongKek { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("sealed under key-encryption key") && text.contains("PASSPORT_KEK"), "{text}");

        let missing = temp_path("missing");
        let err = SoftwareKeyStore::open_checked(db.store.clone(), KekSource::File(missing.clone())).await.unwrap_err();
        assert!(matches!(err, KeyError::KekMissing(_)), "{err:?}");
        assert!(err.to_string().contains(&missing.display().to_string()), "{err}");
        assert!(!missing.exists(), "opening never creates a key file");

        let err =
            SoftwareKeyStore::open_checked(db.store.clone(), KekSource::Env("not base64!".into())).await.unwrap_err();
        assert!(matches!(err, KeyError::KekInvalid { .. }), "{err:?}");
        // The right one still opens.
        SoftwareKeyStore::open_checked(db.store.clone(), KekSource::Env(right)).await.unwrap();
        db.cleanup().await;
    }
}

#[tokio::test]
async fn rotation_through_the_key_store_keeps_old_signatures_verifiable() {
    for backend in backends() {
        let db = fresh(backend).await;
        let keys = SoftwareKeyStore::new(db.store.clone(), KekSource::Ephemeral);
        let scope = organisation(&db.store).await;
        let first = keys.signer(scope.org_id()).await.unwrap().signer;
        let token = sign(&first);
        let (new_jwk, stored) = keys.rotate(&scope).await.unwrap();
        let current = keys.signer(scope.org_id()).await.unwrap().signer;
        assert_eq!(Some(current.kid()), new_jwk.kid.as_deref());
        assert_eq!(stored.kid, current.kid());
        let listed = db.store.issuing().public_keys(scope.org_id()).await.unwrap();
        let old = listed.iter().find(|k| k.kid == first.kid()).expect("old key still listed");
        assert!(old.retired_at.is_some());
        let old_jwk: credentials::jws::Jwk = serde_json::from_str(&old.public_jwk).unwrap();
        assert!(verifies(&old_jwk, &token));
        db.cleanup().await;
    }
}
