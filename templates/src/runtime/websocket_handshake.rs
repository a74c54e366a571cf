//! Opening one connection of an event stream: the upgrade request and its checks, then the
//! authentication challenge when configured.

use std::pin::Pin;

use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONNECTION, LOCATION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE, USER_AGENT,
};
use reqwest::{StatusCode, Version};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;
use url::Url;

use super::client::{self, Client};
use super::error::{Error, Result, TimeoutKind};
use super::redact::escape_bounded;
use super::redirect;
use super::websocket::{AuthMode, EventOptions};
use super::websocket_frame::{self as frame, Incoming};

/// The socket of one connection.
pub(super) type Socket = WebSocketStream<reqwest::Upgraded>;

/// Path of the WebSocket endpoint under the server root.
const ENDPOINT: &str = "api/v4/websocket";
/// The current user, asked for when a connection closes before its first frame.
const CURRENT_USER: &str = "api/v4/users/me";
/// Most characters of an error's text kept in a notice or an error.
pub(super) const MAX_REASON: usize = 300;

/// A failed connection attempt.
pub(super) struct ConnectError {
    /// What went wrong.
    pub error: Error,
    /// Whether another attempt may succeed (not for a refused token or a redirect).
    pub retry: bool,
}

impl ConnectError {
    fn retry(error: Error) -> Self {
        ConnectError { error, retry: true }
    }

    fn fatal(error: Error) -> Self {
        ConnectError { error, retry: false }
    }
}

/// A connection just opened.
pub(super) struct Opened {
    /// Its socket.
    pub socket: Socket,
    /// Text frames the server sent before it answered the challenge, to be handled first.
    pub early: Vec<Utf8Bytes>,
}

/// What opening a connection needs; made once per stream.
pub(super) struct Handshake {
    client: Client,
    http: reqwest::Client,
    /// `http(s)://<root>/api/v4/websocket`: reqwest upgrades it, so it is `ws(s)` on the wire.
    endpoint: Url,
    auth: AuthMode,
    posted_ack: bool,
    max_frame_size: usize,
    /// Most frames, and bytes of frames, kept while waiting for the challenge's reply.
    max_early: (usize, usize),
}

impl Handshake {
    /// The handshake of a stream with these options; fails when the default HTTP client cannot
    /// be built or the base URL has no WebSocket endpoint.
    pub(super) fn new(client: Client, options: &EventOptions) -> Result<Self> {
        let http = match &options.http {
            Some(http) => http.clone(),
            None => reqwest::Client::builder()
                // A WebSocket upgrade is an HTTP/1.1 request: never negotiate HTTP/2.
                .http1_only()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(client.limits().connect_timeout)
                .build()?,
        };
        let endpoint = client
            .base_url()
            .join(ENDPOINT)
            .map_err(|e| Error::InvalidRequest(format!("invalid WebSocket URL: {e}")))?;
        Ok(Handshake {
            client,
            http,
            endpoint,
            auth: options.auth,
            posted_ack: options.posted_ack,
            max_frame_size: options.max_frame_size,
            max_early: (options.channel_capacity, options.max_buffered_bytes),
        })
    }

    /// Whether the upgrade request carries a session, without which the server ignores
    /// `connection_id` (`connectWebSocket` in `server/channels/api4/websocket.go`): only then
    /// can a connection be resumed.
    pub(super) fn can_resume(&self) -> bool {
        self.auth == AuthMode::Header
    }

    /// Opens a connection, all within the client's attempt timeout: the upgrade request
    /// (asking to resume `resume`, a connection id and the next sequence number; the caller
    /// checks [`can_resume`](Self::can_resume)), then the authentication challenge numbered
    /// `challenge_seq` in challenge mode.
    pub(super) async fn open(
        &self,
        resume: Option<(&str, i64)>,
        challenge_seq: i64,
    ) -> std::result::Result<Opened, ConnectError> {
        let Some(token) = self.client.token() else {
            return Err(ConnectError::fatal(Error::InvalidRequest(
                "the event stream needs a token: log in or set one first".into(),
            )));
        };
        let limit = self.client.limits().attempt_timeout;
        tracing::debug!(url = %websocket_url(&self.endpoint), "connecting to the WebSocket");
        tokio::time::timeout(limit, self.upgrade(&token, resume, challenge_seq))
            .await
            .unwrap_or(Err(ConnectError::retry(Error::Timeout {
                kind: TimeoutKind::Attempt,
                limit,
            })))
    }

