// Copied by `cargo xtask regen` from templates/src/runtime/error.rs. Edit it there.

//! Error types returned by every operation.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::redact::escape_bounded;

/// Result type used throughout the client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Most bytes of a body kept in the snippet of [`Error::Decode`].
pub(super) const MAX_DECODE_SNIPPET: usize = 512;
/// Most characters of a server's error message or body shown by `Display`.
const MAX_DISPLAY_SNIPPET: usize = 200;

/// Which time limit a call ran into; see [`Error::Timeout`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// Establishing the connection ([`ClientBuilder::connect_timeout`](super::ClientBuilder::connect_timeout)).
    Connect,
    /// One attempt, from sending the request to the end of a buffered body
    /// ([`ClientBuilder::timeout`](super::ClientBuilder::timeout)); also a WebSocket handshake,
    /// or an action waiting for its reply.
    Attempt,
    /// The whole call, retries and waits included
    /// ([`ClientBuilder::deadline`](super::ClientBuilder::deadline)).
    Deadline,
    /// No byte of the body arrived for this long
    /// ([`ClientBuilder::read_timeout`](super::ClientBuilder::read_timeout)).
    Read,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::Attempt => "attempt timeout",
            TimeoutKind::Deadline => "call deadline",
            TimeoutKind::Read => "read timeout",
        })
    }
}

/// Why the body kept in an [`ApiError`] is not the whole body the server sent; see
/// [`ApiError::body_cut`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyCut {
    /// The body was longer than the client keeps of an error reply
    /// ([`ClientBuilder::max_error_body`](super::ClientBuilder::max_error_body)).
    Size {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The rest of the body did not come in time
    /// ([`ClientBuilder::error_body_timeout`](super::ClientBuilder::error_body_timeout)): a
    /// stalled body, which [`Error::is_timeout`] reports.
    Time {
        /// The limit.
        limit: Duration,
    },
    /// The connection failed before the body ended.
    Interrupted,
}

impl fmt::Display for BodyCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyCut::Size { limit } => write!(f, "body cut at the error-body limit of {limit} bytes"),
            BodyCut::Time { limit } => write!(f, "body cut: the error-body timeout of {limit:?} ran out"),
            BodyCut::Interrupted => f.write_str("body cut: the connection failed"),
        }
    }
}

