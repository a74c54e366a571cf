//! Peak memory of the client when a server sends more than it should, or a large file.
//!
//! Each scenario runs in a fresh process (this binary again, with `MEMORY_SCENARIO` set), so
//! its peak resident memory (`VmHWM`) is its own. The server is a loopback thread that writes
//! the body in 64 KiB chunks generated on the fly, so it holds next to nothing itself.
//!
//! `cargo bench -p mattermost-tests --bench memory` (part of `cargo xtask bench`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use mattermost_client::{Client, Error, RetryPolicy};

const MIB: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Serves one request: a 200 reply whose body is `len` bytes: a JSON object holding one long
/// string when `json`, else raw bytes. Returns the server's address.
fn serve_once(len: u64, json: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let _ = write_reply(stream, len, json);
    });
    format!("http://{addr}")
}

fn write_reply(stream: TcpStream, len: u64, json: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut stream = stream;
    let content_type = if json { "application/json" } else { "application/octet-stream" };
    // No Content-Length: the client cannot refuse the body up front and must count as it reads.
    write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n")?;
    let mut sent = 0u64;
    let body_chunk = |bytes: &[u8], stream: &mut TcpStream| -> std::io::Result<()> {
        write!(stream, "{:x}\r\n", bytes.len())?;
        stream.write_all(bytes)?;
        stream.write_all(b"\r\n")
    };
    if json {
        body_chunk(br#"{"id":"u1","username":""#, &mut stream)?;
    }
    let filler = vec![b'x'; CHUNK];
    while sent < len {
        let n = usize::try_from((len - sent).min(CHUNK as u64)).unwrap_or(CHUNK);
        body_chunk(&filler[..n], &mut stream)?;
        sent += n as u64;
    }
    if json {
        body_chunk(br#""}"#, &mut stream)?;
    }
    stream.write_all(b"0\r\n\r\n")
}

/// Peak resident memory of this process, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn client(base: &str) -> Client {
    Client::builder(base)
        .token("bench")
        .retry(RetryPolicy::none())
        .deadline(Duration::from_secs(120))
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// Runs one scenario in this process and prints its table row.
async fn scenario(name: &str) {
    let started = Instant::now();
    let outcome = match name {
        "json-200mb-default" => {
            let base = serve_once(200 * MIB, true);
            match client(&base).get_user("u1").await {
                Err(Error::BodyTooLarge { limit }) => format!("`Error::BodyTooLarge` at {} MiB", limit / MIB),
                other => format!("unexpected: {:?}", other.map(|u| u.id)),
            }
        }
        "json-200mb-raised" => {
            let base = serve_once(200 * MIB, true);
            let client = Client::builder(&base)
                .token("bench")
                .retry(RetryPolicy::none())
                .deadline(Duration::from_secs(120))
                .timeout(Duration::from_secs(120))
                .max_body_size(256 * MIB)
                .build()
                .expect("client");
            match client.get_user("u1").await {
                Ok(user) => format!("decoded, username of {} MiB", user.username.len() as u64 / MIB),
                Err(e) => format!("unexpected: {e}"),
            }
        }
        "stream-500mb" => {
            let base = serve_once(500 * MIB, false);
            match client(&base).get_file("f1").send_stream().await {
                Ok(mut stream) => {
                    let mut total = 0u64;
                    while let Some(chunk) = stream.next().await {
                        match chunk {
                            Ok(bytes) => total += bytes.len() as u64,
                            Err(e) => return println!("| {name} | failed: {e} |"),
                        }
                    }
                    let secs = started.elapsed().as_secs_f64();
                    format!("{} MiB streamed at {:.0} MiB/s", total / MIB, total as f64 / MIB as f64 / secs)
                }
                Err(e) => format!("unexpected: {e}"),
            }
        }
        other => format!("unknown scenario {other}"),
    };
    println!(
        "| {} | {outcome}; peak memory {:.0} MiB, {:.2} s |",
        label(name),
        peak_rss_mib(),
        started.elapsed().as_secs_f64()
    );
}

fn label(name: &str) -> &'static str {
    match name {
        "json-200mb-default" => "a 200 MB JSON reply to `get_user`, default limits (64 MiB)",
        "json-200mb-raised" => "the same with `max_body_size(256 MiB)`: what buffering it costs",
        "stream-500mb" => "a 500 MB download through `get_file(..).send_stream()`",
        _ => "?",
    }
}

const SCENARIOS: &[&str] = &["json-200mb-default", "json-200mb-raised", "stream-500mb"];

fn main() {
    if let Ok(name) = std::env::var("MEMORY_SCENARIO") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(scenario(&name));
        return;
    }
    // `cargo test --benches` passes no `--bench`: keep it quick, check the server and client meet.
    if !std::env::args().any(|a| a == "--bench") {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let base = serve_once(4 * MIB, true);
        let small = Client::builder(&base).max_body_size(MIB).retry(RetryPolicy::none()).build().expect("client");
        let result = runtime.block_on(async { small.get_user("u1").await });
        assert!(matches!(result, Err(Error::BodyTooLarge { .. })), "{result:?}");
        return;
    }
    if std::env::var_os("BENCH_NO_HEADER").is_none() {
        println!("| measurement | result |\n| --- | --- |");
    }
    let exe = std::env::current_exe().expect("this benchmark's path");
    for name in SCENARIOS {
        let status = Command::new(&exe).env("MEMORY_SCENARIO", name).status().expect("run a scenario");
        assert!(status.success(), "scenario {name} failed");
    }
}
