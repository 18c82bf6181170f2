-- Secondary indexes set aside during a bulk load (PostgreSQL). Kept in step with
-- ../sqlite/0150_deferred_indexes.sql. PostgreSQL loads keep their indexes, so this table stays
-- empty here; it exists so that both schemas have the same tables.
CREATE TABLE deferred_indexes (
    name        TEXT PRIMARY KEY NOT NULL,
    create_sql  TEXT NOT NULL,
    deferred_at TEXT NOT NULL
);
