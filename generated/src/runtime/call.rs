// Copied by `cargo xtask regen` from templates/src/runtime/call.rs. Edit it there.

//! [`Call`]: one operation ready to send; [`Response`]: its value with the reply's status and
//! headers; [`Conditional`]: the answer to a GET sent with `If-None-Match`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bytes::Bytes;
use reqwest::header::{HeaderMap, ETAG};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::client::{ByteStream, Client};
use super::error::{Error, Result};
use super::request::OperationRequest;

/// The future of a sent [`Call`]: `Send` and `'static`, so it can be spawned.
pub type CallFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// How a reply body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReplyKind {
    /// JSON, read up to [`ClientBuilder::max_body_size`](super::ClientBuilder::max_body_size).
    Json,
    /// Text, read up to the same limit.
    Text,
    /// Bytes held in memory, up to [`ClientBuilder::max_bytes_size`](super::ClientBuilder::max_bytes_size).
    Bytes,
    /// No body of interest: a bounded part is read and dropped.
    Empty,
}

/// Turns a reply's status, headers and body into the operation's value.
type Decoder<T> = fn(StatusCode, &HeaderMap, Bytes) -> Result<T>;

/// One operation, its request built, ready to send.
///
/// Every method of [`Client`] that has no optional inputs returns one (the others return a
/// request builder with the same ways to send). It owns what it needs (a clone of the client
/// and the encoded request), so it can be made in one function and sent from another, or
/// moved into a spawned task. Send it by `.await` ([`send`](Call::send)), or with
/// [`send_with_response`](Call::send_with_response) to also get the reply's status and
/// headers, or with [`send_if_none_match`](Call::send_if_none_match) to revalidate a cached
/// value by its `ETag`.
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct Call<T> {
    client: Client,
    request: OperationRequest,
    kind: ReplyKind,
    decode: Decoder<T>,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").field("request", &self.request).field("reply", &self.kind).finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> Call<T> {
    /// A call whose reply is JSON decoded as `T`.
    pub fn json(client: &Client, request: OperationRequest) -> Self {
        Call {
            client: client.clone(),
            request,
            kind: ReplyKind::Json,
            decode: |status, _, body| super::client::decode(status, &body),
        }
    }
}

impl<T: DeserializeOwned + Default> Call<T> {
    /// A call whose reply is a JSON list or map decoded as `T`, `null` as empty: the server
    /// writes a nil Go slice or map as `null` (GetJobs with no job, seen live), which means
    /// "none", not a broken reply.
    pub fn json_or_empty(client: &Client, request: OperationRequest) -> Self {
        Call {
            client: client.clone(),
            request,
            kind: ReplyKind::Json,
            decode: |status, _, body| super::client::decode::<Option<T>>(status, &body).map(Option::unwrap_or_default),
        }
    }
}

impl Call<Bytes> {
    /// A call whose reply is bytes held in memory.
    pub fn bytes(client: &Client, request: OperationRequest) -> Self {
        Call {
            client: client.clone(),
            request,
            kind: ReplyKind::Bytes,
            decode: |_, _, body| Ok(body),
        }
    }

    /// Sends the request and streams the reply body instead of reading it into memory (no
    /// size limit; see [`Client::send_stream`]).
    pub async fn send_stream(self) -> Result<ByteStream> {
        self.client.send_stream(self.request).await
    }
}

impl Call<String> {
    /// A call whose reply is text, decoded with the charset its `Content-Type` names.
    pub fn text(client: &Client, request: OperationRequest) -> Self {
        Call {
            client: client.clone(),
            request,
            kind: ReplyKind::Text,
            decode: |_, headers, body| Ok(super::client::decode_text(headers, &body)),
        }
    }
}

impl Call<()> {
    /// A call whose reply body does not matter.
    pub fn empty(client: &Client, request: OperationRequest) -> Self {
        Call {
            client: client.clone(),
            request,
            kind: ReplyKind::Empty,
            decode: |_, _, _| Ok(()),
        }
    }
}

