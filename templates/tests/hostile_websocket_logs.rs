//! No token in any log line, at any level, in either authentication mode: everything the
//! client's thread logs through `log` (tungstenite, reqwest) and `tracing` (this crate) is
//! captured at trace level, as with `RUST_LOG=trace`.
//!
//! Kept in its own test binary: it installs the process's logger and tracing subscriber. The
//! loopback server runs on a runtime of its own, so that its logs (which show what it reads)
//! are not captured.
#![cfg(feature = "websocket")]

#[path = "support/ws_server.rs"]
mod ws_server;

use std::cell::{Cell, RefCell};
use std::fmt::{self, Write as _};
use std::sync::Once;

use mattermost_client_runtime::runtime::{AuthMode, ConnectionNotice};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use ws_server::*;

thread_local! {
    /// Whether this thread's lines are captured.
    static CAPTURED: Cell<bool> = const { Cell::new(false) };
    /// The lines this thread logged while captured (each test on its own thread).
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn capture(line: String) {
    if CAPTURED.try_with(Cell::get).unwrap_or(false) {
        let _ = LINES.try_with(|lines| lines.borrow_mut().push(line));
    }
}

/// The `log` side.
struct LogCapture;

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        capture(format!("{} {}: {}", record.level(), record.target(), record.args()));
    }

    fn flush(&self) {}
}

static LOGGER: LogCapture = LogCapture;

/// The `tracing` side: events and span fields, formatted.
struct TraceCapture;

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: tracing::Subscriber> Layer<S> for TraceCapture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut line = Line(format!("{} {}:", event.metadata().level(), event.metadata().target()));
        event.record(&mut line);
        capture(line.0);
    }

    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: Context<'_, S>) {
        let mut line = Line(format!("span {}:", attrs.metadata().name()));
        attrs.record(&mut line);
        capture(line.0);
    }

    fn on_record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>, _: Context<'_, S>) {
        let mut line = Line("span record:".into());
        values.record(&mut line);
        capture(line.0);
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger");
        log::set_max_level(log::LevelFilter::Trace);
        let subscriber = tracing_subscriber::registry().with(TraceCapture);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
    });
}

/// The token, and the forms a log line could show it in (hex of its bytes).
fn forms_of_token() -> Vec<String> {
    let hex: String = TOKEN.bytes().map(|b| format!("{b:02x}")).collect();
    vec![TOKEN.to_owned(), hex, TOKEN[..12].to_owned()]
}

/// Connects in `auth` mode, receives events, sends an action, reconnects once, and returns the
/// lines the client's thread logged meanwhile.
fn logged_lines(auth: AuthMode) -> Vec<String> {
    install();
    let mut server = Server::start_on_own_thread();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    CAPTURED.set(true);
    runtime.block_on(async {
        let client = server.client();
        let options = fast().auth(auth);
        let connecting = tokio::spawn(async move { client.events_with::<Item>(options).await });
        let mut conn = server.next_conn().await;
        if auth == AuthMode::Challenge {
            conn.accept_challenge().await;
        }
        let mut stream = connecting.await.expect("task").expect("connected");
        conn.hello("conn-1").await;
        conn.event("posted", 1).await;
        expect_greeting(&mut stream, "conn-1").await;
        assert_eq!(next_event(&mut stream).await, event_of("posted", 1));
        let actions = stream.actions();
        let typing = tokio::spawn(async move { actions.user_typing("chan", None).await });
        let action = conn.next_json().await;
        conn.send(json!({"status": "OK", "seq_reply": action["seq"]})).await;
        assert!(typing.await.expect("task").expect("reply").is_ok());
        // Once more after a reconnection.
        drop(conn);
        assert!(matches!(next_notice(&mut stream).await, ConnectionNotice::Disconnected { .. }));
        let mut conn = server.next_conn().await;
        if auth == AuthMode::Challenge {
            conn.accept_challenge().await;
        }
        assert!(matches!(next_notice(&mut stream).await, ConnectionNotice::Reconnected { .. }));
        conn.event("posted", 2).await;
        let _ = next_item(&mut stream).await;
    });
    CAPTURED.set(false);
    let lines = LINES.take();
    assert!(
        lines.iter().any(|l| l.starts_with("TRACE tungstenite") && l.contains("frame")),
        "tungstenite's trace logging of frames was not captured"
    );
    assert!(
        lines.iter().any(|l| l.contains("connecting to the WebSocket")),
        "the client's own tracing was not captured"
    );
    lines
}

fn assert_no_token(lines: &[String]) {
    for form in forms_of_token() {
        if let Some(line) = lines.iter().find(|l| l.contains(&form)) {
            panic!("a log line shows the token ({form}): {line}");
        }
    }
}

#[test]
fn hostile_websocket_header_auth_logs_no_token_at_trace_level() {
    assert_no_token(&logged_lines(AuthMode::Header));
}

#[test]
fn hostile_websocket_challenge_auth_logs_no_token_at_trace_level() {
    assert_no_token(&logged_lines(AuthMode::Challenge));
}
