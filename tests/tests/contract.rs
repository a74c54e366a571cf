//! Contract test: every operation of the generated client, called once with valid arguments,
//! against Stoplight Prism serving the same (overlaid) spec.
//!
//! `cargo xtask contract` (the last step of `cargo xtask test`) starts Prism and runs this test
//! with `PRISM_URL` set. Without `PRISM_URL` (a plain `cargo test`) the test says so and checks
//! nothing.
//!
//! The client talks to a small recording proxy in this process that forwards every request to
//! Prism and keeps, per request, the status and Prism's `sl-violations` header (the client itself
//! does not show reply headers). For each operation it asserts:
//! - a request was sent and Prism found no violation in it (no `sl-violations` entry located in
//!   the request);
//! - the static reply (the spec's examples) decoded into the typed result;
//! - over `CONTRACT_SEEDS` passes (default 4) with `Prefer: dynamic=true, seed=<n>`, Prism's
//!   random schema-valid replies decoded too. Seeds make every pass reproducible.
//!
//! The calls come from `tests/contract/calls.rs`, which `cargo xtask regen` makes from the IR.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Instant;

use mattermost_client::{Client, Error, OperationRequest, RetryPolicy};

// Shared with the live test, which also reads each reply's body.
#[allow(dead_code)]
#[path = "../recording_proxy.rs"]
mod proxy;

include!("../contract/calls.rs");

use contract_calls::{call, ContractOperation, Decoded, OPERATIONS};

/// Dynamic passes unless `CONTRACT_SEEDS` says otherwise.
const DEFAULT_SEEDS: u32 = 4;

/// The reviewed list of operations the test may skip, each with its reason.
const SKIPS_FILE: &str = include_str!("../contract/skips.txt");

/// Writes a line to the real stderr: the test harness does not capture it, so the tallies and
/// the notice below show in every `cargo test` run.
macro_rules! report {
    ($($arg:tt)*) => {{
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, $($arg)*);
    }};
}

/// One violation Prism reported in `sl-violations`.
#[derive(Debug, Clone, serde::Deserialize)]
struct Violation {
    #[serde(default)]
    location: Vec<serde_json::Value>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    message: String,
}

impl Violation {
    /// Whether it is about the request (the client's fault) rather than Prism's own reply.
    fn is_request(&self) -> bool {
        self.location.first().and_then(|v| v.as_str()) != Some("response")
    }

    fn describe(&self) -> String {
        let location: Vec<String> = self
            .location
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        format!("{} {}: {}", self.severity, location.join("."), self.message)
    }
}

/// Parses `sl-violations`; a value that is not the JSON list (Prism cuts very long ones) is one
/// request violation with the raw text, so it is never missed.
fn parse_violations(header: &str) -> Vec<Violation> {
    serde_json::from_str(header).unwrap_or_else(|_| {
        vec![Violation {
            location: vec!["request".into()],
            severity: "Error".into(),
            message: header.chars().take(500).collect(),
        }]
    })
}

/// Prism's report on one exchange: the violations in its `sl-violations` headers.
fn violations(exchange: &proxy::Exchange) -> Vec<Violation> {
    exchange.headers.get_all("sl-violations").iter().flat_map(|v| parse_violations(&String::from_utf8_lossy(v.as_bytes()))).collect()
}

/// A client of the proxy that sends `prefer` (Prism's `Prefer` header) with every request.
fn client(proxy: SocketAddr, prefer: Option<&str>) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(prefer) = prefer {
        headers.insert("prefer", prefer.parse().expect("valid Prefer header"));
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .expect("HTTP client");
    Client::builder(&format!("http://{proxy}"))
        .http_client(http)
        .token("contract-test-token")
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
}

/// Which replies of an operation the reviewed list exempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// No reply of the operation is asserted (the call and its request still are).
    Reply,
    /// Dynamic replies that Prism itself failed to make (HTTP 500 problem from Prism) are not
    /// asserted; the static reply and every dynamic reply Prism did make still are.
    DynamicReply,
    /// Prism reads repeated multipart parts as one value, so it reports a list of parts (several
    /// files under one name) as "must be array" and answers 400: that one violation, and the
    /// reply it causes, are not asserted; any other violation of the request still fails.
    RepeatedParts,
}

/// One entry of tests/contract/skips.txt.
#[derive(Debug, Clone, Copy)]
struct Skip {
    operation_id: &'static str,
    scope: Scope,
    reason: &'static str,
}

