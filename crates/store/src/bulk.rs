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
//! write any record; it only sets connection state. PostgreSQL needs nothing here.

use std::time::Duration;

use crate::Store;
use crate::db::Backend;
use crate::error::Result;

/// WAL pages between automatic checkpoints during a bulk load (256 MiB at 4 KiB pages).
pub const BULK_WAL_AUTOCHECKPOINT: u32 = 65_536;
/// SQLite's default, restored afterwards.
const DEFAULT_WAL_AUTOCHECKPOINT: u32 = 1_000;

impl Store {
    /// Prepares the pooled SQLite connections for a long bulk load (see the module documentation).
    /// Call when no other work is running on this store; a connection opened later simply keeps
    /// the defaults. A no-op on PostgreSQL.
    pub async fn begin_bulk_load(&self) -> Result<()> {
        self.set_autocheckpoint(BULK_WAL_AUTOCHECKPOINT).await
    }

    /// Restores the default checkpointing and folds the WAL back into the database file,
    /// truncating it, so that a multi-gigabyte load does not leave a large WAL behind; then
    /// refreshes the planner's statistics ([`Store::refresh_statistics`]).
    pub async fn end_bulk_load(&self) -> Result<()> {
        self.set_autocheckpoint(DEFAULT_WAL_AUTOCHECKPOINT).await?;
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

    async fn set_autocheckpoint(&self, pages: u32) -> Result<()> {
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
        let pragma = format!("PRAGMA wal_autocheckpoint = {pages}");
        for conn in &mut held {
            sqlx::query(&pragma).execute(&mut **conn).await?;
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
}
