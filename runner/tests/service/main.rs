//! The runner service driven over HTTP, as its users and systems drive it.

mod common;
mod customer_mail;
mod deputies;
mod digest;
mod inbox;
mod incidents;
mod jobs;
mod kpi;
mod mail;
mod malformed;
mod matrix;
mod pages;
mod process;
mod race;
mod sessions;
mod signals;
mod smtp_sink;
mod webhooks;
mod workflow;
