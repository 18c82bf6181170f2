//! The holder's wallet: one P-256 holder key and the SD-JWT VCs received with it, kept in a
//! passphrase-encrypted file ([`file`]); the OpenID4VCI pre-authorised flow client
//! ([`issuance`]); current status from status lists ([`status`]); and the OpenID4VP responder
//! ([`presentation`]). All protocol rules come from `credentials::oid4vc`; this crate only does
//! the I/O around them. Time is passed in as unix seconds so flows are testable.
//!
//! HTTP is plain reqwest without TLS: the wallet talks to loopback servers in tests and demos.

pub mod file;
mod http;
pub mod issuance;
pub mod presentation;
pub mod status;
pub mod store;

pub use file::KdfParams;
pub use store::{StoredCredential, Wallet};

use credentials::oid4vc::OAuthError;

/// Everything that can go wrong in the wallet; messages name the step and never a claim value.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("wallet file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("a wallet already exists at {0}; refusing to overwrite it")]
    Exists(String),
    #[error("wrong passphrase (or the wallet file was altered)")]
    WrongPassphrase,
    #[error("the wallet file is not readable: {0}")]
    Corrupt(String),
    #[error("request to {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("{url} answered with an error: {error}")]
    OAuth { url: String, error: OAuthError },
    #[error("protocol: {0}")]
    Protocol(String),
    #[error("credential: {0}")]
    Credential(String),
    #[error("this offer needs a transaction code (PIN){}", .0.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    PinRequired(Option<String>),
    #[error("no credential with id {0}")]
    NotFound(String),
}

pub type Result<T> = std::result::Result<T, WalletError>;

pub(crate) fn protocol(msg: impl Into<String>) -> WalletError {
    WalletError::Protocol(msg.into())
}

/// The HTTP client the flows take; re-exported so callers need no reqwest dependency.
pub use reqwest::Client;

/// A client with timeouts fit for a person waiting at a terminal.
pub fn client() -> Client {
    Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}
