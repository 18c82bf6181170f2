//! `passport credential issue | present | verify | revoke | holder-key` and `passport verify`: the
//! whole passport flow scriptable without a web UI.
//!
//! `issue`, `verify` and `revoke` act through a server's API when `--server` (and `--token`) are
//! given, otherwise straight on the database as trusted local tooling (a system scope on `--ods`),
//! through the same server functions the API uses. `present` is the holder's side and works on
//! files only: the credential and a holder key file made by `holder-key`. `verify` prints the answer
//! as JSON and exits with status 1 when the presentation is rejected; with `--trust-list` and
//! `--operator-jwk` it verifies as an outside party ([`offline`]).

pub(crate) mod offline;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use credentials::jws::{Jwk, Signer, SoftwareEs256Key};
use credentials::sdjwt::{KeyBinding, SdJwt};
use domain::org::OdsCode;
use domain::passport::PassportType;
use serde_json::{Value, json};
use server::AppState;
use store::{CredentialStatus, Store};

use crate::config::DatabaseArgs;

#[derive(Subcommand)]
pub enum CredentialCommand {
    /// Make a holder (wallet) key in a file and print its public JWK.
    HolderKey {
        /// Where to write the key; it holds the private key, keep it private.
        #[arg(long)]
        out: PathBuf,
    },
    /// Issue a passport credential from a person's records to a holder key.
    Issue(IssueArgs),
    /// Present a credential as its holder: choose what to disclose and bind it to a nonce and audience.
    Present(PresentArgs),
    /// Verify a presentation; prints JSON and exits 1 when it is rejected.
    Verify(VerifyArgs),
    /// Revoke (or suspend, or reinstate) an issued credential.
    Revoke(RevokeArgs),
}

/// Where to act: a server's API, or the database directly.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// Base URL of a Staff Passport server; with it the command calls the API using `--token`.
    #[arg(long, env = "PASSPORT_SERVER")]
    pub server: Option<String>,
    /// API token (HR to issue and revoke, verifier to verify).
    #[arg(long, env = "PASSPORT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Organisation ODS code, when acting on the database directly.
    #[arg(long, env = "PASSPORT_ODS")]
    pub ods: Option<String>,
    /// The public URL the server is reached by: issuer identifiers and status list URIs are built from
    /// it, so it must be the one `passport serve` uses.
    #[arg(long, env = "PASSPORT_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
}

#[derive(Args, Debug)]
pub struct IssueArgs {
    #[command(flatten)]
    pub target: Target,
    /// The person's id.
    #[arg(long)]
    pub person: String,
    /// identity, registration, dbs, occupational-health, training or employment (or the full key).
    #[arg(long = "type")]
    pub kind: String,
    /// The holder key file (from `holder-key`); only its public half is sent.
    #[arg(long)]
    pub holder_key: PathBuf,
    /// Write the credential here and print the ledger entry as JSON; without it the credential goes to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PresentArgs {
    /// The credential file (`-` for stdin).
    #[arg(long)]
    pub credential: PathBuf,
    #[arg(long)]
    pub holder_key: PathBuf,
    /// The verifier's nonce.
    #[arg(long)]
    pub nonce: String,
    /// The verifier's identifier.
    #[arg(long)]
    pub aud: String,
    /// A claim to disclose, as a JSON pointer (`/dbs`, `/competences/0`); repeat. Default: everything.
    #[arg(long)]
    pub disclose: Vec<String>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub target: Target,
    /// The presentation file (`-` for stdin).
    #[arg(long)]
    pub presentation: PathBuf,
    /// The nonce given to the holder; without it no key binding is required.
    #[arg(long)]
    pub nonce: Option<String>,
    /// This verifier's identifier (the KB-JWT `aud`).
    #[arg(long)]
    pub aud: Option<String>,
    /// Verify as an outside party against this signed trust list (a file or an http(s) URL, e.g.
    /// `{public-url}/trust-list`), fetching status lists from their URIs: no server account, no database.
    #[arg(long, requires = "operator_jwk")]
    pub trust_list: Option<String>,
    /// The registry operator's public key (JWK or JWKS file) this verifier trusts to sign the trust list.
    #[arg(long)]
    pub operator_jwk: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub target: Target,
    /// The credential id, or the status list entry it carries (`URI#IDX`, as `passport wallet list`
    /// shows it).
    #[arg(long)]
    pub id: String,
    /// Suspend instead of revoking.
    #[arg(long, conflicts_with = "reinstate")]
    pub suspend: bool,
    /// Reinstate a suspended credential.
    #[arg(long)]
    pub reinstate: bool,
    #[arg(long)]
    pub reason: Option<String>,
}

