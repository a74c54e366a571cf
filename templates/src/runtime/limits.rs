//! Bounds on what a server can make the client wait for or hold in memory, and the body
//! readers that enforce them while reading (never after).

use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

use super::error::{Error, Result, TimeoutKind};

/// Size and time limits of a [`Client`](super::Client); set through its builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Limits {
    /// Establishing a connection.
    pub connect_timeout: Duration,
    /// One attempt: sending, the response head and a buffered body.
    pub attempt_timeout: Duration,
    /// A whole call: every attempt, backoff and server-requested wait, a buffered body.
    pub deadline: Duration,
    /// Longest silence between two chunks of a body.
    pub read_timeout: Duration,
    /// JSON and text replies.
    pub max_body: u64,
    /// Byte replies buffered in memory.
    pub max_bytes: u64,
    /// Bytes of an error reply kept.
    pub max_error_body: usize,
    /// Time spent reading an error reply.
    pub error_body_timeout: Duration,
    /// Items a paged stream yields at most.
    pub max_stream_items: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
            read_timeout: Duration::from_secs(30),
            max_body: 64 * 1024 * 1024,
            max_bytes: 256 * 1024 * 1024,
            max_error_body: 64 * 1024,
            error_body_timeout: Duration::from_secs(2),
            max_stream_items: None,
        }
    }
}

impl Limits {
    /// The error for a chunk that did not come within the read timeout.
    pub fn read_timed_out(&self) -> Error {
        Error::Timeout {
            kind: TimeoutKind::Read,
            limit: self.read_timeout,
        }
    }
}

/// Reads the whole body of `response`, failing with [`Error::BodyTooLarge`] as soon as it
/// announces or reaches more than `limit` bytes, and with a read timeout when no chunk comes
/// for `limits.read_timeout`. The caller bounds the total time.
pub(super) async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
    limits: &Limits,
) -> Result<Bytes> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(Error::BodyTooLarge { limit });
    }
    // Start small: a Content-Length is only a claim.
    let capacity = response
        .content_length()
        .unwrap_or(0)
        .min(limit)
        .min(1024 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    loop {
        let chunk = tokio::time::timeout(limits.read_timeout, response.chunk())
            .await
            .map_err(|_| limits.read_timed_out())??;
        let Some(chunk) = chunk else {
            return Ok(body.into());
        };
        let total = (body.len() as u64).saturating_add(chunk.len() as u64);
        if total > limit {
            return Err(Error::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
}

/// Reads at most `limits.max_error_body` bytes of an error reply within
/// `limits.error_body_timeout`; whatever came by then is kept, and a read error ends it.
pub(super) async fn read_error_body(response: &mut reqwest::Response, limits: &Limits) -> Vec<u8> {
    let mut body = Vec::new();
    let cap = limits.max_error_body;
    let read = async {
        while body.len() < cap {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let take = chunk.len().min(cap - body.len());
                    body.extend_from_slice(&chunk[..take]);
                }
                Ok(None) | Err(_) => break,
            }
        }
    };
    // Running out of time only ends the read.
    let _ = tokio::time::timeout(limits.error_body_timeout, read).await;
    body
}

/// The chunks of `response` as a stream, each awaited for at most `read_timeout`; no size
/// limit. Ends after the first error.
pub(super) fn chunks(
    response: reqwest::Response,
    limits: &Limits,
) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    let read_timeout = limits.read_timeout;
    futures_util::stream::unfold(Some(response), move |response| async move {
        let mut response = response?;
        match tokio::time::timeout(read_timeout, response.chunk()).await {
            Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some(response))),
            Ok(Ok(None)) => None,
            Ok(Err(e)) => Some((Err(Error::from(e)), None)),
            Err(_) => Some((
                Err(Error::Timeout {
                    kind: TimeoutKind::Read,
                    limit: read_timeout,
                }),
                None,
            )),
        }
    })
}
