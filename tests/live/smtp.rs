//! A loopback SMTP sink: where the live server's email goes, so that the tokens it mails
//! (password reset, email verification) can be read back.
//!
//! It speaks the part of SMTP that Go's `net/smtp` uses when Mattermost sends a message
//! (`server/platform/shared/mail/mail.go`: `NewSMTPClientAdvanced` then `sendMail`): a `220`
//! greeting, `EHLO`/`HELO`, `MAIL`, `RCPT`, `DATA` up to the line `.`, `RSET`, `NOOP`, `QUIT`.
//! It advertises no extension (no `STARTTLS`, no `AUTH`), so a client configured with no
//! connection security and no SMTP authentication sends in the clear on loopback.
//!
//! Everything it keeps is bounded: the newest [`MAX_MESSAGES`] messages (the oldest is
//! dropped), a message of at most [`MAX_MESSAGE_BYTES`] (a bigger one is refused with `552`),
//! [`MAX_RECIPIENTS`] recipients, and [`MAX_LINE_BYTES`] of a line (a longer command is
//! refused with `500`, a message with a longer line with `552`).

#![allow(dead_code)] // Each test binary that includes it uses part of it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How many messages the sink keeps (the newest).
pub const MAX_MESSAGES: usize = 100;
/// The largest message (the data between `DATA` and `.`, dot-unstuffed) it accepts.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// The most recipients of one message.
pub const MAX_RECIPIENTS: usize = 100;
/// The longest command or data line (RFC 5321 asks for 1000 at least).
pub const MAX_LINE_BYTES: usize = 4096;

/// The name the sink gives itself in its greeting and its `EHLO` reply.
const NAME: &str = "mattermost-live-sink";

/// One message the sink received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The `RCPT TO` addresses, as sent (without the angle brackets).
    pub recipients: Vec<String>,
    /// The raw message: headers and body, dot-unstuffed, lines ending in CRLF as sent.
    pub data: String,
}

/// A running sink; clones share its messages. It stops when the runtime that started it ends.
#[derive(Debug, Clone)]
pub struct Sink {
    addr: SocketAddr,
    messages: Arc<Mutex<VecDeque<Message>>>,
}

