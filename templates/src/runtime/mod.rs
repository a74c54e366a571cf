//! HTTP runtime shared by every generated operation: request description,
//! client, errors, limits, redirects, retries, multipart bodies and pagination; with the
//! `websocket` feature, the WebSocket event stream; with `test-util`, the test double
//! (`mock`).
//!
//! The main items of every submodule are re-exported here.

pub mod call;
pub mod client;
pub mod error;
mod limits;
#[cfg(feature = "test-util")]
pub mod mock;
#[cfg(feature = "test-util")]
mod mock_operation;
#[cfg(feature = "test-util")]
mod mock_request;
pub mod model_decode;
pub mod multipart;
pub mod nulls;
pub mod pagination;
mod redact;
pub mod redirect;
pub mod request;
pub mod retry;
#[cfg(feature = "websocket")]
pub mod websocket;
#[cfg(feature = "websocket")]
mod websocket_backoff;
#[cfg(feature = "websocket")]
mod websocket_buffer;
#[cfg(feature = "websocket")]
mod websocket_connection;
#[cfg(feature = "websocket")]
mod websocket_decode;
#[cfg(feature = "websocket")]
mod websocket_frame;
#[cfg(feature = "websocket")]
mod websocket_handshake;
#[cfg(feature = "websocket")]
mod websocket_replay;
#[cfg(feature = "websocket")]
mod websocket_sequence;

pub use call::{Call, CallFuture, Conditional, RateLimit, Response};
pub use client::{install_crypto_provider, ByteStream, Client, ClientBuilder, LoginCredentials, DEFAULT_USER_AGENT};
pub use error::{ApiError, AppError, BodyCut, Error, Result, TimeoutKind};
pub use multipart::{FilePart, Multipart};
pub use pagination::{page_size, paginate, MAX_PER_PAGE};
pub use redirect::RedirectPolicy;
pub use request::{ArrayStyle, EncodedBody, OperationRequest};
pub use reqwest::StatusCode;
pub use retry::RetryPolicy;
#[cfg(feature = "websocket")]
pub use websocket::{
    ActionReply, ActionSender, AuthMode, ConnectionNotice, EventFrame, EventOptions, EventPayload, EventStream,
};
#[cfg(feature = "websocket")]
pub use websocket_decode::{decode_event_data, decode_json};
#[cfg(feature = "websocket")]
pub use websocket_replay::event_from_json;
