// Copied by `cargo xtask regen` from templates/src/runtime/websocket_connection.rs. Edit it there.

//! The background task of an [`EventStream`](super::EventStream): the upgrade handshake,
//! keep-alive, dispatch of frames, and reconnection with resumption.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONNECTION, LOCATION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_VERSION, UPGRADE, USER_AGENT,
};
use reqwest::{StatusCode, Version};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;
use url::Url;

use super::client::Client;
use super::error::{ApiError, Error, Result, TimeoutKind};
use super::limits;
use super::redact::escape_bounded;
use super::redirect;
use super::websocket::{ActionReply, AuthMode, ConnectionNotice, EventOptions, EventPayload};
use super::websocket_frame::{self as frame, Incoming};

/// The socket of one connection.
type Socket = WebSocketStream<reqwest::Upgraded>;

/// Path of the WebSocket endpoint under the server root.
const ENDPOINT: &str = "api/v4/websocket";
/// Most actions awaiting a reply at once.
const MAX_PENDING: usize = 1024;
/// How long closing a socket may take (sending the Close frame, waiting for the reply).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Most characters of an error's text kept in a notice or an error.
const MAX_REASON: usize = 300;

/// An action to send, from an [`ActionSender`](super::ActionSender).
pub(super) struct Command {
    /// The action's name.
    pub action: String,
    /// Its data; left out when null.
    pub data: Value,
    /// Where the reply (or the failure) goes.
    pub reply: oneshot::Sender<Result<ActionReply>>,
}

/// A failed connection attempt.
pub(super) struct ConnectError {
    /// What went wrong.
    pub error: Error,
    /// Whether another attempt may succeed (not for a refused token or a redirect).
    retry: bool,
}

impl ConnectError {
    fn retry(error: Error) -> Self {
        ConnectError { error, retry: true }
    }

    fn fatal(error: Error) -> Self {
        ConnectError { error, retry: false }
    }
}

/// How serving one connection ended.
enum End {
    /// The consumer dropped the stream; the socket was closed.
    Closed,
    /// The connection was lost, for this reason.
    Lost(String),
}

/// What happened while serving a connection.
enum Step {
    ConsumerGone,
    Message(Option<std::result::Result<Message, tungstenite::Error>>),
    Command(Option<Command>),
    Ping,
    Silent,
}

/// The state of an event stream, owned by its task.
pub(super) struct Connection<E> {
    client: Client,
    options: EventOptions,
    http: reqwest::Client,
    /// `http(s)://<root>/api/v4/websocket`: reqwest upgrades it, so it is `ws(s)` on the wire.
    endpoint: Url,
    items: mpsc::Sender<Result<E>>,
    commands: mpsc::Receiver<Command>,
    /// Actions sent on the current connection, by sequence number.
    pending: HashMap<i64, oneshot::Sender<Result<ActionReply>>>,
    /// The sequence number of the next action (the counter never restarts).
    next_action_seq: i64,
    /// The server's id of the connection, from its last `hello`.
    connection_id: Option<String>,
    /// The sequence number of the next event expected on `connection_id`.
    next_event_seq: Option<i64>,
    /// The sequence number of the last event received.
    last_seq: Option<i64>,
    /// Whether the next connection asks the server to resume `connection_id`.
    resume: bool,
    /// Whether a `hello` was ever received.
    greeted: bool,
    /// Whether the current connection received a frame (then failures in a row restart).
    healthy: bool,
    /// Text frames received while authenticating, handled first.
    early: Vec<String>,
}

impl<E: EventPayload> Connection<E> {
    /// A stream's state; fails when the default HTTP client cannot be built.
    pub(super) fn new(
        client: Client,
        options: EventOptions,
        items: mpsc::Sender<Result<E>>,
        commands: mpsc::Receiver<Command>,
    ) -> Result<Self> {
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
        Ok(Connection {
            client,
            options,
            http,
            endpoint,
            items,
            commands,
            pending: HashMap::new(),
            next_action_seq: 1,
            connection_id: None,
            next_event_seq: None,
            last_seq: None,
            resume: false,
            greeted: false,
            healthy: false,
            early: Vec::new(),
        })
    }

    /// Opens a connection: upgrade, then the authentication challenge when configured, all
    /// within the client's attempt timeout.
    pub(super) async fn connect(&mut self) -> std::result::Result<Socket, ConnectError> {
        let Some(token) = self.client.token() else {
            return Err(ConnectError::fatal(Error::InvalidRequest(
                "the event stream needs a token: log in or set one first".into(),
            )));
        };
        let limit = self.client.limits().attempt_timeout;
        self.early.clear();
        tracing::debug!(url = %websocket_url(&self.endpoint), resume = self.resume, "connecting to the WebSocket");
        tokio::time::timeout(limit, self.handshake(&token))
            .await
            .unwrap_or(Err(ConnectError::retry(Error::Timeout {
                kind: TimeoutKind::Attempt,
                limit,
            })))
    }

