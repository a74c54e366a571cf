//! The WebSocket event stream against a loopback WebSocket server.
#![cfg(feature = "websocket")]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use mattermost_client_runtime::runtime::{
    AuthMode, Client, ConnectionNotice, Error, EventFrame, EventOptions, EventPayload, EventStream,
};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const TOKEN: &str = "secret-token-1234567890";
/// Longest wait for anything in these tests.
const WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- the test's event type

/// What the stream yields, for these tests.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Event {
        event: String,
        seq: Option<i64>,
        data: Value,
    },
    Notice(ConnectionNotice),
}

impl EventPayload for Item {
    fn from_frame(frame: EventFrame) -> Self {
        Item::Event {
            event: frame.event,
            seq: frame.seq,
            data: frame.data,
        }
    }

    fn from_notice(notice: ConnectionNotice) -> Self {
        Item::Notice(notice)
    }
}

fn event_of(name: &str, seq: i64) -> (String, Option<i64>) {
    (name.to_owned(), Some(seq))
}

// ---------------------------------------------------------------- the loopback server

/// How the server answers one upgrade request.
#[derive(Clone)]
enum Plan {
    Accept,
    Refuse(StatusCode, Option<&'static str>),
}

/// The upgrade request as the server saw it.
#[derive(Debug, Clone, Default)]
struct Seen {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    user_agent: Option<String>,
}

/// What the test asks of the server's side of one connection.
enum Cmd {
    Send(Message),
    /// Keep the socket open but never read nor write again (pings go unanswered).
    Stall,
}

/// One upgrade request and, when accepted, the server's side of its connection. A task reads
/// the socket all the time (so that pings are answered) and writes what the test sends.
/// Dropping it drops the TCP connection (no Close frame).
struct Conn {
    seen: Seen,
    to_client: Option<mpsc::UnboundedSender<Cmd>>,
    from_client: mpsc::UnboundedReceiver<Message>,
    written: Arc<AtomicUsize>,
}

impl Conn {
    fn accepted(seen: Seen, mut ws: WebSocketStream<TcpStream>) -> Conn {
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

    fn refused(seen: Seen) -> Conn {
        Conn {
            seen,
            to_client: None,
            from_client: mpsc::unbounded_channel().1,
            written: Arc::default(),
        }
    }

    fn command(&self, command: Cmd) {
        self.to_client
            .as_ref()
            .expect("an accepted connection")
            .send(command)
            .expect("server task running");
    }

    async fn send(&mut self, value: Value) {
        self.send_raw(Message::text(value.to_string())).await;
    }

    async fn send_raw(&mut self, message: Message) {
        self.command(Cmd::Send(message));
    }

    fn stall(&self) {
        self.command(Cmd::Stall);
    }

    async fn hello(&mut self, connection_id: &str) {
        self.send(json!({
            "event": "hello",
            "data": {"connection_id": connection_id, "server_version": "10.5.0.1.abc.false"},
            "broadcast": {"user_id": "me"},
            "seq": 0
        }))
        .await;
    }

    async fn event(&mut self, name: &str, seq: i64) {
        self.send(json!({"event": name, "data": {"n": seq}, "broadcast": {}, "seq": seq}))
            .await;
    }

    /// The next text or close frame from the client.
    async fn next_message(&mut self) -> Option<Message> {
        tokio::time::timeout(WAIT, self.from_client.recv())
            .await
            .expect("a frame from the client in time")
    }

    /// The next text frame from the client, as JSON.
    async fn next_json(&mut self) -> Value {
        match self.next_message().await {
            Some(Message::Text(text)) => serde_json::from_str(text.as_str()).expect("JSON from the client"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

struct Server {
    url: String,
    conns: mpsc::UnboundedReceiver<Conn>,
    plans: Arc<Mutex<VecDeque<Plan>>>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start() -> Server {
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
        }
    }

    fn plan(&self, plan: Plan) {
        self.plans.lock().expect("lock").push_back(plan);
    }

    async fn next_conn(&mut self) -> Conn {
        tokio::time::timeout(WAIT, self.conns.recv())
            .await
            .expect("a connection in time")
            .expect("server running")
    }

    /// Asserts that no connection comes within `wait`.
    async fn no_conn_within(&mut self, wait: Duration) {
        if let Ok(Some(conn)) = tokio::time::timeout(wait, self.conns.recv()).await {
            panic!("unexpected connection: {:?}", conn.seen);
        }
    }

    fn client(&self) -> Client {
        Client::builder(&self.url).token(TOKEN).build().expect("client")
    }
}

/// Short intervals, so that every test ends within seconds.
fn fast() -> EventOptions {
    EventOptions::new()
        .ping_interval(Duration::from_millis(100))
        .silence_timeout(Duration::from_millis(600))
        .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100))
        .action_timeout(Duration::from_secs(2))
}

/// Connects `client` while `server` accepts; returns the stream and the server's side.
async fn connect(server: &mut Server, client: &Client, options: EventOptions) -> (EventStream<Item>, Conn) {
    let stream = tokio::time::timeout(WAIT, client.events_with::<Item>(options))
        .await
        .expect("connected in time")
        .expect("connected");
    (stream, server.next_conn().await)
}

async fn next_item(stream: &mut EventStream<Item>) -> Item {
    match tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("an item in time")
    {
        Some(Ok(item)) => item,
        other => panic!("expected an item, got {other:?}"),
    }
}

/// The next item, which must be an event: its name and sequence number.
async fn next_event(stream: &mut EventStream<Item>) -> (String, Option<i64>) {
    match next_item(stream).await {
        Item::Event { event, seq, .. } => (event, seq),
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn next_notice(stream: &mut EventStream<Item>) -> ConnectionNotice {
    match next_item(stream).await {
        Item::Notice(notice) => notice,
        other => panic!("expected a notice, got {other:?}"),
    }
}

/// Reads `Connected` and the `hello` event.
async fn expect_greeting(stream: &mut EventStream<Item>, connection_id: &str) {
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

fn query_of(conn: &Conn) -> Option<&str> {
    conn.seen.query.as_deref()
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn websocket_auth_header_hello_and_events_in_order() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    assert_eq!(conn.seen.path, "/api/v4/websocket");
    assert_eq!(conn.seen.query, None);
    assert_eq!(
        conn.seen.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(conn
        .seen
        .user_agent
        .as_deref()
        .is_some_and(|ua| ua.starts_with("mattermost-client-rs/")));
    conn.hello("conn-1").await;
    for seq in 1..=20 {
        conn.event("posted", seq).await;
    }
    expect_greeting(&mut stream, "conn-1").await;
    for seq in 1..=20 {
        assert_eq!(next_event(&mut stream).await, event_of("posted", seq));
    }
    server.accept_task.abort();
}

#[tokio::test]
async fn websocket_auth_by_challenge() {
    let mut server = Server::start().await;
    let client = server.client();
    let options = fast().auth(AuthMode::Challenge);
    let connecting = tokio::spawn(async move { client.events_with::<Item>(options).await });
    let mut conn = server.next_conn().await;
    assert_eq!(conn.seen.authorization, None, "no header in challenge mode");
    let challenge = conn.next_json().await;
    assert_eq!(
        challenge,
        json!({"seq": 1, "action": "authentication_challenge", "data": {"token": TOKEN}})
    );
    // The server may greet before it answers.
    conn.hello("conn-1").await;
    conn.send(json!({"status": "OK", "seq_reply": 1})).await;
    conn.event("posted", 1).await;
    let mut stream = tokio::time::timeout(WAIT, connecting)
        .await
        .expect("in time")
        .expect("task")
        .expect("authenticated");
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    // Actions go on after the challenge's sequence number.
    let actions = stream.actions();
    let typing = tokio::spawn(async move { actions.user_typing("chan", None).await });
    let action = conn.next_json().await;
    assert_eq!(action["seq"], 2);
    conn.send(json!({"status": "OK", "seq_reply": 2})).await;
    assert!(typing.await.expect("task").expect("reply").is_ok());
}

#[tokio::test]
async fn websocket_challenge_refused_is_an_error() {
    let mut server = Server::start().await;
    let client = server.client();
    let options = fast().auth(AuthMode::Challenge);
    let connecting = tokio::spawn(async move { client.events_with::<Item>(options).await });
    let mut conn = server.next_conn().await;
    let _ = conn.next_json().await;
    // What the server does with a bad token: close the socket.
    drop(conn);
    let result = tokio::time::timeout(WAIT, connecting)
        .await
        .expect("in time")
        .expect("task");
    match result {
        Err(Error::WebSocket(message)) => assert!(message.contains("authentication refused"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn websocket_actions_answered_by_seq_reply() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    let actions = stream.actions();

    let asking = actions.clone();
    let statuses = tokio::spawn(async move { asking.get_statuses_by_ids(&["u1", "u2"]).await });
    let action = conn.next_json().await;
    assert_eq!(
        action,
        json!({"seq": 1, "action": "get_statuses_by_ids", "data": {"user_ids": ["u1", "u2"]}})
    );
    // A reply to nothing, and an event, come first: neither answers the action.
    conn.send(json!({"status": "OK", "seq_reply": 99, "data": {"wrong": true}}))
        .await;
    conn.event("posted", 1).await;
    conn.send(json!({"status": "OK", "seq_reply": 1, "data": {"u1": "online", "u2": "away"}}))
        .await;
    let reply = statuses.await.expect("task").expect("reply");
    assert!(reply.is_ok());
    assert_eq!(reply.seq_reply, 1);
    assert_eq!(reply.data, json!({"u1": "online", "u2": "away"}));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));

    let asking = actions.clone();
    let typing = tokio::spawn(async move { asking.user_typing("chan-1", Some("root-1")).await });
    let action = conn.next_json().await;
    assert_eq!(
        action,
        json!({"seq": 2, "action": "user_typing", "data": {"channel_id": "chan-1", "parent_id": "root-1"}})
    );
    conn.send(json!({"status": "FAIL", "seq_reply": 2, "error": {"id": "api.web_socket_router.bad_action.app_error", "message": "bad", "status_code": 501}}))
        .await;
    let reply = typing.await.expect("task").expect("reply");
    assert!(!reply.is_ok());
    assert_eq!(reply.error.map(|e| e.status_code), Some(501));

    let asking = actions.clone();
    let all = tokio::spawn(async move { asking.get_statuses().await });
    assert_eq!(conn.next_json().await, json!({"seq": 3, "action": "get_statuses"}));
    // No reply: the action times out, and the stream goes on.
    let timed_out = tokio::time::timeout(WAIT, all).await.expect("in time").expect("task");
    assert!(matches!(timed_out, Err(ref e) if e.is_timeout()), "{timed_out:?}");
    conn.event("posted", 2).await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 2));
}

#[tokio::test]
async fn websocket_silent_connection_is_replaced() {
    let mut server = Server::start().await;
    let client = server.client();
    let started = Instant::now();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    conn.event("posted", 1).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    // The server keeps the socket open but never reads again: pings go unanswered.
    conn.stall();
    match next_notice(&mut stream).await {
        ConnectionNotice::Disconnected { reason } => assert!(reason.contains("no frame"), "{reason}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(600));
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=2"));
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: "conn-1".into()
        }
    );
    conn.event("posted", 2).await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 2));
}

#[tokio::test]
async fn websocket_drop_resumes_with_connection_id_and_sequence_number() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    conn.event("posted", 1).await;
    conn.event("posted", 2).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 2));
    // An action in flight when the connection drops fails.
    let actions = stream.actions();
    let pending = tokio::spawn(async move { actions.get_statuses().await });
    let _ = conn.next_json().await;
    drop(conn);
    match next_notice(&mut stream).await {
        ConnectionNotice::Disconnected { .. } => {}
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let lost = pending.await.expect("task");
    assert!(
        matches!(lost, Err(Error::WebSocket(ref m)) if m.contains("lost")),
        "{lost:?}"
    );
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=3"));
    assert_eq!(
        conn.seen.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: "conn-1".into()
        }
    );
    // The server replays from what it thinks was missed; an event seen before is dropped.
    conn.event("posted", 2).await;
    conn.event("posted", 3).await;
    conn.event("posted", 4).await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 3));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 4));
    // A close frame from the server is a drop too.
    conn.send_raw(Message::Close(None)).await;
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=5"));
}