/// Any failure of a client call.
///
/// No variant carries a URL's query, a token or a JSON string value of a reply, so errors can
/// be logged as they are.
///
/// The `is_*` methods answer the usual questions without matching on variants or statuses:
///
/// ```no_run
/// # async fn run(client: mattermost_client::Client) -> Result<(), mattermost_client::Error> {
/// match client.get_user("nobody").await {
///     Ok(user) => println!("found {}", user.username),
///     Err(e) if e.is_not_found() => println!("no such user"),
///     Err(e) if e.is_forbidden() => println!("not allowed: {}", e.app_error_id().unwrap_or("?")),
///     Err(e) if e.is_unauthorized() => println!("log in again"),
///     Err(e) if e.is_rate_limited() || e.is_timeout() => println!("try later"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
///
/// [`status`](Error::status) gives the HTTP status as a [`StatusCode`] (re-exported as
/// `mattermost_client::StatusCode`).
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The request could not be sent or the response could not be read
    /// (connection refused, TLS failure, reset connection...). `Display` names the cause chain;
    /// the error never carries the URL.
    Transport(reqwest::Error),
    /// A time limit ran out; see [`TimeoutKind`].
    Timeout {
        /// Which limit.
        kind: TimeoutKind,
        /// Its configured value.
        limit: Duration,
    },
    /// The reply body was larger than the configured limit; the connection was dropped.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The server answered with a redirect that the client's
    /// [`RedirectPolicy`](super::RedirectPolicy) does not follow (to another origin, of a
    /// request that is not a GET or HEAD, or too many hops).
    Redirect {
        /// Status of the redirect.
        status: StatusCode,
        /// The `Location` it pointed to, without its query and fragment.
        location: String,
    },
    /// The server answered with a success status but the body did not match
    /// the expected type.
    Decode {
        /// Status of the response.
        status: StatusCode,
        /// What the JSON decoder reported, with quoted values masked.
        message: String,
        /// Line of the body where decoding failed (from 1).
        line: usize,
        /// Column of that line (from 1).
        column: usize,
        /// The first bytes (at most 512) of the body, with every JSON string value shown as
        /// `"…"`: a body may hold a token.
        snippet: String,
    },
    /// The server answered with a non-success status.
    Api(Box<ApiError>),
    /// The request could not be built: a body failed to serialise, a header
    /// value, a path value or the base URL was invalid, and so on. Nothing was sent.
    InvalidRequest(String),
    /// The WebSocket event stream failed: its connection could not be made or kept, it
    /// gave up reconnecting, an action lost its connection before the reply, or the stream
    /// has ended. The text names no URL query and no token.
    #[cfg(feature = "websocket")]
    WebSocket(String),
    /// The test double ([`Mock`](super::mock::Mock), feature `test-util`) could not answer
    /// the call: no rule for its operation, its rules' answers ran out or their conditions did
    /// not fit. The text names the operation. Nothing was sent.
    #[cfg(feature = "test-util")]
    Mock(String),
    /// A paged listing ([`paginate`](super::paginate)) could not go on: the server sent a page
    /// it had sent before, so it ignores paging and the listing would never end.
    Pagination {
        /// The page (from 0) that repeated an earlier one.
        page: u32,
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport(e) => write!(f, "transport error: {}", chain(e)),
            Error::Timeout { kind, limit } => write!(f, "timed out: {kind} of {limit:?} ran out"),
            Error::BodyTooLarge { limit } => write!(f, "the reply body is larger than the limit of {limit} bytes"),
            Error::Redirect { status, location } => write!(f, "HTTP {status}: redirect to `{location}` not followed"),
            Error::Decode { status, message, line, column, snippet } => write!(
                f,
                "cannot decode response body (HTTP {status}) at line {line}, column {column}: {message}; body starts with: {snippet}"
            ),
            Error::Api(e) => write!(f, "{e}"),
            Error::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            #[cfg(feature = "websocket")]
            Error::WebSocket(message) => write!(f, "websocket: {message}"),
            #[cfg(feature = "test-util")]
            Error::Mock(message) => write!(f, "mock: {message}"),
            Error::Pagination { page, reason } => write!(f, "pagination stopped at page {page}: {reason}"),
        }
    }
}

/// No `source`: `Display` already names the whole cause chain (written by hand rather than
/// derived, so the crate needs no derive macro to build).
impl std::error::Error for Error {}

/// A reqwest error with its cause chain (`error sending request: connection refused`).
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    super::redact::escape_bounded(&text, 1000)
}

impl Error {
    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Transport(e) => e.status(),
            Error::Decode { status, .. } | Error::Redirect { status, .. } => Some(*status),
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// The Mattermost error carried by an [`Error::Api`], if its body was one.
    pub fn app_error(&self) -> Option<&AppError> {
        match self {
            Error::Api(e) => e.app_error.as_ref(),
            _ => None,
        }
    }

