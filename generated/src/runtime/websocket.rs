// Copied by `cargo xtask regen` from templates/src/runtime/websocket.rs. Edit it there.

//! The WebSocket event stream: server events as a [`Stream`], actions answered by the server,
//! keep-alive, and reconnection that resumes where the connection dropped.
//!
//! [`Client::events_with`] connects to `<server root>/api/v4/websocket` (`ws` or `wss`, as the
//! base URL is `http` or `https`) with the client's token and returns an [`EventStream`]. One
//! background task owns the socket: it pings the server, notices a silent connection, reconnects
//! with exponential backoff and jitter, and asks the server to replay what was missed (its
//! `connection_id` and the next `sequence_number`), also when events are missing inside a
//! connection. When the server cannot, the stream yields a [`ConnectionNotice::Gap`]: events
//! were lost and state should be fetched again over HTTP.
//!
//! What waits for the consumer is bounded in bytes ([`EventOptions::max_buffered_bytes`]): when
//! it is full the task stops reading the socket, so an unread stream holds the server back
//! instead of filling memory.
//!
//! Items are built by an [`EventPayload`] type (the generated `Event` enum), so one stream
//! carries typed events and connection notices. An `Err` item is always the last one: the
//! stream ends after it (authentication refused, a redirect, or reconnection given up).
//!
//! The upgrade request goes through a reqwest client, so TLS is the HTTP client's (same
//! backend, same root certificates) and the token is sent as a sensitive header that neither
//! reqwest nor tungstenite logs.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::client::Client;
use super::error::{AppError, Error, Result, TimeoutKind};
use super::websocket_backoff::Backoff;
use super::websocket_buffer::{self, ItemReceiver};
use super::websocket_connection::{Command, Connection};
use super::websocket_frame;

/// Turns what the event stream receives into its items; implemented by the generated `Event`
/// enum.
///
/// Both functions are infallible: a payload that does not decode becomes an "unknown" item, so
/// that one odd frame never ends the stream.
pub trait EventPayload: Sized + Send + 'static {
    /// An event sent by the server, decoded from the frame's text it borrows.
    fn from_frame(frame: EventFrame<'_>) -> Self;
    /// A change of the connection itself (connected, lost, resumed, events lost).
    fn from_notice(notice: ConnectionNotice) -> Self;
}

/// One server event, as received: `{"event": ..., "data": ..., "broadcast": ..., "seq": N}`.
///
/// `data` and `broadcast` are the frame's own JSON text (checked to be JSON, not decoded), so
/// that [`EventPayload::from_frame`] decodes them once, straight into its types;
/// [`data_value`](Self::data_value) and [`broadcast_value`](Self::broadcast_value) give them as
/// `serde_json::Value`s.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EventFrame<'a> {
    /// The event's name (`posted`, `typing`, `hello`...).
    pub event: String,
    /// The JSON text of its payload; `null` when absent.
    pub data: &'a RawValue,
    /// The JSON text of who the server sent it to (`channel_id`, `team_id`, `user_id`...);
    /// `null` when absent.
    pub broadcast: &'a RawValue,
    /// Its sequence number on the connection (from 0), when the frame has one.
    pub seq: Option<i64>,
}

impl EventFrame<'_> {
    /// The payload as a JSON value (`null` when it nests deeper than 128 levels, the most
    /// `serde_json` reads).
    pub fn data_value(&self) -> Value {
        websocket_frame::json_value(self.data)
    }

    /// The broadcast as a JSON value (`null` when it nests deeper than 128 levels).
    pub fn broadcast_value(&self) -> Value {
        websocket_frame::json_value(self.broadcast)
    }
}

/// Frames are equal when their names, sequence numbers and JSON texts are.
impl PartialEq for EventFrame<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.event == other.event
            && self.seq == other.seq
            && self.data.get() == other.data.get()
            && self.broadcast.get() == other.broadcast.get()
    }
}

