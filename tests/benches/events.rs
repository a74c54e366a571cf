//! WebSocket event benchmarks, run by `cargo xtask bench` (or `cargo bench -p mattermost-tests
//! --bench events`).
//!
//! 1. Decode: 10,000 `posted` frames (the post inside a JSON string, as the server sends it)
//!    through the event stream's own decoding ([`Event::from_json`] runs the function the stream
//!    runs on every text frame: the frame checked and split, then [`Event`]'s decoding of
//!    broadcast and data from their text) against plain `serde_json` into hand-written structs of
//!    the same frames, the post string decoded by a second `serde_json` call.
//! 2. End to end: the same frames sent by a loopback WebSocket server and read from
//!    `client.events()`, in events per second.
//! 3. Memory per idle connection: the resident memory this process gains for 200 open event
//!    streams (each past its `hello`), the server being a child process.
//!
//! Each decode figure is the median of several alternating rounds; the output is a markdown
//! table.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use mattermost_client::events::{Event, EventOptions, EventStream};
use mattermost_client::Client;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const FRAMES: usize = 10_000;
const IDLE_CONNECTIONS: usize = 200;

fn posted_frame(i: usize) -> String {
    let post = json!({
        "id": format!("{i:026}"), "create_at": 1_700_000_000_000i64 + i as i64, "update_at": 1_700_000_000_000i64 + i as i64,
        "edit_at": 0, "delete_at": 0, "is_pinned": false, "user_id": "u1iy8wmqdfn6mgz3kk4hs6buzr", "channel_id": "4yjfbecrw3fxmfhf48w6uydhwh",
        "root_id": "", "original_id": "", "message": format!("message number {i}, mentioning @bot and saying something of a usual length"),
        "type": "", "props": {"disable_group_highlight": true}, "hashtags": "", "pending_post_id": format!("u1iy8wmqdfn6mgz3kk4hs6buzr:{i}"),
        "reply_count": 0, "last_reply_at": 0, "participants": null, "metadata": {}
    });
    json!({
        "event": "posted",
        "data": {
            "post": post.to_string(), "channel_type": "O", "channel_display_name": "Town Square", "channel_name": "town-square",
            "sender_name": "@alice", "team_id": "ewgq5mtrbfgw3qmfd8kzmcrk6h", "set_online": true, "mentions": "[\"bot1bot1bot1bot1bot1bot1bo\"]"
        },
        "broadcast": {"omit_users": null, "user_id": "", "channel_id": "4yjfbecrw3fxmfhf48w6uydhwh", "team_id": "",
            "connection_id": "", "omit_connection_id": "", "contains_sanitized_data": false, "contains_sensitive_data": false},
        "seq": i + 1
    })
    .to_string()
}

