//! `passport agreement …`: workforce sharing agreements from a script. Everything but `verify`
//! talks to a server's API with a token; `verify` checks an exported agreement offline, as any
//! outside party can: the signed trust list (checked against the operator key you trust), every
//! signature, and optionally the core terms text against the hash the parties signed.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use credentials::agreement::{AgreementTrust, GeneralJws, verify_agreement};
use credentials::trust::TrustList;
use domain::agreement::AgreementDocument;
use serde_json::{Value, json};

use crate::credential::offline;

#[derive(Subcommand, Debug)]
pub enum AgreementCommand {
    /// Create a draft from a JSON body (see `POST /api/v1/agreements`) and propose it, signing for
    /// your organisation.
    Propose(ProposeArgs),
    /// Sign a proposed agreement with your organisation's key.
    Sign(IdArgs),
    /// Withdraw from an agreement, with a reason.
    Withdraw(WithdrawArgs),
    /// Show an agreement's latest version and its state.
    Show(IdArgs),
    /// List your organisation's agreements (`--part host` for visiting workers).
    List(ListArgs),
    /// Write the signed agreement (JWS JSON General Serialization) to a file or stdout.
    Export(ExportArgs),
    /// Verify an exported agreement offline; exit status 1 when it does not stand.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct Server {
    /// Base URL of a Staff Passport server.
    #[arg(long, env = "PASSPORT_SERVER")]
    pub server: String,
    /// API token of an HR user or admin of a party.
    #[arg(long, env = "PASSPORT_TOKEN", hide_env_values = true)]
    pub token: String,
}

#[derive(Args, Debug)]
pub struct ProposeArgs {
    #[command(flatten)]
    pub server: Server,
    /// The agreement as JSON (`-` for stdin).
    #[arg(long)]
    pub body: PathBuf,
}

#[derive(Args, Debug)]
pub struct IdArgs {
    #[command(flatten)]
    pub server: Server,
    pub id: String,
}

#[derive(Args, Debug)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub server: Server,
    pub id: String,
    #[arg(long)]
    pub reason: String,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub server: Server,
    /// employer, host or party.
    #[arg(long)]
    pub part: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub server: Server,
    pub id: String,
    /// Where to write it (stdout when absent).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The exported agreement (`-` for stdin).
    pub file: PathBuf,
    /// The signed trust list: a file, or an http(s) URL such as `{public-url}/trust-list`.
    #[arg(long)]
    pub trust_list: String,
    /// The registry operator's public key (JWK or JWKS file) you trust to sign the trust list.
    #[arg(long)]
    pub operator_jwk: PathBuf,
    /// The core terms text; its SHA-256 must be the one the parties signed.
    #[arg(long)]
    pub terms: Option<PathBuf>,
}

pub async fn run(command: AgreementCommand) -> anyhow::Result<()> {
    let answer = match command {
        AgreementCommand::Propose(a) => {
            let body: Value = serde_json::from_str(&read(&a.body)?).with_context(|| format!("{}", a.body.display()))?;
            let draft = call(&a.server, "POST", "/api/v1/agreements", Some(&body)).await?;
            let id = draft["id"].as_str().context("the server returned no id")?;
            call(&a.server, "POST", &format!("/api/v1/agreements/{id}/propose"), Some(&json!({}))).await?
        }
        AgreementCommand::Sign(a) => {
            call(&a.server, "POST", &format!("/api/v1/agreements/{}/sign", a.id), Some(&json!({}))).await?
        }
        AgreementCommand::Withdraw(a) => {
            let body = json!({"reason": a.reason});
            call(&a.server, "POST", &format!("/api/v1/agreements/{}/withdraw", a.id), Some(&body)).await?
        }
        AgreementCommand::Show(a) => call(&a.server, "GET", &format!("/api/v1/agreements/{}", a.id), None).await?,
        AgreementCommand::List(a) => {
            let query = a.part.map(|p| format!("?part={p}")).unwrap_or_default();
            call(&a.server, "GET", &format!("/api/v1/agreements{query}"), None).await?
        }
        AgreementCommand::Export(a) => {
            let signed = call(&a.server, "GET", &format!("/api/v1/agreements/{}/export", a.id), None).await?;
            let text = serde_json::to_string_pretty(&signed)?;
            match &a.out {
                Some(path) => {
                    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
                    return Ok(());
                }
                None => signed,
            }
        }
        AgreementCommand::Verify(a) => {
            let report = verify_offline(&a).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if report["valid"] != true {
                std::process::exit(1);
            }
            return Ok(());
        }
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        return Ok(std::io::read_to_string(std::io::stdin())?);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

async fn call(server: &Server, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
    let url = format!("{}{path}", server.server.trim_end_matches('/'));
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client.post(&url).json(body.unwrap_or(&Value::Null)),
        _ => client.get(&url),
    };
    let response = request.bearer_auth(&server.token).send().await.with_context(|| format!("{method} {url}"))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{method} {path}: {status}: {}", answer["detail"].as_str().unwrap_or("no detail"));
    }
    Ok(answer)
}

fn refused(code: &str, detail: impl std::fmt::Display) -> Value {
    json!({"valid": false, "reason": code, "detail": detail.to_string()})
}

async fn verify_offline(args: &VerifyArgs) -> anyhow::Result<Value> {
    let text = read(&args.file)?;
    let signed: GeneralJws = match serde_json::from_str(&text) {
        Ok(s) => s,
        Err(e) => return Ok(refused("malformed", format!("{}: {e}", args.file.display()))),
    };
    let now = chrono::Utc::now().timestamp();
    let token = offline::fetch(&args.trust_list).await?;
    let list = match TrustList::verify(&token, &offline::operator_key(&args.operator_jwk)?, now) {
        Ok(list) => list,
        Err(e) => return Ok(refused(e.code(), e.detail())),
    };
    let doc: AgreementDocument = match signed.payload_bytes().ok().and_then(|p| serde_json::from_slice(&p).ok()) {
        Some(doc) => doc,
        None => return Ok(refused("malformed", "the payload is not an agreement document")),
    };
    if let Some(terms) = &args.terms {
        let body = std::fs::read(terms).with_context(|| format!("reading {}", terms.display()))?;
        if credentials::agreement::sha256_hex(&body) != doc.core_terms.sha256 {
            return Ok(refused(
                "terms_hash_mismatch",
                format!("{} is not the text the parties signed", terms.display()),
            ));
        }
    }
    let trust = AgreementTrust::new(&list).map_err(|e| anyhow::anyhow!("trust list: {e}"))?;
    match verify_agreement(&signed, &server::agreements::expectations(&doc), &trust) {
        Ok(entries) => {
            let life = server::agreements::lifecycle_of(&entries);
            let awaiting: Vec<String> =
                doc.required_signers().into_iter().filter(|s| !life.signed_by(s)).map(|s| s.to_string()).collect();
            Ok(json!({"valid": true, "sha256": signed.payload_sha256().ok(), "signatures": entries,
                "awaiting": awaiting, "document": doc}))
        }
        Err(e) => Ok(refused(e.code(), e)),
    }
}