/// A change of the connection, yielded between events.
///
/// After a reconnection the server resumes the old connection where it can: it replays the
/// missed events (no `hello`, no notice). Where it cannot, a `Gap` follows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionNotice {
    /// The server greeted the first connection (its `hello` event, which follows as an event
    /// too).
    Connected {
        /// The server's id of this connection.
        connection_id: String,
        /// The server's version string.
        server_version: String,
    },
    /// The connection was lost; the stream reconnects (with backoff).
    Disconnected {
        /// Why, in words (no secrets, no server data).
        reason: String,
    },
    /// A new connection is open after a loss. When `connection_id` is not empty, the server
    /// was asked to replay the missed events of that connection; when it could not, a
    /// [`ConnectionNotice::Gap`] follows. When it is empty nothing could be asked (with
    /// [`AuthMode::Challenge`], after a dropped frame, or before any `hello`), and a `Gap`
    /// follows the new connection's `hello`.
    Reconnected {
        /// The connection whose events the server was asked to resume (empty if none).
        connection_id: String,
    },
    /// Events were lost: the server started a new connection instead of resuming the old one
    /// (it restarted, too much was missed, or resumption was impossible), events are missing
    /// that the server could not replay, the server's numbering went backwards (a reset), or a
    /// frame over the size limit was dropped. State kept from events (unread counts,
    /// statuses...) should be fetched again.
    Gap {
        /// The connection whose events were lost (empty if unknown).
        previous_connection_id: String,
        /// The new connection's id (from the server's `hello`).
        new_connection_id: String,
        /// The sequence number of the last event received before the loss, if any.
        last_sequence: Option<i64>,
    },
}

/// How the stream authenticates with the client's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// `Authorization: Bearer <token>` on the upgrade request (default). A refused token ends
    /// with HTTP 401.
    #[default]
    Header,
    /// An `authentication_challenge` action right after connecting, for proxies that drop the
    /// `Authorization` header. The frame holding the token is written before the WebSocket
    /// library takes over the socket, so that its trace logging never shows it.
    ///
    /// **The server cannot resume a connection in this mode**: it ignores `connection_id` on an
    /// upgrade request without a session (`connectWebSocket`, `server/channels/api4/websocket.go`).
    /// So every reconnection is a new connection followed by a [`ConnectionNotice::Gap`], and
    /// missing events are reported at once instead of replayed. Prefer [`AuthMode::Header`].
    Challenge,
}

/// Settings of an [`EventStream`]; made by [`EventOptions::new`] (or `default`).
///
/// | setting | default |
/// | --- | --- |
/// | [`auth`](Self::auth) | [`AuthMode::Header`] |
/// | [`ping_interval`](Self::ping_interval) | 30 s |
/// | [`silence_timeout`](Self::silence_timeout) (no frame at all: the connection is dead) | 60 s |
/// | [`reconnect_backoff`](Self::reconnect_backoff) (doubling, with jitter) | 500 ms to 30 s |
/// | [`max_reconnect_attempts`](Self::max_reconnect_attempts) (in a row) | unlimited |
/// | [`retry_first_connection`](Self::retry_first_connection) | yes |
/// | [`channel_capacity`](Self::channel_capacity) (items buffered for the consumer) | 256 |
/// | [`max_buffered_bytes`](Self::max_buffered_bytes) (bytes of frames buffered) | 32 MiB |
/// | [`max_frame_size`](Self::max_frame_size) | 16 MiB |
/// | [`action_timeout`](Self::action_timeout) | 30 s |
/// | [`posted_ack`](Self::posted_ack) | no |
///
/// The handshake (and the authentication challenge) must end within the client's
/// [`timeout`](super::ClientBuilder::timeout), the TCP connection within its
/// [`connect_timeout`](super::ClientBuilder::connect_timeout).
#[derive(Clone)]
pub struct EventOptions {
    pub(super) auth: AuthMode,
    pub(super) ping_interval: Duration,
    pub(super) silence_timeout: Duration,
    pub(super) backoff: Backoff,
    pub(super) max_reconnect_attempts: Option<u32>,
    pub(super) retry_first_connection: bool,
    pub(super) channel_capacity: usize,
    pub(super) max_buffered_bytes: usize,
    pub(super) max_frame_size: usize,
    pub(super) action_timeout: Duration,
    pub(super) posted_ack: bool,
    pub(super) http: Option<reqwest::Client>,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            auth: AuthMode::Header,
            ping_interval: Duration::from_secs(30),
            silence_timeout: Duration::from_secs(60),
            backoff: Backoff {
                initial: Duration::from_millis(500),
                max: Duration::from_secs(30),
            },
            max_reconnect_attempts: None,
            retry_first_connection: true,
            channel_capacity: 256,
            max_buffered_bytes: 32 * 1024 * 1024,
            max_frame_size: 16 * 1024 * 1024,
            action_timeout: Duration::from_secs(30),
            posted_ack: false,
            http: None,
        }
    }
}

