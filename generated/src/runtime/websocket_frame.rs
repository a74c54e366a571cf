// Copied by `cargo xtask regen` from templates/src/runtime/websocket_frame.rs. Edit it there.

//! The JSON frames of the Mattermost WebSocket: server events, action replies, client actions.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;

use super::error::AppError;
use super::websocket::{ActionReply, EventFrame, EventPayload};
use super::websocket_backoff::random_u64;

/// The largest frame the server reads, in bytes: it closes the connection on a longer one
/// (`model.SocketMaxMessageSizeKb`, 8 * 1024, in `server/public/model/websocket_client.go`, set
/// as the read limit in `WebConn::readPump`, `server/channels/app/platform/web_conn.go`).
pub(super) const SERVER_READ_LIMIT: usize = 8 * 1024;

/// What one text frame from the server is; an event borrows the frame's text.
#[derive(Debug, PartialEq)]
pub(super) enum Incoming<'a> {
    /// A server event (`{"event": ..., "data": ..., "broadcast": ..., "seq": N}`).
    Event(EventFrame<'a>),
    /// The reply to an action (`{"status": ..., "seq_reply": N, ...}`).
    Reply(ActionReply),
    /// Not a frame this client understands; `reason` never quotes the frame's content.
    Malformed(&'static str),
}

/// Every member a server frame may have; unknown members are ignored. `data`, `broadcast` and
/// `error` are only checked to be JSON here, and left as their text.
#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(default)]
    event: Option<String>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, borrow)]
    broadcast: Option<&'a RawValue>,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default)]
    seq_reply: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, borrow)]
    error: Option<&'a RawValue>,
}

/// Classifies one text frame. Never fails: anything unexpected is [`Incoming::Malformed`].
pub(super) fn parse(text: &str) -> Incoming<'_> {
    let raw: RawFrame<'_> = match serde_json::from_str(text) {
        Ok(raw) => raw,
        Err(e) if e.is_data() => return Incoming::Malformed("a JSON value of the wrong shape"),
        Err(_) => return Incoming::Malformed("invalid JSON"),
    };
    let data = raw.data.unwrap_or(RawValue::NULL);
    if let Some(seq_reply) = raw.seq_reply {
        let error = raw.error.and_then(|e| serde_json::from_str::<AppError>(e.get()).ok());
        return Incoming::Reply(ActionReply {
            seq_reply,
            status: raw.status.unwrap_or_default(),
            data: json_value(data),
            error,
        });
    }
    match raw.event {
        Some(event) if !event.is_empty() => Incoming::Event(EventFrame {
            event,
            data,
            broadcast: raw.broadcast.unwrap_or(RawValue::NULL),
            seq: raw.seq,
        }),
        _ => Incoming::Malformed("neither an event nor an action reply"),
    }
}

