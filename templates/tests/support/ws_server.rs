//! A loopback WebSocket server for the event stream's tests, and helpers to read the stream.
//! Shared by the `websocket*` test binaries (each uses part of it).
#![allow(dead_code)]
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mattermost_client_runtime::runtime::{
    Client, ConnectionNotice, EventFrame, EventOptions, EventPayload, EventStream,
};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub const TOKEN: &str = "secret-token-1234567890";
/// Longest wait for anything in these tests.
pub const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- the test's event type

/// What the stream yields, for these tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Event {
        event: String,
        seq: Option<i64>,
        data: Value,
    },
    Notice(ConnectionNotice),
}

impl EventPayload for Item {
    fn from_frame(frame: EventFrame<'_>) -> Self {
        Item::Event {
            data: frame.data_value(),
            event: frame.event,
            seq: frame.seq,
        }
    }

    fn from_notice(notice: ConnectionNotice) -> Self {
        Item::Notice(notice)
    }
}

pub fn event_of(name: &str, seq: i64) -> (String, Option<i64>) {
    (name.to_owned(), Some(seq))
}

// ---------------------------------------------------------------- the loopback server

/// How the server answers one upgrade request.
#[derive(Clone)]
pub enum Plan {
    Accept,
    Refuse(StatusCode, Option<&'static str>),
}

/// The upgrade request as the server saw it.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
}

/// What the test asks of the server's side of one connection.
pub enum Cmd {
    Send(Message),
    /// Keep the socket open but never read nor write again (pings go unanswered).
    Stall,
    /// Send pings (with 125-byte payloads) as fast as possible and never read again.
    FloodPings,
    /// Send `posted` events numbered from `first_seq`, one per size, each with a message of
    /// that many bytes, built on the server's side.
    Events { first_seq: i64, sizes: Vec<usize> },
}

/// One upgrade request and, when accepted, the server's side of its connection. A task reads
/// the socket all the time (so that pings are answered) and writes what the test sends.
/// Dropping it drops the TCP connection (no Close frame).
pub struct Conn {
    pub seen: Seen,
    to_client: Option<mpsc::UnboundedSender<Cmd>>,
    from_client: mpsc::UnboundedReceiver<Message>,
    /// How many messages the server wrote.
    pub written: Arc<AtomicUsize>,
}

impl Conn {
    pub fn accepted(seen: Seen, mut ws: WebSocketStream<TcpStream>) -> Conn {
        let (to_client, mut commands) = mpsc::unbounded_channel();
        let (forward, from_client) = mpsc::unbounded_channel();
        let written = Arc::new(AtomicUsize::new(0));
        let counter = written.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    message = ws.next() => match message {
                        Some(Ok(message @ (Message::Text(_) | Message::Close(_)))) => {
                            let _ = forward.send(message);
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                    command = commands.recv() => match command {
                        Some(Cmd::Send(message)) => {
                            if ws.send(message).await.is_err() {
                                break;
                            }
                            counter.fetch_add(1, Ordering::SeqCst);
                        }
                        Some(Cmd::Stall) => {
                            let _keep_open = ws;
                            std::future::pending::<()>().await;
                            return;
                        }
                        Some(Cmd::FloodPings) => {
                            let payload = vec![b'p'; 125];
                            while ws.send(Message::Ping(payload.clone().into())).await.is_ok() {
                                counter.fetch_add(1, Ordering::SeqCst);
                            }
                            return;
                        }
                        Some(Cmd::Events { first_seq, sizes }) => {
                            for (seq, size) in (first_seq..).zip(sizes) {
                                let text = format!(
                                    r#"{{"event":"posted","data":{{"message":"{}"}},"broadcast":{{}},"seq":{seq}}}"#,
                                    "x".repeat(size)
                                );
                                if ws.send(Message::text(text)).await.is_err() {
                                    return;
                                }
                                counter.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        None => break,
                    },
                }
            }
        });
        Conn {
            seen,
            to_client: Some(to_client),
            from_client,
            written,
        }
    }

    pub fn refused(seen: Seen) -> Conn {
        Conn {
            seen,
            to_client: None,
            from_client: mpsc::unbounded_channel().1,
            written: Arc::default(),
        }
    }

    pub fn command(&self, command: Cmd) {
        self.to_client
            .as_ref()
            .expect("an accepted connection")
            .send(command)
            .expect("server task running");
    }

    pub async fn send(&mut self, value: Value) {
        self.send_raw(Message::text(value.to_string())).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.command(Cmd::Send(message));
    }

    pub fn stall(&self) {
        self.command(Cmd::Stall);
    }

    pub async fn hello(&mut self, connection_id: &str) {
        self.send(json!({
            "event": "hello",
            "data": {"connection_id": connection_id, "server_version": "10.5.0.1.abc.false"},
            "broadcast": {"user_id": "me"},
            "seq": 0
        }))
        .await;
    }

    pub async fn event(&mut self, name: &str, seq: i64) {
        self.send(json!({"event": name, "data": {"n": seq}, "broadcast": {}, "seq": seq}))
            .await;
    }

    /// Reads the client's `authentication_challenge` and accepts it.
    pub async fn accept_challenge(&mut self) {
        let challenge = self.next_json().await;
        assert_eq!(challenge["action"], "authentication_challenge");
        assert_eq!(challenge["data"]["token"], TOKEN);
        self.send(json!({"status": "OK", "seq_reply": challenge["seq"]})).await;
    }

    /// The next text or close frame from the client.
    pub async fn next_message(&mut self) -> Option<Message> {
        tokio::time::timeout(WAIT, self.from_client.recv())
            .await
            .expect("a frame from the client in time")
    }