impl fmt::Debug for EventOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventOptions")
            .field("auth", &self.auth)
            .field("ping_interval", &self.ping_interval)
            .field("silence_timeout", &self.silence_timeout)
            .field("backoff", &self.backoff)
            .field("max_reconnect_attempts", &self.max_reconnect_attempts)
            .field("retry_first_connection", &self.retry_first_connection)
            .field("channel_capacity", &self.channel_capacity)
            .field("max_buffered_bytes", &self.max_buffered_bytes)
            .field("max_frame_size", &self.max_frame_size)
            .field("action_timeout", &self.action_timeout)
            .field("posted_ack", &self.posted_ack)
            .field("custom_http_client", &self.http.is_some())
            .finish()
    }
}

impl EventOptions {
    /// The default settings (see the table above).
    pub fn new() -> Self {
        EventOptions::default()
    }

    /// Sets how the token is presented (default [`AuthMode::Header`]).
    pub fn auth(mut self, auth: AuthMode) -> Self {
        self.auth = auth;
        self
    }

    /// Sets how often the client pings the server (default 30 s; at least 1 ms).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Sets how long the server may stay silent (no event, pong or ping) before the connection
    /// counts as dead and is replaced (default 60 s; at least 1 ms). A write to the server
    /// (a pong, a ping, an action) that cannot complete within it ends the connection too.
    pub fn silence_timeout(mut self, timeout: Duration) -> Self {
        self.silence_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Sets the delay before the first reconnection attempt and the largest one; it doubles
    /// between attempts in a row, and a random part (up to half) spreads clients apart
    /// (default 500 ms and 30 s). The delay starts again from `initial` only once a connection
    /// has delivered more than its `hello`, or stayed up for `max`: a server that accepts and
    /// drops connections at once sees them less and less often.
    pub fn reconnect_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff = Backoff {
            initial,
            max: max.max(initial),
        };
        self
    }

    /// Ends the stream with an error after this many failed reconnection attempts in a row
    /// (default: never). Also bounds the retries of the first connection.
    pub fn max_reconnect_attempts(mut self, attempts: u32) -> Self {
        self.max_reconnect_attempts = Some(attempts);
        self
    }

    /// Whether a failure of the first connection that another attempt may fix (no answer, a
    /// 5xx...) is retried with the reconnection backoff, like later ones (default `true`). With
    /// `false`, [`Client::events_with`] returns the first failure at once. A refused token, a
    /// redirect or a missing token is never retried. With unlimited attempts (the default),
    /// `events_with` waits until the server answers.
    pub fn retry_first_connection(mut self, retry: bool) -> Self {
        self.retry_first_connection = retry;
        self
    }

    /// Sets how many items wait for the consumer at most (default 256; at least 1). When it is
    /// full the socket is no longer read (see [`max_buffered_bytes`](Self::max_buffered_bytes)).
    pub fn channel_capacity(mut self, capacity: usize) -> Self {
        self.channel_capacity = capacity.max(1);
        self
    }

