//! What every HTTP answer gets, whichever route (or none) produced it: errors as RFC 9457 problem details
//! (OAuth error objects on the OpenID4VC endpoints), security headers, `Cache-Control: no-store` unless the
//! handler chose otherwise, CORS on the public wallet-facing documents and endpoints only, and the
//! whole-request deadline.
//!
//! Handlers' own errors are already problem details; this layer catches what axum answers by itself
//! (unmatched routes, 405, rejections of a path that is not UTF-8 or a query that does not parse) and
//! rewrites any error answer whose body is not JSON. It never changes a status code.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The client's network address, when the server was started with it (`serve` does); `None` otherwise.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}

/// The default policy for answers that set none (the API and protocol endpoints render no HTML; pages set
/// their own).
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Paths a wallet or verifier in a browser may call from another origin: metadata, the OpenID4VCI issuer and
/// OpenID4VP verifier endpoints, status lists, type metadata and the trust list. Never `/api/v1`.
pub fn is_wallet_facing(path: &str) -> bool {
    ["/.well-known/", "/issuers/", "/verifiers/", "/statuslists/", "/vct/"].iter().any(|p| path.starts_with(p))
        || path == "/trust-list"
        || path.starts_with("/trust-list/")
}

/// The OpenID4VCI/VP endpoints, whose errors are OAuth error responses (RFC 6749 §5.2), not problem details.
fn is_oauth(path: &str) -> bool {
    path.starts_with("/issuers/") || path.starts_with("/verifiers/")
}

/// Public documents that set their own caching (or may be cached); everything else defaults to `no-store`.
fn is_cacheable_document(path: &str) -> bool {
    ["/.well-known/", "/statuslists/", "/vct/"].iter().any(|p| path.starts_with(p))
        || path.starts_with("/trust-list")
        || path == "/openapi.json"
}

/// The fallback for unmatched routes: an empty 404 that [`finish`] turns into the right error body.
pub async fn unmatched() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Answers requests that take longer than `limit` in all (reading the body included) with 408.
pub async fn deadline(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request timed out");
            StatusCode::REQUEST_TIMEOUT.into_response()
        }
    }
}

/// The outermost layer: CORS preflights, error bodies, security and caching headers.
pub async fn finish(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let wallet_facing = is_wallet_facing(&path);
    let mut response = if wallet_facing
        && request.method() == Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        preflight()
    } else {
        next.run(request).await
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        response = error_body(response, is_oauth(&path)).await;
    }
    let headers = response.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::CONTENT_SECURITY_POLICY, API_CSP);
    if !is_cacheable_document(&path) || response.status().is_client_error() || response.status().is_server_error() {
        set_default(response.headers_mut(), header::CACHE_CONTROL, "no-store");
    }
    if wallet_facing {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate, retry-after, content-type"),
        );
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// A CORS preflight answer for the wallet-facing routes: any origin, no cookies (bearer tokens and form
/// posts only).
fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, dpop, accept"),
    );
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"))
}

/// Rewrites an error answer that is not JSON (axum's own plain-text or empty ones) into problem details, or
/// an OAuth error object on the OpenID4VC endpoints; keeps the status and headers such as `Allow`.
async fn error_body(response: Response, oauth: bool) -> Response {
    if is_json(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Framework rejections are short; anything longer is cut, never echoed whole.
    let text = to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text[..text.len().min(300)]).trim().to_owned();
    let status = parts.status;
    let rendered =
        if oauth { oauth_error(status, &text) } else { ApiError::Status { status, detail: text }.into_response() };
    let (rendered_parts, body) = rendered.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in rendered_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

fn oauth_error(status: StatusCode, text: &str) -> Response {
    let code = match status {
        StatusCode::UNAUTHORIZED => "invalid_token",
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => "temporarily_unavailable",
        s if s.is_server_error() => "server_error",
        _ => "invalid_request",
    };
    let description =
        if text.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { text.into() };
    let body = serde_json::json!({"error": code, "error_description": description});
    let mut response = Response::new(Body::from(body.to_string()));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_only_on_wallet_facing_paths() {
        for path in ["/.well-known/openid-credential-issuer/issuers/RJ1", "/issuers/RJ1/token", "/trust-list"] {
            assert!(is_wallet_facing(path), "{path}");
        }
        for path in ["/api/v1/people", "/openapi.json", "/trust-listing", "/health", "/"] {
            assert!(!is_wallet_facing(path), "{path}");
        }
    }
}
