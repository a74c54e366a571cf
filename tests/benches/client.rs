//! Client benchmarks, run by `cargo xtask bench` (or `cargo bench -p mattermost-tests --bench client`).
//!
//! 1. Decode: a 1,000-user JSON list into the generated `Vec<User>`, against plain
//!    `serde_json` into a hand-written struct with the same fields.
//! 2. Overhead per request: `client.get_user("me")` against a local in-process server, compared
//!    with a bare `reqwest` GET of the same URL decoded with `serde_json` into the same type.
//!
//! Each figure is the median of several rounds; the output is a markdown table.

use std::time::{Duration, Instant};

use mattermost_client::models::User;
use serde::Deserialize;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The same fields as the generated `User`, written by hand with plain serde derives.
#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainUser {
    id: Option<String>,
    create_at: Option<i64>,
    update_at: Option<i64>,
    delete_at: Option<i64>,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    nickname: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    auth_service: Option<String>,
    roles: Option<String>,
    locale: Option<String>,
    notify_props: Option<PlainNotifyProps>,
    props: Option<serde_json::Map<String, serde_json::Value>>,
    last_password_update: Option<i64>,
    last_picture_update: Option<i64>,
    failed_attempts: Option<i64>,
    mfa_active: Option<bool>,
    timezone: Option<PlainTimezone>,
    terms_of_service_id: Option<String>,
    terms_of_service_create_at: Option<i64>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct PlainNotifyProps {
    email: Option<String>,
    push: Option<String>,
    desktop: Option<String>,
    desktop_sound: Option<String>,
    mention_keys: Option<String>,
    channel: Option<String>,
    first_name: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainTimezone {
    use_automatic_timezone: Option<String>,
    manual_timezone: Option<String>,
    automatic_timezone: Option<String>,
}

fn user_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("{i:026}"),
        "create_at": 1_700_000_000_000i64 + i as i64,
        "update_at": 1_700_000_000_500i64 + i as i64,
        "delete_at": 0,
        "username": format!("user{i}"),
        "first_name": "First",
        "last_name": "Last",
        "nickname": "",
        "email": format!("user{i}@example.com"),
        "email_verified": true,
        "auth_service": "",
        "roles": "system_user",
        "locale": "en",
        "notify_props": {"email": "true", "push": "mention", "desktop": "all", "desktop_sound": "true", "mention_keys": "", "channel": "true", "first_name": "false"},
        "props": {},
        "last_password_update": 1_700_000_000_000i64,
        "last_picture_update": 0,
        "failed_attempts": 0,
        "mfa_active": false,
        "timezone": {"useAutomaticTimezone": "true", "manualTimezone": "", "automaticTimezone": "Europe/Berlin"},
        "terms_of_service_id": "",
        "terms_of_service_create_at": 0
    })
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn bench_decode() -> (f64, f64) {
    let list: Vec<serde_json::Value> = (0..1000).map(user_json).collect();
    let bytes = serde_json::to_vec(&list).expect("json");
    let rounds = 31;
    let iterations = 20;
    let mut generated = Vec::new();
    let mut plain = Vec::new();
    let decode_generated = || {
        let started = Instant::now();
        for _ in 0..iterations {
            let users: Vec<User> = serde_json::from_slice(&bytes).expect("decodes");
            assert_eq!(users.len(), 1000);
        }
        started.elapsed() / iterations
    };
    let decode_plain = || {
        let started = Instant::now();
        for _ in 0..iterations {
            let users: Vec<PlainUser> = serde_json::from_slice(&bytes).expect("decodes");
            assert_eq!(users.len(), 1000);
        }
        started.elapsed() / iterations
    };
    // Alternate which one runs first, so that neither always meets a warmer cache or allocator.
    for round in 0..rounds {
        if round % 2 == 0 {
            generated.push(decode_generated());
            plain.push(decode_plain());
        } else {
            plain.push(decode_plain());
            generated.push(decode_generated());
        }
    }
    let mib = bytes.len() as f64 / (1024.0 * 1024.0);
    let generated = median(generated).as_secs_f64();
    let plain = median(plain).as_secs_f64();
    println!("| decode 1,000 users ({:.0} KiB) into generated `Vec<User>` | {:.2} ms ({:.0} MiB/s) |", mib * 1024.0, generated * 1e3, mib / generated);
    println!("| decode the same into a hand-written plain serde struct | {:.2} ms ({:.0} MiB/s) |", plain * 1e3, mib / plain);
    println!("| ratio generated / plain | {:.3}x |", generated / plain);
    (generated, plain)
}

