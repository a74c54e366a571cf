//! What the live tests receive: the client's event stream read into a list by a task of its
//! own, waited on with [`expect!`]; and a raw WebSocket of the same user that keeps the frames as
//! the server wrote them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mattermost_client::events::{ActionSender, ConnectionNotice, Event, EventStream};
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::live_common::{Live, WAIT};

/// Everything an event stream yields, in order, read by a task of its own (so that the stream's
/// buffer never fills while the test acts).
pub struct Recorder {
    items: Arc<Mutex<Vec<Event>>>,
    errors: Arc<Mutex<Vec<String>>>,
    /// Sends actions on the stream's connection.
    pub actions: ActionSender,
    task: JoinHandle<()>,
}

impl Recorder {
    /// Starts reading `stream`.
    pub fn start(mut stream: EventStream<Event>) -> Recorder {
        let items = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let actions = stream.actions();
        let (sink, error_sink) = (Arc::clone(&items), Arc::clone(&errors));
        let task = tokio::spawn(async move {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(event) => lock(&sink).push(event),
                    Err(error) => lock(&error_sink).push(error.to_string()),
                }
            }
        });
        Recorder { items, errors, actions, task }
    }

    /// What was received so far.
    pub fn items(&self) -> Vec<Event> {
        lock(&self.items).clone()
    }

    /// How many items were received so far.
    pub fn len(&self) -> usize {
        lock(&self.items).len()
    }

    /// The first item at or after `from` that `matches`, with its index; waits for it.
    pub async fn wait_from(&self, from: usize, what: &str, matches: impl Fn(&Event) -> bool) -> (usize, Event) {
        let started = Instant::now();
        loop {
            {
                let items = lock(&self.items);
                if let Some((index, event)) = items.iter().enumerate().skip(from).find(|(_, e)| matches(e)) {
                    return (index, event.clone());
                }
                let errors = lock(&self.errors);
                assert!(errors.is_empty(), "the stream ended with an error while waiting for {what}: {errors:?}");
                if started.elapsed() > WAIT {
                    let seen: Vec<String> = items.iter().skip(from).map(describe).collect();
                    panic!("no {what} within {WAIT:?}; received: {seen:?}");
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A `Gap` notice: the connection whose events were lost, the new one, and the last sequence
/// number received before the loss.
pub struct Gap {
    pub previous_connection_id: String,
    pub new_connection_id: String,
    pub last_sequence: Option<i64>,
}

impl Recorder {
    /// The first `Gap` at or after item `from`, with its index; waits for it.
    pub async fn wait_gap(&self, from: usize) -> (usize, Gap) {
        let (index, event) = self.wait_from(from, "Gap", |e| matches!(e, Event::Connection(ConnectionNotice::Gap { .. }))).await;
        let Event::Connection(ConnectionNotice::Gap { previous_connection_id, new_connection_id, last_sequence }) = event else {
            unreachable!("wait_from returns what matches")
        };
        (index, Gap { previous_connection_id, new_connection_id, last_sequence })
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An item in a few words, for failure messages.
pub fn describe(event: &Event) -> String {
    match event {
        Event::Connection(notice) => format!("{notice:?}"),
        Event::Unknown { event, .. } => format!("Unknown({event})"),
        other => format!("{}#{:?}", other.name().unwrap_or("?"), other.meta().and_then(|m| m.seq)),
    }
}

/// Waits for the first `Event::$variant` (from item `$from`, or the first) whose data and meta
/// satisfy `$cond`; gives them back.
macro_rules! expect {
    ($recorder:expr, $variant:ident, |$data:ident, $meta:ident| $cond:expr) => {
        expect!($recorder, from 0, $variant, |$data, $meta| $cond)
    };
    ($recorder:expr, from $from:expr, $variant:ident, |$data:ident, $meta:ident| $cond:expr) => {{
        let (_, found) = $recorder
            .wait_from($from, stringify!($variant), |event| match event {
                #[allow(unused_variables)]
                Event::$variant { data: $data, meta: $meta } => $cond,
                _ => false,
            })
            .await;
        match found {
            Event::$variant { data, meta } => (data, meta),
            _ => unreachable!("wait returns a match"),
        }
    }};
}

/// A raw WebSocket of a user: the frames exactly as the server sent them.
pub struct Tap {
    frames: Arc<Mutex<Vec<Value>>>,
    task: JoinHandle<()>,
}

impl Tap {
    /// Opens a WebSocket of the user whose session `token` is, straight to the server.
    pub async fn open(live: &Live, token: &str) -> Tap {
        let socket = tokio::net::TcpStream::connect(live.addr).await.expect("tap: connect");
        let mut request = format!("ws://{}/api/v4/websocket", live.addr)
            .into_client_request()
            .expect("tap: request");
        let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("tap: header");
        request.headers_mut().insert("authorization", bearer);
        let (mut ws, _) = tokio_tungstenite::client_async(request, socket).await.expect("tap: handshake");
        let frames = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&frames);
        let task = tokio::spawn(async move {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message {
                    if let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) {
                        lock(&sink).push(frame);
                    }
                }
            }
        });
        Tap { frames, task }
    }

    /// The frames received so far.
    pub fn frames(&self) -> Vec<Value> {
        lock(&self.frames).clone()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}
