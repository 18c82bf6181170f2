//! Configuration shared by the commands: every flag can also come from a `PASSPORT_…` environment variable.

use std::net::SocketAddr;

use clap::Args;

/// Where the data lives. `sqlite://FILE` (the default, created on first run) or `postgres://…`.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL", default_value = "sqlite://passport.db")]
    pub database_url: String,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// The key-encryption key that seals issuer and registry keys in the database (README, "Keys at rest").
#[derive(Args, Clone, Debug, Default)]
pub struct KeyArgs {
    /// File holding the key-encryption key (base64 of 32 bytes); generated, mode 0600, the first time a key
    /// is sealed. Default: beside a SQLite database (`FILE.key`), else `passport.key`. Keep it apart from
    /// backups of the database.
    #[arg(long = "key-file", env = "PASSPORT_KEY_FILE")]
    pub key_file: Option<std::path::PathBuf>,
    /// The key-encryption key itself, base64 of 32 bytes; takes precedence over the key file. Give it in the
    /// environment (PASSPORT_KEK), not on the command line.
    #[arg(long = "kek", env = "PASSPORT_KEK", hide_env_values = true, hide = true)]
    pub kek: Option<Secret>,
}

impl KeyArgs {
    /// Where the key-encryption key comes from, for the database at `database_url`.
    pub fn source(&self, database_url: &str) -> server::keys::KekSource {
        use server::keys::KekSource;
        match (&self.kek, &self.key_file) {
            (Some(secret), _) => KekSource::Env(secret.0.clone()),
            (None, Some(path)) => KekSource::File(path.clone()),
            (None, None) => KekSource::File(default_key_file(database_url)),
        }
    }

    /// The software key store over `store`, plaintext keys from before key encryption sealed, and the
    /// key-encryption key checked against the stored keys (a wrong one is refused now, clearly).
    pub async fn key_store(
        &self,
        store: &store::Store,
        database_url: &str,
    ) -> anyhow::Result<std::sync::Arc<dyn server::keys::KeyStore>> {
        let keys = server::keys::SoftwareKeyStore::open_checked(store.clone(), self.source(database_url)).await?;
        Ok(std::sync::Arc::new(keys))
    }
}

/// The default key file: `FILE.key` beside a SQLite database `FILE`, else `passport.key`.
pub fn default_key_file(database_url: &str) -> std::path::PathBuf {
    let path = database_url.strip_prefix("sqlite:").map(|rest| rest.trim_start_matches("//"));
    match path.map(|p| p.split('?').next().unwrap_or(p)) {
        Some(file) if !file.is_empty() && file != ":memory:" => format!("{file}.key").into(),
        _ => "passport.key".into(),
    }
}

/// A secret from the command line or environment; never printed.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PASSPORT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The URL by which others reach this server (issuer identifiers, links); defaults to http://LISTEN.
    #[arg(long, env = "PASSPORT_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub limits: crate::serve::LimitsArgs,
    #[command(flatten)]
    pub federation: FederationArgs,
}

/// Other deployments this one trusts: their registry operators' trust lists (README, "Trusting
/// another deployment").
#[derive(Args, Clone, Debug, Default)]
pub struct FederationArgs {
    /// Another registry operator to trust, as `TRUST_LIST_URL,OPERATOR_JWK_FILE` (the file holds the
    /// operator's public JWK or a JWKS, obtained out of band, never from the same server). Repeatable;
    /// in the environment, separate several with `;`.
    #[arg(long = "trust-operator", env = "PASSPORT_TRUST_OPERATORS", value_delimiter = ';')]
    pub trust_operators: Vec<String>,
    /// Longest time, in seconds, another issuer's status list is cached (shorter when the list's own
    /// `ttl` or `exp` says so).
    #[arg(long, env = "PASSPORT_STATUS_MAX_AGE_SECS", default_value_t = 300)]
    pub status_max_age_secs: u64,
}

impl FederationArgs {
    /// The configured operators, each key read from its file now, so a wrong path fails at start.
    pub fn federation(&self) -> anyhow::Result<server::federation::Federation> {
        use anyhow::Context;
        let mut operators = Vec::new();
        for entry in &self.trust_operators {
            let (url, file) = entry
                .split_once(',')
                .with_context(|| format!("--trust-operator {entry:?}: expected TRUST_LIST_URL,JWK_FILE"))?;
            let text = std::fs::read_to_string(file.trim())
                .with_context(|| format!("--trust-operator: reading the operator key {}", file.trim()))?;
            let value: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{}: not JSON", file.trim()))?;
            let jwk = value.get("keys").and_then(|k| k.get(0)).cloned().unwrap_or(value);
            let key = serde_json::from_value(jwk).with_context(|| format!("{}: not a JWK", file.trim()))?;
            operators.push(server::federation::TrustedOperator { trust_list_url: url.trim().to_owned(), key });
        }
        Ok(server::federation::Federation::new(operators, std::time::Duration::from_secs(self.status_max_age_secs)))
    }
}