    /// The full error response, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the server answered 404 Not Found (the user, channel, post... does not exist,
    /// or is not visible to the caller).
    pub fn is_not_found(&self) -> bool {
        self.api_status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the server answered 403 Forbidden: the caller lacks a permission.
    pub fn is_forbidden(&self) -> bool {
        self.api_status() == Some(StatusCode::FORBIDDEN)
    }

    /// Whether the server answered 401 Unauthorized: no token, or an expired or revoked one.
    pub fn is_unauthorized(&self) -> bool {
        self.api_status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the server answered 429 Too Many Requests (after the retries the
    /// [`RetryPolicy`](super::RetryPolicy) allows); [`ApiError::retry_after`] says how long it
    /// asked to wait.
    pub fn is_rate_limited(&self) -> bool {
        self.api_status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// How long the server asked to wait before trying again (`Retry-After`, or
    /// `X-RateLimit-Reset` on a 429), for an [`Error::Api`] whose reply said so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|e| e.retry_after)
    }

    /// The id of Mattermost's error (`store.sql_user.missing`, `api.context.permissions.app_error`...),
    /// when the server answered with an `AppError` body that has one. Ids are stable across
    /// languages, unlike the message.
    pub fn app_error_id(&self) -> Option<&str> {
        self.app_error().map(|a| a.id.as_str()).filter(|id| !id.is_empty())
    }

    /// The status of an [`Error::Api`]: the server's answer, not a redirect or a decode failure.
    fn api_status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether a time limit ran out: an [`Error::Timeout`], a transport error raised by a
    /// caller-configured HTTP client's own timeout, or an [`Error::Api`] whose body stalled
    /// ([`BodyCut::Time`]: the status came, the rest of its body did not).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Transport(e) => e.is_timeout(),
            Error::Api(e) => matches!(e.body_cut, Some(BodyCut::Time { .. })),
            _ => false,
        }
    }

    /// Whether the connection could not be made (refused, DNS failure, connect timeout...).
    pub fn is_connect(&self) -> bool {
        match self {
            Error::Timeout { kind, .. } => *kind == TimeoutKind::Connect,
            Error::Transport(e) => e.is_connect(),
            _ => false,
        }
    }

    /// Builds an [`Error::Decode`] from a failed JSON decode of `body`.
    pub(super) fn decode(status: StatusCode, source: &serde_json::Error, body: &[u8]) -> Error {
        Error::Decode {
            status,
            message: super::redact::serde_message(source),
            line: source.line(),
            column: source.column(),
            snippet: super::redact::body_snippet(body, MAX_DECODE_SNIPPET),
        }
    }
}

impl From<reqwest::Error> for Error {
    /// Keeps the error without its URL, which may carry secrets in its query.
    fn from(e: reqwest::Error) -> Self {
        Error::Transport(e.without_url())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// A non-success HTTP response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// Status of the response.
    pub status: StatusCode,
    /// The Mattermost error decoded from the body, when the body was one.
    pub app_error: Option<AppError>,
    /// The raw body as lossy UTF-8, truncated to the client's error body limit
    /// ([`ClientBuilder::max_error_body`](super::ClientBuilder::max_error_body)).
    pub body: String,
    /// Why [`body`](Self::body) is only the start of what the server sent (too long, too slow,
    /// or its connection failed); `None` when it is the whole body. `Display` says so too.
    pub body_cut: Option<BodyCut>,
    /// Value of the `X-Request-Id` response header.
    pub request_id: Option<String>,
    /// How long the server asked to wait before trying again (`Retry-After` in seconds or as
    /// an HTTP date, or `X-RateLimit-Reset`), on HTTP 429 and 503.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Builds an error from a status, the (possibly truncated) body and the
    /// request id header. The body is decoded as an [`AppError`] when it is
    /// a JSON object with an `id` or a `message`.
    pub fn new(status: StatusCode, body: &[u8], request_id: Option<String>) -> ApiError {
        ApiError {
            status,
            app_error: AppError::from_body(body),
            body: lossy_prefix(body, body.len()),
            request_id,
            retry_after: None,
            body_cut: None,
        }
    }

    /// Sets [`ApiError::body_cut`].
    pub fn with_body_cut(mut self, body_cut: Option<BodyCut>) -> ApiError {
        self.body_cut = body_cut;
        self
    }

    /// Sets [`ApiError::retry_after`].
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> ApiError {
        self.retry_after = retry_after;
        self
    }
}

impl fmt::Display for ApiError {
    /// One bounded line: control characters in the server's text are escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(app) = &self.app_error {
            let message = escape_bounded(&app.message, MAX_DISPLAY_SNIPPET);
            let id = escape_bounded(&app.id, 100);
            match (message.is_empty(), id.is_empty()) {
                (false, false) => write!(f, ": {message} ({id})")?,
                (false, true) => write!(f, ": {message}")?,
                (true, false) => write!(f, ": ({id})")?,
                (true, true) => {}
            }
        } else {
            let snippet = display_snippet(&self.body);
            if snippet.is_empty() {
                f.write_str(": empty body")?;
            } else {
                write!(f, ": {snippet}")?;
            }
        }
        if let Some(cut) = self.body_cut {
            write!(f, " ({cut})")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {} s)", wait.as_secs())?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The error body Mattermost sends with non-success statuses
/// (`model.AppError` on the server).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct AppError {
    /// Stable, machine-readable error id, e.g. `store.sql_user.missing`.
    #[serde(default)]
    pub id: String,
    /// Human-readable, translated message.
    #[serde(default)]
    pub message: String,
    /// Internal details (often empty outside of development servers).
    #[serde(default)]
    pub detailed_error: String,
    /// Id of the request on the server, for correlating logs.
    #[serde(default)]
    pub request_id: String,
    /// HTTP status the server meant to send.
    #[serde(default)]
    pub status_code: i64,
    /// Whether the error comes from an OAuth flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_oauth: Option<bool>,
}

impl AppError {
    /// Decodes `body` as an `AppError`. Only a JSON object with at least an
    /// `id` or a `message` member counts as one.
    pub fn from_body(body: &[u8]) -> Option<AppError> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
        if !(map.contains_key("id") || map.contains_key("message")) {
            return None;
        }
        serde_json::from_value(serde_json::Value::Object(map)).ok()
    }
}

