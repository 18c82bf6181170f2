-- OpenID4VCI credential offers and OpenID4VP presentation requests (SQLite). Kept in step with
-- ../postgres/0020_openid4vc.sql.

-- A credential offer made by HR for one person: the secrets it hands out (the offer URI's
-- handle, the pre-authorised code, the PIN, the access token) are stored only as SHA-256
-- digests (the PIN's digest is keyed by the code, so the table alone cannot be brute-forced).
-- Times the protocol compares are unix seconds. used = 1 once the code was redeemed.
CREATE TABLE credential_offers (
    org_id           TEXT NOT NULL,
    id               TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    credential_types TEXT NOT NULL,
    offer_hash       TEXT NOT NULL,
    code_hash        TEXT NOT NULL,
    pin_hash         TEXT,
    expires_at       INTEGER NOT NULL,
    attempts_left    INTEGER NOT NULL,
    used             INTEGER NOT NULL,
    token_hash       TEXT,
    token_expires_at INTEGER,
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE UNIQUE INDEX uq__credential_offers__offer_hash ON credential_offers (offer_hash);
CREATE UNIQUE INDEX uq__credential_offers__code_hash ON credential_offers (code_hash);
CREATE UNIQUE INDEX uq__credential_offers__token_hash ON credential_offers (token_hash);

-- Which offered types were handed out under an offer's access token: the primary key makes each
-- type issuable once, whatever the concurrency.
CREATE TABLE credential_offer_issues (
    org_id          TEXT NOT NULL,
    offer_id        TEXT NOT NULL,
    credential_type TEXT NOT NULL,
    issued_at       TEXT NOT NULL,
    PRIMARY KEY (org_id, offer_id, credential_type),
    FOREIGN KEY (org_id, offer_id) REFERENCES credential_offers (org_id, id)
);

-- A verifier's presentation request for a role: the authorisation request as served (JSON), and
-- once answered the ready-to-work result (JSON). state is the request's public handle.
CREATE TABLE presentation_requests (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    role_code   TEXT NOT NULL,
    state       TEXT NOT NULL,
    request_doc TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    answered_at TEXT,
    result_doc  TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX uq__presentation_requests__state ON presentation_requests (state);

-- Digests of every vp_token accepted for recording, so one is never recorded twice.
CREATE TABLE presented_tokens (
    vp_hash    TEXT NOT NULL PRIMARY KEY,
    org_id     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    at         TEXT NOT NULL
);