    /// The upgrade request and its checks, then the challenge.
    async fn upgrade(
        &self,
        token: &str,
        resume: Option<(&str, i64)>,
        challenge_seq: i64,
    ) -> std::result::Result<Opened, ConnectError> {
        let mut url = self.endpoint.clone();
        if let Some((id, next)) = resume {
            url.query_pairs_mut()
                .append_pair("connection_id", id)
                .append_pair("sequence_number", &next.to_string());
        }
        if self.posted_ack {
            url.query_pairs_mut().append_pair("posted_ack", "true");
        }
        let key = generate_key();
        let mut headers = HeaderMap::new();
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        let key_value = HeaderValue::from_str(&key)
            .map_err(|_| ConnectError::fatal(Error::InvalidRequest("invalid WebSocket key".into())))?;
        headers.insert(SEC_WEBSOCKET_KEY, key_value);
        headers.insert(USER_AGENT, self.client.user_agent_header().clone());
        if self.auth == AuthMode::Header {
            headers.insert(AUTHORIZATION, bearer(token).map_err(ConnectError::fatal)?);
        }
        let response = self
            .http
            .get(url.clone())
            .version(Version::HTTP_11)
            .headers(headers)
            .send()
            .await
            .map_err(|e| ConnectError::retry(self.transport_error(e)))?;
        let status = response.status();
        // A caller-configured HTTP client may follow redirects itself.
        if response.url().origin() != url.origin() || response.url().path() != url.path() {
            return Err(ConnectError::fatal(Error::Redirect {
                status,
                location: redirect::display_location(response.url()),
            }));
        }
        if status != StatusCode::SWITCHING_PROTOCOLS {
            return Err(self.refused(response, &url).await);
        }
        let accept = response.headers().get(SEC_WEBSOCKET_ACCEPT).map(HeaderValue::as_bytes);
        if accept != Some(derive_accept_key(key.as_bytes()).as_bytes()) {
            return Err(ConnectError::retry(Error::WebSocket(
                "the upgrade reply has no valid Sec-WebSocket-Accept".into(),
            )));
        }
        let mut upgraded = response.upgrade().await.map_err(|e| ConnectError::retry(e.into()))?;
        // The challenge goes out before tungstenite owns the socket: its trace logging shows
        // every frame it writes, and this one holds the token.
        if self.auth == AuthMode::Challenge {
            send_challenge(&mut upgraded, token, challenge_seq).await?;
        }
        let size = Some(self.max_frame_size);
        let config = WebSocketConfig::default().max_message_size(size).max_frame_size(size);
        let mut socket = WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await;
        let early = match self.auth {
            AuthMode::Challenge => self.challenge_reply(&mut socket, challenge_seq).await?,
            AuthMode::Header => Vec::new(),
        };
        Ok(Opened { socket, early })
    }

    /// The server's error when it refuses the stream's token (HTTP 401 or 403 to
    /// `GET /api/v4/users/me`, within the client's attempt timeout); `None` when it accepts it,
    /// has no token to check, or cannot be asked.
    pub(super) async fn refused_token(&self) -> Option<Error> {
        let token = self.client.token()?;
        let url = self.client.base_url().join(CURRENT_USER).ok()?;
        let request = self.http.get(url).header(AUTHORIZATION, bearer(&token).ok()?).send();
        let response = tokio::time::timeout(self.client.limits().attempt_timeout, request).await.ok()?.ok()?;
        if matches!(response.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            Some(client::api_error(response, self.client.limits()).await)
        } else {
            None
        }
    }

