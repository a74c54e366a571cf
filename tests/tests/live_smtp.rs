//! The live tests' SMTP sink (tests/live/smtp.rs), checked without a server: a client talks
//! SMTP to it over loopback the way Go's `net/smtp` does, and reads back what it kept.

#[path = "../live/smtp.rs"]
mod smtp;

use smtp::{find_token, Sink, MAX_MESSAGES, MAX_MESSAGE_BYTES};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// A 64-character token, as Mattermost makes them (`model.TokenSize`).
const TOKEN: &str = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01";

/// One SMTP client connection.
struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Session {
    /// Connects and returns the greeting too.
    async fn open(sink: &Sink) -> (Session, String) {
        let stream = TcpStream::connect(("127.0.0.1", sink.port())).await.expect("connect to the sink");
        let (read, writer) = stream.into_split();
        let mut session = Session { reader: BufReader::new(read), writer };
        let greeting = session.reply().await;
        (session, greeting)
    }

    /// Reads one reply line (the sink's replies are one line each).
    async fn reply(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.expect("a reply");
        line
    }

    /// Sends raw bytes.
    async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("send");
    }

    /// Sends one command line and returns the reply.
    async fn command(&mut self, line: &str) -> String {
        self.send_raw(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends one message to `to` (already dot-stuffed `data`, ending in CRLF); returns the
    /// reply to its final `.`.
    async fn message(&mut self, to: &str, data: &str) -> String {
        assert!(self.command("MAIL FROM:<live@example.com>").await.starts_with("250"));
        assert!(self.command(&format!("RCPT TO:<{to}>")).await.starts_with("250"));
        assert!(self.command("DATA").await.starts_with("354"));
        self.send_raw(data.as_bytes()).await;
        self.command(".").await
    }
}

#[tokio::test]
async fn a_message_sent_the_way_net_smtp_sends_is_kept_with_its_token() {
    let sink = Sink::start().await.expect("sink");
    let (mut session, greeting) = Session::open(&sink).await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    let ehlo = session.command("EHLO localhost").await;
    // One line: no extension, so neither STARTTLS nor AUTH.
    assert!(ehlo.starts_with("250 "), "{ehlo}");
    // A quoted-printable body: `=` as `=3D`, the token cut by a soft line break, a line that
    // starts with a dot (stuffed by the client).
    let body = format!(
        "To: erin@example.com\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<a href=3D\"http://127.0.0.1/reset_password_complete?token=3D{}=\r\n{}\">Reset</a>\r\n..a line with a dot\r\n",
        &TOKEN[..20],
        &TOKEN[20..],
    );
    assert!(session.message("erin@example.com", &body).await.starts_with("250"));
    assert!(session.command("QUIT").await.starts_with("221"));

    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].recipients, ["erin@example.com"]);
    assert!(messages[0].data.contains("\r\n.a line with a dot\r\n"), "{}", messages[0].data);
    assert!(!messages[0].data.ends_with(".\r\n"), "the final dot is not part of the message");
    assert_eq!(sink.token_for("erin@example.com").as_deref(), Some(TOKEN));
    assert_eq!(sink.token_for("ERIN@example.com").as_deref(), Some(TOKEN));
    assert_eq!(sink.token_for("frank@example.com"), None);
}

#[tokio::test]
async fn what_it_does_not_speak_is_refused_and_the_session_goes_on() {
    let sink = Sink::start().await.expect("sink");
    let (mut session, _) = Session::open(&sink).await;
    assert!(session.command("HELO localhost").await.starts_with("250"));
    assert!(session.command("STARTTLS").await.starts_with("502"));
    assert!(session.command("AUTH PLAIN AGxpdmUAbGl2ZQ==").await.starts_with("502"));
    assert!(session.command("MAIL FROM:<live@example.com>").await.starts_with("250"));
    assert!(session.command("DATA").await.starts_with("503"), "DATA before any RCPT");
    assert!(session.command("RCPT nobody").await.starts_with("501"));
    assert!(session.command("RCPT TO:<a@example.com>").await.starts_with("250"));
    assert!(session.command("RSET").await.starts_with("250"));
    assert!(session.command("DATA").await.starts_with("503"), "RSET forgets the recipients");
    assert!(session.command("NOOP").await.starts_with("250"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn it_keeps_the_newest_messages_and_refuses_one_too_big() {
    let sink = Sink::start().await.expect("sink");
    let (mut session, _) = Session::open(&sink).await;
    assert!(session.command("EHLO localhost").await.starts_with("250"));
    for n in 0..=MAX_MESSAGES {
        let reply = session.message(&format!("user{n}@example.com"), &format!("Subject: {n}\r\n\r\ntoken=t{n}\r\n")).await;
        assert!(reply.starts_with("250"), "{reply}");
    }
    let messages = sink.messages();
    assert_eq!(messages.len(), MAX_MESSAGES);
    assert_eq!(messages[0].recipients, ["user1@example.com"], "the oldest was dropped");
    assert_eq!(sink.token_for("user0@example.com"), None);
    assert_eq!(sink.token_for(&format!("user{MAX_MESSAGES}@example.com")), Some(format!("t{MAX_MESSAGES}")));

    let line = format!("{}\r\n", "x".repeat(998));
    let big = line.repeat(MAX_MESSAGE_BYTES / line.len() + 1);
    let reply = session.message("big@example.com", &big).await;
    assert!(reply.starts_with("552"), "{reply}");
    assert!(session.command("NOOP").await.starts_with("250"), "the session goes on");
    assert_eq!(sink.messages().len(), MAX_MESSAGES);
    assert!(sink.messages().iter().all(|m| m.recipients != ["big@example.com"]));
}

#[tokio::test]
async fn a_line_too_long_is_refused_and_dropped_whole() {
    let sink = Sink::start().await.expect("sink");
    let (mut session, _) = Session::open(&sink).await;
    let reply = session.command(&format!("NOOP {}", "x".repeat(3 * smtp::MAX_LINE_BYTES))).await;
    assert!(reply.starts_with("500"), "{reply}");
    assert!(session.command("NOOP").await.starts_with("250"), "the rest of the long line is not read as a command");
    let long = format!("token=abc\r\n{}\r\n", "x".repeat(2 * smtp::MAX_LINE_BYTES));
    let reply = session.message("long@example.com", &long).await;
    assert!(reply.starts_with("552"), "{reply}");
    assert!(sink.messages().is_empty());
}

#[test]
fn a_token_is_found_through_quoted_printable_and_only_with_a_value() {
    assert_eq!(find_token("href=3D\"x?token=3Dab=\r\ncd&amp;e=3D1\"").as_deref(), Some("abcd"));
    assert_eq!(find_token("token=\r\nlater token=abc").as_deref(), Some("abc"));
    assert_eq!(find_token("no link here"), None);
    assert_eq!(find_token("token=3D&other"), None);
}
