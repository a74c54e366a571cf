//! A loopback HTTP/1.1 server speaking raw bytes, so it can misbehave: never
//! answer, trickle a body, send an endless chunked body, announce a body it
//! never sends, redirect anywhere. It records every request it reads and how
//! many body bytes it wrote.
//!
//! Everything is bounded in time: a connection lives at most
//! [`MAX_CONNECTION_TIME`], and the tasks end when the [`Server`] is dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Longest life of a connection, silent and stalled ones included.
const MAX_CONNECTION_TIME: Duration = Duration::from_secs(20);
/// Longest wait for the next request on a kept-alive connection.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest request head read.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body read.
const MAX_REQUEST_BODY: usize = 1 << 20;
/// Size of the chunks of generated bodies.
const CHUNK: usize = 16 * 1024;

/// A request as read by the server.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path of the target, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        reqwest::Url::parse(&format!("http://h/?{query}"))
            .ok()?
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The whole request as lossy text, for scanning.
    pub fn text(&self) -> String {
        let mut out = format!("{} {}\n", self.method, self.target);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }
}

/// How the body of a reply is sent.
#[derive(Debug, Clone)]
pub enum Body {
    /// All at once, with a `Content-Length` unless the reply sets one.
    Full(Vec<u8>),
    /// Chunked: `prefix`, then `fill` bytes of `a` (`u64::MAX`: never ends),
    /// then `suffix`, each chunk after a pause of `every`; `stall` keeps the
    /// connection open without the final chunk instead of ending the body.
    Chunked {
        prefix: Vec<u8>,
        fill: u64,
        suffix: Vec<u8>,
        chunk: usize,
        every: Duration,
        stall: bool,
    },
    /// Announces `announced` bytes with `Content-Length`, sends `prefix`,
    /// then sends nothing more and keeps the connection open.
    Stall { announced: u64, prefix: Vec<u8> },
    /// Announces `announced` bytes with `Content-Length`, sends `prefix`,
    /// then closes the connection.
    Truncated { announced: u64, prefix: Vec<u8> },
}

impl Body {
    /// An endless chunked body of `a`s, sent as fast as the client reads.
    pub fn endless() -> Body {
        Body::Chunked {
            prefix: Vec::new(),
            fill: u64::MAX,
            suffix: Vec::new(),
            chunk: CHUNK,
            every: Duration::ZERO,
            stall: false,
        }
    }

    /// A chunked JSON object whose `field` is a string of `len` `a`s.
    pub fn json_string(field: &str, len: u64) -> Body {
        Body::Chunked {
            prefix: format!("{{\"{field}\":\"").into_bytes(),
            fill: len,
            suffix: b"\"}".to_vec(),
            chunk: CHUNK,
            every: Duration::ZERO,
            stall: false,
        }
    }

    /// `count` chunks of `size` bytes, one every `every`; then the body ends,
    /// or stalls when `stall` is set.
    pub fn trickle(size: usize, count: u64, every: Duration, stall: bool) -> Body {
        Body::Chunked {
            prefix: Vec::new(),
            fill: count.saturating_mul(size as u64),
            suffix: Vec::new(),
            chunk: size,
            every,
            stall,
        }
    }
}

/// A reply: status, headers and body.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Reply {
    /// A reply with an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Full(Vec::new()),
        }
    }

    /// A reply with a JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(Body::Full(value.to_string().into_bytes()))
    }

    /// A reply with `body` sent as is, labelled `content_type`.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(status)
            .header("Content-Type", content_type)
            .body(Body::Full(body.into()))
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Reply {
        self.body = body;
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Sends the reply.
    Reply(Reply),
    /// Sends nothing and keeps the connection open.
    Silent,
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Action {
        Action::Reply(reply)
    }
}

/// Decides the action for a request, given the number of requests read
/// before it (from 0).
type Handler = dyn Fn(&Request, usize) -> Action + Send + Sync;

struct Shared {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
    count: AtomicUsize,
    body_bytes: AtomicU64,
}

/// A running loopback server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Dropping the accept task drops its JoinSet, which aborts every
        // connection task.
        self.task.abort();
    }
}

impl Server {
    /// Starts a server on `127.0.0.1` answering with `handler`.
    pub async fn start<H, A>(handler: H) -> Server
    where
        H: Fn(&Request, usize) -> A + Send + Sync + 'static,
        A: Into<Action>,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            handler: Box::new(move |req: &Request, n| handler(req, n).into()),
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            body_bytes: AtomicU64::new(0),
        });
        let task = tokio::spawn(accept(listener, Arc::clone(&shared)));
        Server { addr, shared, task }
    }

    /// A server answering every request with `action`.
    pub async fn always(action: impl Into<Action>) -> Server {
        let action = action.into();
        Server::start(move |_: &Request, _| action.clone()).await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests were read so far.
    pub fn count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// Body bytes written so far, over all replies.
    pub fn body_bytes_sent(&self) -> u64 {
        self.shared.body_bytes.load(Ordering::SeqCst)
    }
}

