-- Workforce sharing agreements (sqlite). Kept in step with ../postgres/0110_agreements.sql.

-- Core terms published by the registry operator: each version's text and its SHA-256, never
-- changed once published (a new text is a new version).
CREATE TABLE core_terms (
    id           TEXT NOT NULL,
    version      TEXT NOT NULL,
    family       TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- Which core terms versions an organisation accepted at (or after) registration.
CREATE TABLE core_terms_acceptances (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    terms_id    TEXT NOT NULL,
    version     TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (org_id, terms_id, version),
    FOREIGN KEY (terms_id, version) REFERENCES core_terms (id, version)
);

-- One row per agreement version: the canonical document, its hash, the signed JWS (JSON general
-- serialization) as it grows, and the lifecycle facts (proposal, signatures, withdrawal,
-- supersession) from which the state is derived.
CREATE TABLE agreements (
    id               TEXT NOT NULL,
    version          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    document         TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    signed           TEXT NOT NULL,
    lifecycle        TEXT NOT NULL,
    start_on         TEXT NOT NULL,
    end_on           TEXT NOT NULL,
    worker_org_id    TEXT,
    worker_person_id TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- The organisations party to each version, with their part: only parties see an agreement.
CREATE TABLE agreement_parties (
    agreement_id TEXT NOT NULL,
    version      INTEGER NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    part         TEXT NOT NULL,
    PRIMARY KEY (agreement_id, version, org_id),
    FOREIGN KEY (agreement_id, version) REFERENCES agreements (id, version)
);
CREATE INDEX ix_agreement_parties_org ON agreement_parties (org_id, agreement_id);

-- OpenID4VP requests asking a worker's wallet to sign an agreement version through transaction
-- data. The state is the request's handle (in the QR code); answered_at is set once, by the
-- answer that added the worker's signature.
CREATE TABLE agreement_signing_requests (
    state            TEXT NOT NULL PRIMARY KEY,
    agreement_id     TEXT NOT NULL,
    version          INTEGER NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    nonce            TEXT NOT NULL,
    transaction_data TEXT NOT NULL,
    expires_at       INTEGER NOT NULL,
    answered_at      TEXT,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    FOREIGN KEY (agreement_id, version) REFERENCES agreements (id, version)
);
