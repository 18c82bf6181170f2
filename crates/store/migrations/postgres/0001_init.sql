-- Staff Passport store, initial schema (PostgreSQL). Kept in step with ../sqlite/0001_init.sql.
-- Conventions: ids are UUID v4 TEXT; dates are ISO 'YYYY-MM-DD' TEXT; timestamps are RFC 3339 UTC
-- TEXT with fixed width (sortable); domain values live in a JSON `doc` column next to the indexed
-- columns queried on. Every table with personal data leads its keys and indexes with org_id.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    ods_code    TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__organisations__ods_code ON organisations (ods_code);

-- Organisation users (org_id set) and registry operators (org_id NULL, operator = 1).
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT REFERENCES organisations (id),
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    roles         TEXT NOT NULL,
    operator      BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX uq__users__email ON users (org_id, email) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX uq__operators__email ON users (email) WHERE org_id IS NULL;

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX uq__api_tokens__token_hash ON api_tokens (token_hash);
CREATE INDEX ix_api_tokens_user ON api_tokens (user_id);

CREATE TABLE people (
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    id            TEXT NOT NULL,
    ni_number     TEXT,
    date_of_birth TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    doc           TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    source        TEXT NOT NULL,
    source_ods    TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX uq__people__ni_number ON people (org_id, ni_number);
CREATE INDEX ix_people_name ON people (org_id, family_name, id);
-- National match for transfers (IAT): NI number + date of birth across datasets.
CREATE INDEX ix_people_ni_dob ON people (ni_number, date_of_birth);

CREATE TABLE assignments (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    role        TEXT NOT NULL,
    status      TEXT NOT NULL,
    start_date  TEXT,
    end_date    TEXT,
    doc         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ods  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_assignments_person ON assignments (org_id, person_id);

CREATE TABLE employment_checks (
    org_id       TEXT NOT NULL,
    id           TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    completed_on TEXT,
    expires_on   TEXT,
    doc          TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    source       TEXT NOT NULL,
    source_ods   TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_employment_checks_person ON employment_checks (org_id, person_id, kind);
CREATE INDEX ix_employment_checks_expiry ON employment_checks (org_id, expires_on);

CREATE TABLE competences (
    org_id       TEXT NOT NULL,
    id           TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    competence_key TEXT NOT NULL,
    completed_on TEXT,
    expires_on   TEXT,
    doc          TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    source       TEXT NOT NULL,
    source_ods   TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_competences_person ON competences (org_id, person_id, competence_key);
CREATE INDEX ix_competences_expiry ON competences (org_id, expires_on);

CREATE TABLE immunisations (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    antigen     TEXT NOT NULL,
    doc         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ods  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_immunisations_person ON immunisations (org_id, person_id, antigen);

-- One current occupational health clearance per person.
CREATE TABLE oh_clearances (
    org_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    doc         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ods  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

CREATE TABLE role_requirements (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    role        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ods  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, role)
);

-- Hash-chained audit log, one chain per organisation (chain 'registry' for operator actions).
-- No foreign key to organisations: the trail must outlive anything it describes.
CREATE TABLE audit_log (
    org_id       TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT,
    at           TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX ix_audit_log_subject ON audit_log (org_id, subject_id, seq);

-- Head of each chain; updated in the same transaction as the append so writers serialise per org.
CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY NOT NULL,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);