/// The address of a port nothing listens on (bound, then released).
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        connections.spawn(async move {
            // A connection that outlives its time is simply dropped.
            let _ = tokio::time::timeout(MAX_CONNECTION_TIME, serve(stream, shared)).await;
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
}

/// Serves the requests of one connection until it closes or an action ends it.
async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buffered = Vec::new();
    loop {
        let read = tokio::time::timeout(IDLE_TIMEOUT, read_request(&mut stream, &mut buffered));
        let Ok(Some(request)) = read.await else {
            return;
        };
        let n = shared.count.fetch_add(1, Ordering::SeqCst);
        shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        match (shared.handler)(&request, n) {
            Action::Silent => {
                hold(&mut stream).await;
                return;
            }
            Action::Reply(reply) => {
                let keep_alive = matches!(reply.body, Body::Full(_));
                if !send(&mut stream, reply, &shared.body_bytes).await || !keep_alive {
                    return;
                }
            }
        }
    }
}

/// Keeps the connection open, reading and discarding whatever comes, until
/// the peer closes it (or the connection's time runs out).
async fn hold(stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
}

/// Reads one request; `None` when the connection closed or sent garbage.
async fn read_request(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(i) = find(buffered, b"\r\n\r\n") {
            break i;
        }
        if buffered.len() > MAX_HEAD || !fill(stream, buffered).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffered[..head_end]).into_owned();
    buffered.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let target = start.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        request.body = read_chunked(stream, buffered).await?;
    } else {
        let length: usize = request
            .header("content-length")
            .map_or(Some(0), |v| v.parse().ok())?;
        if length > MAX_REQUEST_BODY {
            return None;
        }
        while buffered.len() < length {
            if !fill(stream, buffered).await {
                return None;
            }
        }
        request.body = buffered.drain(..length).collect();
    }
    Some(request)
}

/// Reads a chunked request body.
async fn read_chunked(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buffered, b"\r\n") {
                break i;
            }
            if buffered.len() > MAX_HEAD || !fill(stream, buffered).await {
                return None;
            }
        };
        let line = String::from_utf8_lossy(&buffered[..line_end]).into_owned();
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        buffered.drain(..line_end + 2);
        if body.len() + size > MAX_REQUEST_BODY {
            return None;
        }
        while buffered.len() < size + 2 {
            if !fill(stream, buffered).await {
                return None;
            }
        }
        body.extend(buffered.drain(..size));
        buffered.drain(..2);
        if size == 0 {
            // No trailers are sent by the client under test.
            return Some(body);
        }
    }
}

/// Reads more bytes into `buffered`; false at end of stream or on error.
async fn fill(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffered.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// Writes `reply`; false when the connection failed or was left stalled.
async fn send(stream: &mut TcpStream, reply: Reply, sent: &AtomicU64) -> bool {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match &reply.body {
        Body::Full(bytes) if !reply.has_header("content-length") => {
            head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
        }
        Body::Full(_) => {}
        Body::Chunked { .. } => head.push_str("Transfer-Encoding: chunked\r\n"),
        Body::Stall { announced, .. } | Body::Truncated { announced, .. } => {
            head.push_str(&format!("Content-Length: {announced}\r\n"));
        }
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    match reply.body {
        Body::Full(bytes) => write_counted(stream, &bytes, sent).await,
        Body::Stall { prefix, .. } => {
            if write_counted(stream, &prefix, sent).await {
                hold(stream).await;
            }
            false
        }
        Body::Truncated { prefix, .. } => {
            write_counted(stream, &prefix, sent).await;
            false
        }
        Body::Chunked {
            prefix,
            fill,
            suffix,
            chunk,
            every,
            stall,
        } => {
            let chunk = chunk.max(1);
            let filler = vec![b'a'; chunk];
            if !write_chunk(stream, &prefix, sent).await {
                return false;
            }
            let mut left = fill;
            while left > 0 {
                if !every.is_zero() {
                    tokio::time::sleep(every).await;
                }
                let n = usize::try_from(left).map_or(chunk, |left| left.min(chunk));
                if !write_chunk(stream, &filler[..n], sent).await {
                    return false;
                }
                left = left.saturating_sub(n as u64);
            }
            if !write_chunk(stream, &suffix, sent).await {
                return false;
            }
            if stall {
                hold(stream).await;
                return false;
            }
            stream.write_all(b"0\r\n\r\n").await.is_ok()
        }
    }
}

/// Writes one chunk of a chunked body (nothing for an empty one, which would
/// end the body).
async fn write_chunk(stream: &mut TcpStream, data: &[u8], sent: &AtomicU64) -> bool {
    if data.is_empty() {
        return true;
    }
    let size = format!("{:x}\r\n", data.len());
    stream.write_all(size.as_bytes()).await.is_ok()
        && write_counted(stream, data, sent).await
        && stream.write_all(b"\r\n").await.is_ok()
}

async fn write_counted(stream: &mut TcpStream, data: &[u8], sent: &AtomicU64) -> bool {
    let ok = stream.write_all(data).await.is_ok() && stream.flush().await.is_ok();
    if ok {
        sent.fetch_add(data.len() as u64, Ordering::SeqCst);
    }
    ok
}
