//! `sqlx::migrate!` embeds the migration directories when this crate compiles, but on stable Rust it
//! cannot tell cargo to watch them: without this, a new migration file would not be built in until
//! something else in the crate changed.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