pub async fn run(command: CredentialCommand) -> anyhow::Result<()> {
    match command {
        CredentialCommand::HolderKey { out } => holder_key(&out),
        CredentialCommand::Issue(args) => issue(args).await,
        CredentialCommand::Present(args) => present(args),
        CredentialCommand::Verify(args) => verify(args).await,
        CredentialCommand::Revoke(args) => revoke(args).await,
    }
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(text.trim().to_owned())
}

fn holder_key(out: &Path) -> anyhow::Result<()> {
    let key = SoftwareEs256Key::generate()?;
    let file =
        json!({"alg": "ES256", "public_jwk": key.public_jwk(), "pkcs8": credentials::b64::encode(key.to_pkcs8()?)});
    write_private(out, &serde_json::to_string_pretty(&file)?)?;
    println!("{}", serde_json::to_string(&key.public_jwk())?);
    Ok(())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file =
        options.open(path).with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    Ok(())
}

fn load_holder(path: &Path) -> anyhow::Result<SoftwareEs256Key> {
    let file: Value = serde_json::from_str(&read_input(path)?).context("the holder key file is not JSON")?;
    let der = file["pkcs8"]
        .as_str()
        .and_then(credentials::b64::decode)
        .context("the holder key file has no pkcs8 member (make one with `passport credential holder-key`)")?;
    Ok(SoftwareEs256Key::from_pkcs8(&der)?)
}

async fn local_state(target: &Target) -> anyhow::Result<AppState> {
    let url = &target.database.database_url;
    // Acting on records needs a database that exists: a mistyped path must not become an empty one.
    let store = Store::open_existing(url).await.with_context(|| format!("opening {}", crate::serve::redact(url)))?;
    let keys = target.database.keys.key_store(&store, url).await?;
    let mut state = AppState::new(store);
    state.keys = keys;
    state.public_url = Some(target.public_url.clone());
    Ok(state)
}

async fn local_scope(state: &AppState, target: &Target, why: &str) -> anyhow::Result<store::OrgScope> {
    let ods = target.ods.as_deref().context("--ods is needed to act on the database directly (or use --server)")?;
    let code = OdsCode::parse(ods).map_err(|e| anyhow::anyhow!("--ods: {e}"))?;
    state.store.registry().system_scope(&code, why).await.with_context(|| format!("no organisation {ods}"))
}

/// POSTs `body` to `path` of the server; an HTTP error status is an error naming the problem.
async fn post(target: &Target, path: &str, body: &Value) -> anyhow::Result<Value> {
    let server = target.server.as_deref().unwrap_or_default().trim_end_matches('/');
    let token = target.token.as_deref().context("--token (or PASSPORT_TOKEN) is needed with --server")?;
    let response = reqwest::Client::new().post(format!("{server}{path}")).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {}", answer["detail"].as_str().unwrap_or("no detail"));
    }
    Ok(answer)
}

