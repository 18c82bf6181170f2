//! HTTP integration tests: the real application on 127.0.0.1:0 over a fresh database per test, on SQLite and
//! (when PASSPORT_TEST_DATABASE_URL is set) PostgreSQL.

mod agreement_cover;
mod agreement_worker;
mod agreements;
mod bad_input;
mod credentials;
mod flows;
mod hardening;
mod isolation;
mod me;
mod oid4vc;
mod oid4vp_spoil;
mod property;
mod public_orgs;
mod ready;
mod review;
mod roles;
mod status_issuer;
mod transfer_cohorts;
mod transfers;
mod transfers_remote;