async fn bench_overhead() {
    // Recording every request would make the server slower as the run goes on.
    let server = MockServer::builder().disable_request_recording().start().await;
    let body = serde_json::to_vec(&user_json(1)).expect("json");
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json")).mount(&server).await;
    let client = mattermost_client::Client::builder(&server.uri())
        .token("bench-token")
        .retry(mattermost_client::RetryPolicy::none())
        .build()
        .expect("client");
    let bare = reqwest::Client::new();
    // The reqwest configuration our client builds by default (10 s connect timeout, redirects
    // followed by our client itself); our client adds its own deadline, attempt and read timers
    // and size limits on top.
    let bare_timeouts = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // Our client over the same reqwest configuration as `bare`.
    let client_bare = mattermost_client::Client::builder(&server.uri())
        .token("bench-token")
        .retry(mattermost_client::RetryPolicy::none())
        .http_client(reqwest::Client::new())
        .build()
        .expect("client");
    let url = format!("{}/api/v4/users/me", server.uri());
    // Many short batches in a rotating order, so that drift on a shared machine falls on every
    // variant alike.
    let requests = 100;
    let rounds = 60;
    let bare_get = |http: &reqwest::Client| {
        let request = http.get(&url).bearer_auth("bench-token").send();
        async move {
            let response = request.await.expect("ok");
            assert!(response.status().is_success());
            let user: User = serde_json::from_slice(&response.bytes().await.expect("body")).expect("decodes");
            user
        }
    };
    // Warm up connections and code paths.
    for _ in 0..50 {
        client.get_user("me").await.expect("ok");
        client_bare.get_user("me").await.expect("ok");
        bare_get(&bare).await;
        bare_get(&bare_timeouts).await;
    }
    // Four variants, measured in a rotating order so that none always runs first or last. Two
    // clocks: wall time per request, and CPU time of this thread per request. The runtime is
    // single-threaded, so every instruction of the client side (building the request, hyper's
    // client, decoding) runs on this thread, while the server runs on wiremock's own thread;
    // thread CPU time is the client's cost without the scheduling noise of wall time.
    let mut wall: [Vec<Duration>; 4] = Default::default();
    let mut cpu: [Vec<Duration>; 4] = Default::default();
    for round in 0..rounds {
        for slot in 0..4 {
            let variant = (round + slot) % 4;
            let started = Instant::now();
            let cpu_started = cpu_time::ThreadTime::now();
            for _ in 0..requests {
                let user = match variant {
                    0 => client.get_user("me").await.expect("ok"),
                    1 => client_bare.get_user("me").await.expect("ok"),
                    2 => bare_get(&bare).await,
                    _ => bare_get(&bare_timeouts).await,
                };
                assert!(!user.id.is_empty());
            }
            cpu[variant].push(cpu_started.elapsed() / requests);
            wall[variant].push(started.elapsed() / requests);
        }
    }
    let [ours, ours_bare, theirs, theirs_timeouts] = wall.map(|s| median(s).as_secs_f64());
    let [ours_cpu, ours_bare_cpu, theirs_cpu, theirs_timeouts_cpu] = cpu.map(|s| median(s).as_secs_f64());
    let row = |label: &str, wall: f64, cpu: f64| println!("| {label} | {:.1} µs wall, {:.1} µs CPU |", wall * 1e6, cpu * 1e6);
    row("`client.get_user(\"me\")` per request, default client (deadline, attempt and read timers, size limit)", ours, ours_cpu);
    row("the same over `reqwest::Client::new()` (`.http_client(..)`)", ours_bare, ours_bare_cpu);
    row("bare `reqwest` GET + `serde_json` decode, `reqwest::Client::new()`", theirs, theirs_cpu);
    row("bare `reqwest` GET + `serde_json` decode, our default reqwest configuration (connect timeout, no redirects)", theirs_timeouts, theirs_timeouts_cpu);
    let overhead = |label: &str, a: f64, b: f64, a_cpu: f64, b_cpu: f64| {
        println!("| {label} | {:+.1} % CPU ({:+.1} µs), {:+.1} % wall |", (a_cpu / b_cpu - 1.0) * 100.0, (a_cpu - b_cpu) * 1e6, (a / b - 1.0) * 100.0);
    };
    overhead("client overhead, same reqwest configuration (`reqwest::Client::new()`)", ours_bare, theirs, ours_bare_cpu, theirs_cpu);
    overhead("client overhead, same reqwest configuration (our default)", ours, theirs_timeouts, ours_cpu, theirs_timeouts_cpu);
    overhead("our default client over bare `reqwest::Client::new()`", ours, theirs, ours_cpu, theirs_cpu);
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` run passes nothing and
    // should stay quick, so it only checks that the benchmark's inputs decode.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    if !benchmarking {
        let users: Vec<User> = serde_json::from_value(serde_json::Value::Array((0..3).map(user_json).collect())).expect("decodes");
        assert_eq!(users.len(), 3);
        return;
    }
    // `cargo xtask bench` prints the table header itself.
    if std::env::var_os("BENCH_NO_HEADER").is_none() {
        println!("| measurement | result |\n| --- | --- |");
    }
    bench_decode();
    // One thread for the client side (wiremock serves from its own thread), as few
    // cross-thread wake-ups as possible: they are the noise of this measurement.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(bench_overhead());
}