    /// Sets how many bytes of frames (their size as received) may wait for the consumer
    /// (default 32 MiB; from 1 byte to 4 GiB). A frame larger than this waits until the buffer
    /// is empty.
    ///
    /// When the buffer is full the socket is no longer read: nothing is dropped, and a slow
    /// consumer slows the server down instead of filling memory. A consumer stalled for long
    /// (the server waits 100 s for a pong) makes the server drop the connection; it is then
    /// resumed, and what the server could not keep is reported as a
    /// [`ConnectionNotice::Gap`]. An unread stream holds at most this much, plus one decoded
    /// event waiting for room and one frame being read
    /// ([`max_frame_size`](Self::max_frame_size)).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes.clamp(1, u32::MAX as usize);
        self
    }

    /// Sets the largest frame (and message) accepted, in bytes (default 16 MiB; at least
    /// 1 KiB). A larger one is not read: the connection is replaced and a
    /// [`ConnectionNotice::Gap`] reported.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.max_frame_size = bytes.max(1024);
        self
    }

    /// Sets how long [`ActionSender::send`] waits for the reply (default 30 s).
    pub fn action_timeout(mut self, timeout: Duration) -> Self {
        self.action_timeout = timeout;
        self
    }

    /// Asks the server to mark the `posted` events it wants acknowledged (`posted_ack=true` on
    /// the upgrade request; default `false`): their data then has `should_ack: true`, and the
    /// bot answers with [`ActionSender::acknowledge_posted`]. The server uses the answers for its
    /// notification metrics; servers that do not know the parameter ignore it.
    pub fn posted_ack(mut self, ack: bool) -> Self {
        self.posted_ack = ack;
        self
    }

    /// Uses this reqwest client for the upgrade request (proxies, root certificates...). It
    /// must speak HTTP/1.1 to the server (build it with `http1_only()`) and should not follow
    /// redirects: a redirected upgrade ends with [`Error::Redirect`]. By default a client with
    /// the same TLS backend as the HTTP client, the client's connect timeout and user agent
    /// is built for the stream.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }
}

/// Server events and connection notices as items of `E`; made by [`Client::events_with`].
///
/// Dropping it closes the WebSocket (with a Close frame) and ends its background task;
/// [`ActionSender`]s then fail. An `Err` item is the last one.
pub struct EventStream<E> {
    items: ItemReceiver<E>,
    actions: ActionSender,
}

impl<E> EventStream<E> {
    /// A handle to send actions on this stream's connection; cheap to clone.
    pub fn actions(&self) -> ActionSender {
        self.actions.clone()
    }

    /// How many bytes of frames wait for the consumer now (at most
    /// [`EventOptions::max_buffered_bytes`]).
    pub fn buffered_bytes(&self) -> usize {
        self.items.bytes()
    }
}

impl<E> Stream for EventStream<E> {
    type Item = Result<E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().items.poll_recv(cx)
    }
}

impl<E> fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("buffered", &self.items.len())
            .field("buffered_bytes", &self.items.bytes())
            .finish_non_exhaustive()
    }
}

/// Sends actions (`user_typing`, `get_statuses`...) on an [`EventStream`]'s connection and
/// waits for their replies, matched by sequence number. Cheap to clone.
///
/// Actions are not queued across reconnections: one sent while the connection is down, or
/// whose connection drops before the reply, fails. Replies are read by the stream's task,
/// which waits while the consumer's buffer is full: an unread stream delays replies too.
#[derive(Clone)]
pub struct ActionSender {
    commands: mpsc::Sender<Command>,
    timeout: Duration,
}

impl fmt::Debug for ActionSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionSender")
            .field("timeout", &self.timeout)
            .field("closed", &self.commands.is_closed())
            .finish()
    }
}

impl ActionSender {
    /// Sends `action` with `data` (left out when `null`) and waits for the server's reply, at
    /// most the [action timeout](EventOptions::action_timeout) (then [`Error::Timeout`] of
    /// kind [`TimeoutKind::Attempt`]). A reply with status `FAIL` is returned too: see
    /// [`ActionReply::is_ok`].
    pub async fn send(&self, action: &str, data: Value) -> Result<ActionReply> {
        let (reply, answer) = oneshot::channel();
        let command = Command {
            action: action.to_owned(),
            data,
            reply,
        };
        let work = async {
            self.commands.send(command).await.map_err(|_| ended())?;
            answer.await.map_err(|_| ended())?
        };
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or(Err(Error::Timeout {
                kind: TimeoutKind::Attempt,
                limit: self.timeout,
            }))
    }

    /// Tells the server the user is typing in `channel_id` (in the thread of `parent_id`).
    pub async fn user_typing(&self, channel_id: &str, parent_id: Option<&str>) -> Result<ActionReply> {
        let data = serde_json::json!({ "channel_id": channel_id, "parent_id": parent_id.unwrap_or_default() });
        self.send("user_typing", data).await
    }