impl<T: Send + 'static> Call<T> {
    /// The request as it will be sent.
    pub fn request(&self) -> &OperationRequest {
        &self.request
    }

    /// Sends the request and returns the operation's value (what `.await` does).
    pub fn send(self) -> CallFuture<T> {
        Box::pin(async move {
            let (status, headers, body) = self.client.send_reply(self.request, self.kind).await?;
            (self.decode)(status, &headers, body)
        })
    }

    /// Sends the request and returns the value together with the reply's status and headers
    /// ([`Response::etag`], [`Response::request_id`], [`Response::rate_limit`]...).
    pub fn send_with_response(self) -> CallFuture<Response<T>> {
        Box::pin(async move {
            let (status, headers, body) = self.client.send_reply(self.request, self.kind).await?;
            let value = (self.decode)(status, &headers, body)?;
            Ok(Response { value, status, headers })
        })
    }

    /// Sends a GET with `If-None-Match: <etag>`: a `304 Not Modified` reply is
    /// [`Conditional::NotModified`] (keep the value you have), any other success
    /// [`Conditional::Modified`] with the new value and its `ETag`.
    ///
    /// Only for GET and HEAD operations: for others nothing is sent and the result is
    /// [`Error::InvalidRequest`].
    pub fn send_if_none_match(self, etag: impl Into<String>) -> CallFuture<Conditional<T>> {
        let etag = etag.into();
        Box::pin(async move {
            if !matches!(*self.request.method(), Method::GET | Method::HEAD) {
                return Err(Error::InvalidRequest(format!(
                    "`If-None-Match` is for GET requests, not {} {}",
                    self.request.method(),
                    self.request.path_template()
                )));
            }
            let request = self.request.if_none_match(etag);
            let (status, headers, body) = self.client.send_reply(request, self.kind).await?;
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Conditional::NotModified(Response { value: (), status, headers }));
            }
            let value = (self.decode)(status, &headers, body)?;
            Ok(Conditional::Modified(Response { value, status, headers }))
        })
    }
}

impl<T: Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = CallFuture<T>;

    fn into_future(self) -> Self::IntoFuture {
        self.send()
    }
}

/// An operation's value with the status and headers of the reply that carried it; made by
/// `send_with_response`.
///
/// Headers are those of a reply from the configured server (empty when the reply came through
/// a followed cross-origin redirect). `Debug` shows header names, not their values, which may
/// be secret (a login reply's `Token`).
pub struct Response<T> {
    /// The operation's value.
    pub value: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    /// The HTTP status of the reply.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Every header of the reply.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `ETag` header: give it to `send_if_none_match` to revalidate the value later.
    pub fn etag(&self) -> Option<&str> {
        self.header(ETAG.as_str())
    }

    /// The `X-Request-Id` header: the id of the request in the server's logs.
    pub fn request_id(&self) -> Option<&str> {
        self.header("x-request-id")
    }

    /// The rate-limit headers (`X-RateLimit-*`), when the server's rate limiting is on.
    pub fn rate_limit(&self) -> RateLimit {
        let number = |name: &str| self.header(name).and_then(|v| v.trim().parse().ok());
        RateLimit {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset_seconds: number("x-ratelimit-reset"),
        }
    }

    /// The value, dropping status and headers.
    pub fn into_value(self) -> T {
        self.value
    }

    /// One header as text, if present and visible ASCII.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Response")
            .field("value", &self.value)
            .field("status", &self.status)
            .field("etag", &self.etag())
            .field("request_id", &self.request_id())
            .field("headers", &names)
            .finish()
    }
}

/// The rate-limit headers of a reply (Mattermost's `RateLimitSettings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed per second.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: seconds until the window resets.
    pub reset_seconds: Option<u64>,
}

/// The answer to a GET sent with `If-None-Match`; see [`Call::send_if_none_match`].
#[derive(Debug)]
pub enum Conditional<T> {
    /// The value changed (or the server does not use ETags here): the new value, with the
    /// reply's headers and new [`ETag`](Response::etag).
    Modified(Response<T>),
    /// `304 Not Modified`: the value you have is current.
    NotModified(Response<()>),
}

impl<T> Conditional<T> {
    /// Whether the server answered `304 Not Modified`.
    pub fn is_not_modified(&self) -> bool {
        matches!(self, Conditional::NotModified(_))
    }

    /// The new value, if it changed.
    pub fn modified(self) -> Option<T> {
        match self {
            Conditional::Modified(response) => Some(response.value),
            Conditional::NotModified(_) => None,
        }
    }

    /// The `ETag` of the reply, if the server sent one.
    pub fn etag(&self) -> Option<&str> {
        match self {
            Conditional::Modified(response) => response.etag(),
            Conditional::NotModified(response) => response.etag(),
        }
    }
}