/// The reviewed list: `OperationId scope: reason` lines; `#` starts a comment.
fn skips() -> Vec<Skip> {
    SKIPS_FILE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (head, reason) = line.split_once(':').unwrap_or_else(|| panic!("skips.txt: no `: reason` in {line:?}"));
            let mut words = head.split_whitespace();
            let (Some(operation_id), Some(scope), None) = (words.next(), words.next(), words.next()) else {
                panic!("skips.txt: expected `OperationId scope: reason`, got {line:?}");
            };
            let scope = match scope {
                "reply" => Scope::Reply,
                "dynamic-reply" => Scope::DynamicReply,
                "repeated-parts" => Scope::RepeatedParts,
                other => panic!("skips.txt: unknown scope {other:?} (reply, dynamic-reply or repeated-parts) in {line:?}"),
            };
            let reason = reason.trim();
            assert!(!reason.is_empty(), "skips.txt: {operation_id} has no reason");
            Skip { operation_id, scope, reason }
        })
        .collect()
}

/// Whether `e` is Prism failing to make a reply (not a reply of the spec).
fn is_prism_failure(e: &Error) -> bool {
    matches!(e, Error::Api(api) if api.status.as_u16() == 500 && api.body.contains("stoplight.io/prism/errors"))
}

/// The tallies of one pass over every operation, and what failed.
#[derive(Default)]
struct PassResult {
    called: usize,
    clean: usize,
    decoded: usize,
    /// Replies the reviewed list exempts that did not decode, by operation.
    exempted: Vec<&'static str>,
    response_violations: usize,
    failures: Vec<String>,
}

/// Calls every operation once with `client`; `dynamic` says whether Prism makes random replies.
async fn run_pass(client: &Client, recording: &proxy::Recording, label: &str, dynamic: bool, skips: &[Skip]) -> PassResult {
    let mut result = PassResult::default();
    for (index, op) in OPERATIONS.iter().enumerate() {
        let exemption = skips.iter().find(|s| s.operation_id == op.operation_id).map(|s| s.scope);
        let start = recording.len();
        let outcome = call(client, index).await;
        let exchanges = recording.since(start);
        let fail = |why: String| format!("{label}: {} {} {}: {why}", op.operation_id, op.method, op.path);
        if exchanges.is_empty() {
            result.failures.push(fail(format!("no request was sent: {}", describe_result(&outcome.result))));
            continue;
        }
        result.called += 1;
        let repeated_parts = exemption == Some(Scope::RepeatedParts);
        let mut exempt_violations = 0;
        let request_violations: Vec<String> = exchanges
            .iter()
            .flat_map(|x| violations(x).into_iter().filter(Violation::is_request).map(move |v| (x, v)))
            .filter(|(_, v)| {
                let exempt = repeated_parts && v.describe().ends_with("must be array");
                exempt_violations += usize::from(exempt);
                !exempt
            })
            .map(|(x, v)| format!("{} {} -> {}: {}", x.method, x.path, x.status, v.describe()))
            .collect();
        result.response_violations += exchanges.iter().flat_map(violations).filter(|v| !v.is_request()).count();
        if request_violations.is_empty() {
            result.clean += 1;
        } else {
            result.failures.push(fail(format!("request violation: {}", request_violations.join("; "))));
        }
        match &outcome.result {
            Ok(decoded) if matches_reply(op, decoded) => result.decoded += 1,
            Ok(decoded) => result.failures.push(fail(format!("decoded as {decoded:?}, not as the operation's reply kind {:?}", op.reply))),
            Err(_) if exemption == Some(Scope::Reply) => result.exempted.push(op.operation_id),
            Err(_) if repeated_parts && exempt_violations > 0 => result.exempted.push(op.operation_id),
            Err(e) if dynamic && exemption == Some(Scope::DynamicReply) && is_prism_failure(e) => result.exempted.push(op.operation_id),
            Err(e) => {
                let response_notes: Vec<String> = exchanges
                    .iter()
                    .flat_map(|x| violations(x).into_iter().filter(|v| !v.is_request()).map(|v| v.describe()))
                    .collect();
                let notes = if response_notes.is_empty() { String::new() } else { format!(" [Prism on its reply: {}]", response_notes.join("; ")) };
                result.failures.push(fail(format!("reply not decoded: {}{notes}", describe_error(e))));
            }
        }
    }
    result
}

fn matches_reply(op: &ContractOperation, decoded: &Decoded) -> bool {
    use contract_calls::Reply;
    matches!(
        (op.reply, decoded),
        (Reply::Json, Decoded::Json(_)) | (Reply::Bytes, Decoded::Bytes(_)) | (Reply::Text, Decoded::Text(_)) | (Reply::Empty, Decoded::Empty)
    )
}

fn describe_result(result: &Result<Decoded, Error>) -> String {
    match result {
        Ok(decoded) => format!("{decoded:?}"),
        Err(e) => describe_error(e),
    }
}

fn describe_error(e: &Error) -> String {
    match e {
        Error::Api(api) => format!("HTTP {}: {}", api.status, api.body.chars().take(400).collect::<String>()),
        other => other.to_string().chars().take(600).collect(),
    }
}

