-- Worker accounts, invitations, links to person records, and self-service contact history
-- (PostgreSQL). Kept in step with ../sqlite/0100_worker_accounts.sql.

-- A worker account is a row of `users` with org_id NULL, operator = 0 and roles 'worker': it
-- belongs to no organisation and reaches records only through worker_links. Operators and
-- workers each have their own email namespace.
DROP INDEX uq__operators__email;
CREATE UNIQUE INDEX uq__operators__email ON users (email) WHERE org_id IS NULL AND operator = 1;
CREATE UNIQUE INDEX uq__workers__email ON users (email) WHERE org_id IS NULL AND operator = 0;

-- A one-time invitation made by HR for one person record: the secret is stored only as its
-- SHA-256 digest; accepted_at is set once, by the acceptance that linked the account.
CREATE TABLE worker_invitations (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    account_id  TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE UNIQUE INDEX uq__worker_invitations__token_hash ON worker_invitations (token_hash);
CREATE INDEX ix_worker_invitations_person ON worker_invitations (org_id, person_id);

-- Which worker account a person record belongs to: one account per record, any number of
-- records (in different organisations) per account.
CREATE TABLE worker_links (
    org_id        TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES users (id),
    invitation_id TEXT NOT NULL,
    linked_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_worker_links_account ON worker_links (account_id, org_id);

-- Every change of a person's address, phone or email made through self-service: the details
-- before and after (JSON), with provenance, so HR sees the history.
CREATE TABLE contact_changes (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    doc         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ods  TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_contact_changes_person ON contact_changes (org_id, person_id, id);