    /// The next text frame from the client, as JSON.
    pub async fn next_json(&mut self) -> Value {
        match self.next_message().await {
            Some(Message::Text(text)) => serde_json::from_str(text.as_str()).expect("JSON from the client"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

pub struct Server {
    pub url: String,
    conns: mpsc::UnboundedReceiver<Conn>,
    plans: Arc<Mutex<VecDeque<Plan>>>,
    pub accept_task: tokio::task::JoinHandle<()>,
    /// The server's own runtime, when it runs on other threads than the test's.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Server {
    pub async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (tx, conns) = mpsc::unbounded_channel();
        let plans: Arc<Mutex<VecDeque<Plan>>> = Arc::default();
        let plans_for_task = plans.clone();
        let accept_task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let plan = plans_for_task.lock().expect("lock").pop_front().unwrap_or(Plan::Accept);
                let tx = tx.clone();
                tokio::spawn(async move {
                    let seen = Arc::new(Mutex::new(Seen::default()));
                    let seen_in_callback = seen.clone();
                    // tungstenite's callback signature has a large error type.
                    #[allow(clippy::result_large_err)]
                    let callback = move |request: &Request, response: Response| {
                        let header = |name: &str| {
                            request
                                .headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        *seen_in_callback.lock().expect("lock") = Seen {
                            path: request.uri().path().to_owned(),
                            query: request.uri().query().map(str::to_owned),
                            authorization: header("authorization"),
                            user_agent: header("user-agent"),
                        };
                        match plan {
                            Plan::Accept => Ok(response),
                            Plan::Refuse(status, location) => {
                                let mut refusal = ErrorResponse::new(Some(
                                    r#"{"id":"api.context.session_expired.app_error","message":"Invalid or expired session","status_code":401}"#.to_owned(),
                                ));
                                *refusal.status_mut() = status;
                                if let Some(location) = location {
                                    refusal
                                        .headers_mut()
                                        .insert("location", location.parse().expect("header"));
                                }
                                Err(refusal)
                            }
                        }
                    };
                    let ws = tokio_tungstenite::accept_hdr_async(stream, callback).await.ok();
                    let seen = seen.lock().expect("lock").clone();
                    let conn = match ws {
                        Some(ws) => Conn::accepted(seen, ws),
                        None => Conn::refused(seen),
                    };
                    let _ = tx.send(conn);
                });
            }
        });
        Server {
            url,
            conns,
            plans,
            accept_task,
            runtime: None,
        }
    }

    /// A server whose tasks run on a runtime of their own (one worker thread), so that what
    /// the test's thread allocates or logs is the client's alone.
    pub fn start_on_own_thread() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        let mut server = runtime.block_on(async { tokio::spawn(Server::start()).await.expect("started") });
        server.runtime = Some(runtime);
        server
    }

    pub fn plan(&self, plan: Plan) {
        self.plans.lock().expect("lock").push_back(plan);
    }

    pub async fn next_conn(&mut self) -> Conn {
        tokio::time::timeout(WAIT, self.conns.recv())
            .await
            .expect("a connection in time")
            .expect("server running")
    }

    /// The next connection, if one comes within `wait`.
    pub async fn next_conn_within(&mut self, wait: Duration) -> Option<Conn> {
        tokio::time::timeout(wait, self.conns.recv()).await.ok().flatten()
    }

    /// Asserts that no connection comes within `wait`.
    pub async fn no_conn_within(&mut self, wait: Duration) {
        if let Ok(Some(conn)) = tokio::time::timeout(wait, self.conns.recv()).await {
            panic!("unexpected connection: {:?}", conn.seen);
        }
    }

    pub fn client(&self) -> Client {
        Client::builder(&self.url).token(TOKEN).build().expect("client")
    }
}

/// Short intervals, so that every test ends within seconds.
pub fn fast() -> EventOptions {
    EventOptions::new()
        .ping_interval(Duration::from_millis(100))
        .silence_timeout(Duration::from_millis(600))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .action_timeout(Duration::from_secs(2))
}

/// Connects `client` while `server` accepts; returns the stream and the server's side.
pub async fn connect(server: &mut Server, client: &Client, options: EventOptions) -> (EventStream<Item>, Conn) {
    let stream = tokio::time::timeout(WAIT, client.events_with::<Item>(options))
        .await
        .expect("connected in time")
        .expect("connected");
    (stream, server.next_conn().await)
}

pub async fn next_item(stream: &mut EventStream<Item>) -> Item {
    match tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("an item in time")
    {
        Some(Ok(item)) => item,
        other => panic!("expected an item, got {other:?}"),
    }
}

/// The next item, which must be an event: its name and sequence number.
pub async fn next_event(stream: &mut EventStream<Item>) -> (String, Option<i64>) {
    match next_item(stream).await {
        Item::Event { event, seq, .. } => (event, seq),
        other => panic!("expected an event, got {other:?}"),
    }
}

pub async fn next_notice(stream: &mut EventStream<Item>) -> ConnectionNotice {
    match next_item(stream).await {
        Item::Notice(notice) => notice,
        other => panic!("expected a notice, got {other:?}"),
    }
}

/// Reads `Connected` and the `hello` event.
pub async fn expect_greeting(stream: &mut EventStream<Item>, connection_id: &str) {
    match next_notice(stream).await {
        ConnectionNotice::Connected {
            connection_id: id,
            server_version,
        } => {
            assert_eq!(id, connection_id);
            assert_eq!(server_version, "10.5.0.1.abc.false");
        }
        other => panic!("expected Connected, got {other:?}"),
    }
    assert_eq!(next_event(stream).await, event_of("hello", 0));
}

pub fn query_of(conn: &Conn) -> Option<&str> {
    conn.seen.query.as_deref()
}
