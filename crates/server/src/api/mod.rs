//! `/api/v1`: one module per resource, each contributing its routes and their OpenAPI paths.

pub mod agreements;
pub mod clearance;
pub mod compliance;
pub mod credentials;
pub mod me;
pub mod me_agreements;
pub mod offers;
pub mod organisations;
pub mod people;
pub mod presentations;
pub mod records;
pub mod requirements;
pub mod review;
pub mod transfer_cohorts;
mod transfer_consent_wallet;
pub mod transfers;
pub mod users;

use serde::{Deserialize, Serialize};
use store::{Page, PageOf};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(agreements::router())
        .merge(organisations::router())
        .merge(users::router())
        .merge(people::router())
        .merge(records::router())
        .merge(clearance::router())
        .merge(requirements::router())
        .merge(compliance::router())
        .merge(credentials::router())
        .merge(offers::router())
        .merge(presentations::router())
        .merge(review::router())
        .merge(transfers::router())
        .merge(transfer_cohorts::router())
        .merge(me::router())
        .merge(me_agreements::router())
        .merge(transfer_consent_wallet::router());
    OpenApiRouter::new().nest("/api/v1", v1)
}

/// `?after=CURSOR&limit=N` on every list route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > store::MAX_PAGE {
            return Err(ApiError::invalid("limit", format!("must be between 1 and {}", store::MAX_PAGE)));
        }
        Ok(Page { after: self.after.clone(), limit })
    }
}

/// One page of a list; pass `next` as `after` to get the following page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Paged<T> {
    pub fn map_from<S>(page: PageOf<S>, f: impl FnMut(S) -> T) -> Self {
        Paged { items: page.items.into_iter().map(f).collect(), next: page.next }
    }
}

/// Who recorded a record, when, and where it came from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProvenanceView {
    /// `user:<id>` or `system:<reason>`.
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// `local`, `iat`, `passport`, `import` or `self_service`.
    pub source: String,
    /// For `iat`: the ODS code of the organisation the record was transferred from; for
    /// `passport`: of the organisation that issued the accepted credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ods: Option<String>,
}

impl From<store::Provenance> for ProvenanceView {
    fn from(p: store::Provenance) -> Self {
        let (source, source_ods) = match p.source {
            store::Source::Local => ("local", None),
            store::Source::Iat { from_ods } => ("iat", Some(from_ods)),
            store::Source::Passport { issuer_ods } => ("passport", issuer_ods),
            store::Source::Import => ("import", None),
            store::Source::SelfService => ("self_service", None),
        };
        ProvenanceView { recorded_by: p.recorded_by, recorded_at: p.recorded_at, source: source.to_owned(), source_ods }
    }
}

/// A stored record: its id, the person it belongs to, the value as sent, and its provenance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordView<T> {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    pub record: T,
    pub provenance: ProvenanceView,
    /// Problems that do not block saving (e.g. a worker under 16).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<domain::error::FieldError>,
}

impl<T> From<store::Record<T>> for RecordView<T> {
    fn from(r: store::Record<T>) -> Self {
        RecordView {
            id: r.id,
            person_id: r.person_id,
            record: r.value,
            provenance: r.provenance.into(),
            warnings: vec![],
        }
    }
}

impl<T> RecordView<T> {
    pub fn with_warnings(mut self, warnings: Vec<domain::error::FieldError>) -> Self {
        self.warnings = warnings;
        self
    }
}
