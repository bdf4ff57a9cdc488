//! The runner service driven over HTTP, as its users and systems drive it.

mod common;
mod matrix;
mod workflow;