    /// Asks for the status of every user; the reply's data maps user ids to statuses.
    pub async fn get_statuses(&self) -> Result<ActionReply> {
        self.send("get_statuses", Value::Null).await
    }

    /// Asks for the status of these users; the reply's data maps user ids to statuses.
    pub async fn get_statuses_by_ids<S: AsRef<str>>(&self, user_ids: &[S]) -> Result<ActionReply> {
        let ids: Vec<&str> = user_ids.iter().map(AsRef::as_ref).collect();
        self.send("get_statuses_by_ids", serde_json::json!({ "user_ids": ids }))
            .await
    }

    /// Acknowledges a `posted` event whose data has `should_ack: true` (see
    /// [`EventOptions::posted_ack`]): the `posted_notify_ack` action with the post's id, a
    /// `status` (`success`, `error`, `not_sent`, `unsupported`) and an optional `reason`, as the
    /// server's `websocketNotificationAck` (`server/channels/wsapi/system.go`) reads it.
    pub async fn acknowledge_posted(&self, post_id: &str, status: &str, reason: Option<&str>) -> Result<ActionReply> {
        let mut data = serde_json::json!({ "post_id": post_id, "status": status });
        if let Some(reason) = reason {
            data["reason"] = Value::from(reason);
        }
        self.send("posted_notify_ack", data).await
    }
}

/// The error of an action whose stream has ended.
fn ended() -> Error {
    Error::WebSocket("the event stream has ended".into())
}

/// The server's reply to an action: `{"status": "OK" | "FAIL", "seq_reply": N, ...}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ActionReply {
    /// The sequence number of the action answered.
    pub seq_reply: i64,
    /// `OK` or `FAIL`.
    pub status: String,
    /// The reply's data; `null` when absent.
    pub data: Value,
    /// Why it failed, for a `FAIL` reply with an error.
    pub error: Option<AppError>,
}

impl ActionReply {
    /// Whether the status is `OK`.
    pub fn is_ok(&self) -> bool {
        self.status == "OK"
    }
}

impl Client {
    /// Connects to the server's WebSocket with this client's token and returns its events as a
    /// stream of `E` (the generated `Event`; `Client::events` calls this with the defaults).
    ///
    /// Returns once the upgrade (and, with [`AuthMode::Challenge`], the authentication) has
    /// succeeded. A failure another attempt may fix is retried with the reconnection backoff
    /// (see [`EventOptions::retry_first_connection`] and
    /// [`EventOptions::max_reconnect_attempts`]); others are returned at once: HTTP 401 as
    /// [`Error::Api`], a redirect as [`Error::Redirect`], a missing token as
    /// [`Error::InvalidRequest`]. Mattermost upgrades a connection whatever its token and closes
    /// one it does not accept a few seconds later, without a frame; when a connection ends
    /// before its first frame in [`AuthMode::Header`], the stream asks `GET /api/v4/users/me`
    /// and, if the server refuses the token, yields that 401 (or 403) as its last item instead
    /// of reconnecting. Later connections read the token again, so
    /// [`Client::set_token`] applies to them. Must be called within a Tokio runtime, which
    /// runs the stream's task.
    pub async fn events_with<E: EventPayload>(&self, options: EventOptions) -> Result<EventStream<E>> {
        let timeout = options.action_timeout;
        let capacity = options.channel_capacity.max(1);
        let (items_tx, items) = websocket_buffer::channel(capacity, options.max_buffered_bytes);
        let (commands, commands_rx) = mpsc::channel(capacity.min(64));
        // test-util: a client of the test double replays recorded frames instead (websocket_replay.rs).
        #[cfg(feature = "test-util")]
        if let Some(frames) = self.replayed_frames() {
            tokio::spawn(super::websocket_replay::replay(frames?, items_tx, commands_rx));
            return Ok(EventStream { items, actions: ActionSender { commands, timeout } });
        }
        let mut connection = Connection::new(self.clone(), options, items_tx, commands_rx)?;
        let socket = connection.connect_first().await?;
        tokio::spawn(connection.run(socket));
        Ok(EventStream {
            items,
            actions: ActionSender { commands, timeout },
        })
    }
}
