//! Who is acting, in which organisation's dataset, and where recorded data came from.
//!
//! An [`OrgScope`] is the only key to an organisation's private dataset. Its fields are private and
//! it has no public constructor except [`OrgScope::system`], which exists for trusted local tooling
//! (the CLI's demo, import and generate jobs) that runs with direct access to the database anyway.
//! Request handlers get theirs from [`crate::Auth::authenticate_token`] or [`crate::Auth::login`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The party an audit entry and a provenance record name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// An authenticated user (organisation user or registry operator), by user id.
    User(String),
    /// Trusted local tooling, with the reason it gave (e.g. `"demo"`, `"import staff.csv"`).
    System(String),
}

impl Actor {
    /// The stable text used in audit entries and `recorded_by`: `user:<id>` or `system:<reason>`.
    pub fn as_audit_text(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::System(reason) => format!("system:{reason}"),
        }
    }
}

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Recorded by this organisation's own staff.
    Local,
    /// Copied by an inter-authority transfer from the organisation with this ODS code.
    Iat { from_ods: String },
    /// Taken from a verified passport credential the worker presented, issued by the organisation
    /// with this ODS code (none for the person a review created, whom no one credential vouches for).
    Passport { issuer_ods: Option<String> },
    /// Loaded from a bulk extract (CSV import, generator).
    Import,
    /// Changed by the worker themselves through self-service (address, phone, email).
    SelfService,
}

impl Source {
    pub(crate) fn columns(&self) -> (&'static str, Option<&str>) {
        match self {
            Source::Local => ("local", None),
            Source::Iat { from_ods } => ("iat", Some(from_ods.as_str())),
            Source::Passport { issuer_ods } => ("passport", issuer_ods.as_deref()),
            Source::Import => ("import", None),
            Source::SelfService => ("self_service", None),
        }
    }

    pub(crate) fn from_columns(kind: &str, ods: Option<String>) -> Source {
        match (kind, ods) {
            ("iat", Some(from_ods)) => Source::Iat { from_ods },
            ("passport", issuer_ods) => Source::Passport { issuer_ods },
            ("import", _) => Source::Import,
            ("self_service", _) => Source::SelfService,
            _ => Source::Local,
        }
    }
}

/// Who recorded a record, when, and where it came from. Present on every stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `user:<id>` or `system:<reason>`.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub source: Source,
}

/// Permission to act inside one organisation's dataset, as one actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgScope {
    org_id: String,
    actor: Actor,
    source: Source,
}

impl OrgScope {
    /// A scope for trusted local tooling (CLI demo, import, generate, IAT jobs): no user behind it,
    /// so the `reason` is recorded as the actor in every audit entry and provenance record. Never
    /// call this from a request handler: requests get their scope by authenticating.
    pub fn system(org_id: impl Into<String>, reason: impl Into<String>) -> OrgScope {
        OrgScope { org_id: org_id.into(), actor: Actor::System(reason.into()), source: Source::Local }
    }

    pub(crate) fn for_user(org_id: String, user_id: String) -> OrgScope {
        OrgScope { org_id, actor: Actor::User(user_id), source: Source::Local }
    }

    /// The same scope, stamping records it writes with another source (import, IAT, passport).
    pub fn with_source(mut self, source: Source) -> OrgScope {
        self.source = source;
        self
    }

    /// The organisation whose dataset this scope opens (its store id, not its ODS code).
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn source(&self) -> &Source {
        &self.source
    }
}

/// Permission to act on the registry of organisations (registry operators only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryScope {
    actor: Actor,
}

impl RegistryScope {
    /// For trusted local tooling (CLI demo/bootstrap) only; see [`OrgScope::system`].
    pub fn system(reason: impl Into<String>) -> RegistryScope {
        RegistryScope { actor: Actor::System(reason.into()) }
    }

    pub(crate) fn for_operator(user_id: String) -> RegistryScope {
        RegistryScope { actor: Actor::User(user_id) }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}
