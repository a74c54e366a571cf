//! Bounds on what a server can make the client wait for or hold in memory, and the body
//! readers that enforce them while reading (never after).

use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

use super::error::{BodyCut, Error, Result, TimeoutKind};

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

/// The part of an error reply's body that the client keeps.
pub(super) struct ErrorBody {
    /// At most `max_error_body` bytes from the start of the body.
    pub bytes: Vec<u8>,
    /// Why `bytes` is not the whole body; `None` when the body ended.
    pub cut: Option<BodyCut>,
}

/// Reads at most `limits.max_error_body` bytes of an error reply within
/// `limits.error_body_timeout`, and says whether that was the whole body: a longer body, one
/// that stalls or one whose connection fails is kept as far as it came, with the reason. Of a
/// body that reaches the limit, one more chunk is read (and dropped) to tell "exactly the limit"
/// from "longer".
pub(super) async fn read_error_reply(response: &mut reqwest::Response, limits: &Limits) -> ErrorBody {
    let cap = limits.max_error_body;
    let mut bytes = Vec::new();
    let read = async {
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cap - bytes.len();
                    if chunk.len() > room {
                        bytes.extend_from_slice(&chunk[..room]);
                        return Some(BodyCut::Size { limit: cap });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => return None,
                Err(_) => return Some(BodyCut::Interrupted),
            }
        }
    };
    let cut = tokio::time::timeout(limits.error_body_timeout, read)
        .await
        .unwrap_or(Some(BodyCut::Time {
            limit: limits.error_body_timeout,
        }));
    ErrorBody { bytes, cut }
}

/// [`read_error_reply`] for a body whose content does not matter (reading a bounded part
/// lets the connection be reused) or whose completeness is not reported.
pub(super) async fn read_error_body(response: &mut reqwest::Response, limits: &Limits) -> Vec<u8> {
    read_error_reply(response, limits).await.bytes
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
