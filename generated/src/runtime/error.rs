// Copied by `cargo xtask regen` from templates/src/runtime/error.rs. Edit it there.

//! Error types returned by every operation.

use std::fmt;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// Result type used throughout the client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Most bytes of an error response body kept in [`ApiError::body`].
pub(super) const MAX_ERROR_BODY: usize = 64 * 1024;
/// Most bytes of a body kept in the snippet of [`Error::Decode`].
pub(super) const MAX_DECODE_SNIPPET: usize = 512;
/// Most characters of a non-JSON error body shown by `Display`.
const MAX_DISPLAY_SNIPPET: usize = 200;

/// Any failure of a client call.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request could not be sent or the response could not be read
    /// (connection refused, timeout, TLS failure, reset connection...).
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered with a success status but the body did not match
    /// the expected type.
    #[error(
        "cannot decode response body (HTTP {status}): {source}; body starts with: {snippet:?}"
    )]
    Decode {
        /// Status of the response.
        status: StatusCode,
        /// What serde_json reported.
        source: serde_json::Error,
        /// The first bytes (at most 512) of the body, decoded as lossy UTF-8.
        snippet: String,
    },
    /// The server answered with a non-success status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request could not be built: a body failed to serialise, a header
    /// value or the base URL was invalid, and so on. Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Transport(e) => e.status(),
            Error::Decode { status, .. } => Some(*status),
            Error::Api(e) => Some(e.status),
            Error::InvalidRequest(_) => None,
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

    /// Whether this is a transport error caused by a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_timeout())
    }

    /// Whether this is a transport error raised while connecting.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_connect())
    }

    /// Builds an [`Error::Decode`] from a failed JSON decode of `body`.
    pub(super) fn decode(status: StatusCode, source: serde_json::Error, body: &[u8]) -> Error {
        Error::Decode {
            status,
            source,
            snippet: lossy_prefix(body, MAX_DECODE_SNIPPET),
        }
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
    /// The raw body as lossy UTF-8, truncated to 64 KiB.
    pub body: String,
    /// Value of the `X-Request-Id` response header.
    pub request_id: Option<String>,
}

impl ApiError {
    /// Builds an error from a status, the (possibly truncated) body and the
    /// request id header. The body is decoded as an [`AppError`] when it is
    /// a JSON object with an `id` or a `message`.
    pub fn new(status: StatusCode, body: &[u8], request_id: Option<String>) -> ApiError {
        ApiError {
            status,
            app_error: AppError::from_body(body),
            body: lossy_prefix(body, MAX_ERROR_BODY),
            request_id,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(app) = &self.app_error {
            match (app.message.is_empty(), app.id.is_empty()) {
                (false, false) => write!(f, ": {} ({})", app.message, app.id),
                (false, true) => write!(f, ": {}", app.message),
                (true, false) => write!(f, ": ({})", app.id),
                (true, true) => Ok(()),
            }
        } else {
            let snippet = display_snippet(&self.body);
            if snippet.is_empty() {
                f.write_str(": empty body")
            } else {
                write!(f, ": {snippet}")
            }
        }
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.id)
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
    let mut out = String::new();
    for (i, word) in body.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() > MAX_DISPLAY_SNIPPET {
            let mut cut: String = out.chars().take(MAX_DISPLAY_SNIPPET).collect();
            cut.push('…');
            return cut;
        }
    }
    out
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
    fn display_snippet_is_bounded_and_single_line() {
        let body = format!("<html>\n  <p>{}</p>\n</html>", "x".repeat(1000));
        let s = display_snippet(&body);
        assert!(!s.contains('\n'));
        assert_eq!(s.chars().count(), MAX_DISPLAY_SNIPPET + 1);
    }
}
