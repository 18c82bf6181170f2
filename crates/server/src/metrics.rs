//! Operations: what an operator of the service scrapes, probes and greps.
//!
//! - `/metrics`: OpenMetrics text (which Prometheus reads): requests by route template and status with a
//!   latency histogram, credentials issued by type, presentations verified and their outcomes, import rows and
//!   transfers, and the database pool (connections and idle ones, read at scrape time). Counters live in one
//!   process-wide registry ([`metrics`]) so any layer can count without threading a handle through.
//! - `/health/live` answers while the process serves; `/health/ready` only while the database answers too.
//! - [`request_context`], one middleware around every request: a request id (`x-request-id` from the
//!   request when it is a sane token, else a new UUID; always echoed on the answer), the `request` span every
//!   log line of the request sits in (id, method, route; `org` and `user` once authenticated, see
//!   [`record_principal`]), and the request's count and latency.
//!
//! Labels are bounded: the route is the matched template (`/api/v1/people/{id}`), never the raw path, and an
//! unmatched request is `route="unmatched"`.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing::Instrument;

use crate::AppState;

/// The request id header, read and echoed.
pub const REQUEST_ID: &str = "x-request-id";

/// Latency buckets in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    endpoint: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// The process-wide metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    credentials_issued: Family<TypeLabels, Counter>,
    presentations: Family<OutcomeLabels, Counter>,
    import_rows: Family<StateLabels, Counter>,
    transfers: Family<StateLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("passport");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route template and status", requests.clone());
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register("http_request_duration_seconds", "HTTP request latency by route template", latency.clone());
        let credentials_issued = Family::<TypeLabels, Counter>::default();
        registry.register("credentials_issued", "Passport credentials issued, by type", credentials_issued.clone());
        let presentations = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "presentations_verified",
            "Presentations verified: endpoint (oid4vp, api) and outcome (ready, not_ready, declined, valid, rejected)",
            presentations.clone(),
        );
        let import_rows = Family::<StateLabels, Counter>::default();
        registry.register("import_rows", "CSV import rows, loaded or rejected", import_rows.clone());
        let transfers = Family::<StateLabels, Counter>::default();
        registry.register("transfers", "Inter-authority transfers by stage reached", transfers.clone());
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register("db_pool_connections", "Database pool connections: open (size) and idle", pool.clone());
        Metrics { registry, requests, latency, credentials_issued, presentations, import_rows, transfers, pool }
    }

    /// The registry as OpenMetrics text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// Counts one issued credential of `kind` (`dbs`, `cstf`, …).
pub fn credential_issued(kind: &str) {
    metrics().credentials_issued.get_or_create(&TypeLabels { r#type: kind.to_owned() }).inc();
}

/// Counts one verified presentation: `endpoint` `oid4vp` (outcome `ready`, `not_ready`, `declined`) or `api`
/// (outcome `valid`, `rejected`).
pub fn presentation_verified(endpoint: &'static str, outcome: &'static str) {
    metrics().presentations.get_or_create(&OutcomeLabels { endpoint, outcome }).inc();
}

/// Counts import rows `loaded` or `rejected`.
pub fn import_rows(state: &'static str, rows: u64) {
    metrics().import_rows.get_or_create(&StateLabels { state }).inc_by(rows);
}

/// Counts a transfer reaching `stage` (`consented`, `stage1`, `stage2`, `refused`, …).
pub fn transfer(stage: &'static str) {
    metrics().transfers.get_or_create(&StateLabels { state: stage }).inc();
}

/// `GET /metrics`: OpenMetrics text; the pool gauges are read now. No personal data, no organisation labels.
pub async fn serve_metrics(State(state): State<AppState>) -> Response {
    let (size, idle) = state.store.pool_stats();
    let m = metrics();
    m.pool.get_or_create(&StateLabels { state: "size" }).set(i64::from(size));
    m.pool.get_or_create(&StateLabels { state: "idle" }).set(idle as i64);
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], m.render()).into_response()
}

/// `GET /health/live`: the process is up and serving.
pub async fn live() -> &'static str {
    "ok"
}

/// `GET /health/ready`: 200 while the database answers, else 503 naming nothing internal.
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// The span of the current request, in the request's extensions so the authenticating extractor can record
/// the organisation into it (the current span there may be a child).
#[derive(Clone)]
pub struct RequestSpan(pub tracing::Span);

/// Records the authenticated caller's organisation and user into the request's span.
pub fn record_principal(extensions: &axum::http::Extensions, org: Option<&str>, user: &str) {
    if let Some(RequestSpan(span)) = extensions.get::<RequestSpan>() {
        if let Some(org) = org {
            span.record("org", org);
        }
        span.record("user", user);
    }
}

/// A caller's request id when it is a sane token (1–128 of `A-Za-z0-9-_.:`), else a new UUID.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The middleware around every request (see the module docs). Layered on the router, so it runs after
/// routing and sees the matched route template.
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().as_str().to_owned();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        org = tracing::field::Empty,
        user = tracing::field::Empty,
    );
    // Public protocol routes name their organisation in the path.
    if route.contains("{ods}")
        && let Some(ods) = ods_in_path(&route, request.uri().path())
    {
        span.record("org", ods);
    }
    request.extensions_mut().insert(RequestSpan(span.clone()));
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    let m = metrics();
    m.requests.get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status }).inc();
    m.latency.get_or_create(&RouteLabels { method, route }).observe(elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if status >= 500 {
        span.in_scope(|| tracing::warn!(status, elapsed_ms = elapsed * 1000.0, "request failed"));
    }
    response
}

/// The `{ods}` segment of `path` for a route template containing it.
fn ods_in_path<'p>(template: &str, path: &'p str) -> Option<&'p str> {
    let at = template.split('/').position(|segment| segment == "{ods}")?;
    path.split('/').nth(at).filter(|s| s.len() <= 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ods_segment_is_found_by_the_template() {
        assert_eq!(ods_in_path("/statuslists/{ods}/{n}", "/statuslists/RJ1/3"), Some("RJ1"));
        assert_eq!(ods_in_path("/issuers/{ods}/token", "/issuers/R1A/token"), Some("R1A"));
        assert_eq!(ods_in_path("/health", "/health"), None);
    }

    #[test]
    fn the_registry_renders_as_openmetrics_text() {
        credential_issued("dbs");
        presentation_verified("api", "valid");
        let text = metrics().render();
        assert!(text.contains("# TYPE passport_credentials_issued counter"), "{text}");
        assert!(text.contains("passport_credentials_issued_total{type=\"dbs\"}"), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
