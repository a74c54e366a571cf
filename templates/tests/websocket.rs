//! The WebSocket event stream against a loopback WebSocket server.
#![cfg(feature = "websocket")]

#[path = "support/ws_replay.rs"]
mod ws_replay;
#[path = "support/ws_server.rs"]
mod ws_server;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mattermost_client_runtime::runtime::{AuthMode, Client, ConnectionNotice, Error};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use ws_replay::Replay;
use ws_server::*;

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
    // The server replays from the number asked for, without a new hello.
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

// ---------------------------------------------------------------- hostile servers, round 2

/// A server that accepts, greets and drops every connection at once: the backoff must keep
/// growing. Scaled 1:50 (backoff 10 ms to 600 ms for 500 ms to 30 s, a 1.2 s window for 60 s),
/// the same bound holds: at most 10 connections in the window.
#[tokio::test]
async fn websocket_reconnect_backoff_grows_against_a_greet_and_drop_server() {
    const SCALE: u32 = 50;
    let window = Duration::from_secs(60) / SCALE;
    let mut server = Server::start().await;
    let client = server.client();
    let options = fast().reconnect_backoff(Duration::from_millis(500) / SCALE, Duration::from_secs(30) / SCALE);
    let started = Instant::now();
    let (_stream, mut conn) = connect(&mut server, &client, options).await;
    let mut arrivals = vec![started.elapsed()];
    let mut id = 1;
    loop {
        conn.hello(&format!("conn-{id}")).await;
        drop(conn);
        let Some(next) = server.next_conn_within(window.saturating_sub(started.elapsed())).await else {
            break;
        };
        arrivals.push(started.elapsed());
        conn = next;
        id += 1;
    }
    let gaps: Vec<Duration> = arrivals.windows(2).map(|pair| pair[1] - pair[0]).collect();
    eprintln!(
        "greet-and-drop server: {} connections in {window:?} (1:{SCALE} scale of 60 s); gaps {gaps:?}",
        arrivals.len()
    );
    assert!(arrivals.len() <= 10, "{} connections in {window:?}", arrivals.len());
    // Growing delays: the longest wait is several times the shortest, and long (the jittered
    // delay before the 6th attempt is at least 160 ms at this scale).
    let (shortest, longest) = (gaps.iter().min().copied(), gaps.iter().max().copied());
    assert!(
        matches!((shortest, longest), (Some(short), Some(long)) if long >= short * 4 && long >= Duration::from_millis(100)),
        "{gaps:?}"
    );

    // A connection that delivers an event restarts the backoff.
    let mut conn = server.next_conn().await;
    conn.hello("conn-ok").await;
    conn.event("posted", 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(conn);
    let dropped = Instant::now();
    let _next = server.next_conn().await;
    // Restarted: the first delay (at most 10 ms here), not the 300 ms and more reached above.
    assert!(
        dropped.elapsed() < Duration::from_millis(250),
        "backoff not restarted: {:?}",
        dropped.elapsed()
    );
}

/// A server whose numbering jumps to `i64::MAX`, then starts again from 0 without a `hello`:
/// every event is delivered, the reset is a `Gap`, and the next resumption asks for the number
/// after the last event seen.
#[tokio::test]
async fn websocket_sequence_reset_is_a_gap_and_never_a_bogus_resume() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    conn.event("posted", 1).await;
    conn.event("posted", i64::MAX).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    // A jump: the stream asks the server to replay from 2.
    match next_notice(&mut stream).await {
        ConnectionNotice::Disconnected { reason } => assert!(reason.contains("replays"), "{reason}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=2"));
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected { .. }
    ));
    // The confused server sends the same jump again, then numbers from 0.
    conn.event("posted", i64::MAX).await;
    for seq in 0..=5 {
        conn.event("posted", seq).await;
    }
    let gap = |last| ConnectionNotice::Gap {
        previous_connection_id: "conn-1".into(),
        new_connection_id: "conn-1".into(),
        last_sequence: Some(last),
    };
    assert_eq!(next_notice(&mut stream).await, gap(1));
    assert_eq!(next_event(&mut stream).await, event_of("posted", i64::MAX));
    assert_eq!(next_notice(&mut stream).await, gap(i64::MAX));
    for seq in 0..=5 {
        assert_eq!(next_event(&mut stream).await, event_of("posted", seq));
    }
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=6"));
}