/// One text frame from the server, decoded: what the event stream acts on, with nothing left
/// that borrows the frame's text.
pub(super) enum Received<E> {
    /// A server event, decoded by its payload type.
    Event {
        /// The `connection_id` and `server_version` of a `hello` event.
        hello: Option<(String, String)>,
        /// Its sequence number, when it has one.
        seq: Option<i64>,
        /// The event as the stream yields it.
        item: E,
    },
    /// The reply to an action.
    Reply(ActionReply),
    /// Not a frame this client understands; `reason` never quotes the frame's content.
    Malformed(&'static str),
}

/// Classifies and decodes one text frame: what the event stream does with every frame (and
/// [`event_from_json`](super::event_from_json) with one). Never fails.
pub(super) fn receive<E: EventPayload>(text: &str) -> Received<E> {
    match parse(text) {
        Incoming::Event(event) => Received::Event {
            hello: (event.event == "hello").then(|| hello_fields(event.data)),
            seq: event.seq,
            item: E::from_frame(event),
        },
        Incoming::Reply(reply) => Received::Reply(reply),
        Incoming::Malformed(reason) => Received::Malformed(reason),
    }
}

/// The JSON value of `raw`; `null` when it nests deeper than `serde_json` reads (128 levels),
/// which the check of the frame does not count.
pub(super) fn json_value(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

/// A client action as sent on the socket.
#[derive(Serialize)]
struct ActionFrame<'a> {
    seq: i64,
    action: &'a str,
    #[serde(skip_serializing_if = "Value::is_null")]
    data: &'a Value,
}

/// The text of action `action` with sequence number `seq`; `data` is left out when null.
pub(super) fn encode_action(seq: i64, action: &str, data: &Value) -> Result<String, serde_json::Error> {
    serde_json::to_string(&ActionFrame { seq, action, data })
}

/// `text` as one complete text frame from a client (masked), ready to be written to the socket.
pub(super) fn masked_text_frame(text: Vec<u8>) -> Result<Vec<u8>, tungstenite::Error> {
    let mut frame = Frame::message(text, OpCode::Data(Data::Text), true);
    let [a, b, c, d, ..] = random_u64().to_le_bytes();
    frame.header_mut().mask = Some([a, b, c, d]);
    let mut bytes = Vec::with_capacity(frame.len());
    frame.format(&mut bytes)?;
    Ok(bytes)
}

/// The `connection_id` and `server_version` of a `hello` event's data (empty when absent).
pub(super) fn hello_fields(data: &RawValue) -> (String, String) {
    let data = json_value(data);
    let field = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    (field("connection_id"), field("server_version"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_and_replies() {
        let Incoming::Event(event) = parse(r#"{"event":"posted","data": {"a":1},"broadcast":{"channel_id":"c"},"seq":3}"#)
        else {
            panic!("not an event");
        };
        assert_eq!(
            (event.event.as_str(), event.data.get(), event.broadcast.get(), event.seq),
            ("posted", r#"{"a":1}"#, r#"{"channel_id":"c"}"#, Some(3))
        );
        assert_eq!((event.data_value(), event.broadcast_value()), (json!({"a": 1}), json!({"channel_id": "c"})));
        // Absent or null data and broadcast are `null`.
        let Incoming::Event(event) = parse(r#"{"event":"x","data":null}"#) else {
            panic!("not an event");
        };
        assert_eq!((event.data.get(), event.broadcast.get(), event.seq), ("null", "null", None));
        let Incoming::Reply(reply) = parse(r#"{"status":"OK","seq_reply":2,"data":{"x":true}}"#) else {
            panic!("not a reply");
        };
        assert!(reply.is_ok());
        assert_eq!(
            (reply.seq_reply, reply.data, reply.error),
            (2, json!({"x": true}), None)
        );
        let Incoming::Reply(reply) =
            parse(r#"{"status":"FAIL","seq_reply":5,"error":{"id":"api.x","message":"no","status_code":400}}"#)
        else {
            panic!("not a reply");
        };
        assert!(!reply.is_ok());
        assert_eq!(reply.error.map(|e| (e.id, e.status_code)), Some(("api.x".into(), 400)));
    }

    #[test]
    fn malformed_frames() {
        for text in [
            "",
            "{",
            "not json",
            "[1,2]",
            "\"s\"",
            "42",
            "null",
            "{}",
            r#"{"event":""}"#,
        ] {
            assert!(matches!(parse(text), Incoming::Malformed(_)), "{text}");
        }
        for text in [
            r#"{"event":5}"#,
            r#"{"event":"x","seq":"1"}"#,
            r#"{"seq_reply":"2"}"#,
            r#"{"event":"x","seq":1.5}"#,
        ] {
            assert_eq!(
                parse(text),
                Incoming::Malformed("a JSON value of the wrong shape"),
                "{text}"
            );
        }
    }

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap_or_else(|_| RawValue::NULL.to_owned())
    }

    #[test]
    fn data_nested_deeper_than_a_value_reads() {
        // The frame check does not count nesting; the value of such data is `null`, never a
        // panic or a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(r#"{{"event":"x","data":{deep},"seq":1}}"#);
        let Incoming::Event(event) = parse(&text) else {
            panic!("not an event");
        };
        assert_eq!((event.data_value(), event.seq), (Value::Null, Some(1)));
        let text = format!(r#"{{"seq_reply":1,"status":"OK","data":{deep}}}"#);
        let Incoming::Reply(reply) = parse(&text) else {
            panic!("not a reply");
        };
        assert_eq!(reply.data, Value::Null);
    }

    #[test]
    fn actions_and_hello() {
        assert_eq!(
            encode_action(1, "get_statuses", &Value::Null).ok().as_deref(),
            Some(r#"{"seq":1,"action":"get_statuses"}"#)
        );
        assert_eq!(
            encode_action(7, "user_typing", &json!({"channel_id": "c"}))
                .ok()
                .as_deref(),
            Some(r#"{"seq":7,"action":"user_typing","data":{"channel_id":"c"}}"#)
        );
        assert_eq!(
            hello_fields(&raw(r#"{"connection_id": "abc", "server_version": "9.0"}"#)),
            ("abc".into(), "9.0".into())
        );
        assert_eq!(hello_fields(&raw(r#""x""#)), (String::new(), String::new()));
        assert_eq!(
            hello_fields(&raw(r#"{"connection_id": 5, "server_version": "9.0"}"#)),
            (String::new(), "9.0".into())
        );
    }

    #[test]
    fn masked_frames_round_trip() {
        use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
        for len in [0usize, 5, 125, 126, 70_000] {
            let text = "t".repeat(len);
            let bytes = masked_text_frame(text.clone().into_bytes()).unwrap_or_default();
            let mut cursor = std::io::Cursor::new(bytes.as_slice());
            let Ok(Some((header, length))) = FrameHeader::parse(&mut cursor) else {
                panic!("no frame header for {len} bytes");
            };
            assert!(header.is_final && header.opcode == OpCode::Data(Data::Text));
            assert_eq!(length, len as u64);
            let mask = header.mask.unwrap_or_default();
            let start = usize::try_from(cursor.position()).unwrap_or_default();
            let payload: Vec<u8> = bytes[start..]
                .iter()
                .enumerate()
                .map(|(i, byte)| byte ^ mask[i % 4])
                .collect();
            assert_eq!(payload, text.as_bytes());
        }
    }
}