/// Proves that a request Prism finds invalid is seen: a user without `username` and with a
/// number for `email` must come back with request violations.
async fn check_violations_are_detected(client: &Client, recording: &proxy::Recording) {
    let start = recording.len();
    let request = OperationRequest::new(reqwest::Method::POST, "/api/v4/users").json(&serde_json::json!({"email": 5}));
    let result = client.send_raw(request).await;
    let exchanges = recording.since(start);
    let violations: Vec<String> = exchanges.iter().flat_map(|x| violations(x).into_iter().filter(Violation::is_request).map(|v| v.describe())).collect();
    assert!(
        !violations.is_empty(),
        "the deliberately invalid request was not reported as a violation (result {:?}, exchanges {exchanges:?})",
        result.map(|r| r.status())
    );
    let status = result.err().and_then(|e| e.status()).map(|s| s.as_u16());
    report!("contract: self-check: a deliberately invalid POST /api/v4/users got HTTP {status:?} and {} request violations, e.g. {}", violations.len(), violations[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_prism() {
    let Some(prism) = std::env::var("PRISM_URL").ok().filter(|u| !u.is_empty()) else {
        report!(
            "contract: NOT RUN: PRISM_URL is not set. This test needs a Prism mock server; run `cargo xtask contract` \
             (or `cargo xtask test`, which ends with it) to start one and run the {} operations against it.",
            OPERATIONS.len()
        );
        return;
    };
    let seeds: u32 = std::env::var("CONTRACT_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEEDS);
    let skips = skips();
    let unknown: Vec<&str> = skips.iter().map(|s| s.operation_id).filter(|id| !OPERATIONS.iter().any(|op| op.operation_id == *id)).collect();
    assert!(unknown.is_empty(), "tests/contract/skips.txt lists operations the API does not have: {unknown:?}");

    let recording = proxy::Recording::default();
    let proxy = proxy::start(prism.trim_end_matches('/').to_owned(), recording.clone()).await;
    let started = Instant::now();
    check_violations_are_detected(&client(proxy, None), &recording).await;

    let total = OPERATIONS.len();
    let static_pass = run_pass(&client(proxy, None), &recording, "static", false, &skips).await;
    let mut failures = static_pass.failures.clone();
    let (mut dynamic_called, mut dynamic_clean, mut dynamic_decoded, mut dynamic_response_violations) = (0, 0, 0, 0);
    let mut dynamic_exempted: Vec<&str> = Vec::new();
    for seed in 1..=seeds {
        let prefer = format!("dynamic=true, seed=contract-{seed}");
        let pass = run_pass(&client(proxy, Some(&prefer)), &recording, &format!("dynamic seed {seed}"), true, &skips).await;
        dynamic_called += pass.called;
        dynamic_clean += pass.clean;
        dynamic_decoded += pass.decoded;
        dynamic_response_violations += pass.response_violations;
        dynamic_exempted.extend(pass.exempted);
        failures.extend(pass.failures);
    }
    let requests = recording.len();
    let dynamic_total = total * seeds as usize;

    report!("contract: {total} operations, Prism at {prism}: {requests} requests in {:.1} s", started.elapsed().as_secs_f64());
    report!("contract: operations called:           {} of {total}", static_pass.called);
    report!(
        "contract: requests without violations: {} of {} in the static pass, {dynamic_clean} of {dynamic_called} in the dynamic passes",
        static_pass.clean,
        static_pass.called
    );
    report!("contract: static replies decoded:      {} of {total}{}", static_pass.decoded, not_asserted(&static_pass.exempted));
    report!("contract: dynamic replies decoded:     {dynamic_decoded} of {dynamic_total} ({seeds} passes, seeds contract-1..contract-{seeds}){}", not_asserted(&dynamic_exempted));
    report!("contract: skipped (tests/contract/skips.txt): {} operations, none skipped from calling or request checks", skips.len());
    for skip in &skips {
        let scope = match skip.scope {
            Scope::Reply => "replies not asserted",
            Scope::DynamicReply => "dynamic replies Prism fails to make not asserted",
            Scope::RepeatedParts => "Prism's \"must be array\" on repeated multipart parts not asserted",
        };
        report!("contract:   {} ({scope}): {}", skip.operation_id, skip.reason);
    }
    if static_pass.response_violations + dynamic_response_violations > 0 {
        report!(
            "contract: note: Prism found {} violations in its own replies in the static pass (the spec's examples against its schemas), {dynamic_response_violations} in the dynamic passes",
            static_pass.response_violations
        );
    }
    for failure in &failures {
        report!("contract: FAIL {failure}");
    }
    assert!(failures.is_empty(), "{} contract failures (listed above); fix the spec in spec/overlay.yaml or the generator", failures.len());
    assert_eq!(static_pass.called, total, "not every operation was called");
}

/// ` (N not asserted: A, B)` for replies the reviewed list exempts, or nothing.
fn not_asserted(exempted: &[&str]) -> String {
    if exempted.is_empty() {
        return String::new();
    }
    let mut names = exempted.to_vec();
    names.sort_unstable();
    names.dedup();
    format!(" ({} not asserted, listed in skips.txt: {})", exempted.len(), names.join(", "))
}
