//! Hand-written runtime of the generated Mattermost REST API v4 client.
//!
//! This crate exists so the runtime can be compiled, linted and tested on its
//! own. The generator copies `src/runtime/` verbatim into the generated crate,
//! where the same items are re-exported at the crate root.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod runtime;

pub use runtime::{
    install_crypto_provider, page_size, paginate, ApiError, AppError, ArrayStyle, ByteStream, Call, CallFuture, Client, ClientBuilder,
    Conditional, EncodedBody, Error, FilePart, LoginCredentials, Multipart, OperationRequest, RateLimit,
    RedirectPolicy, Response, Result, RetryPolicy, StatusCode, TimeoutKind,
    DEFAULT_USER_AGENT,
    MAX_PER_PAGE,
};
