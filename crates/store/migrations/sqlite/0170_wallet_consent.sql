-- Transfer consent signed with the worker's wallet (OpenID4VP transaction data). Kept in step with
-- ../postgres/0170_wallet_consent.sql.

-- A request the new employer opened for the worker's wallet: answered once, then closed.
CREATE TABLE consent_signing_requests (
    state            TEXT NOT NULL PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    person_id        TEXT NOT NULL,
    nonce            TEXT NOT NULL,
    transaction_data TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,
    answered_at      TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

-- The wallet's signature behind a consent statement (method 'wallet'): the presentation and the
-- transaction data its KB-JWT hashes, kept so the statement can be proved to another deployment.
CREATE TABLE transfer_consent_proofs (
    org_id           TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    presentation     TEXT NOT NULL,
    transaction_data TEXT NOT NULL,
    holder           TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id, seq),
    FOREIGN KEY (org_id, person_id, seq) REFERENCES transfer_consents (org_id, person_id, seq)
);
