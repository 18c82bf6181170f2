//! `passport wallet`: the holder's side from a terminal. `create` makes a wallet file with a new
//! P-256 key; `receive` redeems a credential offer link with its PIN; `list` and `show` display
//! what is held with its current status; `present` answers a verifier's request link, printing
//! exactly what will be disclosed and asking before anything is sent (`--yes` for scripts); a
//! decline reaches the verifier only with `--decline` (`crate::wallet_present` does the printing).
//! The passphrase comes from `PASSPORT_WALLET_PASSPHRASE` or a prompt; it is never a flag, so
//! it stays out of shell history and process lists ([`PASSPHRASE_HELP`] says so in `--help`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use ::wallet::status::{CredentialState, StatusChecker};
use ::wallet::{KdfParams, Wallet, WalletError, issuance};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

/// Every wallet command's `--help` ends with this: the passphrase has no flag, so it would not be
/// discoverable from the flag list.
pub const PASSPHRASE_HELP: &str = "The wallet passphrase is read from the environment variable \
PASSPORT_WALLET_PASSPHRASE, or asked for on the terminal when it is unset. It is never a flag, so it stays \
out of shell history and process lists.";

#[derive(Args)]
#[command(after_help = PASSPHRASE_HELP)]
pub struct WalletArgs {
    /// The wallet file.
    #[arg(long, env = "PASSPORT_WALLET_FILE", default_value = "passport-wallet.json", global = true)]
    file: PathBuf,
    #[command(subcommand)]
    command: WalletCommand,
}

// Each subcommand repeats the note: clap does not pass `after_help` down to subcommands.
#[derive(Subcommand)]
enum WalletCommand {
    /// Create a wallet file with a new P-256 holder key.
    #[command(after_help = PASSPHRASE_HELP)]
    Create,
    /// Receive credentials from an offer link (openid-credential-offer://… or its https URL).
    #[command(after_help = PASSPHRASE_HELP)]
    Receive {
        offer: String,
        /// The PIN (transaction code) the issuer sent separately; prompted for when needed.
        #[arg(long, env = "PASSPORT_WALLET_PIN")]
        pin: Option<String>,
    },
    /// List held credentials with their current status.
    #[command(after_help = PASSPHRASE_HELP)]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one credential's claims (by id or a unique prefix of it).
    #[command(after_help = PASSPHRASE_HELP)]
    Show { id: String },
    /// Answer a verifier's request link (openid4vp://… with client_id and request_uri).
    #[command(after_help = PASSPHRASE_HELP)]
    Present {
        request: String,
        /// Send without asking (for scripts); what is disclosed is still printed.
        #[arg(long, conflicts_with = "decline")]
        yes: bool,
        /// Tell the verifier you decline (nothing is disclosed). Without it, saying no at the
        /// prompt sends nothing at all.
        #[arg(long)]
        decline: bool,
    },
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Reads one line from the terminal, without echo when `secret` (via `stty`, where present).
fn prompt(question: &str, secret: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("{question} is needed but standard input is not a terminal");
    }
    eprint!("{question}: ");
    std::io::stderr().flush()?;
    let hide = secret && std::process::Command::new("stty").arg("-echo").status().is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if hide {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn passphrase(confirm: bool) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("PASSPORT_WALLET_PASSPHRASE") {
        return Ok(p);
    }
    let p = prompt("Wallet passphrase", true)?;
    if confirm && prompt("Repeat the passphrase", true)? != p {
        bail!("the passphrases differ");
    }
    Ok(p)
}

fn open(args: &WalletArgs) -> anyhow::Result<Wallet> {
    let pass = passphrase(false)?;
    Wallet::open(&args.file, &pass).map_err(|e| match e {
        WalletError::WrongPassphrase => anyhow::anyhow!("wrong passphrase for {}", args.file.display()),
        other => anyhow::Error::new(other).context(format!("opening {}", args.file.display())),
    })
}

/// How the issuer names the credential (its status list entry, `URI#IDX`): what to give HR to
/// revoke or suspend it, and what a verifier's result shows. The wallet's own id is local.
fn issuer_id(c: &::wallet::StoredCredential) -> Option<String> {
    c.status.as_ref().map(|r| format!("{}#{}", r.uri, r.idx))
}

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_else(|| ts.to_string())
}

