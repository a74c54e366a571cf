//! The JSON frames of the Mattermost WebSocket: server events, action replies, client actions.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;

use super::error::AppError;
use super::websocket::{ActionReply, EventFrame};
use super::websocket_backoff::random_u64;

/// The largest frame the server reads, in bytes: it closes the connection on a longer one
/// (`model.SocketMaxMessageSizeKb`, 8 * 1024, in `server/public/model/websocket_client.go`, set
/// as the read limit in `WebConn::readPump`, `server/channels/app/platform/web_conn.go`).
pub(super) const SERVER_READ_LIMIT: usize = 8 * 1024;

/// What one text frame from the server is.
#[derive(Debug, PartialEq)]
pub(super) enum Incoming {
    /// A server event (`{"event": ..., "data": ..., "broadcast": ..., "seq": N}`).
    Event(EventFrame),
    /// The reply to an action (`{"status": ..., "seq_reply": N, ...}`).
    Reply(ActionReply),
    /// Not a frame this client understands; `reason` never quotes the frame's content.
    Malformed(&'static str),
}

/// Every member a server frame may have; unknown members are ignored.
#[derive(Deserialize)]
struct RawFrame {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    data: Value,
    #[serde(default)]
    broadcast: Value,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(default)]
    seq_reply: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<Value>,
}

/// Classifies one text frame. Never fails: anything unexpected is [`Incoming::Malformed`].
pub(super) fn parse(text: &str) -> Incoming {
    let raw: RawFrame = match serde_json::from_str(text) {
        Ok(raw) => raw,
        Err(e) if e.is_data() => return Incoming::Malformed("a JSON value of the wrong shape"),
        Err(_) => return Incoming::Malformed("invalid JSON"),
    };
    if let Some(seq_reply) = raw.seq_reply {
        let error = raw
            .error
            .filter(|e| !e.is_null())
            .and_then(|e| serde_json::from_value::<AppError>(e).ok());
        return Incoming::Reply(ActionReply {
            seq_reply,
            status: raw.status.unwrap_or_default(),
            data: raw.data,
            error,
        });
    }
    match raw.event {
        Some(event) if !event.is_empty() => Incoming::Event(EventFrame {
            event,
            data: raw.data,
            broadcast: raw.broadcast,
            seq: raw.seq,
        }),
        _ => Incoming::Malformed("neither an event nor an action reply"),
    }
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
pub(super) fn hello_fields(data: &Value) -> (String, String) {
    let field = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    (field("connection_id"), field("server_version"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_and_replies() {
        let event = parse(r#"{"event":"posted","data":{"a":1},"broadcast":{"channel_id":"c"},"seq":3}"#);
        assert_eq!(
            event,
            Incoming::Event(EventFrame {
                event: "posted".into(),
                data: json!({"a": 1}),
                broadcast: json!({"channel_id": "c"}),
                seq: Some(3),
            })
        );
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
            hello_fields(&json!({"connection_id": "abc", "server_version": "9.0"})),
            ("abc".into(), "9.0".into())
        );
        assert_eq!(hello_fields(&json!("x")), (String::new(), String::new()));
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
