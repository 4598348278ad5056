//! The migrations are embedded at compile time (`embed_migrations!`); without this, adding a
//! migration directory would not rebuild the crate and the new migration would be missing.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