impl fmt::Display for AppError {
    /// One bounded line: control characters in the server's text are escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({})",
            escape_bounded(&self.message, MAX_DISPLAY_SNIPPET),
            escape_bounded(&self.id, 100)
        )
    }
}

/// The first `max` bytes of `bytes` as lossy UTF-8, never splitting a
/// multi-byte character.
pub(super) fn lossy_prefix(bytes: &[u8], max: usize) -> String {
    let mut cut = bytes.len().min(max);
    if cut < bytes.len() {
        // Step back over at most 3 continuation bytes (10xxxxxx) so the cut
        // lands on the start of a character.
        let floor = cut.saturating_sub(3);
        while cut > floor && bytes.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
            cut -= 1;
        }
    }
    String::from_utf8_lossy(&bytes[..cut]).into_owned()
}

/// A one-line, bounded excerpt of a body for `Display`.
fn display_snippet(body: &str) -> String {
    let words: Vec<&str> = body.split_whitespace().collect();
    escape_bounded(&words.join(" "), MAX_DISPLAY_SNIPPET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_prefix_cuts_at_char_boundary() {
        let s = "aé€"; // 1 + 2 + 3 bytes
        assert_eq!(lossy_prefix(s.as_bytes(), 2), "a");
        assert_eq!(lossy_prefix(s.as_bytes(), 3), "aé");
        assert_eq!(lossy_prefix(s.as_bytes(), 5), "aé");
        assert_eq!(lossy_prefix(s.as_bytes(), 6), "aé€");
        assert_eq!(lossy_prefix(s.as_bytes(), 100), "aé€");
        assert_eq!(lossy_prefix(&[0xff, b'a'], 10), "\u{fffd}a");
    }

    #[test]
    fn app_error_needs_id_or_message() {
        assert!(AppError::from_body(br#"{"status":"OK"}"#).is_none());
        assert!(AppError::from_body(b"[1]").is_none());
        assert!(AppError::from_body(b"").is_none());
        let e = AppError::from_body(br#"{"id":"x.y","status_code":403}"#);
        assert_eq!(e.map(|e| (e.id, e.status_code)), Some(("x.y".into(), 403)));
    }

    #[test]
    fn a_cut_body_says_why_and_a_stalled_one_is_a_timeout() {
        let whole = ApiError::new(StatusCode::BAD_GATEWAY, b"bad gateway", None);
        assert_eq!(whole.to_string(), "HTTP 502 Bad Gateway: bad gateway");
        assert!(!Error::from(whole.clone()).is_timeout());
        let limit = Duration::from_millis(300);
        let stalled = whole.clone().with_body_cut(Some(BodyCut::Time { limit }));
        assert_eq!(
            stalled.to_string(),
            "HTTP 502 Bad Gateway: bad gateway (body cut: the error-body timeout of 300ms ran out)"
        );
        assert!(Error::from(stalled).is_timeout());
        for cut in [BodyCut::Size { limit: 4 }, BodyCut::Interrupted] {
            let error = Error::from(whole.clone().with_body_cut(Some(cut)));
            assert!(error.to_string().contains("body cut"), "{error}");
            assert!(!error.is_timeout(), "{cut:?}");
        }
    }

    #[test]
    fn display_snippet_is_bounded_and_single_line() {
        let body = format!("<html>\n  <p>{}</p>\n</html>", "x".repeat(1000));
        let s = display_snippet(&body);
        assert!(!s.contains('\n'));
        assert_eq!(s.chars().count(), MAX_DISPLAY_SNIPPET + 1);
    }
}