pub async fn run(args: WalletArgs) -> anyhow::Result<()> {
    match &args.command {
        WalletCommand::Create => {
            let pass = passphrase(true)?;
            let w = Wallet::create(&args.file, &pass, KdfParams::default(), now())?;
            println!("created {} with holder key {}", args.file.display(), w.holder_jwk().thumbprint());
        }
        WalletCommand::Receive { offer, pin } => {
            let mut w = open(&args)?;
            let client = ::wallet::client();
            let offered = issuance::fetch_offer(&client, offer).await.context("reading the offer")?;
            println!(
                "offer from {} for {}",
                offered.credential_issuer,
                offered.credential_configuration_ids.join(", ")
            );
            let pin = match (issuance::pin_required(&offered), pin) {
                (Some(tx), None) => {
                    if let Some(d) = &tx.description {
                        eprintln!("{d}");
                    }
                    let shape = match (tx.input_mode.as_deref(), tx.length) {
                        (Some("text"), Some(n)) => format!(" ({n} characters)"),
                        (Some("text"), None) => String::new(),
                        (_, Some(n)) => format!(" ({n} digits)"),
                        (_, None) => " (digits)".to_owned(),
                    };
                    Some(prompt(&format!("PIN{shape}"), false)?)
                }
                (_, p) => p.clone(),
            };
            let got = issuance::receive(&mut w, &client, &offered, pin.as_deref(), now()).await?;
            for c in got {
                println!("received {}  {}  from {}", &c.id, c.vct, c.issuer);
            }
        }
        WalletCommand::List { json } => {
            let w = open(&args)?;
            let client = ::wallet::client();
            let mut checker = StatusChecker::new(&client);
            let mut rows = Vec::new();
            for c in w.credentials() {
                rows.push((c, checker.check(c, now()).await));
            }
            if *json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|(c, s)| {
                        serde_json::json!({"id": c.id, "issuer_id": issuer_id(c), "vct": c.vct, "issuer": c.issuer,
                                           "exp": c.exp, "status": s})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else if rows.is_empty() {
                println!("no credentials in {}", args.file.display());
            } else {
                for (c, s) in rows {
                    let exp = c.exp.map(date).unwrap_or_else(|| "-".into());
                    println!("{:<12}  {:<10}  expires {exp}  {}  ({})", c.id, s.to_string(), c.vct, c.issuer);
                    if let Some(id) = issuer_id(c) {
                        println!("              issuer's id {id}");
                    }
                }
            }
        }
        WalletCommand::Show { id } => {
            let w = open(&args)?;
            let c = w.find(id)?;
            let client = ::wallet::client();
            let state = StatusChecker::new(&client).check(c, now()).await;
            println!("id:       {}", c.id);
            println!("type:     {}", c.vct);
            println!("issuer:   {}", c.issuer);
            if let Some(iat) = c.iat {
                println!("issued:   {}", date(iat));
            }
            if let Some(exp) = c.exp {
                println!("expires:  {}", date(exp));
            }
            println!("status:   {state}");
            if let Some(id) = issuer_id(c) {
                println!("issuer's id: {id}");
            }
            println!("claims:\n{}", serde_json::to_string_pretty(&serde_json::Value::Object(c.personal_claims()))?);
            if state != CredentialState::Valid && state != CredentialState::NoStatus {
                std::process::exit(2);
            }
        }
        WalletCommand::Present { request, yes, decline } => {
            let w = open(&args)?;
            present(&w, request, *yes, *decline).await?;
        }
    }
    Ok(())
}

async fn present(w: &Wallet, request: &str, yes: bool, decline: bool) -> anyhow::Result<()> {
    use crate::wallet_present as p;
    let client = ::wallet::client();
    let plan = ::wallet::presentation::prepare(w, &client, request, now()).await.context("reading the request")?;
    println!("verifier: {}", plan.client_id);
    if let Some(k) = &plan.verifier_key {
        println!("request signed by key {k}");
    }
    if decline {
        return p::decline(&client, &plan).await;
    }
    if !plan.can_submit() {
        println!("this wallet cannot answer: nothing matches {}", plan.missing.join(", "));
        println!("nothing was sent (--decline tells the verifier you cannot answer)");
        bail!("request not answered");
    }
    p::print_plan(&plan);
    p::warn_unusable(w, &client, &plan, now()).await;
    let go = yes || {
        let answer = prompt(&format!("\nShare this with {}? [y/N]", plan.client_id), false)?;
        matches!(answer.trim(), "y" | "Y" | "yes")
    };
    if !go {
        println!("not shared, and nothing was sent (--decline tells the verifier you decline)");
        return Ok(());
    }
    p::submit(w, &client, &plan, now()).await
}