#[tokio::test]
async fn websocket_gap_reported_when_server_starts_a_new_connection() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    conn.event("posted", 1).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    conn.send_raw(Message::Close(None)).await;
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=2"));
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected { .. }
    ));
    // The server could not resume: a new connection id, sequence numbers from 0 again.
    conn.hello("conn-2").await;
    conn.event("posted", 1).await;
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Gap {
            previous_connection_id: "conn-1".into(),
            new_connection_id: "conn-2".into(),
            last_sequence: Some(1),
        }
    );
    assert_eq!(next_event(&mut stream).await, event_of("hello", 0));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-2&sequence_number=2"));
}

#[tokio::test]
async fn websocket_slow_consumer_keeps_memory_bounded() {
    const EVENTS: usize = 1000;
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast().channel_capacity(4)).await;
    conn.hello("conn-1").await;
    let filler = "x".repeat(32 * 1024);
    for seq in 1..=EVENTS {
        conn.send(json!({"event": "posted", "data": {"message": filler}, "broadcast": {}, "seq": seq}))
            .await;
    }
    // The consumer does not read for a while: the server's writes must be held back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stalled_at = conn.written.load(Ordering::SeqCst);
    assert!(
        stalled_at < EVENTS * 2 / 3,
        "the server wrote {stalled_at} of {EVENTS} events to a stalled consumer"
    );
    expect_greeting(&mut stream, "conn-1").await;
    for seq in 1..=EVENTS {
        let (event, got) = next_event(&mut stream).await;
        assert_eq!((event.as_str(), got), ("posted", Some(seq as i64)));
    }
    assert_eq!(conn.written.load(Ordering::SeqCst), EVENTS + 1);
}

