//! The runner service driven over HTTP, as its users and systems drive it.

mod common;
mod malformed;
mod matrix;
mod race;
mod sessions;
mod workflow;
