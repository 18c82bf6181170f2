-- Per-person compliance, cached so an organisation's summary is one indexed aggregate instead of
-- decoding every record of every person. A row is dropped in the same transaction as any write to
-- the person's records (all rows of the organisation when role requirements change), and is
-- recomputed when `basis` (evaluation parameters) differs or on/after `valid_until`, the first date
-- on which any of the person's statuses can change with time alone.
CREATE TABLE compliance_cache (
    org_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    basis       TEXT NOT NULL,
    overall     TEXT NOT NULL,
    gaps        TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX ix_compliance_cache_overall ON compliance_cache (org_id, overall);
