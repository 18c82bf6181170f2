-- Inter-Authority Transfer (SQLite). Kept in step with ../postgres/0090_transfers.sql.

-- An organisation declares its training aligned to the Core Skills Training Framework; only then
-- do its CSTF competences travel as national ones (otherwise as local competences).
ALTER TABLE organisations ADD COLUMN cstf_aligned INTEGER NOT NULL DEFAULT 0;

-- Partial matches (date of birth and surname, without the NI number) look people up by date of
-- birth across datasets, then compare normalised surnames in the domain.
CREATE INDEX ix_people_dob ON people (date_of_birth);

-- The worker's consent statements, in order; the latest counts.
CREATE TABLE transfer_consents (
    org_id       TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    given        INTEGER NOT NULL,
    method       TEXT NOT NULL,
    evidence_ref TEXT,
    at           TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id, seq),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

-- One transfer per (applicant, earlier record): proposed → approved → stage1 → stage2.
-- org_id is the new employer; source_* the previous one. report holds the JSON report.
CREATE TABLE transfers (
    org_id           TEXT NOT NULL,
    id               TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    source_org_id    TEXT NOT NULL,
    source_ods       TEXT NOT NULL,
    source_person_id TEXT NOT NULL,
    match_class      TEXT NOT NULL,
    status           TEXT NOT NULL,
    proposed_by      TEXT NOT NULL,
    proposed_at      TEXT NOT NULL,
    approved_by      TEXT,
    approved_at      TEXT,
    stage1_at        TEXT,
    stage2_at        TEXT,
    report           TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE UNIQUE INDEX uq__transfers__pair ON transfers (org_id, person_id, source_org_id, source_person_id);
CREATE INDEX ix_transfers_status ON transfers (org_id, status, id);
CREATE INDEX ix_transfers_person ON transfers (org_id, person_id);

-- Provenance of every record a transfer copied: from which organisation and record, when.
CREATE TABLE transfer_copies (
    org_id           TEXT NOT NULL,
    record_table     TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    transfer_id      TEXT NOT NULL,
    source_org_id    TEXT NOT NULL,
    source_ods       TEXT NOT NULL,
    source_record_id TEXT NOT NULL,
    copied_at        TEXT NOT NULL,
    PRIMARY KEY (org_id, record_table, record_id)
);
CREATE INDEX ix_transfer_copies_transfer ON transfer_copies (org_id, transfer_id);

-- NHS service history brought by stage 2: one row per earlier assignment.
CREATE TABLE service_history (
    org_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    transfer_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id, transfer_id, seq),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);

-- Cohort jobs (the September rotation): one row per applicant line with its outcome, so a job
-- killed part-way and run again skips what is settled and reports every line.
CREATE TABLE transfer_cohort_rows (
    org_id      TEXT NOT NULL,
    cohort_id   TEXT NOT NULL,
    line        INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    transfer_id TEXT,
    detail      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, cohort_id, line)
);
