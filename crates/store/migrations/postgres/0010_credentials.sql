-- Passport credentials (PostgreSQL). Kept in step with ../sqlite/0010_credentials.sql.
-- Issuer signing keys per organisation (org_id 'registry' holds the registry operator's trust
-- list key). The private key is PKCS#8 DER as hex: it never leaves the store except to the signer,
-- and no API returns it. A rotated key keeps its row with retired_at set, so credentials it signed
-- before then still verify; at most one key per organisation is unretired.
CREATE TABLE issuer_keys (
    org_id      TEXT NOT NULL,
    kid         TEXT NOT NULL,
    alg         TEXT NOT NULL,
    pkcs8_hex   TEXT NOT NULL,
    public_jwk  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT,
    PRIMARY KEY (org_id, kid)
);
CREATE UNIQUE INDEX uq__issuer_keys__active_key ON issuer_keys (org_id) WHERE retired_at IS NULL;

-- Token Status Lists, one series per organisation. Indexes are handed out by bumping next_index
-- (never decremented, never reused); a full list is closed and the next list_id opened.
CREATE TABLE status_lists (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    list_id     BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    next_index  BIGINT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, list_id)
);

-- What was issued, to whom, and where its status lives. The credential itself (with its salts and
-- claim values) is never stored: only what is needed to list, revoke and serve its status.
CREATE TABLE issued_credentials (
    org_id          TEXT NOT NULL,
    id              TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    credential_type TEXT NOT NULL,
    vct             TEXT NOT NULL,
    kid             TEXT NOT NULL,
    list_id         BIGINT NOT NULL,
    status_index    BIGINT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT,
    issued_at       TEXT NOT NULL,
    expires_at      TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, list_id) REFERENCES status_lists (org_id, list_id)
);
CREATE UNIQUE INDEX uq__issued_credentials__status_index ON issued_credentials (org_id, list_id, status_index);
CREATE INDEX ix_issued_credentials_person ON issued_credentials (org_id, person_id, id);
CREATE INDEX ix_issued_credentials_status ON issued_credentials (org_id, list_id, status);

-- The records each credential vouches for; a write to one of them revokes the credential in the
-- same transaction (looked up by record id).
CREATE TABLE credential_sources (
    org_id        TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    PRIMARY KEY (org_id, credential_id, record_id),
    FOREIGN KEY (org_id, credential_id) REFERENCES issued_credentials (org_id, id)
);
CREATE INDEX ix_credential_sources_record ON credential_sources (org_id, record_id);
