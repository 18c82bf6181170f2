//! The few HTTP shapes the flows need, with one error mapping: a non-2xx answer whose body is
//! an OAuth error becomes [`WalletError::OAuth`] (so `invalid_grant`, `invalid_nonce`, … reach
//! the caller by name); anything else becomes [`WalletError::Http`], carrying a problem document's
//! `detail` when there is one (why a link is dead, say). Bodies are capped.

use reqwest::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;
use serde::de::DeserializeOwned;

use credentials::oid4vc::OAuthError;

use crate::{Result, WalletError};

/// Larger answers are refused: no offer, metadata, status list or credential is near this.
const MAX_BODY: usize = 8 * 1024 * 1024;

fn http_err(url: &str, reason: impl std::fmt::Display) -> WalletError {
    WalletError::Http { url: url.to_owned(), reason: reason.to_string() }
}

/// Refuses anything but absolute http(s) URLs before a request is made.
pub(crate) fn check_url(u: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(u).map_err(|e| http_err(u, format!("not a URL: {e}")))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        s => Err(http_err(u, format!("scheme {s} is not http(s)"))),
    }
}

async fn body(url: &str, resp: reqwest::Response) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    let status = resp.status();
    if resp.content_length().is_some_and(|n| n as usize > MAX_BODY) {
        return Err(http_err(url, "the answer is too large"));
    }
    let bytes = resp.bytes().await.map_err(|e| http_err(url, e))?;
    if bytes.len() > MAX_BODY {
        return Err(http_err(url, "the answer is too large"));
    }
    Ok((status, bytes.to_vec()))
}

/// The part of an RFC 9457 problem the holder needs: the server's own explanation.
#[derive(serde::Deserialize)]
struct Problem {
    detail: String,
}

fn fail(url: &str, status: reqwest::StatusCode, bytes: &[u8]) -> WalletError {
    if let Ok(error) = serde_json::from_slice::<OAuthError>(bytes) {
        return WalletError::OAuth { url: url.to_owned(), error };
    }
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(problem) => http_err(url, format!("HTTP {status}: {}", problem.detail)),
        Err(_) => http_err(url, format!("HTTP {status}")),
    }
}

async fn send(url: &str, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
    let resp = req.send().await.map_err(|e| http_err(url, e))?;
    let (status, bytes) = body(url, resp).await?;
    if !status.is_success() {
        return Err(fail(url, status, &bytes));
    }
    Ok(bytes)
}

fn json<T: DeserializeOwned>(url: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| http_err(url, format!("unexpected answer: {e}")))
}

pub(crate) async fn get_json<T: DeserializeOwned>(c: &Client, url: &str) -> Result<T> {
    check_url(url)?;
    let bytes = send(url, c.get(url).header(ACCEPT, "application/json")).await?;
    json(url, &bytes)
}

pub(crate) async fn get_text(c: &Client, url: &str, accept: &str) -> Result<String> {
    check_url(url)?;
    let bytes = send(url, c.get(url).header(ACCEPT, accept)).await?;
    String::from_utf8(bytes).map_err(|_| http_err(url, "the answer is not UTF-8"))
}

pub(crate) async fn post_form_text(c: &Client, url: &str, form: String, accept: &str) -> Result<String> {
    check_url(url)?;
    let req = c.post(url).header(CONTENT_TYPE, "application/x-www-form-urlencoded").header(ACCEPT, accept).body(form);
    let bytes = send(url, req).await?;
    String::from_utf8(bytes).map_err(|_| http_err(url, "the answer is not UTF-8"))
}

pub(crate) async fn post_form<T: DeserializeOwned>(c: &Client, url: &str, form: String) -> Result<T> {
    let text = post_form_text(c, url, form, "application/json").await?;
    if text.trim().is_empty() {
        // An empty 200 body is read as an empty object (e.g. a direct_post answer without redirect).
        return json(url, b"{}");
    }
    json(url, text.as_bytes())
}

pub(crate) async fn post_empty<T: DeserializeOwned>(c: &Client, url: &str) -> Result<T> {
    check_url(url)?;
    let bytes = send(url, c.post(url).header(ACCEPT, "application/json").header("content-length", "0")).await?;
    json(url, &bytes)
}

pub(crate) async fn post_json<B: Serialize, T: DeserializeOwned>(
    c: &Client,
    url: &str,
    body: &B,
    bearer: &str,
) -> Result<T> {
    check_url(url)?;
    let text = serde_json::to_vec(body).map_err(|e| http_err(url, e))?;
    let req = c
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .header(AUTHORIZATION, format!("Bearer {bearer}"))
        .body(text);
    let bytes = send(url, req).await?;
    json(url, &bytes)
}