/// The path of the event stream: the runtime's decoding of one text frame.
fn decode_generated(text: &str) -> Event {
    Event::from_json(text).expect("an event frame")
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainFrame {
    event: String,
    data: PlainPostedData,
    broadcast: PlainBroadcast,
    seq: i64,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainPostedData {
    post: String,
    channel_type: String,
    channel_display_name: String,
    channel_name: String,
    sender_name: String,
    team_id: String,
    set_online: bool,
    mentions: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainBroadcast {
    omit_users: Option<std::collections::BTreeMap<String, bool>>,
    user_id: String,
    channel_id: String,
    team_id: String,
    connection_id: String,
    omit_connection_id: String,
    contains_sanitized_data: Option<bool>,
    contains_sensitive_data: Option<bool>,
}

/// The fields of the generated `Post`, by hand.
#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainPost {
    id: String,
    create_at: i64,
    update_at: i64,
    delete_at: i64,
    edit_at: i64,
    user_id: String,
    channel_id: String,
    root_id: String,
    original_id: String,
    message: String,
    r#type: String,
    props: Option<serde_json::Map<String, Value>>,
    file_ids: Option<Vec<String>>,
    pending_post_id: String,
    metadata: Option<Value>,
    is_pinned: bool,
    hashtags: String,
    reply_count: i64,
    last_reply_at: i64,
    participants: Option<Vec<Value>>,
}

fn decode_plain(text: &str) -> (PlainFrame, PlainPost, Vec<String>) {
    let frame: PlainFrame = serde_json::from_str(text).expect("a frame");
    let post: PlainPost = serde_json::from_str(&frame.data.post).expect("a post");
    let mentions: Vec<String> = frame.data.mentions.as_deref().map(|m| serde_json::from_str(m).expect("ids")).unwrap_or_default();
    (frame, post, mentions)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn bench_decode(frames: &[String]) {
    let rounds = 21;
    let (mut generated, mut plain) = (Vec::new(), Vec::new());
    let run_generated = || {
        let started = Instant::now();
        for text in frames {
            let Event::Posted { data, .. } = decode_generated(text) else { panic!("a typed posted event") };
            assert!(!data.post.id.is_empty());
        }
        started.elapsed()
    };
    let run_plain = || {
        let started = Instant::now();
        for text in frames {
            let (_, post, _) = decode_plain(text);
            assert!(!post.id.is_empty());
        }
        started.elapsed()
    };
    for round in 0..rounds {
        if round % 2 == 0 {
            generated.push(run_generated());
            plain.push(run_plain());
        } else {
            plain.push(run_plain());
            generated.push(run_generated());
        }
    }
    let bytes: usize = frames.iter().map(String::len).sum();
    let per_second = |d: Duration| frames.len() as f64 / d.as_secs_f64();
    let (generated, plain) = (median(generated), median(plain));
    println!(
        "| decode {} `posted` frames ({} bytes each on average) into the generated `Event` (the stream's own decoding, `Event::from_json`: frame, broadcast, data, post string) | {:.0} events/s ({:.2} µs each) |",
        frames.len(),
        bytes / frames.len(),
        per_second(generated),
        generated.as_secs_f64() * 1e6 / frames.len() as f64
    );
    println!(
        "| decode the same with plain `serde_json` into hand-written structs (frame, then the post string) | {:.0} events/s ({:.2} µs each) |",
        per_second(plain),
        plain.as_secs_f64() * 1e6 / frames.len() as f64
    );
    println!("| ratio generated / plain (time per event) | {:.2}x |", generated.as_secs_f64() / plain.as_secs_f64());
}

/// A loopback server that sends `hello` then `frames` on each connection, and keeps it open.
async fn serve(frames: Vec<String>, max_connections: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        for _ in 0..max_connections {
            let Ok((stream, _)) = listener.accept().await else { return };
            let frames = frames.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
                let hello = json!({"event": "hello", "data": {"connection_id": "c", "server_version": "9.8.0"}, "broadcast": {}, "seq": 0});
                if ws.send(Message::text(hello.to_string())).await.is_err() {
                    return;
                }
                for text in frames {
                    if ws.feed(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                if ws.flush().await.is_err() {
                    return;
                }
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
    url
}

async fn until_hello(stream: &mut EventStream<Event>) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("in time") {
            Some(Ok(Event::Hello { .. })) => return,
            Some(Ok(_)) => {}
            other => panic!("expected hello, got {other:?}"),
        }
    }
}

async fn bench_end_to_end(frames: Vec<String>) {
    let count = frames.len();
    let mut samples = Vec::new();
    let url = serve(frames, 5).await;
    let client = Client::builder(&url).token("bench-token").build().expect("client");
    for _ in 0..5 {
        let mut stream = client.events().await.expect("connected");
        until_hello(&mut stream).await;
        let started = Instant::now();
        for _ in 0..count {
            match stream.next().await {
                Some(Ok(Event::Posted { .. })) => {}
                other => panic!("expected posted, got {other:?}"),
            }
        }
        samples.push(started.elapsed());
    }
    let time = median(samples);
    println!(
        "| the same frames from a loopback server through `client.events()` (socket, frame parse, decode, channel), median of 5 | {:.0} events/s |",
        count as f64 / time.as_secs_f64()
    );
}

/// Resident memory of this process (Linux), in KiB.
fn rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs as the child process: a server for the idle connections; prints its URL.
fn run_idle_server() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let url = serve(Vec::new(), IDLE_CONNECTIONS + 1).await;
        println!("{url}");
        std::io::stdout().flush().expect("flush");
        // Until the parent closes stdin.
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
    });
}

async fn bench_idle_memory() {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .env("EVENTS_BENCH_SERVER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("server process");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut url).expect("url");
    let client = Client::builder(url.trim()).token("bench-token").build().expect("client");
    // One connection first, so that what every connection shares (TLS and HTTP client set-up,
    // runtime, allocator arenas) is not counted.
    let mut first = client.events().await.expect("connected");
    until_hello(&mut first).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib();
    let mut streams = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        let mut stream = client.events_with::<Event>(EventOptions::new()).await.expect("connected");
        until_hello(&mut stream).await;
        streams.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss_kib();
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "| memory per idle event stream (resident memory gained for {IDLE_CONNECTIONS} open streams, each past its `hello`) | {:.1} KiB |",
            (after - before) / IDLE_CONNECTIONS as f64
        );
    }
    println!("| size of one `Event` (a stream item is a `Result<Event>`) | {} bytes |", std::mem::size_of::<Event>());
    drop(streams);
    drop(first);
    drop(child.stdin.take());
    let _ = child.wait();
}

fn main() {
    if std::env::var_os("EVENTS_BENCH_SERVER").is_some() {
        run_idle_server();
        return;
    }
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let frames: Vec<String> = (0..if benchmarking { FRAMES } else { 10 }).map(posted_frame).collect();
    // `cargo test --benches` passes no `--bench`: it only checks that both decodes agree.
    for text in &frames {
        let Event::Posted { data, meta } = decode_generated(text) else { panic!("a typed posted event") };
        let (_, post, mentions) = decode_plain(text);
        assert_eq!((data.post.id, data.post.message, data.mentions.unwrap_or_default()), (post.id, post.message, mentions));
        assert_eq!(meta.broadcast.channel_id, "4yjfbecrw3fxmfhf48w6uydhwh");
    }
    if !benchmarking {
        return;
    }
    if std::env::var_os("BENCH_NO_HEADER").is_none() {
        println!("| measurement | result |\n| --- | --- |");
    }
    bench_decode(&frames);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(bench_end_to_end(frames));
    runtime.block_on(bench_idle_memory());
}
