// Copied by `cargo xtask regen` from templates/src/runtime/websocket_connection.rs. Edit it there.

//! The background task of an [`EventStream`](super::EventStream): the upgrade handshake,
//! keep-alive, dispatch of frames, and reconnection with resumption.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
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
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;
use url::Url;

use super::client::Client;
use super::error::{ApiError, Error, Result, TimeoutKind};
use super::limits;
use super::redact::escape_bounded;
use super::redirect;
use super::websocket::{ActionReply, AuthMode, ConnectionNotice, EventOptions, EventPayload};
use super::websocket_buffer::ItemSender;
use super::websocket_frame::{self as frame, Incoming};
use super::websocket_sequence::{Sequence, Verdict};

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

/// What follows a text frame.
enum Flow {
    /// Go on reading.
    Go,
    /// The consumer dropped the stream.
    ConsumerGone,
    /// Reconnect (for this reason) so that the server replays the events that did not arrive.
    Repair(String),
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
    items: ItemSender<E>,
    commands: mpsc::Receiver<Command>,
    /// Actions sent on the current connection, by sequence number.
    pending: HashMap<i64, oneshot::Sender<Result<ActionReply>>>,
    /// The sequence number of the next action (the counter never restarts).
    next_action_seq: i64,
    /// Where the stream stands in the server's numbering of events.
    sequence: Sequence,
    /// The connection the last upgrade request asked the server to resume (empty if none).
    resumed: String,
    /// Whether the current connection delivered more than its greeting (then failures in a
    /// row restart).
    healthy: bool,
    /// Text frames received while authenticating, handled first.
    early: Vec<Utf8Bytes>,
}