    /// The error for an upgrade answered with another status than 101.
    async fn refused(&self, response: reqwest::Response, url: &Url) -> ConnectError {
        let status = response.status();
        if redirect::is_redirect(status) {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok())
                .map(|target| redirect::display_location(&target))
                .unwrap_or_default();
            return ConnectError::fatal(Error::Redirect { status, location });
        }
        // The same error as a refused call: body cut and Retry-After included.
        let error = client::api_error(response, self.client.limits()).await;
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            ConnectError::fatal(error)
        } else {
            ConnectError::retry(error)
        }
    }

    /// Waits for the reply to the challenge numbered `seq`, keeping the text frames that come
    /// before it (within the stream's buffer limits). The server closes the connection when it
    /// refuses the token.
    async fn challenge_reply(&self, socket: &mut Socket, seq: i64) -> std::result::Result<Vec<Utf8Bytes>, ConnectError> {
        let refused = || {
            ConnectError::fatal(Error::WebSocket(
                "authentication refused: the server closed the connection after the challenge".into(),
            ))
        };
        let (max_frames, max_bytes) = self.max_early;
        let mut early = Vec::new();
        let mut early_bytes = 0usize;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let reply = match frame::parse(text.as_str()) {
                        Incoming::Reply(reply) if reply.seq_reply == seq => Some(reply),
                        _ => None,
                    };
                    if let Some(reply) = reply {
                        return if reply.is_ok() {
                            Ok(early)
                        } else {
                            Err(ConnectError::fatal(Error::WebSocket(format!(
                                "authentication refused: {}",
                                reply
                                    .error
                                    .map(|e| e.to_string())
                                    .unwrap_or_else(|| "no reason given".into())
                            ))))
                        };
                    }
                    if early.len() >= max_frames || early_bytes.saturating_add(text.len()) > max_bytes {
                        return Err(ConnectError::retry(Error::WebSocket(
                            "too many frames before the authentication reply".into(),
                        )));
                    }
                    early_bytes += text.len();
                    early.push(text);
                }
                Some(Ok(Message::Close(_))) | None => return Err(refused()),
                Some(Ok(_)) => {}
                Some(Err(e)) if is_closed(&e) => return Err(refused()),
                Some(Err(e)) => return Err(ConnectError::retry(Error::WebSocket(describe(&e)))),
            }
        }
    }

    /// A reqwest error of the upgrade request as this crate's error.
    fn transport_error(&self, error: reqwest::Error) -> Error {
        if error.is_timeout() && error.is_connect() {
            return Error::Timeout {
                kind: TimeoutKind::Connect,
                limit: self.client.limits().connect_timeout,
            };
        }
        Error::from(error)
    }
}

/// Writes the `authentication_challenge` action numbered `seq` straight to the upgraded
/// connection.
async fn send_challenge(upgraded: &mut reqwest::Upgraded, token: &str, seq: i64) -> std::result::Result<(), ConnectError> {
    let data = serde_json::json!({ "token": token });
    let text = frame::encode_action(seq, "authentication_challenge", &data)
        .map_err(|_| ConnectError::fatal(Error::InvalidRequest("cannot encode the token".into())))?;
    if text.len() > frame::SERVER_READ_LIMIT {
        return Err(ConnectError::fatal(Error::InvalidRequest(format!(
            "the token is too long for the authentication challenge (over the server's limit of {} bytes)",
            frame::SERVER_READ_LIMIT
        ))));
    }
    let bytes =
        frame::masked_text_frame(text.into_bytes()).map_err(|e| ConnectError::fatal(Error::WebSocket(describe(&e))))?;
    write_all(upgraded, &bytes)
        .await
        .map_err(|e| ConnectError::retry(Error::WebSocket(escape_bounded(&e.to_string(), MAX_REASON))))
}

/// Writes `bytes` to the upgraded connection and flushes it.
async fn write_all(io: &mut reqwest::Upgraded, mut bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWrite;
    while !bytes.is_empty() {
        let written = std::future::poll_fn(|cx| Pin::new(&mut *io).poll_write(cx, bytes)).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[written..];
    }
    std::future::poll_fn(|cx| Pin::new(&mut *io).poll_flush(cx)).await
}

/// Whether a read error means the peer closed the connection.
fn is_closed(error: &tungstenite::Error) -> bool {
    matches!(
        error,
        tungstenite::Error::ConnectionClosed
            | tungstenite::Error::AlreadyClosed
            | tungstenite::Error::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake)
    )
}

/// A tungstenite error in words, on one bounded line.
pub(super) fn describe(error: &tungstenite::Error) -> String {
    escape_bounded(&error.to_string(), MAX_REASON)
}

/// `Bearer <token>` as a header value hidden from `Debug` output.
fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("the token contains invalid characters".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The endpoint with the WebSocket scheme (`ws` for `http`, `wss` for `https`), without query.
fn websocket_url(endpoint: &Url) -> String {
    let mut url = endpoint.clone();
    url.set_query(None);
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    // Both are special schemes, so the change cannot fail.
    let _ = url.set_scheme(scheme);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_url_forms() {
        for (base, expected) in [
            ("https://mm.example.com/", "wss://mm.example.com/api/v4/websocket"),
            ("http://localhost:8065/", "ws://localhost:8065/api/v4/websocket"),
            (
                "https://example.com/mattermost/",
                "wss://example.com/mattermost/api/v4/websocket",
            ),
        ] {
            let endpoint = Url::parse(base).and_then(|b| b.join(ENDPOINT));
            assert_eq!(endpoint.map(|e| websocket_url(&e)).ok().as_deref(), Some(expected));
        }
    }

    #[test]
    fn bearer_is_sensitive() {
        let value = bearer("secret-token");
        assert!(value.as_ref().is_ok_and(HeaderValue::is_sensitive));
        assert!(!format!("{value:?}").contains("secret-token"));
        assert!(matches!(bearer("bad\ntoken"), Err(Error::InvalidRequest(_))));
    }
}