impl Sink {
    /// Listens on a free loopback port and serves every connection on the current runtime.
    pub async fn start() -> std::io::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let sink = Sink { addr: listener.local_addr()?, messages: Arc::default() };
        let messages = Arc::clone(&sink.messages);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let messages = Arc::clone(&messages);
                tokio::spawn(async move {
                    let _ = serve(stream, &messages).await;
                });
            }
        });
        Ok(sink)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The messages kept, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// The token of the newest message to `recipient` that has one (see [`find_token`]).
    pub fn token_for(&self, recipient: &str) -> Option<String> {
        let messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        messages
            .iter()
            .rev()
            .filter(|m| m.recipients.iter().any(|r| r.eq_ignore_ascii_case(recipient)))
            .find_map(|m| find_token(&m.data))
    }

    /// [`Sink::token_for`], asked again until `timeout` has passed (a server may send a
    /// message after it has answered the request that caused it).
    pub async fn wait_token_for(&self, recipient: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(token) = self.token_for(recipient) {
                return Some(token);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The first `token=<letters and digits>` of a message, once its quoted-printable soft line
/// breaks (`=` at the end of a line) are joined and each `=3D` is read as `=`: Mattermost's
/// links carry their token as `?token=…` (`server/channels/app/email/email.go`
/// `SendPasswordResetEmail`, `SendVerifyEmail`, `SendInviteEmails`), in a body its mail
/// library writes as quoted-printable.
pub fn find_token(data: &str) -> Option<String> {
    let text = data.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    text.match_indices("token=").find_map(|(at, key)| {
        let value: String = text[at + key.len()..].chars().take_while(char::is_ascii_alphanumeric).collect();
        (!value.is_empty()).then_some(value)
    })
}

/// What reading one line gave.
enum Line {
    /// A line, with its line ending.
    Text(Vec<u8>),
    /// A line longer than [`MAX_LINE_BYTES`], read to its end and dropped.
    TooLong,
    /// The client closed the connection.
    End,
}

/// Reads one line, keeping at most [`MAX_LINE_BYTES`] of it.
async fn read_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Line> {
    let limit = u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX);
    let mut too_long = false;
    loop {
        let mut line = Vec::new();
        let read = (&mut *reader).take(limit).read_until(b'\n', &mut line).await?;
        if read == 0 || (!line.ends_with(b"\n") && read < MAX_LINE_BYTES) {
            return Ok(Line::End); // Closed, perhaps in the middle of a line.
        }
        match (line.ends_with(b"\n"), too_long) {
            (true, false) => return Ok(Line::Text(line)),
            (true, true) => return Ok(Line::TooLong),
            (false, _) => too_long = true,
        }
    }
}

/// One SMTP session, until `QUIT` or the end of the connection.
async fn serve(stream: TcpStream, messages: &Mutex<VecDeque<Message>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(format!("220 {NAME} ESMTP\r\n").as_bytes()).await?;
    let mut recipients: Vec<String> = Vec::new();
    loop {
        let line = match read_line(&mut reader).await? {
            Line::Text(line) => String::from_utf8_lossy(&line).trim_end().to_string(),
            Line::TooLong => {
                write.write_all(b"500 5.5.2 line too long\r\n").await?;
                continue;
            }
            Line::End => return Ok(()),
        };
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" | "HELO" => format!("250 {NAME}\r\n"),
            "MAIL" | "RSET" => {
                recipients.clear();
                "250 2.0.0 OK\r\n".to_string()
            }
            "RCPT" if recipients.len() >= MAX_RECIPIENTS => "452 4.5.3 too many recipients\r\n".to_string(),
            "RCPT" => match address(&line) {
                Some(to) => {
                    recipients.push(to);
                    "250 2.1.5 OK\r\n".to_string()
                }
                None => "501 5.5.4 RCPT TO:<address> expected\r\n".to_string(),
            },
            "NOOP" => "250 2.0.0 OK\r\n".to_string(),
            "DATA" if recipients.is_empty() => "503 5.5.1 RCPT first\r\n".to_string(),
            "DATA" => {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let Some(data) = read_data(&mut reader).await? else { return Ok(()) };
                match data {
                    Data::Complete(data) => {
                        keep(messages, Message { recipients: std::mem::take(&mut recipients), data });
                        "250 2.0.0 OK: queued\r\n".to_string()
                    }
                    Data::TooBig => {
                        recipients.clear();
                        "552 5.3.4 message too big\r\n".to_string()
                    }
                }
            }
            "QUIT" => return write.write_all(format!("221 2.0.0 {NAME} closing\r\n").as_bytes()).await,
            _ => "502 5.5.1 command not implemented\r\n".to_string(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// The address of `RCPT TO:<address>` (the brackets may be left out).
fn address(line: &str) -> Option<String> {
    let (verb, rest) = line.split_once(':')?;
    if !verb.trim().eq_ignore_ascii_case("RCPT TO") {
        return None;
    }
    let rest = rest.trim();
    let address = match rest.strip_prefix('<') {
        Some(inner) => inner.split('>').next().unwrap_or_default(),
        None => rest.split_whitespace().next().unwrap_or_default(),
    };
    (!address.is_empty()).then(|| address.to_string())
}

/// The message after `354`.
enum Data {
    /// Read up to the line `.`: the dot-unstuffed message.
    Complete(String),
    /// Longer than [`MAX_MESSAGE_BYTES`], or with a line longer than [`MAX_LINE_BYTES`]
    /// (read up to the line `.` and dropped).
    TooBig,
}

/// Reads a message up to the line `.`, dot-unstuffed; `None` if the connection ends first.
async fn read_data<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Data>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let line = match read_line(reader).await? {
            Line::Text(line) => line,
            Line::TooLong => {
                too_big = true;
                continue;
            }
            Line::End => return Ok(None),
        };
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        too_big |= data.len() + line.len() > MAX_MESSAGE_BYTES;
        if !too_big {
            data.extend_from_slice(line);
        }
    }
    Ok(Some(if too_big { Data::TooBig } else { Data::Complete(String::from_utf8_lossy(&data).into_owned()) }))
}

/// Keeps a message, dropping the oldest when [`MAX_MESSAGES`] are kept already.
fn keep(messages: &Mutex<VecDeque<Message>>, message: Message) {
    let mut messages = messages.lock().unwrap_or_else(PoisonError::into_inner);
    if messages.len() >= MAX_MESSAGES {
        messages.pop_front();
    }
    messages.push_back(message);
}
