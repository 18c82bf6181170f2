//! `passport serve`: open the store, bind, serve until Ctrl-C, with the connection limits, timeouts and
//! token lifetime given on the command line.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use server::AppState;
use server::listen::Limits;
use store::Store;

use crate::config::ServeArgs;

/// Connection limits, timeouts and token lifetime of the server.
#[derive(Args, Clone, Debug)]
pub struct LimitsArgs {
    /// Connections served at once; more wait in the kernel's backlog.
    #[arg(long, env = "PASSPORT_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds a connection may take to send a request's head (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, env = "PASSPORT_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds without a byte read or written before a connection is closed.
    #[arg(long, env = "PASSPORT_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Seconds a request may take in all (body included) before it is answered 408.
    #[arg(long, env = "PASSPORT_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Days an API token lives (password logins and issued tokens).
    #[arg(long, env = "PASSPORT_TOKEN_TTL_DAYS", default_value_t = store::DEFAULT_TOKEN_TTL_DAYS,
        value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub token_ttl_days: i64,
}

impl LimitsArgs {
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections.max(1),
            header_read_timeout: Duration::from_secs(self.header_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&args.database.database_url)))?
        .with_token_ttl(chrono::Duration::days(args.limits.token_ttl_days));
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "serving");
    let keys = args.database.keys.key_store(&store, &args.database.database_url).await?;
    let mut state = AppState::new(store);
    state.keys = keys;
    state.public_url = args.public_url;
    state.federation = std::sync::Arc::new(args.federation.federation()?);
    tokio::spawn(server::compliance_refresh::run(state.clone()));
    server::serve_with(listener, state, args.limits.limits(), shutdown_signal()).await?;
    Ok(())
}

pub async fn shutdown_signal() {
    // If the signal handler cannot be installed, serving on is the useful behaviour.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A database URL as it may be shown: any password replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn password_in_database_url_is_never_shown() {
        assert_eq!(redact("postgres://app:s3cret@db/x"), "postgres://app:***@db/x");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("sqlite://passport.db"), "sqlite://passport.db");
    }
}
