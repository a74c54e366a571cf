//! A model of how the server numbers, keeps and replays the events of a connection, for a
//! loopback server that resumes connections as the real one does.
//!
//! The server numbers each connection's events from 0 (its `hello`), keeps the last 128 it
//! wrote, and on an upgrade request with a session, `connection_id` and `sequence_number`:
//! replays from that number when it still holds it (no `hello`); greets with a new connection
//! id when events are missing that it no longer holds; sends nothing more when nothing was
//! missed. Without a session, or for an unknown id, it starts a new connection. Sources:
//! `connectWebSocket` (`server/channels/api4/websocket.go`), `PopulateWebConnConfig`,
//! `writePump`, `isInDeadQueue`, `hasMsgLoss` (`server/channels/app/platform/web_conn.go`),
//! the `register` case of `Hub::Start` (`web_hub.go`).
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};

/// Events the server keeps per connection (`deadQueueSize`).
pub const DEAD_QUEUE: usize = 128;

/// One connection's state on the server.
#[derive(Default)]
struct ServerConn {
    /// The sequence number of the next event.
    next: i64,
    /// The last events written, oldest first.
    dead_queue: VecDeque<Value>,
}

/// The server's connections, by id.
#[derive(Default)]
pub struct Replay {
    conns: BTreeMap<String, ServerConn>,
    /// The connection events are published on.
    current: String,
    /// How many connection ids were made.
    made: usize,
}

impl Replay {
    /// Takes an upgrade request (its query, and whether it carried a session): the frames the
    /// server writes first.
    pub fn upgrade(&mut self, query: Option<&str>, has_session: bool) -> Vec<Value> {
        let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        let id = params.get("connection_id").filter(|_| has_session);
        let Some(conn) = id.and_then(|id| self.conns.get_mut(id)) else {
            return vec![self.new_connection()];
        };
        let id = id.cloned().unwrap_or_default();
        let wanted: i64 = params
            .get("sequence_number")
            .and_then(|n| n.parse().ok())
            .expect("a sequence_number with the connection_id");
        self.current = id;
        if wanted == 0 {
            return Vec::new();
        }
        if let Some(at) = conn.dead_queue.iter().position(|e| e["seq"] == wanted) {
            return conn.dead_queue.iter().skip(at).cloned().collect();
        }
        let lossless = conn.dead_queue.back().is_none_or(|last| last["seq"] == wanted - 1);
        if lossless {
            return Vec::new();
        }
        vec![self.new_connection()]
    }

    /// A new connection: its `hello`.
    fn new_connection(&mut self) -> Value {
        self.made += 1;
        self.current = format!("conn-{}", self.made);
        let hello = json!({
            "event": "hello",
            "data": {"connection_id": self.current, "server_version": "10.5.0.1.abc.false"},
            "broadcast": {"user_id": "me"},
        });
        self.conns.insert(self.current.clone(), ServerConn::default());
        self.write(hello)
    }

    /// Numbers an event of the current connection and keeps it: the frame to send.
    pub fn publish(&mut self, name: &str) -> Value {
        self.write(json!({"event": name, "data": {}, "broadcast": {}}))
    }

    fn write(&mut self, mut event: Value) -> Value {
        let conn = self.conns.get_mut(&self.current).expect("a current connection");
        event["seq"] = json!(conn.next);
        conn.next += 1;
        if conn.dead_queue.len() == DEAD_QUEUE {
            conn.dead_queue.pop_front();
        }
        conn.dead_queue.push_back(event.clone());
        event
    }
}
