//! `passport audit verify`: recompute the hash chain of the audit trail and name the first bad entry;
//! `passport audit checkpoint`: anchor every chain's head outside the database, signed by the registry key.
//!
//! A checkpoint is a compact JWS (`typ` [`CHECKPOINT_TYP`]) whose payload lists each chain's head
//! (chain id, `seq`, `hash`, time of the last entry). Kept where the database's writers cannot reach it,
//! it lets `audit verify --checkpoint` detect a chain cut back or rewritten since, even when the
//! attacker rewrote `audit_heads` to match (issue 14, finding 5). Both commands refuse a SQLite file
//! that does not exist instead of creating an empty one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use credentials::jws::{CompactJws, Jwk, VerifyingKey};
use serde::{Deserialize, Serialize};
use store::{AuditReport, ChainHead, REGISTRY_CHAIN, Store};

use crate::config::DatabaseArgs;

/// The JWS `typ` of an audit checkpoint.
pub const CHECKPOINT_TYP: &str = "passport-audit-checkpoint+jwt";

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link; exit status 1 and the first bad entry if the trail was altered.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
        /// A checkpoint file (or a directory of them: the newest is used) from `audit checkpoint`: also
        /// detect entries removed or rewritten since it was taken.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Write every chain's head, signed by the registry key, to a file or a directory (one file per run).
    /// Refuses to anchor a trail that does not verify.
    Checkpoint {
        #[command(flatten)]
        database: DatabaseArgs,
        /// File to write, or an existing directory to add `checkpoint-<time>.jws` files to.
        #[arg(long)]
        out: PathBuf,
        /// Keep running and write a checkpoint at this interval (e.g. `15m`, `1h`, `1d`; units s, m, h, d).
        #[arg(long, value_parser = parse_duration)]
        every: Option<Duration>,
    },
}

/// What a checkpoint's payload says.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckpointPayload {
    /// Always `registry`: the registry operator signs.
    pub iss: String,
    pub iat: i64,
    pub chains: Vec<ChainHead>,
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify { database, checkpoint } => {
            let store = open(&database).await?;
            let report = match checkpoint {
                None => store.verify_audit().await?,
                Some(path) => {
                    let file = newest_checkpoint(&path)?;
                    let payload = read_checkpoint(&store, &file).await?;
                    println!(
                        "checkpoint {}: {} chains, taken {}",
                        file.display(),
                        payload.chains.len(),
                        DateTime::from_timestamp(payload.iat, 0)
                            .map_or_else(|| payload.iat.to_string(), |t| t.to_rfc3339())
                    );
                    store.verify_audit_against(&payload.chains).await?
                }
            };
            print_report(&report);
            if !report.is_ok() {
                std::process::exit(1);
            }
            Ok(())
        }
        AuditCommand::Checkpoint { database, out, every } => {
            let store = open(&database).await?;
            let keys = database.keys.key_store(&store, &database.database_url).await?;
            loop {
                let written = checkpoint(&store, keys.as_ref(), &out).await?;
                println!("{}", written.display());
                let Some(every) = every else { return Ok(()) };
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = crate::serve::shutdown_signal() => return Ok(()),
                }
            }
        }
    }
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<Store> {
    Store::open_existing(&database.database_url)
        .await
        .with_context(|| format!("opening the database {}", crate::serve::redact(&database.database_url)))
}

fn print_report(report: &AuditReport) {
    match &report.first_bad {
        None => println!(
            "audit trail intact: {} entries in {} chains checked",
            report.entries_checked, report.chains_checked
        ),
        Some(bad) => {
            println!("audit trail BROKEN after {} good entries", report.entries_checked);
            let chain = bad.ods_code.as_deref().unwrap_or(&bad.org_id);
            println!("first bad entry: chain {chain}, entry #{}: {}", bad.seq, bad.reason);
        }
    }
}

/// Verifies the trail, then signs its heads and writes them; returns the file written.
async fn checkpoint(store: &Store, keys: &dyn server::keys::KeyStore, out: &Path) -> anyhow::Result<PathBuf> {
    let report = store.verify_audit().await?;
    if !report.is_ok() {
        print_report(&report);
        bail!("refusing to checkpoint an audit trail that does not verify");
    }
    let chains = store.audit_heads().await?;
    let now = Utc::now();
    let payload = CheckpointPayload { iss: REGISTRY_CHAIN.to_owned(), iat: now.timestamp(), chains };
    let signer = keys.signer(REGISTRY_CHAIN).await?.signer;
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), CHECKPOINT_TYP.into());
    let token = credentials::jws::sign_compact(header, &serde_json::to_vec(&payload)?, &signer)?;
    let file = if out.is_dir() {
        out.join(format!("checkpoint-{}.jws", now.format("%Y%m%dT%H%M%S%.6fZ")))
    } else {
        out.to_owned()
    };
    // Write beside, then rename: a reader never sees half a checkpoint.
    let partial = file.with_extension("partial");
    std::fs::write(&partial, format!("{token}\n")).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &file).with_context(|| format!("writing {}", file.display()))?;
    Ok(file)
}

/// `path` itself, or the newest `*.jws` in it when it is a directory (names sort by time).
fn newest_checkpoint(path: &Path) -> anyhow::Result<PathBuf> {
    if !path.is_dir() {
        return Ok(path.to_owned());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jws"))
        .collect();
    files.sort();
    files.pop().with_context(|| format!("no checkpoint (*.jws) in {}", path.display()))
}

/// Reads a checkpoint and checks its signature against the registry's keys in the database.
async fn read_checkpoint(store: &Store, file: &Path) -> anyhow::Result<CheckpointPayload> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the checkpoint {}", file.display()))?;
    let bad = |why: String| anyhow::anyhow!("the checkpoint {} is not valid: {why}", file.display());
    let jws = CompactJws::parse(text.trim()).map_err(|e| bad(e.to_string()))?;
    if jws.header_str("typ") != Some(CHECKPOINT_TYP) {
        return Err(bad(format!("typ is not {CHECKPOINT_TYP}")));
    }
    let kid = jws.header_str("kid").ok_or_else(|| bad("no kid".into()))?;
    let keys = store.issuing().public_keys(REGISTRY_CHAIN).await?;
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| bad(format!("signed by key {kid}, which is not a registry key of this database")))?;
    let jwk: Jwk = serde_json::from_str(&key.public_jwk)?;
    let verifying = VerifyingKey::from_jwk(&jwk).map_err(bad)?;
    if !jws.verify_with(&verifying).map_err(|e| bad(e.to_string()))? {
        return Err(bad("the signature does not verify under the registry key".into()));
    }
    let payload: CheckpointPayload = serde_json::from_slice(&jws.payload).map_err(|e| bad(e.to_string()))?;
    Ok(payload)
}

/// Parses `90s`, `15m`, `1h`, `1d` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| format!("`{text}`: expected a number and a unit (s, m, h, d)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => return Err(format!("`{text}`: unknown unit `{other}` (use s, m, h or d)")),
    };
    if secs == 0 {
        return Err("the interval must be at least one second".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
    }
}
