//! The background task of an [`EventStream`](super::EventStream): keep-alive, dispatch of
//! frames, and reconnection with resumption.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};

use super::client::Client;
use super::error::{Error, Result};
use super::redact::escape_bounded;
use super::websocket::{ActionReply, AuthMode, ConnectionNotice, EventOptions, EventPayload};
use super::websocket_buffer::ItemSender;
use super::websocket_frame::{self as frame, receive, Received};
use super::websocket_handshake::{describe, ConnectError, Handshake, Socket, MAX_REASON};
use super::websocket_sequence::{Sequence, Verdict};

/// Most actions awaiting a reply at once.
const MAX_PENDING: usize = 1024;
/// How long closing a socket may take (sending the Close frame, waiting for the reply).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// An action to send, from an [`ActionSender`](super::ActionSender).
pub(super) struct Command {
    /// The action's name.
    pub action: String,
    /// Its data; left out when null.
    pub data: Value,
    /// Where the reply (or the failure) goes.
    pub reply: oneshot::Sender<Result<ActionReply>>,
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
    handshake: Handshake,
    options: EventOptions,
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
    /// Whether the current connection sent any text frame (its greeting included).
    heard: bool,
    /// Text frames received while authenticating, handled first.
    early: Vec<Utf8Bytes>,
}

impl<E: EventPayload> Connection<E> {
    /// A stream's state; fails as [`Handshake::new`] does.
    pub(super) fn new(
        client: Client,
        options: EventOptions,
        items: ItemSender<E>,
        commands: mpsc::Receiver<Command>,
    ) -> Result<Self> {
        Ok(Connection {
            handshake: Handshake::new(client, &options)?,
            options,
            items,
            commands,
            pending: HashMap::new(),
            next_action_seq: 1,
            sequence: Sequence::default(),
            resumed: String::new(),
            healthy: false,
            heard: false,
            early: Vec::new(),
        })
    }

    /// Opens a connection, asking the server to resume the current one where it can.
    async fn connect(&mut self) -> std::result::Result<Socket, ConnectError> {
        let challenge_seq = match self.options.auth {
            AuthMode::Challenge => self.take_seq(),
            AuthMode::Header => 0,
        };
        let resume = self.sequence.resume_point().filter(|_| self.handshake.can_resume());
        self.resumed = resume.map(|(id, _)| id.to_owned()).unwrap_or_default();
        let opened = self.handshake.open(resume, challenge_seq).await?;
        self.early = opened.early;
        Ok(opened.socket)
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
            self.heard = false;
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
                    // Mattermost upgrades whatever the token and closes an unauthenticated
                    // connection a few seconds later without a frame: ask over HTTP whether
                    // the token is refused, instead of reconnecting for ever.
                    if !self.heard && self.options.auth == AuthMode::Header {
                        if let Some(error) = self.handshake.refused_token().await {
                            self.deliver(Err(error)).await;
                            return;
                        }
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
        self.heard = true;
        let size = text.len();
        let received = receive::<E>(text.as_str());
        // The raw frame is not kept while its decoded form waits for the consumer.
        drop(text);
        match received {
            Received::Reply(reply) => {
                self.healthy = true;
                match self.pending.remove(&reply.seq_reply) {
                    Some(waiter) => {
                        let _ = waiter.send(Ok(reply));
                    }
                    None => tracing::debug!(seq_reply = reply.seq_reply, "reply to no pending action"),
                }
                Flow::Go
            }
            Received::Malformed(reason) => {
                tracing::warn!(len = size, reason, "ignoring a WebSocket frame");
                Flow::Go
            }
            Received::Event { hello: Some((id, server_version)), seq, item } => {
                if let Some(notice) = self.sequence.hello(id, server_version, seq) {
                    if !self.notify(notice).await {
                        return Flow::ConsumerGone;
                    }
                }
                self.deliver_event(item, size).await
            }
            Received::Event { hello: None, seq, item } => {
                self.healthy = true;
                match self.sequence.event(seq, self.handshake.can_resume()) {
                    Verdict::Deliver => self.deliver_event(item, size).await,
                    Verdict::DeliverAfter(notice) => {
                        if !self.notify(notice).await {
                            return Flow::ConsumerGone;
                        }
                        self.deliver_event(item, size).await
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

    /// Hands an event that took `size` bytes on the wire to the consumer.
    async fn deliver_event(&mut self, item: E, size: usize) -> Flow {
        if self.items.send(Ok(item), size).await {
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

/// Sends a Close frame and waits (briefly) for the server's.
async fn close(mut socket: Socket) {
    let closing = async {
        if socket.close(None).await.is_ok() {
            while let Some(Ok(_)) = socket.next().await {}
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
}
