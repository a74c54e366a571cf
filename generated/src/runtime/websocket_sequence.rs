// Copied by `cargo xtask regen` from templates/src/runtime/websocket_sequence.rs. Edit it there.

//! Where an event stream stands in the server's numbering of events, and what to do with the
//! next one: deliver it, report a loss, or reconnect so that the server replays what is missing.
//!
//! The server numbers the events of a connection from 0 (its `hello`), keeps the last 128 it
//! sent, and on a reconnection with `connection_id` and `sequence_number` replays them from
//! that number without a new `hello`; when it no longer holds them it greets with a new
//! connection id instead (`WebConn::writePump`, `isInDeadQueue`, `hasMsgLoss` in
//! `server/channels/app/platform/web_conn.go`; the `hello` of `Hub::Start` in `web_hub.go`).

use super::websocket::ConnectionNotice;

/// The numbering state of one event stream.
#[derive(Debug, Default)]
pub(super) struct Sequence {
    /// The server's id of the connection, from its last `hello`.
    connection_id: Option<String>,
    /// The sequence number of the last event received on it.
    last: Option<i64>,
    /// Whether a `hello` was ever received.
    greeted: bool,
    /// Whether the next connection may ask the server to resume this one.
    resumable: bool,
    /// The sequence number a reconnection asked the server to replay from, while no event
    /// past it has arrived: a second gap there is reported, not repaired again.
    repairing: Option<i64>,
}

/// What to do with an event.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Deliver it.
    Deliver,
    /// Deliver it after this notice (events were lost).
    DeliverAfter(ConnectionNotice),
    /// Drop it and reconnect, asking the server to replay from `expected` (it will resend
    /// this event too).
    Repair {
        /// The sequence number the stream expected.
        expected: i64,
        /// The one it got.
        got: i64,
    },
}

impl Sequence {
    /// Takes in a `hello` (its connection id, server version and sequence number): the notice
    /// to yield before it, if any.
    pub(super) fn hello(
        &mut self,
        connection_id: String,
        server_version: String,
        seq: Option<i64>,
    ) -> Option<ConnectionNotice> {
        let notice = if !self.greeted {
            Some(ConnectionNotice::Connected {
                connection_id: connection_id.clone(),
                server_version,
            })
        } else if self.connection_id.as_deref() != Some(connection_id.as_str()) {
            Some(self.gap(connection_id.clone()))
        } else {
            None
        };
        self.greeted = true;
        self.connection_id = (!connection_id.is_empty()).then_some(connection_id);
        self.last = seq;
        self.resumable = true;
        self.repairing = None;
        notice
    }

    /// Takes in an event numbered `seq`. `can_repair`: whether a reconnection may ask the server
    /// to replay (it cannot without a session on the upgrade request).
    pub(super) fn event(&mut self, seq: Option<i64>, can_repair: bool) -> Verdict {
        let Some(seq) = seq else { return Verdict::Deliver };
        let Some(last) = self.last else {
            self.last = Some(seq);
            return Verdict::Deliver;
        };
        let expected = last.checked_add(1);
        if expected == Some(seq) {
            self.last = Some(seq);
            return Verdict::Deliver;
        }
        if seq > last {
            if let Some(expected) = expected {
                if can_repair && self.resumable && self.connection_id.is_some() && self.repairing != Some(expected) {
                    self.repairing = Some(expected);
                    return Verdict::Repair { expected, got: seq };
                }
            }
        }
        // A jump the server cannot replay, or numbering gone backwards without a new `hello`
        // (the server reset it): what came between is lost either way.
        let id = self.connection_id.clone().unwrap_or_default();
        let notice = self.gap(id);
        self.last = Some(seq);
        Verdict::DeliverAfter(notice)
    }

    /// A [`ConnectionNotice::Gap`] from the current connection to `new_connection_id`.
    fn gap(&self, new_connection_id: String) -> ConnectionNotice {
        ConnectionNotice::Gap {
            previous_connection_id: self.connection_id.clone().unwrap_or_default(),
            new_connection_id,
            last_sequence: self.last,
        }
    }

