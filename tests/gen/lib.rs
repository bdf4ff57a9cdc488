//! Support code for the workspace integration tests (`tests/*.rs`, listed in `Cargo.toml`).
//!
//! [`catalogue`] generates the catalogue flows in `examples/flows/generated/` from the table
//! `examples/flows/catalogue.tsv`; the `gen-catalogue` binary writes them and the
//! `catalogue_generated` test checks that the committed files are up to date.

pub mod catalogue;
