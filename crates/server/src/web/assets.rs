//! The portal's static files, embedded in the binary: the vendored NHS design system
//! (`assets/nhsuk/`, refreshed by `scripts/refresh-nhsuk-frontend.sh`) and the portal's own small CSS and JS.
//!
//! They are served under `/assets/{hash}/…`, where `hash` is taken from their contents, with a year's
//! `Cache-Control: immutable`: a new build with other files has another path, so no stale file is ever used.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;

/// Every embedded file: path under the versioned prefix, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    ("nhsuk-frontend.min.css", "text/css", include_bytes!("../../assets/nhsuk/nhsuk-frontend.min.css")),
    ("nhsuk-frontend.min.js", "text/javascript", include_bytes!("../../assets/nhsuk/nhsuk-frontend.min.js")),
    ("portal.css", "text/css", include_bytes!("../../assets/portal.css")),
    ("portal.js", "text/javascript", include_bytes!("../../assets/portal.js")),
    ("images/favicon.ico", "image/x-icon", include_bytes!("../../assets/nhsuk/images/favicon.ico")),
    ("images/favicon.svg", "image/svg+xml", include_bytes!("../../assets/nhsuk/images/favicon.svg")),
    ("images/nhsuk-icon-180.png", "image/png", include_bytes!("../../assets/nhsuk/images/nhsuk-icon-180.png")),
    (
        "images/nhsuk-icon-arrow-down.svg",
        "image/svg+xml",
        include_bytes!("../../assets/nhsuk/images/nhsuk-icon-arrow-down.svg"),
    ),
    (
        "images/nhsuk-icon-arrow-up.svg",
        "image/svg+xml",
        include_bytes!("../../assets/nhsuk/images/nhsuk-icon-arrow-up.svg"),
    ),
    (
        "images/nhsuk-icon-arrow-up-down.svg",
        "image/svg+xml",
        include_bytes!("../../assets/nhsuk/images/nhsuk-icon-arrow-up-down.svg"),
    ),
    ("images/nhsuk-icon-cross.svg", "image/svg+xml", include_bytes!("../../assets/nhsuk/images/nhsuk-icon-cross.svg")),
    ("LICENCE-nhsuk-frontend.txt", "text/plain; charset=utf-8", include_bytes!("../../assets/nhsuk/LICENCE")),
];

/// The vendored nhsuk-frontend version (for the footer and the refresh script's check).
pub const NHSUK_FRONTEND_VERSION: &str = include_str!("../../assets/nhsuk/VERSION");

static PREFIX: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for (path, _, bytes) in FILES {
        hash.update(path.as_bytes());
        hash.update(bytes);
    }
    format!("/assets/{}", &hex(&hash.finalize())[..12])
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `/assets/{hash}`: where templates link the files from.
pub fn prefix() -> &'static str {
    &PREFIX
}

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{version}/{*path}", get(serve)).route("/favicon.ico", get(favicon))
}

async fn serve(Path((version, path)): Path<(String, String)>) -> Response {
    if format!("/assets/{version}") != *PREFIX {
        return StatusCode::NOT_FOUND.into_response();
    }
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => file(content_type, bytes),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn favicon() -> Response {
    let (_, content_type, bytes) = FILES.iter().find(|(name, _, _)| *name == "images/favicon.ico").expect("embedded");
    file(content_type, bytes)
}

fn file(content_type: &'static str, bytes: &'static [u8]) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_content_hashed_and_every_file_is_embedded() {
        assert!(prefix().starts_with("/assets/") && prefix().len() == "/assets/".len() + 12);
        assert!(FILES.iter().all(|(_, _, bytes)| !bytes.is_empty()));
        assert!(NHSUK_FRONTEND_VERSION.trim().starts_with("10."));
    }
}
