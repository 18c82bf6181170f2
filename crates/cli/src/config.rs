//! Configuration shared by the commands: every flag can also come from a `PASSPORT_…` environment variable.

use std::net::SocketAddr;

use clap::Args;

/// Where the data lives. `sqlite://FILE` (the default, created on first run) or `postgres://…`.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    #[arg(long = "database-url", env = "PASSPORT_DATABASE_URL", default_value = "sqlite://passport.db")]
    pub database_url: String,
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
}
