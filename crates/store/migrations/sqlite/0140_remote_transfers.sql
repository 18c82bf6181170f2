-- Inter-Authority Transfer across deployments (SQLite). Kept in step with ../postgres/0140_remote_transfers.sql.

-- A transfer from an organisation served by another deployment names that organisation by its
-- credential issuer identifier (NULL: a transfer within this deployment). Such a transfer has no
-- source organisation row here, so its source_org_id (and its copies' in transfer_copies) holds the
-- same identifier.
ALTER TABLE transfers ADD COLUMN source_issuer TEXT;
CREATE INDEX ix_transfers_remote ON transfers (org_id, person_id, source_issuer);

-- The other deployments' requests this organisation answered, by requester and jti: a signed
-- request releases the Portable Data Set once, never again when replayed.
CREATE TABLE iat_releases (
    org_id           TEXT NOT NULL,
    requester_issuer TEXT NOT NULL,
    jti              TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    released_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, requester_issuer, jti)
);
