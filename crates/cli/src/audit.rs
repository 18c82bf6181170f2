//! `passport audit verify`: recompute the hash chain of the audit trail and name the first bad entry.

use anyhow::Context;
use clap::Subcommand;
use store::Store;

use crate::config::DatabaseArgs;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link; exit status 1 and the first bad entry if the trail was altered.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { database } => {
            let store = Store::connect(&database.database_url)
                .await
                .with_context(|| format!("opening the database {}", crate::serve::redact(&database.database_url)))?;
            let report = store.verify_audit().await?;
            match report.first_bad {
                None => {
                    println!(
                        "audit trail intact: {} entries in {} chains checked",
                        report.entries_checked, report.chains_checked
                    );
                    Ok(())
                }
                Some(bad) => {
                    println!("audit trail BROKEN after {} good entries", report.entries_checked);
                    let chain = bad.ods_code.as_deref().unwrap_or(&bad.org_id);
                    println!("first bad entry: chain {chain}, entry #{}: {}", bad.seq, bad.reason);
                    std::process::exit(1);
                }
            }
        }
    }
}
