-- Resume points of bulk imports, committed in the same transaction as each batch so that an
-- import killed part-way and run again continues exactly where the last committed batch ended.
CREATE TABLE import_checkpoints (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    source     TEXT NOT NULL,
    position   BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, source)
);
