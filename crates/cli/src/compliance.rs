//! `passport compliance`: an organisation's compliance from the database, as trusted local tooling
//! (audited as `system:cli compliance`): counts by status, then each person who may not work today,
//! by name, with what is missing or expired.

use anyhow::Context;
use clap::Args;
use domain::org::OdsCode;
use store::Store;

use crate::user::OrgArgs;

#[derive(Args)]
pub struct ComplianceArgs {
    #[command(flatten)]
    org: OrgArgs,
    /// Days ahead within which an expiry counts as due soon.
    #[arg(long, default_value_t = 30)]
    due_within_days: u32,
}

pub async fn run(args: ComplianceArgs) -> anyhow::Result<()> {
    let url = &args.org.database.database_url;
    let store = Store::open_existing(url)
        .await
        .with_context(|| format!("opening the database {}", crate::serve::redact(url)))?;
    let code = OdsCode::parse(&args.org.ods).map_err(|e| anyhow::anyhow!("--ods: {e}"))?;
    let scope = store
        .registry()
        .system_scope(&code, "cli compliance")
        .await
        .with_context(|| format!("no organisation {}", args.org.ods))?;
    let dataset = store.dataset(&scope);
    let today = chrono::Utc::now().date_naive();
    let mut summary = dataset.compliance_summary(today, args.due_within_days).await?;
    dataset.name_people(&mut summary.non_compliant).await?;
    let s = &summary.by_status;
    println!("{}: {} people, {} compliant", code, summary.people, summary.compliant);
    println!("met {}, due soon {}, expired {}, missing {}", s.met, s.due_soon, s.expired, s.missing);
    for p in &summary.non_compliant {
        let name = match (&p.family_name, &p.given_name) {
            (Some(family), Some(given)) => format!("{family}, {given}"),
            _ => "(name not found)".to_owned(),
        };
        let gaps: Vec<&str> = p.gaps.iter().map(|g| g.as_ref()).collect();
        println!("{name:<30}  {:<8}  {}  ({})", p.overall.as_str(), gaps.join(" "), p.id);
    }
    store.close().await;
    Ok(())
}
