-- Secondary indexes set aside during a bulk load into an empty database (SQLite). Kept in step with
-- ../postgres/0150_deferred_indexes.sql.
--
-- Indexes whose keys arrive in random order (national NI number and date of birth, family names,
-- expiry dates) cost a load most of its page writes when maintained row by row: every batch
-- rewrites most of their leaf pages. A load into an empty database drops them, noting each one's
-- exact CREATE statement here in the same transaction, and builds them in one sorted pass at the
-- end; a store that opens and finds rows here (a load killed part-way) builds them then.
CREATE TABLE deferred_indexes (
    name        TEXT PRIMARY KEY NOT NULL,
    create_sql  TEXT NOT NULL,
    deferred_at TEXT NOT NULL
);