#[tokio::test]
async fn websocket_dropping_the_stream_sends_close() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    let actions = stream.actions();
    drop(stream);
    assert!(
        matches!(conn.next_message().await, Some(Message::Close(_))),
        "no Close frame"
    );
    // The task is gone: actions fail at once, and no reconnection happens.
    let result = tokio::time::timeout(WAIT, actions.get_statuses())
        .await
        .expect("in time");
    assert!(
        matches!(result, Err(Error::WebSocket(ref m)) if m.contains("ended")),
        "{result:?}"
    );
    server.no_conn_within(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn websocket_malformed_frames_are_skipped() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    conn.send_raw(Message::binary(vec![0x82, 0xa1, 0x61, 0x01])).await;
    for text in [
        "not json",
        "{\"event\":",
        "[1,2,3]",
        "\"posted\"",
        "42",
        "null",
        "{}",
        "{\"event\":5}",
        "{\"event\":\"posted\",\"seq\":\"7\"}",
        "{\"seq_reply\":\"x\"}",
        "{\"status\":\"OK\",\"seq_reply\":12345}",
    ] {
        conn.send_raw(Message::text(text)).await;
    }
    // A known frame shape with an odd payload is an event; decoding it is the payload type's job.
    conn.send(json!({"event": "posted", "data": "not an object", "seq": 1}))
        .await;
    conn.send(json!({"event": "custom_plugin_event", "seq": 2})).await;
    conn.event("posted", 3).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(
        next_item(&mut stream).await,
        Item::Event {
            event: "posted".into(),
            seq: Some(1),
            data: json!("not an object")
        }
    );
    assert_eq!(
        next_item(&mut stream).await,
        Item::Event {
            event: "custom_plugin_event".into(),
            seq: Some(2),
            data: Value::Null
        }
    );
    assert_eq!(next_event(&mut stream).await, event_of("posted", 3));
    // Still the same connection.
    server.no_conn_within(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn websocket_huge_frame_is_refused_and_reported_as_a_gap() {
    let mut server = Server::start().await;
    let client = server.client();
    let options = fast().max_frame_size(64 * 1024);
    let (mut stream, mut conn) = connect(&mut server, &client, options).await;
    conn.hello("conn-1").await;
    conn.event("posted", 1).await;
    let huge = "y".repeat(256 * 1024);
    conn.send(json!({"event": "posted", "data": {"message": huge}, "seq": 2}))
        .await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    match next_notice(&mut stream).await {
        ConnectionNotice::Disconnected { reason } => assert!(reason.contains("size limit"), "{reason}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    // Resuming would replay the same frame: the stream starts afresh instead.
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), None);
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: String::new()
        }
    );
    conn.hello("conn-2").await;
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Gap {
            previous_connection_id: "conn-1".into(),
            new_connection_id: "conn-2".into(),
            last_sequence: Some(1),
        }
    );
    assert_eq!(next_event(&mut stream).await, event_of("hello", 0));
}

