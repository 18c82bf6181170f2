//! `passport`: the one binary. Parses the command line and hands over to a module per command;
//! no business rules live here.

mod agreement;
mod audit;
mod backup;
mod bench;
mod bench_portal;
mod bench_transfer;
mod bench_vp;
mod compliance;
mod config;
mod credential;
mod demo;
mod demo_agreements;
mod demo_oid4vc;
mod demo_worker;
mod generate;
mod import;
mod serve;
mod transfer;
mod user;
mod wallet;
mod wallet_present;

use clap::{Parser, Subcommand};

// glibc's malloc spent ~17 % of the server's CPU on the verifier's many small JSON allocations
// across worker threads (perf, bench-vp); mimalloc's thread-local free lists avoid that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "passport", version, about = "Staff Passport: NHS workforce records and digital staff passports")]
struct Cli {
    /// Log lines on standard error: `text`, or `json` (one object per line with the request's id and
    /// organisation, for log collectors). The level filter is PASSPORT_LOG (default `info,sqlx=warn`).
    #[arg(long, global = true, env = "PASSPORT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (API under /api/v1, OpenAPI at /openapi.json).
    Serve(config::ServeArgs),
    /// Build a fresh demo world, start the server on it and print where to go.
    Demo(demo::DemoArgs),
    /// Audit trail tools.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Generate a synthetic national workforce into a database or as CSV extracts.
    Generate(generate::GenerateArgs),
    /// Import CSV extracts (docs/import-format.md) into one organisation's dataset.
    #[command(after_help = import::EXIT_STATUSES)]
    Import(import::ImportArgs),
    /// Measure load time, memory, lookups and compliance at a given size (issue 4 targets).
    Bench(bench::BenchArgs),
    /// Measure the OpenID4VP response path (direct_post to stored result) over loopback HTTP.
    BenchVp(bench_vp::BenchVpArgs),
    /// The holder's wallet: create, receive (OpenID4VCI), list, show, present (OpenID4VP).
    Wallet(wallet::WalletArgs),
    /// An organisation's compliance: counts, and each non-compliant person by name with their gaps.
    Compliance(compliance::ComplianceArgs),
    /// Passport credentials: holder-key, issue, present, verify, revoke.
    #[command(subcommand)]
    Credential(credential::CredentialCommand),
    /// Verify a passport presentation; prints JSON, exit status 1 when rejected (as `credential verify`).
    Verify(credential::VerifyArgs),
    /// A consistent copy of a SQLite database, safe while the server writes to it (PostgreSQL: pg_dump).
    Backup(backup::BackupArgs),
    /// An organisation's user accounts: list, create, disable, enable, revoke-tokens, token.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Inter-authority transfers: consent, match, run, show, cohort, align.
    #[command(subcommand)]
    Transfer(transfer::TransferCommand),
    /// Workforce sharing agreements: propose, sign, withdraw, show, list, export, verify (offline).
    #[command(subcommand)]
    Agreement(agreement::AgreementCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("PASSPORT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        // Every span the line sits in, so a request's `request_id` and `org` are on each of its lines.
        LogFormat::Json => logs.json().with_current_span(false).with_span_list(true).init(),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Audit(command) => audit::run(command).await,
            Command::Generate(args) => generate::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::BenchVp(args) => bench_vp::run(args).await,
            Command::Wallet(args) => wallet::run(args).await,
            Command::Compliance(args) => compliance::run(args).await,
            Command::Credential(command) => credential::run(command).await,
            Command::Verify(args) => credential::run(credential::CredentialCommand::Verify(args)).await,
            Command::User(command) => user::run(command).await,
            Command::Transfer(command) => transfer::run(command).await,
            Command::Agreement(command) => agreement::run(command).await,
            Command::Backup(args) => backup::run(args).await,
        }
    })
}