/// A server that floods pings and never reads the pongs: the blocked write counts against the
/// silence timeout.
#[tokio::test]
async fn websocket_silence_timeout_holds_while_a_write_is_blocked() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    let flooding = Instant::now();
    conn.command(Cmd::FloodPings);
    // Filling the socket buffers takes tens of thousands of pings: wait longer than for others.
    let notice = tokio::time::timeout(WAIT * 4, stream.next()).await.expect("a notice in time");
    match notice {
        Some(Ok(Item::Notice(notice))) => match notice {
            ConnectionNotice::Disconnected { reason } => {
                assert!(reason.contains("write") && reason.contains("600ms"), "{reason}");
            }
            other => panic!("expected Disconnected, got {other:?}"),
        },
        other => panic!("expected a notice, got {other:?}"),
    }
    eprintln!(
        "ping flood: {} pings written, connection replaced after {:?}",
        conn.written.load(Ordering::SeqCst),
        flooding.elapsed()
    );
}

/// Events missing inside a connection are asked again from a server that replays as the real
/// one does; a `Gap` only when it no longer holds them.
#[tokio::test]
async fn websocket_gap_inside_a_connection_is_repaired_by_replay() {
    let mut server = Server::start().await;
    let client = server.client();
    let mut replay = Replay::default();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    for frame in replay.upgrade(query_of(&conn), conn.seen.authorization.is_some()) {
        conn.send(frame).await;
    }
    for seq in 1..=4 {
        let event = replay.publish("posted");
        // Event 3 is lost on the way.
        if seq != 3 {
            conn.send(event).await;
        }
    }
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 2));
    match next_notice(&mut stream).await {
        ConnectionNotice::Disconnected { reason } => assert!(reason.contains("expected sequence number 3"), "{reason}"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=3"));
    for frame in replay.upgrade(query_of(&conn), conn.seen.authorization.is_some()) {
        conn.send(frame).await;
    }
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: "conn-1".into()
        }
    );
    // Repaired: 3 and 4, no Gap.
    assert_eq!(next_event(&mut stream).await, event_of("posted", 3));
    assert_eq!(next_event(&mut stream).await, event_of("posted", 4));

    // More is lost than the server keeps: it answers with a new connection, a Gap.
    conn.send(replay.publish("posted")).await;
    for _ in 0..ws_replay::DEAD_QUEUE {
        replay.publish("posted");
    }
    conn.send(replay.publish("posted")).await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 5));
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), Some("connection_id=conn-1&sequence_number=6"));
    for frame in replay.upgrade(query_of(&conn), conn.seen.authorization.is_some()) {
        conn.send(frame).await;
    }
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: "conn-1".into()
        }
    );
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Gap {
            previous_connection_id: "conn-1".into(),
            new_connection_id: "conn-2".into(),
            last_sequence: Some(5),
        }
    );
    assert_eq!(next_event(&mut stream).await, event_of("hello", 0));
}

