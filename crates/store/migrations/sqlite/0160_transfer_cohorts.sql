-- Cohort transfer jobs submitted over the API (SQLite). Kept in step with ../postgres/0160_transfer_cohorts.sql.

-- One row per job: the applicants as submitted (the job's input, so that a restarted server resumes
-- it), the SHA-256 of that input (the same list submitted again is the same job, rerun), where the
-- job is, and the lease of the process running it (a lapsed lease lets another process take over).
-- Each line's outcome lives in transfer_cohort_rows under the same cohort id.
CREATE TABLE transfer_cohorts (
    org_id      TEXT NOT NULL,
    id          TEXT NOT NULL,
    digest      TEXT NOT NULL,
    entries     TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT,
    lease_until TEXT,
    failure     TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX ux_transfer_cohorts_digest ON transfer_cohorts (org_id, digest);
CREATE INDEX ix_transfer_cohorts_status ON transfer_cohorts (status);
