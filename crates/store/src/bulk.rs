//! Tuning for long bulk loads (the synthetic generator, CSV imports), around the store's batch
//! writer [`crate::Dataset::import_batch`].
//!
//! On SQLite most of a load's time beyond the B-tree work itself went to WAL checkpoints: the
//! default auto-checkpoint runs every 1,000 pages (4 MiB), so the hot right-hand pages of every
//! table and index are copied back into the database file, and fsynced, over and over. During a
//! bulk load we checkpoint every 65,536 pages (256 MiB) instead — about 30 % faster at 30,000
//! people on the 2-core reference machine — and truncate the WAL when the load ends.
//!
//! Durability is unchanged: `synchronous` stays `NORMAL` in WAL mode, so a committed batch survives
//! the process being killed (the WAL is replayed on the next open) and an interrupted batch is
//! rolled back, which is what makes a re-run after `kill -9` load exactly the missing rows. A
//! power loss can lose the last committed batches but not corrupt the file. This module must not
//! write any record; it only sets connection state and the set of secondary indexes.
//!
//! **Deferred indexes.** Indexes whose keys arrive in random order — the national NI number + date
//! of birth and date-of-birth indexes, family names, the `(org_id, expires_on)` indexes of checks
//! and competences — cost a load most of its page writes when kept up to date row by row: every
//! batch touches most of their leaf pages, and every touched page goes to the WAL at each commit
//! and back again at each checkpoint. A bulk load into a database without people drops them (noting
//! each one's exact `CREATE` statement in `deferred_indexes`, migration 0150, in the same
//! transaction) and builds them in one sorted pass when the load ends, with SQLite's sorter on two
//! threads and spilling to temporary files rather than memory. Nothing a load reads needs them:
//! the primary keys, the unique `(org_id, ni_number)` index and the per-person indexes stay. A
//! load killed part-way leaves the rows behind; the next store to open the database builds the
//! indexes before anything else (so a process opening the database while the first load into it
//! still runs builds them too, and the load carries on with them). Only loads into a database
//! with no people defer anything, so a database in use never loses an index.
//!
//! A larger page cache (64 MiB per connection instead of 8) during the load keeps the unique NI
//! index and the right-hand pages of every table in memory between batches.
//!
//! PostgreSQL needs none of this: its loads keep their indexes and the defaults.

use std::time::Duration;

use crate::Store;
use crate::db::{self, Backend};
use crate::error::Result;

/// WAL pages between automatic checkpoints during a bulk load (256 MiB at 4 KiB pages).
pub const BULK_WAL_AUTOCHECKPOINT: u32 = 65_536;
/// SQLite's default, restored afterwards.
const DEFAULT_WAL_AUTOCHECKPOINT: u32 = 1_000;
/// Page cache per connection during a bulk load, in KiB (the store's usual is 8 MiB, `db.rs`).
const BULK_CACHE_KIB: u32 = 65_536;
const DEFAULT_CACHE_KIB: u32 = 8_192;

/// The indexes a load into an empty database builds at the end instead of row by row; see the
/// module documentation for why these and no others.
pub const DEFERRABLE_INDEXES: [&str; 6] = [
    "ix_people_ni_dob",
    "ix_people_dob",
    "ix_people_name",
    "ix_employment_checks_expiry",
    "ix_competences_expiry",
    "ix_compliance_cache_overall",
];

impl Store {
    /// Prepares the pooled SQLite connections for a long bulk load (see the module documentation).
    /// Call when no other work is running on this store; a connection opened later simply keeps
    /// the defaults. A no-op on PostgreSQL.
    pub async fn begin_bulk_load(&self) -> Result<()> {
        self.set_connection_pragmas(BULK_WAL_AUTOCHECKPOINT, BULK_CACHE_KIB).await?;
        self.defer_indexes().await
    }

