-- Issuer and registry private keys are kept sealed (encrypted) by the server's key store, not as
-- plaintext PKCS#8. `key_material` holds what the key store needs to sign (today: AES-256-GCM
-- ciphertext of the PKCS#8 DER, hex); `kek_id` names the key-encryption key that sealed it. A NULL
-- `kek_id` marks a row written before this migration (plaintext PKCS#8, hex), which the server
-- seals in place on its first start.
ALTER TABLE issuer_keys RENAME COLUMN pkcs8_hex TO key_material;
ALTER TABLE issuer_keys ADD COLUMN kek_id TEXT;
