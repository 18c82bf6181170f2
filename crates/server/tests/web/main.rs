//! Portal tests: one binary. `http` drives the pages with a plain HTTP client (sign-in with TOTP, CSRF
//! refusals, organisation isolation, role 404s, security headers); `browser` drives real Chromium over
//! WebDriver through the whole HR → wallet → host story, runs axe-core on every page and takes
//! screenshots. `pages` and `browser_pages` do the same for the check, immunisation, dashboard, host
//! review, registry and admin pages. The browser tests print `skipped: chromium not installed` where Chromium or chromedriver
//! is missing.

mod agreements;
mod browser;
mod browser_agreements;
mod browser_me;
mod browser_pages;
mod browser_transfers;
mod http;
mod me;
mod pages;
mod transfers;
mod world;