    /// The upgrade request and its checks, then the challenge.
    async fn handshake(&mut self, token: &str) -> std::result::Result<Socket, ConnectError> {
        let mut url = self.endpoint.clone();
        if let (true, Some(id), Some(next)) = (self.resume, &self.connection_id, self.next_event_seq) {
            url.query_pairs_mut()
                .append_pair("connection_id", id)
                .append_pair("sequence_number", &next.to_string());
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
        if self.options.auth == AuthMode::Header {
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
        let upgraded = response.upgrade().await.map_err(|e| ConnectError::retry(e.into()))?;
        let size = Some(self.options.max_frame_size);
        let config = WebSocketConfig::default().max_message_size(size).max_frame_size(size);
        let mut socket = WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await;
        if self.options.auth == AuthMode::Challenge {
            self.challenge(&mut socket, token).await?;
        }
        Ok(socket)
    }

    /// The error for an upgrade answered with another status than 101.
    async fn refused(&self, mut response: reqwest::Response, url: &Url) -> ConnectError {
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
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| escape_bounded(v, 100));
        let body = limits::read_error_body(&mut response, self.client.limits()).await;
        let error = Error::from(ApiError::new(status, &body, request_id));
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            ConnectError::fatal(error)
        } else {
            ConnectError::retry(error)
        }
    }

    /// Sends the `authentication_challenge` action and waits for its reply. The server closes
    /// the connection when it refuses the token.
    async fn challenge(&mut self, socket: &mut Socket, token: &str) -> std::result::Result<(), ConnectError> {
        let seq = self.take_seq();
        let data = serde_json::json!({ "token": token });
        let text = frame::encode_action(seq, "authentication_challenge", &data)
            .map_err(|_| ConnectError::fatal(Error::InvalidRequest("cannot encode the token".into())))?;
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| ConnectError::retry(Error::WebSocket(describe(&e))))?;
        let refused = || {
            ConnectError::fatal(Error::WebSocket(
                "authentication refused: the server closed the connection after the challenge".into(),
            ))
        };
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => match frame::parse(text.as_str()) {
                    Incoming::Reply(reply) if reply.seq_reply == seq => {
                        return if reply.is_ok() {
                            Ok(())
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
                    _ if self.early.len() >= self.options.channel_capacity => {
                        return Err(ConnectError::retry(Error::WebSocket(
                            "too many frames before the authentication reply".into(),
                        )));
                    }
                    _ => self.early.push(text.as_str().to_owned()),
                },
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

    /// Serves connections until the consumer goes away or the stream gives up.
    pub(super) async fn run(mut self, first: Socket) {
        let mut socket = Some(first);
        let mut failures: u32 = 0;
        loop {
            let current = match socket.take() {
                Some(socket) => socket,
                None => match self.reconnect(&mut failures).await {
                    Some(socket) => socket,
                    None => return,
                },
            };
            self.healthy = false;
            let end = self.serve(current).await;
            if self.healthy {
                failures = 0;
            }
            match end {
                End::Closed => return,
                End::Lost(reason) => {
                    tracing::debug!(%reason, "WebSocket connection lost");
                    self.fail_pending(&reason);
                    let notice = ConnectionNotice::Disconnected { reason };
                    if !self.deliver(Ok(E::from_notice(notice))).await {
                        return;
                    }
                }
            }
        }
    }

    /// Reconnects with backoff; `None` when the consumer left or the stream gave up (after
    /// yielding the error).
    async fn reconnect(&mut self, failures: &mut u32) -> Option<Socket> {
        let mut last_error = String::from("the connection was lost");
        loop {
            if let Some(max) = self.options.max_reconnect_attempts {
                if *failures >= max {
                    let error = Error::WebSocket(format!(
                        "gave up after {max} reconnection attempts in a row: {last_error}"
                    ));
                    self.deliver(Err(error)).await;
                    return None;
                }
            }
            if !self.pause(self.options.backoff.delay(*failures)).await {
                return None;
            }
            *failures = failures.saturating_add(1);
            let items = self.items.clone();
            let attempt = tokio::select! {
                attempt = self.connect() => attempt,
                () = items.closed() => return None,
            };
            match attempt {
                Ok(socket) => {
                    let connection_id = match (self.resume, &self.connection_id) {
                        (true, Some(id)) => id.clone(),
                        _ => String::new(),
                    };
                    let notice = ConnectionNotice::Reconnected { connection_id };
                    if !self.deliver(Ok(E::from_notice(notice))).await {
                        close(socket).await;
                        return None;
                    }
                    return Some(socket);
                }
                Err(failure) if failure.retry => {
                    tracing::debug!(error = %failure.error, attempt = *failures, "WebSocket reconnection failed");
                    last_error = escape_bounded(&failure.error.to_string(), MAX_REASON);
                }
                Err(failure) => {
                    self.deliver(Err(failure.error)).await;
                    return None;
                }
            }
        }
    }

    /// Waits `delay` while no connection is open, failing the actions sent meanwhile; `false`
    /// when the consumer left.
    async fn pause(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                () = self.items.closed() => return false,
                Some(command) = self.commands.recv() => {
                    let _ = command.reply.send(Err(Error::WebSocket("not connected: reconnecting".into())));
                }
            }
        }
    }

