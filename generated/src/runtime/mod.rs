// Copied by `cargo xtask regen` from templates/src/runtime/mod.rs. Edit it there.

//! HTTP runtime shared by every generated operation: request description,
//! client, errors, retries, multipart bodies and pagination.
//!
//! The main items of every submodule are re-exported here.

pub mod client;
pub mod error;
pub mod multipart;
pub mod pagination;
pub mod request;
pub mod retry;

pub use client::{ByteStream, Client, ClientBuilder, LoginCredentials, DEFAULT_USER_AGENT};
pub use error::{ApiError, AppError, Error, Result};
pub use multipart::{FilePart, Multipart};
pub use pagination::{page_size, paginate, MAX_PER_PAGE};
pub use request::{ArrayStyle, OperationRequest};
pub use retry::RetryPolicy;