#[tokio::test]
async fn websocket_subpath_and_api_v4_base_urls() {
    let mut server = Server::start().await;
    for base in [
        "/mattermost",
        "/mattermost/",
        "/mattermost/api/v4",
        "/mattermost/api/v4/",
    ] {
        let client = Client::builder(&format!("{}{base}", server.url))
            .token(TOKEN)
            .build()
            .expect("client");
        let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
        assert_eq!(conn.seen.path, "/mattermost/api/v4/websocket", "{base}");
        conn.hello("conn-1").await;
        expect_greeting(&mut stream, "conn-1").await;
    }
}

#[tokio::test]
async fn websocket_401_ends_the_stream() {
    let mut server = Server::start().await;
    let client = server.client();
    // Refused at once: no stream.
    server.plan(Plan::Refuse(StatusCode::UNAUTHORIZED, None));
    let refused = client.events_with::<Item>(fast()).await;
    match refused {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, reqwest::StatusCode::UNAUTHORIZED);
            assert_eq!(
                e.app_error.map(|a| a.id).as_deref(),
                Some("api.context.session_expired.app_error")
            );
        }
        other => panic!("expected HTTP 401, got {other:?}"),
    }
    let _ = server.next_conn().await;
    // Refused on reconnection (the token was revoked): one error, then the end.
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    server.plan(Plan::Refuse(StatusCode::UNAUTHORIZED, None));
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let _ = server.next_conn().await;
    match tokio::time::timeout(WAIT, stream.next()).await.expect("in time") {
        Some(Err(e)) => assert_eq!(e.status(), Some(reqwest::StatusCode::UNAUTHORIZED)),
        other => panic!("expected HTTP 401, got {other:?}"),
    }
    assert!(tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("in time")
        .is_none());
    server.no_conn_within(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn websocket_redirect_is_not_followed() {
    let mut server = Server::start().await;
    let client = server.client();
    server.plan(Plan::Refuse(
        StatusCode::FOUND,
        Some("http://elsewhere.example/api/v4/websocket?token=x"),
    ));
    match client.events_with::<Item>(fast()).await {
        Err(Error::Redirect { status, location }) => {
            assert_eq!(status, reqwest::StatusCode::FOUND);
            assert_eq!(location, "http://elsewhere.example/api/v4/websocket");
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    let _ = server.next_conn().await;
    server.no_conn_within(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn websocket_gives_up_after_max_reconnect_attempts() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast().max_reconnect_attempts(2)).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    // Every later attempt is answered 503.
    for _ in 0..3 {
        server.plan(Plan::Refuse(StatusCode::SERVICE_UNAVAILABLE, None));
    }
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    match tokio::time::timeout(WAIT, stream.next()).await.expect("in time") {
        Some(Err(Error::WebSocket(message))) => {
            assert!(message.contains("gave up after 2"), "{message}");
            assert!(message.contains("503"), "{message}");
        }
        other => panic!("expected giving up, got {other:?}"),
    }
    assert!(tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("in time")
        .is_none());
    let _ = server.next_conn().await;
    let _ = server.next_conn().await;
    server.no_conn_within(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn websocket_token_is_required_and_never_shown() {
    let server = Server::start().await;
    let anonymous = Client::new(&server.url).expect("client");
    match anonymous.events_with::<Item>(fast()).await {
        Err(Error::InvalidRequest(message)) => assert!(message.contains("token"), "{message}"),
        other => panic!("expected a missing token error, got {other:?}"),
    }
    let mut server = server;
    let client = server.client();
    let options = fast().auth(AuthMode::Header);
    let (stream, _conn) = connect(&mut server, &client, options.clone()).await;
    let shown = format!("{options:?} {stream:?} {:?} {client:?}", stream.actions());
    assert!(!shown.contains(TOKEN), "{shown}");
}