/// With the challenge, the server cannot resume: the stream never asks for it nor claims it,
/// and reports missing events at once.
#[tokio::test]
async fn websocket_challenge_mode_never_claims_a_replay() {
    let mut server = Server::start().await;
    let client = server.client();
    let mut replay = Replay::default();
    let options = fast().auth(AuthMode::Challenge);
    let connecting = tokio::spawn(async move { client.events_with::<Item>(options).await });
    let mut conn = server.next_conn().await;
    conn.accept_challenge().await;
    let mut stream = tokio::time::timeout(WAIT, connecting)
        .await
        .expect("in time")
        .expect("task")
        .expect("authenticated");
    for frame in replay.upgrade(query_of(&conn), conn.seen.authorization.is_some()) {
        conn.send(frame).await;
    }
    conn.send(replay.publish("posted")).await;
    replay.publish("posted");
    conn.send(replay.publish("posted")).await;
    expect_greeting(&mut stream, "conn-1").await;
    assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
    // No reconnection could replay 2: reported at once.
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Gap {
            previous_connection_id: "conn-1".into(),
            new_connection_id: "conn-1".into(),
            last_sequence: Some(1),
        }
    );
    assert_eq!(next_event(&mut stream).await, event_of("posted", 3));
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let mut conn = server.next_conn().await;
    assert_eq!(query_of(&conn), None, "no resumption asked without a session");
    conn.accept_challenge().await;
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Reconnected {
            connection_id: String::new()
        }
    );
    for frame in replay.upgrade(query_of(&conn), conn.seen.authorization.is_some()) {
        conn.send(frame).await;
    }
    assert_eq!(
        next_notice(&mut stream).await,
        ConnectionNotice::Gap {
            previous_connection_id: "conn-1".into(),
            new_connection_id: "conn-2".into(),
            last_sequence: Some(3),
        }
    );
}

/// The first connection is retried like later ones, unless asked not to.
#[tokio::test]
async fn websocket_first_connection_is_retried_with_backoff() {
    let mut server = Server::start().await;
    let client = server.client();
    for _ in 0..2 {
        server.plan(Plan::Refuse(StatusCode::SERVICE_UNAVAILABLE, None));
    }
    let options = fast();
    let retrying = client.clone();
    let connecting = tokio::spawn(async move { retrying.events_with::<Item>(options).await });
    let _ = server.next_conn().await;
    let _ = server.next_conn().await;
    let mut conn = server.next_conn().await;
    conn.hello("conn-1").await;
    let mut stream = tokio::time::timeout(WAIT, connecting)
        .await
        .expect("in time")
        .expect("task")
        .expect("connected on the third attempt");
    expect_greeting(&mut stream, "conn-1").await;

    // At once, when asked.
    server.plan(Plan::Refuse(StatusCode::SERVICE_UNAVAILABLE, None));
    match client.events_with::<Item>(fast().retry_first_connection(false)).await {
        Err(e) => assert_eq!(e.status(), Some(reqwest::StatusCode::SERVICE_UNAVAILABLE)),
        Ok(_) => panic!("connected through a 503"),
    }
    let _ = server.next_conn().await;
    server.no_conn_within(Duration::from_millis(200)).await;

    // Bounded by max_reconnect_attempts.
    for _ in 0..3 {
        server.plan(Plan::Refuse(StatusCode::SERVICE_UNAVAILABLE, None));
    }
    match client.events_with::<Item>(fast().max_reconnect_attempts(1)).await {
        Err(Error::WebSocket(message)) => assert!(message.contains("gave up after 1"), "{message}"),
        other => panic!("expected giving up, got {:?}", other.map(|_| ())),
    }
    let _ = server.next_conn().await;
    let _ = server.next_conn().await;
    server.no_conn_within(Duration::from_millis(200)).await;
}

/// `posted_ack` is asked on every upgrade request, and a post is acknowledged as the server
/// reads it.
#[tokio::test]
async fn websocket_posted_ack_is_asked_and_acknowledged() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast().posted_ack(true)).await;
    assert_eq!(query_of(&conn), Some("posted_ack=true"));
    conn.hello("conn-1").await;
    conn.send(json!({"event": "posted", "data": {"post": "{\"id\":\"p1\"}", "should_ack": true}, "seq": 1}))
        .await;
    expect_greeting(&mut stream, "conn-1").await;
    match next_item(&mut stream).await {
        Item::Event { data, .. } => assert_eq!(data["should_ack"], true),
        other => panic!("expected an event, got {other:?}"),
    }
    let actions = stream.actions();
    let acking = tokio::spawn(async move { actions.acknowledge_posted("p1", "success", None).await });
    assert_eq!(
        conn.next_json().await,
        json!({"seq": 1, "action": "posted_notify_ack", "data": {"post_id": "p1", "status": "success"}})
    );
    conn.send(json!({"status": "OK", "seq_reply": 1})).await;
    assert!(acking.await.expect("task").expect("reply").is_ok());
    drop(conn);
    assert!(matches!(
        next_notice(&mut stream).await,
        ConnectionNotice::Disconnected { .. }
    ));
    let conn = server.next_conn().await;
    assert_eq!(
        query_of(&conn),
        Some("connection_id=conn-1&sequence_number=2&posted_ack=true")
    );
}