    /// Reads, pings and sends on one connection until it is lost or the consumer leaves.
    async fn serve(&mut self, mut socket: Socket) -> End {
        for text in std::mem::take(&mut self.early) {
            if !self.on_text(&text).await {
                close(socket).await;
                return End::Closed;
            }
        }
        let period = self.options.ping_interval;
        let mut ping = tokio::time::interval_at(Instant::now() + period, period);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_seen = Instant::now();
        let mut commands_open = true;
        loop {
            let silent_at = last_seen + self.options.silence_timeout;
            // Rare steps first, so that a busy socket does not starve them.
            let step = tokio::select! {
                biased;
                () = self.items.closed() => Step::ConsumerGone,
                command = self.commands.recv(), if commands_open => Step::Command(command),
                _ = ping.tick() => Step::Ping,
                message = socket.next() => Step::Message(message),
                () = tokio::time::sleep_until(silent_at) => Step::Silent,
            };
            match step {
                Step::ConsumerGone => {
                    close(socket).await;
                    return End::Closed;
                }
                Step::Message(Some(Ok(message))) => {
                    match message {
                        Message::Text(text) => {
                            self.healthy = true;
                            if !self.on_text(text.as_str()).await {
                                close(socket).await;
                                return End::Closed;
                            }
                        }
                        Message::Binary(bytes) => {
                            tracing::warn!(len = bytes.len(), "ignoring a binary WebSocket frame");
                        }
                        Message::Ping(_) => {
                            // Send the pong tungstenite queued now rather than on the next read.
                            if let Err(e) = socket.flush().await {
                                return End::Lost(describe(&e));
                            }
                        }
                        Message::Close(frame) => {
                            let reason = match frame {
                                Some(frame) => format!(
                                    "the server closed the connection (code {}{}{})",
                                    u16::from(frame.code),
                                    if frame.reason.is_empty() { "" } else { ": " },
                                    escape_bounded(frame.reason.as_str(), 100)
                                ),
                                None => "the server closed the connection".to_owned(),
                            };
                            close(socket).await;
                            return End::Lost(reason);
                        }
                        Message::Pong(_) | Message::Frame(_) => {}
                    }
                    // Time spent waiting for the consumer is not the server's silence.
                    last_seen = Instant::now();
                }
                Step::Message(Some(Err(tungstenite::Error::Capacity(_)))) => {
                    // That frame is lost: start afresh so that the server does not replay it.
                    self.resume = false;
                    return End::Lost(format!(
                        "a frame over the size limit of {} bytes was dropped",
                        self.options.max_frame_size
                    ));
                }
                Step::Message(Some(Err(e))) => return End::Lost(describe(&e)),
                Step::Message(None) => return End::Lost("the connection was closed".into()),
                Step::Command(Some(command)) => {
                    if let Err(reason) = self.send_action(&mut socket, command).await {
                        return End::Lost(reason);
                    }
                }
                Step::Command(None) => commands_open = false,
                Step::Ping => {
                    if let Err(e) = socket.send(Message::Ping(Bytes::new())).await {
                        return End::Lost(describe(&e));
                    }
                }
                Step::Silent => {
                    return End::Lost(format!(
                        "no frame from the server for {:?}",
                        self.options.silence_timeout
                    ));
                }
            }
        }
    }