    /// The `connection_id` and `sequence_number` to resume with, when the server can be asked:
    /// a known connection and a next number in `1..=i64::MAX` (the server treats 0 as "nothing
    /// to replay").
    pub(super) fn resume_point(&self) -> Option<(&str, i64)> {
        let id = self.connection_id.as_deref().filter(|_| self.resumable)?;
        let next = self.last?.checked_add(1).filter(|next| *next > 0)?;
        Some((id, next))
    }

    /// Never resume the current connection (a frame of it was dropped: a replay would resend it).
    pub(super) fn forget(&mut self) {
        self.resumable = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeted(id: &str) -> Sequence {
        let mut sequence = Sequence::default();
        assert!(matches!(
            sequence.hello(id.into(), "9.8".into(), Some(0)),
            Some(ConnectionNotice::Connected { .. })
        ));
        sequence
    }

    fn gap(previous: &str, new: &str, last: i64) -> Verdict {
        Verdict::DeliverAfter(ConnectionNotice::Gap {
            previous_connection_id: previous.into(),
            new_connection_id: new.into(),
            last_sequence: Some(last),
        })
    }

    #[test]
    fn in_order_events_are_delivered_and_resumed_after() {
        let mut sequence = greeted("c1");
        for seq in 1..=3 {
            assert_eq!(sequence.event(Some(seq), true), Verdict::Deliver);
        }
        assert_eq!(sequence.event(None, true), Verdict::Deliver);
        assert_eq!(sequence.resume_point(), Some(("c1", 4)));
        sequence.forget();
        assert_eq!(sequence.resume_point(), None);
    }

    #[test]
    fn a_jump_is_repaired_once_then_reported() {
        let mut sequence = greeted("c1");
        assert_eq!(sequence.event(Some(1), true), Verdict::Deliver);
        assert_eq!(sequence.event(Some(3), true), Verdict::Repair { expected: 2, got: 3 });
        assert_eq!(sequence.resume_point(), Some(("c1", 2)));
        // The replay has the same hole: reported, not repaired again.
        assert_eq!(sequence.event(Some(3), true), gap("c1", "c1", 1));
        assert_eq!(sequence.event(Some(4), true), Verdict::Deliver);
        // A later hole is repaired again.
        assert_eq!(sequence.event(Some(9), true), Verdict::Repair { expected: 5, got: 9 });
        // Without a session the server cannot replay: reported at once.
        let mut sequence = greeted("c2");
        assert_eq!(sequence.event(Some(5), false), gap("c2", "c2", 0));
        assert_eq!(sequence.event(Some(6), false), Verdict::Deliver);
    }

    #[test]
    fn numbering_gone_backwards_is_a_reported_reset() {
        let mut sequence = greeted("c1");
        assert_eq!(sequence.event(Some(i64::MAX), true), Verdict::Repair { expected: 1, got: i64::MAX });
        assert_eq!(sequence.event(Some(i64::MAX), true), gap("c1", "c1", 0));
        // Nothing comes after i64::MAX: no resumption with a bogus number.
        assert_eq!(sequence.resume_point(), None);
        assert_eq!(sequence.event(Some(0), true), gap("c1", "c1", i64::MAX));
        for seq in 1..=6 {
            assert_eq!(sequence.event(Some(seq), true), Verdict::Deliver);
        }
        assert_eq!(sequence.resume_point(), Some(("c1", 7)));
        // The same number twice is a reset too, never a silent drop.
        assert_eq!(sequence.event(Some(6), true), gap("c1", "c1", 6));
    }

    #[test]
    fn a_new_connection_id_is_a_gap() {
        let mut sequence = greeted("c1");
        assert_eq!(sequence.event(Some(1), true), Verdict::Deliver);
        assert_eq!(sequence.hello("c1".into(), String::new(), Some(0)), None);
        assert_eq!(
            sequence.hello("c2".into(), String::new(), Some(0)),
            Some(ConnectionNotice::Gap {
                previous_connection_id: "c1".into(),
                new_connection_id: "c2".into(),
                last_sequence: Some(0),
            })
        );
        assert_eq!(sequence.event(Some(1), true), Verdict::Deliver);
        assert_eq!(sequence.resume_point(), Some(("c2", 2)));
    }
}