/// An action longer than the server reads is refused before it is sent: the connection stays.
#[tokio::test]
async fn websocket_action_over_the_server_read_limit_is_refused_locally() {
    let mut server = Server::start().await;
    let client = server.client();
    let (mut stream, mut conn) = connect(&mut server, &client, fast()).await;
    conn.hello("conn-1").await;
    expect_greeting(&mut stream, "conn-1").await;
    let actions = stream.actions();
    let refused = actions
        .send("custom_plugin_action", json!({"blob": "b".repeat(8 * 1024)}))
        .await;
    match refused {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("custom_plugin_action") && message.contains("8192"), "{message}");
        }
        other => panic!("expected a local refusal, got {other:?}"),
    }
    // One that fits goes out on the same connection.
    let fits = "f".repeat(8 * 1024 - 100);
    let sending = actions.clone();
    let blob = fits.clone();
    let answer = tokio::spawn(async move { sending.send("custom_plugin_action", json!({"blob": blob})).await });
    let action = conn.next_json().await;
    assert_eq!(action["data"]["blob"], Value::from(fits));
    conn.send(json!({"status": "OK", "seq_reply": action["seq"]})).await;
    assert!(answer.await.expect("task").expect("reply").is_ok());
    server.no_conn_within(Duration::from_millis(100)).await;
}

/// A server that upgrades whatever the token, then drops the connection without a frame, as
/// Mattermost does with a token it refuses (`connectWebSocket` in `api4/websocket.go` upgrades
/// first; `web_conn.go` closes an unauthenticated connection after its auth timeout), and
/// answers `GET /api/v4/users/me` with 401. Counts the upgrades it served.
async fn token_refusing_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let upgrades = Arc::new(AtomicUsize::new(0));
    let counted = upgrades.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                if head.starts_with("GET /api/v4/websocket") {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let key = head
                        .lines()
                        .find_map(|l| l.strip_prefix("sec-websocket-key: ").or_else(|| l.strip_prefix("Sec-WebSocket-Key: ")))
                        .unwrap_or_default()
                        .trim()
                        .to_owned();
                    let reply = format!(
                        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                        derive_accept_key(key.as_bytes())
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    // No frame: the connection just ends.
                } else {
                    let body = r#"{"id":"api.context.session_expired.app_error","message":"Invalid or expired session, please login again.","status_code":401}"#;
                    let reply = format!(
                        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, upgrades)
}

#[tokio::test]
async fn websocket_token_refused_after_the_upgrade_ends_the_stream_with_401() {
    let (url, upgrades) = token_refusing_server().await;
    let client = Client::builder(&url).token("revoked-token").build().expect("client");
    let mut stream = client.events_with::<Item>(fast()).await.expect("upgraded");
    let mut error = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline.into(), stream.next()).await {
        if let Err(e) = item {
            error = Some(e);
            break;
        }
    }
    let error = error.expect("the stream ends with the server's refusal, not a reconnection loop");
    assert!(error.is_unauthorized(), "{error}");
    assert!(
        tokio::time::timeout(Duration::from_secs(2), stream.next()).await.expect("ends").is_none(),
        "nothing after the refusal"
    );
    assert_eq!(upgrades.load(Ordering::SeqCst), 1, "no reconnection with a refused token");
}
