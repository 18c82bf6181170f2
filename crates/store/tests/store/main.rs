//! Store integration tests: one binary, each test run once per backend (SQLite always, PostgreSQL
//! when `PASSPORT_TEST_DATABASE_URL` is set) on a fresh database of its own.

mod agreements;
mod audit;
mod auth;
mod common;
mod compliance;
mod connect;
mod credentials;
mod import;
mod me;
mod oid4vc;
mod outlook;
mod people;
mod perf;
mod planner;
mod records;
mod registry;
mod review;
mod scoping;
mod transfer;
mod transfer_cohort_job;
