//! `passport serve`: open the store, bind, serve until Ctrl-C.

use anyhow::Context;
use server::AppState;
use store::Store;

use crate::config::ServeArgs;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let store = Store::connect(&args.database.database_url)
        .await
        .with_context(|| format!("opening the database {}", redact(&args.database.database_url)))?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "serving");
    let keys = args.database.keys.key_store(&store, &args.database.database_url).await?;
    let mut state = AppState::new(store);
    state.keys = keys;
    state.public_url = args.public_url;
    state.federation = std::sync::Arc::new(args.federation.federation()?);
    server::serve(listener, state, shutdown_signal()).await?;
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