async fn issue(args: IssueArgs) -> anyhow::Result<()> {
    let kind = PassportType::parse(&args.kind).map_err(|e| anyhow::anyhow!("--type: {}", e.problem))?;
    let holder: Jwk = load_holder(&args.holder_key)?.public_jwk();
    let (entry, credential) = if args.target.server.is_some() {
        let body = json!({"type": kind, "holder_jwk": holder});
        let mut answer = post(&args.target, &format!("/api/v1/people/{}/credentials", args.person), &body).await?;
        let credential = answer["credential"].as_str().context("no credential in the answer")?.to_owned();
        answer.as_object_mut().map(|o| o.remove("credential"));
        (answer, credential)
    } else {
        let state = local_state(&args.target).await?;
        let scope = local_scope(&state, &args.target, "credential issue (cli)").await?;
        let (entry, credential) = server::issuer::issue(&state, &scope, &args.person, kind, holder)
            .await
            .map_err(|e| anyhow::anyhow!("{e}: {}", detail(&e)))?;
        (serde_json::to_value(&entry)?, credential)
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &credential).with_context(|| format!("writing {}", path.display()))?;
            println!("{}", serde_json::to_string_pretty(&entry)?);
        }
        None => {
            println!("{credential}");
            eprintln!("issued credential {}", entry["id"].as_str().unwrap_or("?"));
        }
    }
    Ok(())
}

fn detail(e: &server::error::ApiError) -> String {
    match e {
        server::error::ApiError::Invalid(fields) => {
            fields.iter().map(|f| format!("{}: {}", f.field, f.problem)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

fn present(args: PresentArgs) -> anyhow::Result<()> {
    let credential = SdJwt::parse(&read_input(&args.credential)?).map_err(|e| anyhow::anyhow!("credential: {e}"))?;
    let holder = load_holder(&args.holder_key)?;
    let everything: Vec<String>;
    let reveal: Vec<&str> = if args.disclose.is_empty() {
        everything = credential.paths().map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().map(|p| p.path).collect();
        everything.iter().map(String::as_str).collect()
    } else {
        args.disclose.iter().map(String::as_str).collect()
    };
    let kb = KeyBinding { signer: &holder, nonce: &args.nonce, aud: &args.aud, iat: chrono::Utc::now().timestamp() };
    println!("{}", credential.present(&reveal, Some(&kb))?);
    Ok(())
}

async fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let presentation = read_input(&args.presentation)?;
    let answer = if let (Some(list), Some(operator)) = (&args.trust_list, &args.operator_jwk) {
        let (nonce, aud) = (args.nonce.as_deref(), args.aud.as_deref());
        let (outcome, base) = offline::verify(&presentation, nonce, aud, list, operator).await?;
        serde_json::to_value(server::api::credentials::render(outcome, &base))?
    } else if args.target.server.is_some() {
        let body = json!({"presentation": presentation, "nonce": args.nonce, "aud": args.aud});
        post(&args.target, "/api/v1/verify", &body).await?
    } else {
        let state = local_state(&args.target).await?;
        let outcome = server::issuer::verify(&state, &presentation, args.nonce.as_deref(), args.aud.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        serde_json::to_value(server::api::credentials::render(outcome, state.public_url()))?
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    if answer["valid"] != true {
        std::process::exit(1);
    }
    Ok(())
}

async fn revoke(args: RevokeArgs) -> anyhow::Result<()> {
    let (to, action) = match (args.suspend, args.reinstate) {
        (true, _) => (CredentialStatus::Suspended, "suspend"),
        (_, true) => (CredentialStatus::Valid, "reinstate"),
        _ => (CredentialStatus::Revoked, "revoke"),
    };
    let answer = if args.target.server.is_some() {
        let body = json!({"reason": args.reason});
        // A wallet's `URI#IDX` id holds `/`, `:` and `#`: one path segment only when encoded.
        let id: String = args
            .id
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        post(&args.target, &format!("/api/v1/credentials/{id}/{action}"), &body).await?
    } else {
        let state = local_state(&args.target).await?;
        let scope = local_scope(&state, &args.target, &format!("credential {action} (cli)")).await?;
        let id = server::api::credentials::resolve_credential_id(&state, &scope, &args.id).await?;
        let entry = state.store.dataset(&scope).set_credential_status(&id, to, args.reason.as_deref()).await?;
        serde_json::to_value(&entry)?
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