    /// Handles one text frame; `false` when the consumer left.
    async fn on_text(&mut self, text: &str) -> bool {
        match frame::parse(text) {
            Incoming::Reply(reply) => {
                match self.pending.remove(&reply.seq_reply) {
                    Some(waiter) => {
                        let _ = waiter.send(Ok(reply));
                    }
                    None => tracing::debug!(seq_reply = reply.seq_reply, "reply to no pending action"),
                }
                true
            }
            Incoming::Malformed(reason) => {
                tracing::warn!(len = text.len(), reason, "ignoring a WebSocket frame");
                true
            }
            Incoming::Event(event) if event.event == "hello" => {
                let (id, server_version) = frame::hello_fields(&event.data);
                let notice = if !self.greeted {
                    Some(ConnectionNotice::Connected {
                        connection_id: id.clone(),
                        server_version,
                    })
                } else if self.connection_id.as_deref() != Some(id.as_str()) {
                    Some(ConnectionNotice::Gap {
                        previous_connection_id: self.connection_id.clone().unwrap_or_default(),
                        new_connection_id: id.clone(),
                        last_sequence: self.last_seq,
                    })
                } else {
                    None
                };
                self.greeted = true;
                self.connection_id = (!id.is_empty()).then_some(id);
                self.next_event_seq = event.seq.map(|seq| seq.saturating_add(1));
                self.last_seq = event.seq;
                self.resume = true;
                if let Some(notice) = notice {
                    if !self.deliver(Ok(E::from_notice(notice))).await {
                        return false;
                    }
                }
                self.deliver(Ok(E::from_frame(event))).await
            }
            Incoming::Event(event) => {
                if let (Some(seq), Some(next)) = (event.seq, self.next_event_seq) {
                    if seq < next {
                        tracing::debug!(seq, "dropping an event delivered before");
                        return true;
                    }
                    if seq > next {
                        let id = self.connection_id.clone().unwrap_or_default();
                        let notice = ConnectionNotice::Gap {
                            previous_connection_id: id.clone(),
                            new_connection_id: id,
                            last_sequence: self.last_seq,
                        };
                        if !self.deliver(Ok(E::from_notice(notice))).await {
                            return false;
                        }
                    }
                }
                if let Some(seq) = event.seq {
                    self.next_event_seq = Some(seq.saturating_add(1));
                    self.last_seq = Some(seq);
                }
                self.deliver(Ok(E::from_frame(event))).await
            }
        }
    }

    /// Sends an action; `Err` (the reason) when the connection failed.
    async fn send_action(&mut self, socket: &mut Socket, command: Command) -> std::result::Result<(), String> {
        if command.reply.is_closed() {
            // Its caller stopped waiting.
            return Ok(());
        }
        if self.pending.len() >= MAX_PENDING / 2 {
            self.pending.retain(|_, waiter| !waiter.is_closed());
        }
        if self.pending.len() >= MAX_PENDING {
            let error = Error::WebSocket(format!("more than {MAX_PENDING} actions await a reply"));
            let _ = command.reply.send(Err(error));
            return Ok(());
        }
        let seq = self.take_seq();
        let text = match frame::encode_action(seq, &command.action, &command.data) {
            Ok(text) => text,
            Err(e) => {
                let error = Error::InvalidRequest(format!(
                    "cannot encode the action: {}",
                    super::redact::serde_message(&e)
                ));
                let _ = command.reply.send(Err(error));
                return Ok(());
            }
        };
        match socket.send(Message::text(text)).await {
            Ok(()) => {
                self.pending.insert(seq, command.reply);
                Ok(())
            }
            Err(e) => {
                let reason = describe(&e);
                let error = Error::WebSocket(format!("the action could not be sent: {reason}"));
                let _ = command.reply.send(Err(error));
                Err(reason)
            }
        }
    }

    /// Fails every action awaiting a reply on the lost connection.
    fn fail_pending(&mut self, reason: &str) {
        for (_, waiter) in self.pending.drain() {
            let error = Error::WebSocket(format!("the connection was lost before the reply: {reason}"));
            let _ = waiter.send(Err(error));
        }
    }

    /// Hands an item to the consumer, waiting for room; `false` when the consumer left.
    async fn deliver(&mut self, item: Result<E>) -> bool {
        self.items.send(item).await.is_ok()
    }

    /// The next action sequence number.
    fn take_seq(&mut self) -> i64 {
        let seq = self.next_action_seq;
        self.next_action_seq = seq.saturating_add(1);
        seq
    }
}

/// Sends a Close frame and waits (briefly) for the server's.
async fn close(mut socket: Socket) {
    let closing = async {
        if socket.close(None).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
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
fn describe(error: &tungstenite::Error) -> String {
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
pub(super) fn websocket_url(endpoint: &Url) -> String {
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
