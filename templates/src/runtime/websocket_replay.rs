//! Events from recorded frames: one event from its raw frame ([`event_from_json`], behind the
//! generated `Event::from_json`), and, with the test double (feature `test-util`), an event
//! stream that replays frames instead of connecting.

use super::error::{Error, Result};
use super::websocket::EventPayload;
use super::websocket_frame::{receive, Received};

/// The event in one text frame as the server sends it
/// (`{"event": "posted", "data": {...}, "broadcast": {...}, "seq": 7}`), decoded as a stream
/// would decode it (by the same function as the stream: what a benchmark of this measures is
/// the stream's own decoding).
///
/// Fails with [`Error::WebSocket`] when the text is not an event frame (not JSON, or an
/// action's reply); the message never quotes the frame.
pub fn event_from_json<E: EventPayload>(text: &str) -> Result<E> {
    match receive(text) {
        Received::Event { item, .. } => Ok(item),
        Received::Reply(_) => Err(Error::WebSocket("not an event frame: the reply to an action".into())),
        Received::Malformed(reason) => Err(Error::WebSocket(format!("not an event frame: {reason}"))),
    }
}

/// What a stream yields for `frames`: their events in order, the first `hello` preceded by a
/// [`ConnectionNotice::Connected`](super::websocket::ConnectionNotice::Connected) as on a
/// real connection; frames that are not events are skipped, as a real stream skips them.
#[cfg(feature = "test-util")]
fn replayed_items<E: EventPayload>(frames: Vec<String>) -> Vec<(E, usize)> {
    let mut items = Vec::with_capacity(frames.len());
    let mut greeted = false;
    for text in frames {
        let Received::Event { hello, item, .. } = receive::<E>(&text) else {
            tracing::warn!(len = text.len(), "replay: skipping a frame that is not an event");
            continue;
        };
        if let (Some((connection_id, server_version)), false) = (hello, greeted) {
            greeted = true;
            items.push((E::from_notice(super::websocket::ConnectionNotice::Connected { connection_id, server_version }), 0));
        }
        items.push((item, text.len()));
    }
    items
}

/// Feeds `items` the events of `frames` (each holding its frame's bytes of the stream's
/// budget, as on a real connection), then ends the stream (by dropping `items`). Actions sent
/// on it are answered with status `OK` and no data, until the stream and every
/// [`ActionSender`](super::websocket::ActionSender) are dropped.
#[cfg(feature = "test-util")]
pub(super) async fn replay<E: EventPayload>(
    frames: Vec<String>,
    items: super::websocket_buffer::ItemSender<E>,
    mut commands: tokio::sync::mpsc::Receiver<super::websocket_connection::Command>,
) {
    let feed = async move {
        for (item, bytes) in replayed_items::<E>(frames) {
            if !items.send(Ok(item), bytes).await {
                // The consumer dropped the stream.
                return;
            }
        }
    };
    let answer = async move {
        let mut seq_reply: i64 = 0;
        while let Some(command) = commands.recv().await {
            seq_reply += 1;
            let reply = super::websocket::ActionReply { seq_reply, status: "OK".into(), data: serde_json::Value::Null, error: None };
            let _ = command.reply.send(Ok(reply));
        }
    };
    tokio::join!(feed, answer);
}
