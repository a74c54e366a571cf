//! Generates the Mattermost REST API client crate from the OpenAPI spec.
//!
//! The pipeline is `load -> ir -> lower -> emit`:
//! - [`load`] reads YAML into a located JSON tree and a typed `openapiv3` document;
//! - [`ir`] turns it into plain data: a type space with resolved Rust names, and operations;
//! - [`lower`] turns the IR into token streams (pure functions, no spec access, no I/O);
//! - [`emit`] formats the tokens and writes or checks the files.

pub mod diag;
pub mod load;
pub mod naming;
pub mod ir;
pub mod lower;
pub mod emit;
pub mod templates;
pub mod generate;
pub mod report;

pub use generate::{generate, generate_with, generate_with_overlay, Generation, Inputs, StageTimings};
