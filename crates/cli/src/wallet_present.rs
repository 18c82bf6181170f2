//! What `passport wallet present` prints: one line per disclosed claim, a warning for a credential
//! the verifier will refuse, and the verifier's answer as the last word.

use ::wallet::presentation::{self, PresentationPlan};
use ::wallet::status::{CredentialState, StatusChecker};
use ::wallet::{Client, Wallet, WalletError};
use anyhow::bail;
use serde_json::Value;

/// A disclosure's value as the holder should read it: the digests of claims disclosed separately
/// (`_sd`, `{"...": digest}`) are machinery, and each of those claims gets its own line anyway.
fn readable(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let kept: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "_sd" && k.as_str() != "_sd_alg")
                .filter_map(|(k, v)| readable(v).map(|v| (k.clone(), v)))
                .collect();
            if (map.len() == 1 && map.contains_key("...")) || (kept.is_empty() && !map.is_empty()) {
                return None;
            }
            Some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(readable).collect();
            (!kept.is_empty() || items.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other.clone()),
    }
}

/// `name.field: value`, one per claim inside the disclosure at JSON Pointer `path` (an object
/// disclosed whole holds several claims); none when all it holds is disclosed on other lines.
pub fn claim_lines(path: &str, value: &Value) -> Vec<String> {
    let name = path.trim_start_matches('/').replace("~1", "/").replace("~0", "~").replace('/', ".");
    let mut lines = Vec::new();
    if let Some(value) = readable(value) {
        leaves(&name, &value, &mut lines);
    }
    lines
}

fn leaves(name: &str, value: &Value, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) if !map.is_empty() => map.iter().map(|(k, v)| (format!("{name}.{k}"), v)).collect(),
        Value::Array(items) if !items.is_empty() => {
            items.iter().enumerate().map(|(i, v)| (format!("{name}.{i}"), v)).collect()
        }
        Value::String(text) => return out.push(format!("{name}: {text}")),
        other => return out.push(format!("{name}: {other}")),
    };
    for (child, v) in children {
        leaves(&child, v, out);
    }
}

pub fn print_plan(plan: &PresentationPlan) {
    for p in &plan.presentations {
        println!("\n[{}] {} from {} (credential {})", p.query_id, p.vct, p.issuer, p.credential_id);
        let lines: Vec<String> = p.disclosed.iter().flat_map(|(path, value)| claim_lines(path, value)).collect();
        if lines.is_empty() {
            println!("  discloses no selectively disclosable claim");
        }
        for line in lines {
            println!("  discloses {line}");
        }
        if !p.always_visible.is_empty() {
            println!("  always visible: {}", p.always_visible.join(", "));
        }
    }
    println!("  (every presentation also shows its issuer, type, validity dates and status reference)");
    // What the verifier asks the holder to sign with the presentation (transaction data).
    for t in &plan.transactions {
        println!("\nand, with it, you sign:\n  {}", t.summary);
    }
}

/// Warns, before the holder is asked, about each credential the verifier will refuse.
pub async fn warn_unusable(w: &Wallet, client: &Client, plan: &PresentationPlan, now: i64) {
    let mut checker = StatusChecker::new(client);
    for p in &plan.presentations {
        let Ok(held) = w.find(&p.credential_id) else { continue };
        let state = checker.check(held, now).await;
        if matches!(state, CredentialState::Revoked | CredentialState::Suspended | CredentialState::Expired) {
            eprintln!(
                "warning: credential {} ({}) is {state}; the verifier will not accept it for {}",
                p.credential_id, p.vct, p.query_id
            );
        }
    }
}

/// Sends the presentations and prints what the verifier answered; a refusal is an error.
pub async fn submit(w: &Wallet, client: &Client, plan: &PresentationPlan, now: i64) -> anyhow::Result<()> {
    match presentation::submit(w, client, plan, now).await {
        Ok(resp) => {
            println!("sent; the verifier answered: received");
            if let Some(r) = resp.redirect_uri {
                println!("continue at {r}");
            }
            Ok(())
        }
        Err(WalletError::OAuth { error, .. }) => {
            println!("sent; the verifier answered: refused ({error})");
            bail!("the verifier refused the presentation")
        }
        Err(e) => Err(e.into()),
    }
}

/// Tells the verifier the holder declines (only when asked with `--decline`).
pub async fn decline(client: &Client, plan: &PresentationPlan) -> anyhow::Result<()> {
    match presentation::decline(client, plan).await {
        Ok(_) => println!("declined; the verifier answered: received"),
        Err(WalletError::OAuth { error, .. }) => println!("declined; the verifier answered: refused ({error})"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::claim_lines;
    use serde_json::json;

    #[test]
    fn one_line_per_claim_and_never_a_digest() {
        assert_eq!(claim_lines("/level", &json!("enhanced")), ["level: enhanced"]);
        assert!(claim_lines("/competences", &json!([{"...": "abc"}, {"...": "def"}])).is_empty());
        assert_eq!(
            claim_lines("/competences/0", &json!({"subject": "fire", "passed": true, "_sd": ["x"]})),
            ["competences.0.subject: fire", "competences.0.passed: true"]
        );
        assert!(claim_lines("/address", &json!({"_sd": ["x", "y"]})).is_empty());
        assert_eq!(claim_lines("/tags", &json!([])), ["tags: []"]);
    }
}