impl<E: EventPayload> Connection<E> {
    /// A stream's state; fails when the default HTTP client cannot be built.
    pub(super) fn new(
        client: Client,
        options: EventOptions,
        items: ItemSender<E>,
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
            sequence: Sequence::default(),
            resumed: String::new(),
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
        tracing::debug!(url = %websocket_url(&self.endpoint), "connecting to the WebSocket");
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
        self.resumed.clear();
        // Without a session on the upgrade request the server ignores `connection_id`
        // (`connectWebSocket` in `server/channels/api4/websocket.go`): never ask then.
        if self.options.auth == AuthMode::Header {
            if let Some((id, next)) = self.sequence.resume_point() {
                url.query_pairs_mut()
                    .append_pair("connection_id", id)
                    .append_pair("sequence_number", &next.to_string());
                self.resumed = id.to_owned();
            }
        }
        if self.options.posted_ack {
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
        let mut upgraded = response.upgrade().await.map_err(|e| ConnectError::retry(e.into()))?;
        // The challenge goes out before tungstenite owns the socket: its trace logging shows
        // every frame it writes, and this one holds the token.
        let challenge = match self.options.auth {
            AuthMode::Challenge => Some(self.send_challenge(&mut upgraded, token).await?),
            AuthMode::Header => None,
        };
        let size = Some(self.options.max_frame_size);
        let config = WebSocketConfig::default().max_message_size(size).max_frame_size(size);
        let mut socket = WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await;
        if let Some(seq) = challenge {
            self.challenge_reply(&mut socket, seq).await?;
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

    /// Writes the `authentication_challenge` action straight to the upgraded connection; its
    /// sequence number.
    async fn send_challenge(
        &mut self,
        upgraded: &mut reqwest::Upgraded,
        token: &str,
    ) -> std::result::Result<i64, ConnectError> {
        let seq = self.take_seq();
        let data = serde_json::json!({ "token": token });
        let text = frame::encode_action(seq, "authentication_challenge", &data)
            .map_err(|_| ConnectError::fatal(Error::InvalidRequest("cannot encode the token".into())))?;
        if text.len() > frame::SERVER_READ_LIMIT {
            return Err(ConnectError::fatal(Error::InvalidRequest(format!(
                "the token is too long for the authentication challenge (over the server's limit of {} bytes)",
                frame::SERVER_READ_LIMIT
            ))));
        }
        let bytes = frame::masked_text_frame(text.into_bytes())
            .map_err(|e| ConnectError::fatal(Error::WebSocket(describe(&e))))?;
        write_all(upgraded, &bytes)
            .await
            .map_err(|e| ConnectError::retry(Error::WebSocket(escape_bounded(&e.to_string(), MAX_REASON))))?;
        Ok(seq)
    }

    /// Waits for the reply to the challenge numbered `seq`. The server closes the connection
    /// when it refuses the token.
    async fn challenge_reply(&mut self, socket: &mut Socket, seq: i64) -> std::result::Result<(), ConnectError> {
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
                    _ => self.early.push(text),
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

    /// Opens the first connection: on a failure another attempt may fix, retries with the
    /// reconnection backoff (unless the options ask for the first failure at once), at most
    /// [`max_reconnect_attempts`](EventOptions::max_reconnect_attempts) times.
    pub(super) async fn connect_first(&mut self) -> Result<Socket> {
        let mut failures: u32 = 0;
        loop {
            let error = match self.connect().await {
                Ok(socket) => return Ok(socket),
                Err(failure) if !failure.retry || !self.options.retry_first_connection => return Err(failure.error),
                Err(failure) => failure.error,
            };
            if let Some(max) = self.options.max_reconnect_attempts {
                if failures >= max {
                    return Err(gave_up(max, &escape_bounded(&error.to_string(), MAX_REASON)));
                }
            }
            tracing::debug!(%error, attempt = failures, "WebSocket connection failed");
            if !self.pause(self.options.backoff.delay(failures)).await {
                return Err(Error::WebSocket("the event stream was dropped while connecting".into()));
            }
            failures = failures.saturating_add(1);
        }
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
            let opened = Instant::now();
            let end = self.serve(current).await;
            // A connection that only greeted is no success: the backoff goes on growing, so a
            // server that accepts and drops at once is not hammered.
            if self.healthy || opened.elapsed() >= self.options.backoff.max {
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
                    self.deliver(Err(gave_up(max, &last_error))).await;
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
                    let notice = ConnectionNotice::Reconnected {
                        connection_id: self.resumed.clone(),
                    };
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
            match self.on_text(text).await {
                Flow::Go => {}
                Flow::ConsumerGone => {
                    close(socket).await;
                    return End::Closed;
                }
                Flow::Repair(reason) => {
                    close(socket).await;
                    return End::Lost(reason);
                }
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
                        Message::Text(text) => match self.on_text(text).await {
                            Flow::Go => {}
                            Flow::ConsumerGone => {
                                close(socket).await;
                                return End::Closed;
                            }
                            Flow::Repair(reason) => {
                                close(socket).await;
                                return End::Lost(reason);
                            }
                        },
                        Message::Binary(bytes) => {
                            tracing::warn!(len = bytes.len(), "ignoring a binary WebSocket frame");
                        }
                        Message::Ping(_) => {
                            // Send the pong tungstenite queued now rather than on the next read.
                            if let Err(reason) = self.bounded_write(socket.flush()).await {
                                return End::Lost(reason);
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
                    self.sequence.forget();
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
                    if let Err(reason) = self.bounded_write(socket.send(Message::Ping(Bytes::new()))).await {
                        return End::Lost(reason);
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

    /// Handles one text frame.
    async fn on_text(&mut self, text: Utf8Bytes) -> Flow {
        let size = text.len();
        let incoming = frame::parse(text.as_str());
        // The raw frame is not kept while its parsed form waits for the consumer.
        drop(text);
        match incoming {
            Incoming::Reply(reply) => {
                self.healthy = true;
                match self.pending.remove(&reply.seq_reply) {
                    Some(waiter) => {
                        let _ = waiter.send(Ok(reply));
                    }
                    None => tracing::debug!(seq_reply = reply.seq_reply, "reply to no pending action"),
                }
                Flow::Go
            }
            Incoming::Malformed(reason) => {
                tracing::warn!(len = size, reason, "ignoring a WebSocket frame");
                Flow::Go
            }
            Incoming::Event(event) if event.event == "hello" => {
                let (id, server_version) = frame::hello_fields(&event.data);
                if let Some(notice) = self.sequence.hello(id, server_version, event.seq) {
                    if !self.notify(notice).await {
                        return Flow::ConsumerGone;
                    }
                }
                self.deliver_event(event, size).await
            }
            Incoming::Event(event) => {
                self.healthy = true;
                // Only a request with a session can resume a connection.
                let can_repair = self.options.auth == AuthMode::Header;
                match self.sequence.event(event.seq, can_repair) {
                    Verdict::Deliver => self.deliver_event(event, size).await,
                    Verdict::DeliverAfter(notice) => {
                        if !self.notify(notice).await {
                            return Flow::ConsumerGone;
                        }
                        self.deliver_event(event, size).await
                    }
                    Verdict::Repair { expected, got } => {
                        tracing::debug!(expected, got, "WebSocket sequence gap: reconnecting to get the missed events");
                        Flow::Repair(format!(
                            "events were missed (expected sequence number {expected}, got {got}); \
                             reconnecting so that the server replays them"
                        ))
                    }
                }
            }
        }
    }

    /// Hands an event of `size` bytes to the consumer, decoded.
    async fn deliver_event(&mut self, event: super::websocket::EventFrame, size: usize) -> Flow {
        if self.items.send(Ok(E::from_frame(event)), size).await {
            Flow::Go
        } else {
            Flow::ConsumerGone
        }
    }

    /// Hands a notice to the consumer; `false` when the consumer left.
    async fn notify(&mut self, notice: ConnectionNotice) -> bool {
        self.deliver(Ok(E::from_notice(notice))).await
    }

    /// Runs a write on the socket for at most the silence timeout: a server that does not read
    /// (its buffers are full) is as dead as a silent one. `Err` is the reason.
    async fn bounded_write<F>(&self, write: F) -> std::result::Result<(), String>
    where
        F: Future<Output = std::result::Result<(), tungstenite::Error>>,
    {
        let limit = self.options.silence_timeout;
        match tokio::time::timeout(limit, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(describe(&e)),
            Err(_) => Err(format!("a write to the server did not complete within {limit:?}")),
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
        if text.len() > frame::SERVER_READ_LIMIT {
            // The server would close the connection on reading it.
            let error = Error::InvalidRequest(format!(
                "the action `{}` is {} bytes, over the server's limit of {} bytes for a frame it reads",
                escape_bounded(&command.action, 100),
                text.len(),
                frame::SERVER_READ_LIMIT
            ));
            let _ = command.reply.send(Err(error));
            return Ok(());
        }
        match self.bounded_write(socket.send(Message::text(text))).await {
            Ok(()) => {
                self.pending.insert(seq, command.reply);
                Ok(())
            }
            Err(reason) => {
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

    /// Hands an item that holds no frame to the consumer, waiting for room; `false` when the
    /// consumer left.
    async fn deliver(&mut self, item: Result<E>) -> bool {
        self.items.send(item, 0).await
    }

    /// The next action sequence number.
    fn take_seq(&mut self) -> i64 {
        let seq = self.next_action_seq;
        self.next_action_seq = seq.saturating_add(1);
        seq
    }
}

/// The error of a stream that gave up after `max` failed attempts in a row, the last for
/// `last_error`.
fn gave_up(max: u32, last_error: &str) -> Error {
    Error::WebSocket(format!(
        "gave up after {max} reconnection attempts in a row: {last_error}"
    ))
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