    /// Builds any deferred indexes, restores the default checkpointing and folds the WAL back into the database file,
    /// truncating it, so that a multi-gigabyte load does not leave a large WAL behind; then
    /// refreshes the planner's statistics ([`Store::refresh_statistics`]).
    pub async fn end_bulk_load(&self) -> Result<()> {
        self.build_deferred_indexes().await?;
        self.set_connection_pragmas(DEFAULT_WAL_AUTOCHECKPOINT, DEFAULT_CACHE_KIB).await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        self.refresh_statistics().await
    }

    /// Gathers the query planner's statistics (`ANALYZE`; on SQLite sampled, about 1,000 rows per
    /// index). Why: without them SQLite answers `WHERE org_id = ? AND person_id = ? ORDER BY id` by
    /// walking the primary key over the whole organisation to avoid a sort, instead of the
    /// person index: a person's checks took 50-120 ms in a 30,000-staff organisation, and 1 ms once
    /// analysed.
    pub async fn refresh_statistics(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
                sqlx::query("ANALYZE").execute(&mut *conn).await?;
            }
            Backend::Postgres => {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// SQLite's `PRAGMA optimize` on opening: analyses the tables whose statistics are missing or
    /// stale (sampled), so a database grown through the API gets them too. Cheap when they are
    /// current. A no-op on PostgreSQL, whose autovacuum keeps them.
    pub(crate) async fn optimize_on_open(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            let mut conn = self.pool.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
            sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Drops the [`DEFERRABLE_INDEXES`] if the database holds no people yet, noting each one's
    /// `CREATE` statement in `deferred_indexes` in the same transaction.
    async fn defer_indexes(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut tx = db::begin(&self.pool, self.backend).await?;
        let people: i64 =
            sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM people LIMIT 1)").fetch_one(&mut *tx).await?;
        if people > 0 {
            return Ok(()); // rolled back: nothing was changed
        }
        let at = db::now();
        for name in DEFERRABLE_INDEXES {
            let sql: Option<String> =
                sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(sql) = sql else { continue };
            sqlx::query(
                "INSERT INTO deferred_indexes (name, create_sql, deferred_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&sql)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!("DROP INDEX {name}")).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Builds every index noted in `deferred_indexes` and forgets it, one transaction per index.
    /// Called when a bulk load ends and when a store opens (a load killed part-way). Returns how
    /// many were built.
    pub(crate) async fn build_deferred_indexes(&self) -> Result<usize> {
        if self.backend != Backend::Sqlite {
            return Ok(0);
        }
        let pending: Vec<(String, String)> =
            sqlx::query_as("SELECT name, create_sql FROM deferred_indexes ORDER BY name").fetch_all(&self.pool).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let mut conn = self.pool.acquire().await?;
        // Sort on two threads, spilling to temporary files: an index over millions of rows would
        // otherwise be sorted in this process's memory (the store keeps temp_store in memory).
        sqlx::query("PRAGMA temp_store = FILE").execute(&mut *conn).await?;
        sqlx::query("PRAGMA threads = 2").execute(&mut *conn).await?;
        let mut built = 0;
        for (name, sql) in &pending {
            let started = std::time::Instant::now();
            let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM deferred_indexes WHERE name = $1").bind(name).execute(&mut *tx).await?;
            tx.commit().await?;
            tracing::info!(index = %name, elapsed = ?started.elapsed(), "built deferred index");
            built += 1;
        }
        sqlx::query("PRAGMA temp_store = MEMORY").execute(&mut *conn).await?;
        sqlx::query("PRAGMA threads = 0").execute(&mut *conn).await?;
        Ok(built)
    }

    async fn set_connection_pragmas(&self, wal_pages: u32, cache_kib: u32) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        // PRAGMAs are per connection: hold every connection the pool will hand out, set each.
        let mut held = Vec::new();
        let max = self.pool.options().get_max_connections();
        while held.len() < max as usize {
            match tokio::time::timeout(Duration::from_secs(2), self.pool.acquire()).await {
                Ok(conn) => held.push(conn?),
                Err(_) => break, // in use elsewhere: it keeps the defaults
            }
        }
        for conn in &mut held {
            sqlx::query(&format!("PRAGMA wal_autocheckpoint = {wal_pages}")).execute(&mut **conn).await?;
            sqlx::query(&format!("PRAGMA cache_size = -{cache_kib}")).execute(&mut **conn).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::TestDb;

    #[tokio::test]
    async fn bulk_load_mode_sets_and_restores_checkpointing_on_sqlite() {
        let db = TestDb::sqlite().await;
        let pages = || async {
            let n: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(db.store.raw_pool()).await.unwrap();
            n
        };
        db.store.begin_bulk_load().await.unwrap();
        assert_eq!(pages().await, i64::from(super::BULK_WAL_AUTOCHECKPOINT));
        db.store.end_bulk_load().await.unwrap();
        assert_eq!(pages().await, 1000);
        db.cleanup().await;
    }

    async fn indexes(store: &crate::Store) -> Vec<String> {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index'")
            .fetch_all(store.raw_pool())
            .await
            .unwrap();
        super::DEFERRABLE_INDEXES.iter().filter(|n| names.iter().any(|m| m == *n)).map(|n| n.to_string()).collect()
    }

    async fn deferred(store: &crate::Store) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM deferred_indexes").fetch_one(store.raw_pool()).await.unwrap()
    }

    #[tokio::test]
    async fn a_load_into_an_empty_database_builds_random_order_indexes_at_the_end() {
        let db = TestDb::sqlite().await;
        let all: Vec<String> = super::DEFERRABLE_INDEXES.iter().map(|n| n.to_string()).collect();
        assert_eq!(indexes(&db.store).await, all, "every deferrable index exists after migrations");
        db.store.begin_bulk_load().await.unwrap();
        assert!(indexes(&db.store).await.is_empty());
        assert_eq!(deferred(&db.store).await, all.len() as i64);
        db.store.end_bulk_load().await.unwrap();
        assert_eq!(indexes(&db.store).await, all);
        assert_eq!(deferred(&db.store).await, 0);
        db.cleanup().await;
    }

    #[tokio::test]
    async fn a_load_into_a_database_with_people_keeps_its_indexes() {
        let db = TestDb::sqlite().await;
        for sql in [
            "INSERT INTO organisations (id, ods_code, name, kind, status, doc, created_at) \
             VALUES ('o', 'RJ1', 'n', 'acute_trust', 'active', '{}', 't')",
            "INSERT INTO people (org_id, id, ni_number, date_of_birth, family_name, doc, recorded_by, recorded_at, \
             source, source_ods, updated_at) VALUES ('o', 'p', NULL, '1990-01-01', 'F', '{}', 't', 't', 'local', NULL, 't')",
        ] {
            sqlx::query(sql).execute(db.store.raw_pool()).await.unwrap();
        }
        db.store.begin_bulk_load().await.unwrap();
        assert_eq!(indexes(&db.store).await.len(), super::DEFERRABLE_INDEXES.len());
        assert_eq!(deferred(&db.store).await, 0);
        db.store.end_bulk_load().await.unwrap();
        db.cleanup().await;
    }

    #[tokio::test]
    async fn an_interrupted_load_has_its_indexes_built_when_a_store_opens() {
        let db = TestDb::sqlite().await;
        db.store.begin_bulk_load().await.unwrap();
        // Killed here: the indexes are gone and noted.
        assert!(indexes(&db.store).await.is_empty());
        let reopened = crate::Store::connect(db.url()).await.unwrap();
        assert_eq!(indexes(&reopened).await.len(), super::DEFERRABLE_INDEXES.len());
        assert_eq!(deferred(&reopened).await, 0);
        reopened.close().await;
        db.cleanup().await;
    }
}
