//! Differential test of the generated client against Mattermost's official JavaScript client
//! (`@mattermost/client`, pinned in tests/differential/package-lock.json).
//!
//! Every case makes the same call through both clients, each against its own loopback capture
//! server, and compares what was sent: method, percent-decoded path segments, the query as a
//! multiset of decoded pairs, the media type, and the body (JSON as values, forms and multipart
//! as field multisets). Each difference must be listed in tests/differential/allowlist.yaml with
//! its reason and evidence; the test fails on any other difference and on stale entries.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;

use mattermost_client::{Client, RetryPolicy};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The header the JS driver sets to tell its calls apart.
const CASE_HEADER: &str = "x-diff-case";

/// The minimum number of distinct operations the table must cover.
const MIN_OPERATIONS: usize = 150;

/// One Rust call: borrows the client, sends exactly one request.
pub type Run = for<'c> fn(&'c Client) -> Pin<Box<dyn Future<Output = ()> + 'c>>;

/// One call made through both clients.
pub struct Case {
    /// The spec's operationId.
    pub op: &'static str,
    /// The JS expression (see tests/differential/driver.mjs for its names).
    pub js: &'static str,
    /// The same call through the generated client.
    pub run: Run,
}

/// What one request looked like, normalised for comparison.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    path: Vec<String>,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    body: Body,
}

/// A request body, parsed by its media type.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Empty,
    Json(Value),
    /// Form or multipart fields, sorted: (name, file name, content).
    Fields(Vec<(String, Option<String>, String)>),
    Raw(String),
}

/// An allowlist entry: one explained difference.
#[derive(Debug, Deserialize)]
struct Entry {
    operation: String,
    difference: String,
    reason: String,
    evidence: String,
}

fn differential_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("differential")
}

/// A capture server answering every request with `{}`.
async fn capture_server() -> MockServer {
    let server = MockServer::start().await;
    let reply = ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json");
    Mock::given(any()).respond_with(reply).mount(&server).await;
    server
}

/// Percent-decodes `s` (no `+` handling: paths only).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `key="..."` in a `Content-Disposition` header.
fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    let marker = format!("; {key}=\"");
    let start = disposition.find(&marker)? + marker.len();
    let end = disposition[start..].find('"')? + start;
    Some(disposition[start..end].to_owned())
}

/// The parts of a multipart body as (name, file name, content).
fn multipart_fields(content_type: &str, body: &[u8]) -> Vec<(String, Option<String>, String)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return vec![(
            "<no boundary>".into(),
            None,
            String::from_utf8_lossy(body).into(),
        )];
    };
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let mut fields = Vec::new();
    for chunk in String::from_utf8_lossy(body)
        .split(delimiter.as_str())
        .skip(1)
    {
        let Some(chunk) = chunk.strip_prefix("\r\n") else {
            break;
        };
        let (head, content) = chunk.split_once("\r\n\r\n").unwrap_or((chunk, ""));
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let name = disposition_param(disposition, "name").unwrap_or_default();
        let file_name = disposition_param(disposition, "filename");
        fields.push((
            name,
            file_name,
            content.strip_suffix("\r\n").unwrap_or(content).to_owned(),
        ));
    }
    fields.sort();
    fields
}

/// Parses a body by its media type.
fn parse_body(media: Option<&str>, raw_type: &str, body: &[u8]) -> Body {
    if body.is_empty() {
        return Body::Empty;
    }
    match media {
        Some("multipart/form-data") => Body::Fields(multipart_fields(raw_type, body)),
        Some("application/x-www-form-urlencoded") => {
            let mut fields: Vec<_> = url_pairs(body)
                .into_iter()
                .map(|(k, v)| (k, None, v))
                .collect();
            fields.sort();
            Body::Fields(fields)
        }
        _ => match serde_json::from_slice(body) {
            Ok(value) => Body::Json(value),
            Err(_) => Body::Raw(String::from_utf8_lossy(body).into_owned()),
        },
    }
}

/// Decoded `application/x-www-form-urlencoded` pairs, sorted.
fn url_pairs(input: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode(&s.replace('+', " "));
    let mut pairs: Vec<_> = String::from_utf8_lossy(input)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.sort();
    pairs
}

/// Normalises one captured request.
fn seen(req: &Request) -> Seen {
    let raw_type = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let media = raw_type
        .split(';')
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    Seen {
        method: req.method.as_str().to_owned(),
        path: req
            .url
            .path()
            .split('/')
            .skip(1)
            .map(percent_decode)
            .collect(),
        query: url_pairs(req.url.query().unwrap_or_default().as_bytes()),
        body: parse_body(media.as_deref(), &raw_type, &req.body),
        content_type: media,
    }
}

/// Runs every Rust call; one capture per case (`None` when it sent no request).
async fn run_rust(cases: &[Case]) -> Vec<Vec<Seen>> {
    let server = capture_server().await;
    let client = Client::builder(&server.uri())
        .token("tok")
        .retry(RetryPolicy::none())
        .build()
        .expect("valid client");
    let mut captured = Vec::new();
    let mut done = 0;
    for case in cases {
        (case.run)(&client).await;
        let requests = server.received_requests().await.expect("recording enabled");
        captured.push(requests[done..].iter().map(seen).collect());
        done = requests.len();
    }
    captured
}

/// The JS driver's input: the shared values and every case's expression.
fn driver_input(cases: &[Case]) -> Value {
    let vars: serde_json::Map<String, Value> = cases::VARS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    let list: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(id, c)| json!({"id": id, "js": c.js}))
        .collect();
    json!({"vars": vars, "cases": list})
}

/// Whether `node` can be run.
fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `npm ci` in tests/differential unless the pinned client is installed.
fn ensure_js_client(dir: &Path) {
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package-lock.json")).expect("package-lock.json"),
    )
    .expect("package-lock.json is JSON");
    let pinned = &lock["packages"]["node_modules/@mattermost/client"]["version"];
    let installed =
        std::fs::read_to_string(dir.join("node_modules/@mattermost/client/package.json"))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .map(|p| p["version"].clone());
    if installed.as_ref() == Some(pinned) {
        return;
    }
    eprintln!("differential: npm ci in {}", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm runs");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

/// Runs every JS call through the driver; the captures grouped by case.
async fn run_js(cases: &[Case]) -> Vec<Vec<Seen>> {
    let dir = differential_dir();
    ensure_js_client(&dir);
    let server = capture_server().await;
    let input = std::env::temp_dir().join(format!("mm-differential-{}.json", std::process::id()));
    std::fs::write(&input, driver_input(cases).to_string()).expect("write the driver's input");
    let mut node = Command::new("node");
    node.arg(dir.join("driver.mjs"))
        .arg(&input)
        .arg(server.uri())
        .current_dir(&dir);
    let output = tokio::task::spawn_blocking(move || node.output())
        .await
        .expect("driver task")
        .expect("node runs");
    let _ = std::fs::remove_file(&input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the JS driver failed:\n{stderr}");
    eprint!("{stderr}");
    let mut captured = vec![Vec::new(); cases.len()];
    for req in server.received_requests().await.expect("recording enabled") {
        let id = req
            .headers
            .get(CASE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let slot = id
            .and_then(|id| captured.get_mut(id))
            .expect("every JS request names its case");
        slot.push(seen(&req));
    }
    captured
}

/// A short rendering of a JSON value (or absence).
fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), Value::to_string)
}

/// Differences between two JSON values, one line per differing leaf (objects recursed).
fn json_diffs(pointer: &str, js: Option<&Value>, rust: Option<&Value>, out: &mut Vec<String>) {
    if let (Some(Value::Object(a)), Some(Value::Object(b))) = (js, rust) {
        let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
        for key in keys {
            json_diffs(&format!("{pointer}/{key}"), a.get(key), b.get(key), out);
        }
    } else if js != rust {
        out.push(format!(
            "body {}: JS {}, Rust {}",
            if pointer.is_empty() { "/" } else { pointer },
            show(js),
            show(rust)
        ));
    }
}

/// Differences between two query multisets, one line per differing key.
fn query_diffs(js: &[(String, String)], rust: &[(String, String)], out: &mut Vec<String>) {
    let group = |pairs: &[(String, String)]| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            map.entry(k.clone()).or_default().push(v.clone());
        }
        map
    };
    let (a, b) = (group(js), group(rust));
    let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
    for key in keys {
        if a.get(key) != b.get(key) {
            out.push(format!(
                "query {key}: JS {:?}, Rust {:?}",
                a.get(key),
                b.get(key)
            ));
        }
    }
}

/// Differences between two bodies.
fn body_diffs(js: &Body, rust: &Body, out: &mut Vec<String>) {
    match (js, rust) {
        (Body::Json(a), Body::Json(b)) => json_diffs("", Some(a), Some(b), out),
        (a, b) if a != b => out.push(format!("body: JS {a:?}, Rust {b:?}")),
        _ => {}
    }
}

/// Every difference between what the two clients sent for one case.
fn differences(js: &[Seen], rust: &[Seen]) -> Vec<String> {
    let (js, rust) = match (js, rust) {
        ([a], [b]) => (a, b),
        _ => {
            return vec![format!(
                "request count: JS {}, Rust {}",
                js.len(),
                rust.len()
            )]
        }
    };
    let mut out = Vec::new();
    if js.method != rust.method {
        out.push(format!("method: JS {}, Rust {}", js.method, rust.method));
    }
    if js.path != rust.path {
        out.push(format!("path: JS {:?}, Rust {:?}", js.path, rust.path));
    }
    query_diffs(&js.query, &rust.query, &mut out);
    if js.content_type != rust.content_type {
        out.push(format!(
            "content type: JS {:?}, Rust {:?}",
            js.content_type, rust.content_type
        ));
    }
    body_diffs(&js.body, &rust.body, &mut out);
    out
}

fn load_allowlist() -> Vec<Entry> {
    let path = differential_dir().join("allowlist.yaml");
    let text = std::fs::read_to_string(&path).expect("tests/differential/allowlist.yaml");
    let entries: Vec<Entry> =
        serde_yaml::from_str(&text).expect("allowlist.yaml is a list of entries");
    for e in &entries {
        assert!(
            !e.reason.trim().is_empty() && !e.evidence.trim().is_empty(),
            "allowlist entry {} / {} needs a reason and evidence",
            e.operation,
            e.difference
        );
    }
    entries
}

/// Tallies and reports; returns the failure messages.
fn judge(cases: &[Case], js: &[Vec<Seen>], rust: &[Vec<Seen>], allow: &[Entry]) -> Vec<String> {
    let mut used = vec![false; allow.len()];
    let (mut identical, mut explained, mut failures) = (0, 0, Vec::new());
    for (id, case) in cases.iter().enumerate() {
        let diffs = differences(&js[id], &rust[id]);
        let unexplained: Vec<_> = diffs
            .iter()
            .filter(|d| {
                let hit = allow
                    .iter()
                    .position(|e| e.operation == case.op && &e.difference == *d);
                hit.inspect(|&i| used[i] = true).is_none()
            })
            .collect();
        match (diffs.is_empty(), unexplained.is_empty()) {
            (true, _) => identical += 1,
            (false, true) => explained += 1,
            (false, false) => failures.push(format!(
                "case {id} {} ({}):\n  {}\n  JS sent:   {:?}\n  Rust sent: {:?}",
                case.op,
                case.js,
                unexplained
                    .iter()
                    .map(|d| format!(
                        "- operation: {}\n    difference: {}",
                        case.op,
                        serde_json::to_string(d).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join("\n  "),
                js[id],
                rust[id]
            )),
        }
    }
    for (entry, _) in allow.iter().zip(&used).filter(|(_, used)| !**used) {
        failures.push(format!(
            "stale allowlist entry (explains nothing): {} / {}",
            entry.operation, entry.difference
        ));
    }
    let unexplained = cases.len() - identical - explained;
    eprintln!("differential: {} cases, {identical} identical, {explained} explained, {unexplained} unexplained", cases.len());
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_client_sends_what_the_official_js_client_sends() {
    let table = cases::all();
    let operations: std::collections::BTreeSet<_> = table.iter().map(|c| c.op).collect();
    assert!(
        operations.len() >= MIN_OPERATIONS,
        "only {} operations covered",
        operations.len()
    );
    if !node_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "node is needed for the differential test in CI"
        );
        eprintln!("differential: SKIPPED: `node` is not installed (it is required when CI is set)");
        return;
    }
    let allow = load_allowlist();
    let rust = run_rust(&table).await;
    for (case, sent) in table.iter().zip(&rust) {
        assert_eq!(
            sent.len(),
            1,
            "the Rust call of {} ({}) must send one request",
            case.op,
            case.js
        );
    }
    let js = run_js(&table).await;
    eprintln!("differential: {} operations covered", operations.len());
    let failures = judge(&table, &js, &rust, &allow);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The table: one call per case, the same inputs on both sides.
mod cases {
    use mattermost_client::{Client, FilePart};
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    use super::Case;

    const U: &str = "user1";
    const T: &str = "team1";
    const CH: &str = "chan1";
    const PO: &str = "post1";
    const ID: &str = "id1";
    /// A path value with a space, `/`, `?`, `#`, `%` and non-ASCII characters.
    const AWK: &str = "a b/c?d#e%f é😀";
    const EMAIL: &str = "o'neil+x@example.com";

    /// The values the JS expressions see as `V.<name>`.
    pub const VARS: &[(&str, &str)] = &[
        ("u", U),
        ("t", T),
        ("ch", CH),
        ("p", PO),
        ("id", ID),
        ("awk", AWK),
        ("email", EMAIL),
    ];

    /// A typed body from the same JSON the JS side sends.
    fn j<B: DeserializeOwned>(value: Value) -> B {
        serde_json::from_value(value).expect("the case's JSON fits the generated model")
    }

    fn ids(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    /// The file every upload sends: `F('FILEDATA', name, type)` on the JS side.
    fn file(name: &str, mime: &str) -> FilePart {
        FilePart::from_bytes(b"FILEDATA".to_vec(), name.to_owned()).mime_type(mime.to_owned())
    }

    /// `case!(operationId, js, |c| rust_call)`: the Rust call is awaited, its result ignored.
    macro_rules! case {
        ($op:literal, $js:literal, |$c:ident| $call:expr) => {
            Case {
                op: $op,
                js: $js,
                run: {
                    fn run<'c>(
                        $c: &'c Client,
                    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'c>> {
                        Box::pin(async move {
                            let _ = $call.await;
                        })
                    }
                    run
                },
            }
        };
    }

    /// Every case.
    pub fn all() -> Vec<Case> {
        [
            users(),
            teams(),
            channels(),
            posts(),
            misc(),
            integrations(),
            admin(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn users() -> Vec<Case> {
        vec![
            case!("GetUser", "c.getUser(P(V.awk))", |c| c.get_user(AWK)),
            case!("GetUser", "c.getMe()", |c| c.get_user("me")),
            case!("GetUserByUsername", "c.getUserByUsername(P(V.awk))", |c| c.get_user_by_username(AWK)),
            case!("GetUserByEmail", "c.getUserByEmail(P(V.email))", |c| c.get_user_by_email(EMAIL)),
            case!("GetUsers", "c.getProfiles(2, 50, {active: true})", |c| c.get_users().page(2).per_page(50).active(true)),
            case!("GetUsers", "c.getProfilesInTeam(V.awk, 0, 60, 'last_activity_at')", |c| c
                .get_users()
                .in_team(AWK)
                .page(0)
                .per_page(60)
                .sort("last_activity_at")),
            case!("GetUsers", "c.getProfilesInGroup(V.id, 1, 10, 'display_name')", |c| c
                .get_users()
                .in_group(ID)
                .page(1)
                .per_page(10)
                .sort("display_name")),
            case!("GetUsers", "c.getProfilesNotInChannel(V.t, V.ch, true, 3, 30)", |c| c
                .get_users()
                .in_team(T)
                .not_in_channel(CH)
                .page(3)
                .per_page(30)
                .group_constrained(true)),
            case!("GetUsersByIds", "c.getProfilesByIds([V.u, V.awk], {since: 5})", |c| c
                .get_users_by_ids(ids(&[U, AWK]))
                .since(5)),
            case!("GetUsersByUsernames", "c.getProfilesByUsernames(['alice', V.awk])", |c| c
                .get_users_by_usernames(ids(&["alice", AWK]))),
            case!("GetUsersByGroupChannelIds", "c.getProfilesInGroupChannels([V.ch])", |c| c
                .get_users_by_group_channel_ids(ids(&[CH]))),
            case!("AutocompleteUsers", "c.autocompleteUsers(V.awk, V.t, V.ch, {limit: 25})", |c| c
                .autocomplete_users(AWK)
                .in_team(T)
                .in_channel(CH)
                .limit(25)),
            case!(
                "CreateUser",
                "c.createUser({email: V.email, username: 'alice', password: 'pw'}, 'tok1', 'inv1')",
                |c| c
                    .create_user(&j(json!({"email": EMAIL, "username": "alice", "password": "pw"})))
                    .t("tok1")
                    .iid("inv1")
            ),
            case!("PatchUser", "c.patchUser({id: V.u, nickname: 'nick', position: 'boss'})", |c| c
                .patch_user(U, &j(json!({"id": U, "nickname": "nick", "position": "boss"})))),
            case!("PatchUser", "c.patchMe({nickname: 'nick'})", |c| c.patch_user("me", &j(json!({"nickname": "nick"})))),
            case!("UpdateUser", "c.updateUser({id: V.u, email: V.email, username: 'alice'})", |c| c
                .update_user(U, &j(json!({"id": U, "email": EMAIL, "username": "alice"})))),
            case!("UpdateUserRoles", "c.updateUserRoles(V.u, 'system_user system_admin')", |c| c
                .update_user_roles(U, &j(json!({"roles": "system_user system_admin"})))),
            case!("UpdateUserActive", "c.updateUserActive(P(V.awk), false)", |c| c
                .update_user_active(AWK, &j(json!({"active": false})))),
            case!("UpdateUserMfa", "c.updateUserMfa(V.u, true, '123456')", |c| c
                .update_user_mfa(U, &j(json!({"activate": true, "code": "123456"})))),
            case!("UpdateUserPassword", "c.updateUserPassword(V.u, 'old', 'new')", |c| c
                .update_user_password(U, &j(json!({"current_password": "old", "new_password": "new"})))),
            case!("ResetPassword", "c.resetUserPassword('tok1', 'new')", |c| c
                .reset_password(&j(json!({"token": "tok1", "new_password": "new"})))),
            case!("SendPasswordResetEmail", "c.sendPasswordResetEmail(V.email)", |c| c
                .send_password_reset_email(&j(json!({"email": EMAIL})))),
            case!("VerifyUserEmail", "c.verifyUserEmail('tok1')", |c| c.verify_user_email(&j(json!({"token": "tok1"})))),
            case!("SendVerificationEmail", "c.sendVerificationEmail(V.email)", |c| c
                .send_verification_email(&j(json!({"email": EMAIL})))),
            case!("CheckUserMfa", "c.checkUserMfa('alice')", |c| c.check_user_mfa(&j(json!({"login_id": "alice"})))),
            case!("GenerateMfaSecret", "c.generateMfaSecret(P(V.awk))", |c| c.generate_mfa_secret(AWK)),
            case!("Login", "c.login('alice', 'pw', '123456')", |c| c
                .login2(&j(json!({"login_id": "alice", "password": "pw", "token": "123456", "deviceId": ""})))),
            case!("Logout", "c.logout()", |c| c.logout2()),
            case!("GetSessions", "c.getSessions(P(V.awk))", |c| c.get_sessions(AWK)),
            case!("RevokeSession", "c.revokeSession(V.u, 'sess1')", |c| c
                .revoke_session(U, &j(json!({"session_id": "sess1"})))),
            case!("RevokeAllSessions", "c.revokeAllSessionsForUser(V.u)", |c| c.revoke_all_sessions(U)),
            case!("RevokeSessionsFromAllUsers", "c.revokeSessionsForAllUsers()", |c| c.revoke_sessions_from_all_users()),
            case!("GetUserAudits", "c.getUserAudits(V.u, 0, 60)", |c| c.get_user_audits(U).page(0).per_page(60)),
            case!("SearchUsers", "c.searchUsers('al ice', {team_id: V.t, allow_inactive: true, limit: 10})", |c| c
                .search_users(&j(json!({"term": "al ice", "team_id": T, "allow_inactive": true, "limit": 10})))),
            case!("GetTotalUsersStats", "c.getTotalUsersStats()", |c| c.get_total_users_stats()),
            case!("GetTotalUsersStatsFiltered", "c.getFilteredUsersStats({in_team: V.t, include_bots: true})", |c| c
                .get_total_users_stats_filtered()
                .in_team(T)
                .include_bots(true)),
            case!("GetKnownUsers", "c.getKnownUsers()", |c| c.get_known_users()),
            case!("PromoteGuestToUser", "c.promoteGuestToUser(V.u)", |c| c.promote_guest_to_user(U)),
            case!("DemoteUserToGuest", "c.demoteUserToGuest(V.u)", |c| c.demote_user_to_guest(U)),
            case!("UpdateUserAuth", "c.updateUserAuth(V.u, {auth_data: 'x', auth_service: 'ldap'})", |c| c
                .update_user_auth(U, &j(json!({"auth_data": "x", "auth_service": "ldap"})))),
            case!("CreateUserAccessToken", "c.createUserAccessToken(V.u, 'for ci')", |c| c
                .create_user_access_token(U, &j(json!({"description": "for ci"})))),
            case!("GetUserAccessToken", "c.getUserAccessToken(P(V.awk))", |c| c.get_user_access_token(AWK)),
            case!("GetUserAccessTokensForUser", "c.getUserAccessTokensForUser(V.u, 1, 20)", |c| c
                .get_user_access_tokens_for_user(U)
                .page(1)
                .per_page(20)),
            case!("GetUserAccessTokens", "c.getUserAccessTokens(1, 20)", |c| c.get_user_access_tokens().page(1).per_page(20)),
            case!("RevokeUserAccessToken", "c.revokeUserAccessToken('tok1')", |c| c
                .revoke_user_access_token(&j(json!({"token_id": "tok1"})))),
            case!("DisableUserAccessToken", "c.disableUserAccessToken('tok1')", |c| c
                .disable_user_access_token(&j(json!({"token_id": "tok1"})))),
            case!("EnableUserAccessToken", "c.enableUserAccessToken('tok1')", |c| c
                .enable_user_access_token(&j(json!({"token_id": "tok1"})))),
            case!("SetProfileImage", "c.uploadProfileImage(V.u, F('FILEDATA', 'me.png', 'image/png'))", |c| c
                .set_profile_image(U, file("me.png", "image/png"))),
            case!("SetDefaultProfileImage", "c.setDefaultProfileImage(V.u)", |c| c.set_default_profile_image(U)),
            case!("RegisterTermsOfServiceAction", "c.updateMyTermsOfServiceStatus('tos1', true)", |c| c
                .register_terms_of_service_action("me", &j(json!({"termsOfServiceId": "tos1", "accepted": true})))),
            case!(
                "SwitchAccountType",
                "c.switchEmailToLdap(V.email, 'pw', 'ldap1', 'ldappw', '')",
                |c| c.switch_account_type(&j(json!({
                    "current_service": "email", "new_service": "ldap", "email": EMAIL, "password": "pw",
                    "ldap_id": "ldap1", "new_password": "ldappw", "mfa_code": ""
                })))
            ),
            case!(
                "GetUsersForReporting",
                "c.getUsersForReporting({sort_column: 'Username', direction: 'next', page_size: 50, search_term: 'al'})",
                |c| c
                    .get_users_for_reporting()
                    .sort_column("Username")
                    .direction("next")
                    .page_size(50)
                    .search_term("al")
            ),
            case!("GetUserCountForReporting", "c.getUserCountForReporting({role_filter: 'system_admin', hide_active: true})", |c| c
                .get_user_count_for_reporting()
                .role_filter("system_admin")
                .hide_active(true)),
            case!("StartBatchUsersExport", "c.startUsersBatchExport({date_range: 'last_30_days'})", |c| c
                .start_batch_users_export()
                .date_range("last_30_days")),
            case!("GetChannelMembersWithTeamDataForUser", "c.getAllChannelsMembers(V.u, 1, 50)", |c| c
                .get_channel_members_with_team_data_for_user(U)
                .page(1)
                .per_page(50)),
            case!("GetServerLimits", "c.getServerLimits()", |c| c.get_server_limits()),
            case!("GetUserStatus", "c.getStatus(P(V.awk))", |c| c.get_user_status(AWK)),
            case!("GetUsersStatusesByIds", "c.getStatusesByIds([V.u, V.awk])", |c| c
                .get_users_statuses_by_ids(ids(&[U, AWK]))),
            case!("UpdateUserStatus", "c.updateStatus({user_id: V.u, status: 'away'})", |c| c
                .update_user_status(U, &j(json!({"user_id": U, "status": "away"})))),
            case!("UpdateUserCustomStatus", "c.updateCustomStatus({emoji: 'smile', text: 'hi', duration: 'today'})", |c| c
                .update_user_custom_status("me", &j(json!({"emoji": "smile", "text": "hi", "duration": "today"})))),
            case!("UnsetUserCustomStatus", "c.unsetCustomStatus()", |c| c.unset_user_custom_status("me")),
            case!(
                "PostUserRecentCustomStatusDelete",
                "c.removeRecentCustomStatus({emoji: 'smile', text: 'hi', duration: 'today'})",
                |c| c.post_user_recent_custom_status_delete(
                    "me",
                    &j(json!({"emoji": "smile", "text": "hi", "duration": "today"}))
                )
            ),
            case!("GetGroupsByUserId", "c.getGroupsByUserId(V.u)", |c| c.get_groups_by_user_id(U)),
        ]
    }

    fn teams() -> Vec<Case> {
        vec![
            case!(
                "CreateTeam",
                "c.createTeam({name: 'team', display_name: 'Team', type: 'O'})",
                |c| c.create_team(&j(
                    json!({"name": "team", "display_name": "Team", "type": "O"})
                ))
            ),
            case!("GetTeam", "c.getTeam(P(V.awk))", |c| c.get_team(AWK)),
            case!(
                "UpdateTeam",
                "c.updateTeam({id: V.t, display_name: 'Team', description: 'd'})",
                |c| c.update_team(
                    T,
                    &j(json!({"id": T, "display_name": "Team", "description": "d"}))
                )
            ),
            case!(
                "PatchTeam",
                "c.patchTeam({id: V.t, display_name: 'Team 2'})",
                |c| c.patch_team(T, &j(json!({"id": T, "display_name": "Team 2"})))
            ),
            case!("SoftDeleteTeam", "c.deleteTeam(P(V.awk))", |c| c
                .soft_delete_team(AWK)),
            case!("RestoreTeam", "c.unarchiveTeam(V.t)", |c| c.restore_team(T)),
            case!(
                "RegenerateTeamInviteId",
                "c.regenerateTeamInviteId(V.t)",
                |c| c.regenerate_team_invite_id(T)
            ),
            case!(
                "UpdateTeamScheme",
                "c.updateTeamScheme(V.t, 'scheme1')",
                |c| c.update_team_scheme(T, &j(json!({"scheme_id": "scheme1"})))
            ),
            case!("TeamExists", "c.checkIfTeamExists(P(V.awk))", |c| c
                .team_exists(AWK)),
            case!("GetAllTeams", "c.getTeams(1, 20, true, false)", |c| c
                .get_all_teams()
                .page(1)
                .per_page(20)
                .include_total_count(true)
                .exclude_policy_constrained(false)),
            case!("GetTeamByName", "c.getTeamByName(P(V.awk))", |c| c
                .get_team_by_name(AWK)),
            case!("GetTeamsForUser", "c.getTeamsForUser(V.u)", |c| c
                .get_teams_for_user(U)),
            case!("GetTeamsForUser", "c.getMyTeams()", |c| c
                .get_teams_for_user("me")),
            case!(
                "GetTeamMembersForUser",
                "c.getTeamMembersForUser(V.u)",
                |c| c.get_team_members_for_user(U)
            ),
            case!("GetTeamsUnreadForUser", "c.getMyTeamUnreads(true)", |c| c
                .get_teams_unread_for_user("me")
                .include_collapsed_threads(true)),
            case!("GetTeamMembers", "c.getTeamMembers(V.t, 1, 20)", |c| c
                .get_team_members(T)
                .page(1)
                .per_page(20)),
            case!("GetTeamMember", "c.getTeamMember(V.t, P(V.awk))", |c| c
                .get_team_member(T, AWK)),
            case!(
                "GetTeamMembersByIds",
                "c.getTeamMembersByIds(V.t, [V.u])",
                |c| c.get_team_members_by_ids(T, ids(&[U]))
            ),
            case!("AddTeamMember", "c.addToTeam(V.t, V.u)", |c| c
                .add_team_member(T, &j(json!({"team_id": T, "user_id": U})))),
            case!(
                "AddTeamMembers",
                "c.addUsersToTeamGracefully(V.t, [V.u])",
                |c| c
                    .add_team_members(T, &j::<Vec<_>>(json!([{"team_id": T, "user_id": U}])))
                    .graceful(true)
            ),
            case!(
                "AddTeamMemberFromInvite",
                "c.addToTeamFromInvite('tok1')",
                |c| c.add_team_member_from_invite().token("tok1").invite_id("")
            ),
            case!("RemoveTeamMember", "c.removeFromTeam(V.t, P(V.awk))", |c| c
                .remove_team_member(T, AWK)),
            case!("GetTeamStats", "c.getTeamStats(V.t)", |c| c
                .get_team_stats(T)),
            case!(
                "InvalidateEmailInvites",
                "c.invalidateAllEmailInvites()",
                |c| c.invalidate_email_invites()
            ),
            case!("GetTeamInviteInfo", "c.getTeamInviteInfo(P(V.awk))", |c| c
                .get_team_invite_info(AWK)),
            case!(
                "UpdateTeamMemberRoles",
                "c.updateTeamMemberRoles(V.t, V.u, 'team_user team_admin')",
                |c| c.update_team_member_roles(T, U, &j(json!({"roles": "team_user team_admin"})))
            ),
            case!(
                "InviteUsersToTeam",
                "c.sendEmailInvitesToTeam(V.t, [V.email])",
                |c| c.invite_users_to_team(T, ids(&[EMAIL]))
            ),
            case!(
                "InviteGuestsToTeam",
                "c.sendEmailGuestInvitesToChannels(V.t, [V.ch], [V.email], 'hi')",
                |c| c.invite_guests_to_team(
                    T,
                    &j(json!({"emails": [EMAIL], "channels": [CH], "message": "hi"}))
                )
            ),
            case!(
                "SetTeamIcon",
                "c.setTeamIcon(V.t, F('FILEDATA', 'icon.png', 'image/png'))",
                |c| c.set_team_icon(T, file("icon.png", "image/png"))
            ),
            case!("RemoveTeamIcon", "c.removeTeamIcon(V.t)", |c| c
                .remove_team_icon(T)),
            case!(
                "UpdateTeamMemberSchemeRoles",
                "c.updateTeamMemberSchemeRoles(V.t, V.u, true, false)",
                |c| c.update_team_member_scheme_roles(
                    T,
                    U,
                    &j(json!({"scheme_user": true, "scheme_admin": false}))
                )
            ),
            case!(
                "TeamMembersMinusGroupMembers",
                "c.teamMembersMinusGroupMembers(V.t, ['g1', 'g2'], 0, 20)",
                |c| c
                    .team_members_minus_group_members(T, "g1,g2")
                    .page(0)
                    .per_page(20)
            ),
            case!(
                "SearchFiles",
                "c.searchFilesWithParams(V.t, {terms: 'report', is_or_search: true})",
                |c| c.search_files(T, &j(json!({"terms": "report", "is_or_search": true})))
            ),
        ]
    }

    fn channels() -> Vec<Case> {
        vec![
            case!(
                "CreateChannel",
                "c.createChannel({team_id: V.t, name: 'chan', display_name: 'Chan', type: 'O'})",
                |c| c.create_channel(&j(json!({"team_id": T, "name": "chan", "display_name": "Chan", "type": "O"})))
            ),
            case!("CreateDirectChannel", "c.createDirectChannel([V.u, 'user2'])", |c| c
                .create_direct_channel(ids(&[U, "user2"]))),
            case!("CreateGroupChannel", "c.createGroupChannel([V.u, 'user2', 'user3'])", |c| c
                .create_group_channel(ids(&[U, "user2", "user3"]))),
            case!("DeleteChannel", "c.deleteChannel(P(V.awk))", |c| c.delete_channel(AWK)),
            case!("RestoreChannel", "c.unarchiveChannel(V.ch)", |c| c.restore_channel(CH)),
            case!("UpdateChannel", "c.updateChannel({id: V.ch, name: 'chan', display_name: 'Chan'})", |c| c
                .update_channel(CH, &j(json!({"id": CH, "name": "chan", "display_name": "Chan"})))),
            case!("UpdateChannelPrivacy", "c.updateChannelPrivacy(V.ch, 'P')", |c| c
                .update_channel_privacy(CH, &j(json!({"privacy": "P"})))),
            case!("PatchChannel", "c.patchChannel(P(V.awk), {display_name: 'Chan 2', header: 'h'})", |c| c
                .patch_channel(AWK, &j(json!({"display_name": "Chan 2", "header": "h"})))),
            case!(
                "UpdateChannelNotifyProps",
                "c.updateChannelNotifyProps({channel_id: V.ch, user_id: V.u, desktop: 'all', mark_unread: 'all'})",
                |c| c.update_channel_notify_props(
                    CH,
                    U,
                    &j(json!({"channel_id": CH, "user_id": U, "desktop": "all", "mark_unread": "all"}))
                )
            ),
            case!("UpdateChannelScheme", "c.updateChannelScheme(V.ch, 'scheme1')", |c| c
                .update_channel_scheme(CH, &j(json!({"scheme_id": "scheme1"})))),
            case!("GetChannel", "c.getChannel(P(V.awk))", |c| c.get_channel(AWK)),
            case!("GetChannelByName", "c.getChannelByName(V.t, P(V.awk), true)", |c| c
                .get_channel_by_name(T, AWK)
                .include_deleted(true)),
            case!("GetChannelByNameForTeamName", "c.getChannelByNameAndTeamName(P(V.awk), 'town-square')", |c| c
                .get_channel_by_name_for_team_name(AWK, "town-square")
                .include_deleted(false)),
            case!("GetPublicChannelsForTeam", "c.getChannels(V.t, 1, 20)", |c| c
                .get_public_channels_for_team(T)
                .page(1)
                .per_page(20)),
            case!("GetDeletedChannelsForTeam", "c.getArchivedChannels(V.t, 1, 20)", |c| c
                .get_deleted_channels_for_team(T)
                .page(1)
                .per_page(20)),
            case!("GetChannelsForTeamForUser", "c.getMyChannels(V.t, true)", |c| c
                .get_channels_for_team_for_user("me", T)
                .include_deleted(true)),
            case!("GetChannelsForUser", "c.getAllTeamsChannels()", |c| c.get_channels_for_user("me")),
            case!("GetChannelMembersForUser", "c.getMyChannelMembers(V.t)", |c| c.get_channel_members_for_user("me", T)),
            case!("GetChannelMembers", "c.getChannelMembers(V.ch, 1, 20)", |c| c.get_channel_members(CH).page(1).per_page(20)),
            case!("GetChannelMembersTimezones", "c.getChannelTimezones(V.ch)", |c| c.get_channel_members_timezones(CH)),
            case!("GetChannelMember", "c.getChannelMember(V.ch, P(V.awk))", |c| c.get_channel_member(CH, AWK)),
            case!("GetChannelMembersByIds", "c.getChannelMembersByIds(V.ch, [V.u])", |c| c
                .get_channel_members_by_ids(CH, ids(&[U]))),
            case!("AddChannelMember", "c.addToChannel(V.u, V.ch, 'root1')", |c| c
                .add_channel_member(CH, &j(json!({"user_id": U, "channel_id": CH, "post_root_id": "root1"})))),
            case!("RemoveUserFromChannel", "c.removeFromChannel(P(V.awk), V.ch)", |c| c.remove_user_from_channel(CH, AWK)),
            case!("UpdateChannelRoles", "c.updateChannelMemberRoles(V.ch, V.u, 'channel_user')", |c| c
                .update_channel_roles(CH, U, &j(json!({"roles": "channel_user"})))),
            case!("GetChannelStats", "c.getChannelStats(V.ch, true)", |c| c.get_channel_stats(CH)),
            case!("GetChannelModerations", "c.getChannelModerations(V.ch)", |c| c.get_channel_moderations(CH)),
            case!(
                "PatchChannelModerations",
                "c.patchChannelModerations(V.ch, [{name: 'create_post', roles: {members: true}}])",
                |c| c.patch_channel_moderations(CH, &j::<Vec<_>>(json!([{"name": "create_post", "roles": {"members": true}}])))
            ),
            case!("GetChannelMemberCountsByGroup", "c.getChannelMemberCountsByGroup(V.ch, true)", |c| c
                .get_channel_member_counts_by_group(CH)
                .include_timezones(true)),
            case!("ViewChannel", "c.viewMyChannel(V.ch)", |c| c
                .view_channel("me", &j(json!({"channel_id": CH, "collapsed_threads_supported": true})))),
            case!("AutocompleteChannelsForTeam", "c.autocompleteChannels(V.t, V.awk)", |c| c
                .autocomplete_channels_for_team(T, AWK)),
            case!("AutocompleteChannelsForTeamForSearch", "c.autocompleteChannelsForSearch(V.t, V.awk)", |c| c
                .autocomplete_channels_for_team_for_search(T, AWK)),
            case!("SearchChannels", "c.searchChannels(V.t, 'town')", |c| c.search_channels(T, &j(json!({"term": "town"})))),
            case!("SearchGroupChannels", "c.searchGroupChannels('bob')", |c| c
                .search_group_channels(&j(json!({"term": "bob"})))),
            case!("UpdateChannelMemberSchemeRoles", "c.updateChannelMemberSchemeRoles(V.ch, V.u, true, false)", |c| c
                .update_channel_member_scheme_roles(CH, U, &j(json!({"scheme_user": true, "scheme_admin": false})))),
            case!("ChannelMembersMinusGroupMembers", "c.channelMembersMinusGroupMembers(V.ch, ['g1', 'g2'], 0, 20)", |c| c
                .channel_members_minus_group_members(CH, "g1,g2")
                .page(0)
                .per_page(20)),
            case!("GetPinnedPosts", "c.getPinnedPosts(V.ch)", |c| c.get_pinned_posts(CH)),
            case!("GetSidebarCategoriesForTeamForUser", "c.getChannelCategories(V.u, V.t)", |c| c
                .get_sidebar_categories_for_team_for_user(T, U)),
            case!(
                "CreateSidebarCategoryForTeamForUser",
                "c.createChannelCategory(V.u, V.t, {display_name: 'Work', type: 'custom', channel_ids: [V.ch]})",
                |c| c.create_sidebar_category_for_team_for_user(
                    T,
                    U,
                    &j(json!({"display_name": "Work", "type": "custom", "channel_ids": [CH]}))
                )
            ),
            case!(
                "UpdateSidebarCategoriesForTeamForUser",
                "c.updateChannelCategories(V.u, V.t, [{id: 'cat1', display_name: 'Work', type: 'custom'}])",
                |c| c.update_sidebar_categories_for_team_for_user(
                    T,
                    U,
                    &j::<Vec<_>>(json!([{"id": "cat1", "display_name": "Work", "type": "custom"}]))
                )
            ),
            case!("GetSidebarCategoryOrderForTeamForUser", "c.getChannelCategoryOrder(V.u, V.t)", |c| c
                .get_sidebar_category_order_for_team_for_user(T, U)),
            case!("UpdateSidebarCategoryOrderForTeamForUser", "c.updateChannelCategoryOrder(V.u, V.t, ['cat2', 'cat1'])", |c| c
                .update_sidebar_category_order_for_team_for_user(T, U, ids(&["cat2", "cat1"]))),
            case!("GetSidebarCategoryForTeamForUser", "c.getChannelCategory(V.u, V.t, P(V.awk))", |c| c
                .get_sidebar_category_for_team_for_user(T, U, AWK)),
            case!(
                "UpdateSidebarCategoryForTeamForUser",
                "c.updateChannelCategory(V.u, V.t, {id: 'cat1', display_name: 'Work', type: 'custom'})",
                |c| c.update_sidebar_category_for_team_for_user(
                    T,
                    U,
                    "cat1",
                    &j(json!({"id": "cat1", "display_name": "Work", "type": "custom"}))
                )
            ),
            case!("RemoveSidebarCategoryForTeamForUser", "c.deleteChannelCategory(V.u, V.t, 'cat1')", |c| c
                .remove_sidebar_category_for_team_for_user(T, U, "cat1")),
            case!("ListChannelBookmarksForChannel", "c.getChannelBookmarks(V.ch, 1700000000000)", |c| c
                .list_channel_bookmarks_for_channel(CH)
                .bookmarks_since(1_700_000_000_000)),
            case!(
                "CreateChannelBookmark",
                "c.createChannelBookmark(V.ch, {display_name: 'Docs', type: 'link', link_url: 'https://example.com/a b'})",
                |c| c.create_channel_bookmark(
                    CH,
                    &j(json!({"display_name": "Docs", "type": "link", "link_url": "https://example.com/a b"}))
                )
            ),
            case!("DeleteChannelBookmark", "c.deleteChannelBookmark(V.ch, P(V.awk))", |c| c.delete_channel_bookmark(CH, AWK)),
            case!("UpdateChannelBookmark", "c.updateChannelBookmark(V.ch, 'bm1', {display_name: 'Docs 2'})", |c| c
                .update_channel_bookmark(CH, "bm1", &j(json!({"display_name": "Docs 2"})))),
            case!("UpdateChannelBookmarkSortOrder", "c.updateChannelBookmarkSortOrder(V.ch, 'bm1', 3)", |c| c
                .update_channel_bookmark_sort_order(CH, "bm1")
                .body(&3)),
            case!("GetRemoteClusterInfo", "c.getRemoteClusterInfo(P(V.awk))", |c| c.get_remote_cluster_info(AWK)),
        ]
    }

    fn posts() -> Vec<Case> {
        vec![
            case!("CreatePost", "c.createPost({channel_id: V.ch, message: 'hi 😀', root_id: ''})", |c| c
                .create_post(&j(json!({"channel_id": CH, "message": "hi 😀", "root_id": ""})))),
            case!("CreatePostEphemeral", "c.createPostEphemeral(V.u, {channel_id: V.ch, message: 'psst'})", |c| c
                .create_post_ephemeral(&j(json!({"user_id": U, "post": {"channel_id": CH, "message": "psst"}})))),
            case!("UpdatePost", "c.updatePost({id: V.p, channel_id: V.ch, message: 'edited'})", |c| c
                .update_post(PO, &j(json!({"id": PO, "channel_id": CH, "message": "edited"})))),
            case!("PatchPost", "c.patchPost({id: V.p, message: 'patched', is_pinned: true})", |c| c
                .patch_post(PO, &j(json!({"id": PO, "message": "patched", "is_pinned": true})))),
            case!("DeletePost", "c.deletePost(P(V.awk))", |c| c.delete_post(AWK)),
            case!("GetPost", "c.getPost(V.p, true)", |c| c.get_post(PO).include_deleted(true)),
            case!("GetPostThread", "c.getPostThread(V.p, false, true, true)", |c| c
                .get_post_thread(PO)
                .skip_fetch_threads(true)
                .collapsed_threads(true)
                .collapsed_threads_extended(true)
                .direction("down")
                .per_page(60)),
            case!("GetPostsForChannel", "c.getPosts(P(V.awk), 1, 30)", |c| c.get_posts_for_channel(AWK).page(1).per_page(30).skip_fetch_threads(false).collapsed_threads(false).collapsed_threads_extended(false)),
            case!("GetPostsForChannel", "c.getPostsSince(V.ch, 12345)", |c| c.get_posts_for_channel(CH).since(12345).skip_fetch_threads(false).collapsed_threads(false).collapsed_threads_extended(false)),
            case!("GetPostsForChannel", "c.getPostsBefore(V.ch, V.p, 0, 30)", |c| c
                .get_posts_for_channel(CH)
                .before(PO)
                .page(0)
                .per_page(30)
                .skip_fetch_threads(false)
                .collapsed_threads(false)
                .collapsed_threads_extended(false)),
            case!("GetPostsAroundLastUnread", "c.getPostsUnread(V.ch, V.u, 10, 20, false, true, false)", |c| c
                .get_posts_around_last_unread(U, CH)
                .limit_after(10)
                .limit_before(20)
                .skip_fetch_threads(true)
                .collapsed_threads(true)
                .collapsed_threads_extended(false)),
            case!("GetFileInfosForPost", "c.getFileInfosForPost(P(V.awk))", |c| c.get_file_infos_for_post(AWK)),
            case!("GetFlaggedPostsForUser", "c.getFlaggedPosts(V.u, V.ch, V.t, 1, 20)", |c| c
                .get_flagged_posts_for_user(U)
                .channel_id(CH)
                .team_id(T)
                .page(1)
                .per_page(20)),
            case!("PinPost", "c.pinPost(V.p)", |c| c.pin_post(PO)),
            case!("UnpinPost", "c.unpinPost(V.p)", |c| c.unpin_post(PO)),
            case!("getPostsByIds", "c.getPostsByIds([V.p, 'post2'])", |c| c.get_posts_by_ids(ids(&[PO, "post2"]))),
            case!("SetPostUnread", "c.markPostAsUnread(V.u, V.p)", |c| c
                .set_post_unread(U, PO)
                .body(&j(json!({"collapsed_threads_supported": true})))),
            case!("SetPostReminder", "c.addPostReminder(V.u, V.p, 1700000000)", |c| c
                .set_post_reminder(U, PO, &j(json!({"target_time": 1_700_000_000})))),
            case!(
                "SearchPosts",
                "c.searchPostsWithParams(V.t, {terms: 'from:alice hi', is_or_search: true, page: 0, per_page: 20})",
                |c| c.search_posts(
                    T,
                    &j(json!({"terms": "from:alice hi", "is_or_search": true, "page": 0, "per_page": 20}))
                )
            ),
            case!("DoPostAction", "c.doPostAction(V.p, V.awk)", |c| c
                .do_post_action(PO, AWK)
                .body(&j(json!({"selected_option": ""})))),
            case!("SaveAcknowledgementForPost", "c.acknowledgePost(V.p, V.u)", |c| c.save_acknowledgement_for_post(U, PO)),
            case!("DeleteAcknowledgementForPost", "c.unacknowledgePost(V.p, V.u)", |c| c.delete_acknowledgement_for_post(U, PO)),
            case!("MoveThread", "c.moveThread(V.p, V.ch)", |c| c.move_thread(PO, &j(json!({"channel_id": CH})))),
            case!("SaveReaction", "c.addReaction(V.u, V.p, 'smile')", |c| c
                .save_reaction(&j(json!({"user_id": U, "post_id": PO, "emoji_name": "smile"})))),
            case!("DeleteReaction", "c.removeReaction(V.u, V.p, P(V.awk))", |c| c.delete_reaction(U, PO, AWK)),
            case!("GetReactions", "c.getReactionsForPost(V.p)", |c| c.get_reactions(PO)),
            case!("GetUserThreads", "c.getUserThreads(V.u, V.t, {perPage: 25, extended: true, deleted: true, since: 5})", |c| c
                .get_user_threads(U, T)
                .before("")
                .after("")
                .unread(false)
                .totals_only(false)
                .threads_only(false)
                .per_page(25)
                .extended(true)
                .deleted(true)
                .since(5)),
            case!("GetUserThread", "c.getUserThread(V.u, V.t, P(V.awk), true)", |c| c.get_user_thread(U, T, AWK).extended(true)),
            case!("UpdateThreadsReadForUser", "c.updateThreadsReadForUser(V.u, V.t)", |c| c.update_threads_read_for_user(U, T)),
            case!("UpdateThreadReadForUser", "c.updateThreadReadForUser(V.u, V.t, V.p, 1700000000000)", |c| c
                .update_thread_read_for_user(U, T, PO, 1_700_000_000_000)),
            case!("SetThreadUnreadByPostId", "c.markThreadAsUnreadForUser(V.u, V.t, V.p, 'post2')", |c| c
                .set_thread_unread_by_post_id(U, T, PO, "post2")),
            case!("StartFollowingThread", "c.updateThreadFollowForUser(V.u, V.t, V.p, true)", |c| c
                .start_following_thread(U, T, PO)),
            case!("StopFollowingThread", "c.updateThreadFollowForUser(V.u, V.t, V.p, false)", |c| c
                .stop_following_thread(U, T, PO)),
        ]
    }

    fn misc() -> Vec<Case> {
        vec![
            case!(
                "UploadFile",
                "(() => { const f = new FormData(); f.append('channel_id', V.ch); f.append('files', F('FILEDATA', 'a b.txt', 'text/plain')); return c.uploadFile(f); })()",
                |c| c.upload_file(CH, vec![file("a b.txt", "text/plain")])
            ),
            case!("GetFileLink", "c.getFilePublicLink(P(V.awk))", |c| c.get_file_link(AWK)),
            case!("CreateEmoji", "c.createCustomEmoji({name: 'party', creator_id: V.u}, F('FILEDATA', 'party.gif', 'image/gif'))", |c| c
                .create_emoji(file("party.gif", "image/gif"), r#"{"name":"party","creator_id":"user1"}"#)),
            case!("GetEmojiList", "c.getCustomEmojis(1, 20, 'name')", |c| c.get_emoji_list().page(1).per_page(20).sort("name")),
            case!("GetEmoji", "c.getCustomEmoji(P(V.awk))", |c| c.get_emoji(AWK)),
            case!("GetEmojiByName", "c.getCustomEmojiByName(P(V.awk))", |c| c.get_emoji_by_name(AWK)),
            case!("GetEmojisByNames", "c.getCustomEmojisByNames(['party', 'smile'])", |c| c
                .get_emojis_by_names(ids(&["party", "smile"]))),
            case!("DeleteEmoji", "c.deleteCustomEmoji(V.id)", |c| c.delete_emoji(ID)),
            case!("SearchEmoji", "c.searchCustomEmoji('par', {prefix_only: true})", |c| c
                .search_emoji(&j(json!({"term": "par", "prefix_only": true})))),
            case!("AutocompleteEmoji", "c.autocompleteCustomEmoji(V.awk)", |c| c.autocomplete_emoji(AWK)),
            case!("UpdatePreferences", "c.savePreferences(V.u, [{user_id: V.u, category: 'display', name: 'theme', value: 'dark'}])", |c| c
                .update_preferences(
                    U,
                    &j::<Vec<_>>(json!([{"user_id": U, "category": "display", "name": "theme", "value": "dark"}]))
                )),
            case!("GetPreferences", "c.getMyPreferences()", |c| c.get_preferences("me")),
            case!("GetPreferences", "c.getUserPreferences(P(V.awk))", |c| c.get_preferences(AWK)),
            case!(
                "DeletePreferences",
                "c.deletePreferences(V.u, [{user_id: V.u, category: 'display', name: 'theme', value: 'dark'}])",
                |c| c.delete_preferences(
                    U,
                    &j::<Vec<_>>(json!([{"user_id": U, "category": "display", "name": "theme", "value": "dark"}]))
                )
            ),
            case!("CreateBot", "c.createBot({username: 'bot', display_name: 'Bot', description: 'd'})", |c| c
                .create_bot(&j(json!({"username": "bot", "display_name": "Bot", "description": "d"})))),
            case!("PatchBot", "c.patchBot(V.id, {display_name: 'Bot 2'})", |c| c
                .patch_bot(ID, &j(json!({"display_name": "Bot 2"})))),
            case!("GetBot", "c.getBot(P(V.awk))", |c| c.get_bot(AWK)),
            case!("GetBots", "c.getBots(1, 20)", |c| c.get_bots().page(1).per_page(20)),
            case!("GetBots", "c.getBotsIncludeDeleted(0, 20)", |c| c.get_bots().include_deleted(true).page(0).per_page(20)),
            case!("GetBots", "c.getBotsOrphaned(0, 20)", |c| c.get_bots().only_orphaned(true).page(0).per_page(20)),
            case!("DisableBot", "c.disableBot(V.id)", |c| c.disable_bot(ID)),
            case!("EnableBot", "c.enableBot(V.id)", |c| c.enable_bot(ID)),
            case!("AssignBot", "c.assignBot(V.id, P(V.awk))", |c| c.assign_bot(ID, AWK)),
            case!("GetRole", "c.getRole(P(V.awk))", |c| c.get_role(AWK)),
            case!("GetRoleByName", "c.getRoleByName('system_admin')", |c| c.get_role_by_name("system_admin")),
            case!("GetRolesByNames", "c.getRolesByNames(['system_admin', 'team_user'])", |c| c
                .get_roles_by_names(ids(&["system_admin", "team_user"]))),
            case!("PatchRole", "c.patchRole(V.id, {permissions: ['create_post']})", |c| c
                .patch_role(ID, &j(json!({"permissions": ["create_post"]})))),
            case!("GetSchemes", "c.getSchemes('team', 1, 20)", |c| c.get_schemes().scope("team").page(1).per_page(20)),
            case!("CreateScheme", "c.createScheme({name: 's', display_name: 'S', scope: 'team'})", |c| c
                .create_scheme(&j(json!({"name": "s", "display_name": "S", "scope": "team"})))),
            case!("GetScheme", "c.getScheme(P(V.awk))", |c| c.get_scheme(AWK)),
            case!("DeleteScheme", "c.deleteScheme(V.id)", |c| c.delete_scheme(ID)),
            case!("PatchScheme", "c.patchScheme(V.id, {name: 's2', description: 'd'})", |c| c
                .patch_scheme(ID, &j(json!({"name": "s2", "description": "d"})))),
            case!("GetTeamsForScheme", "c.getSchemeTeams(V.id, 1, 20)", |c| c.get_teams_for_scheme(ID).page(1).per_page(20)),
            case!("GetChannelsForScheme", "c.getSchemeChannels(V.id, 1, 20)", |c| c
                .get_channels_for_scheme(ID)
                .page(1)
                .per_page(20)),
            case!("GetGroup", "c.getGroup(P(V.awk))", |c| c.get_group(AWK).include_member_count(false)),
            case!("GetGroupStats", "c.getGroupStats(V.id)", |c| c.get_group_stats(ID)),
            case!(
                "GetGroups",
                "c.getGroups({not_associated_to_team: V.t, not_associated_to_channel: V.ch, page: 1, per_page: 20, q: 'dev'})",
                |c| c.get_groups().not_associated_to_team(T).not_associated_to_channel(CH).page(1).per_page(20).q("dev")
            ),
            case!(
                "CreateGroup",
                "c.createGroupWithUserIds({name: 'devs', display_name: 'Devs', source: 'custom', allow_reference: true, user_ids: [V.u]})",
                |c| c.create_group(&j(json!({
                    "name": "devs", "display_name": "Devs", "source": "custom", "allow_reference": true, "user_ids": [U]
                })))
            ),
            case!("AddGroupMembers", "c.addUsersToGroup(V.id, [V.u])", |c| c
                .add_group_members(ID, &j(json!({"user_ids": [U]})))),
            case!("DeleteGroupMembers", "c.removeUsersFromGroup(V.id, [V.u])", |c| c
                .delete_group_members(ID, &j(json!({"user_ids": [U]})))),
            case!("PatchGroup", "c.patchGroup(V.id, {display_name: 'Devs 2'})", |c| c
                .patch_group(ID, &j(json!({"display_name": "Devs 2"})))),
            case!("DeleteGroup", "c.archiveGroup(V.id)", |c| c.delete_group(ID)),
            case!("RestoreGroup", "c.restoreGroup(V.id)", |c| c.restore_group(ID)),
            case!("LinkGroupSyncableForTeam", "c.linkGroupSyncable(V.id, V.t, 'team', {auto_add: true})", |c| c
                .link_group_syncable_for_team(ID, T, &j(json!({"auto_add": true})))),
            case!("LinkGroupSyncableForChannel", "c.linkGroupSyncable(V.id, V.ch, 'channel', {auto_add: true})", |c| c
                .link_group_syncable_for_channel(ID, CH, &j(json!({"auto_add": true})))),
            case!("UnlinkGroupSyncableForTeam", "c.unlinkGroupSyncable(V.id, V.t, 'team')", |c| c
                .unlink_group_syncable_for_team(ID, T)),
            case!("UnlinkGroupSyncableForChannel", "c.unlinkGroupSyncable(V.id, V.ch, 'channel')", |c| c
                .unlink_group_syncable_for_channel(ID, CH)),
            case!("GetGroupSyncablesTeams", "c.getGroupSyncables(V.id, 'team')", |c| c.get_group_syncables_teams(ID)),
            case!("GetGroupSyncablesChannels", "c.getGroupSyncables(V.id, 'channel')", |c| c.get_group_syncables_channels(ID)),
            case!("PatchGroupSyncableForTeam", "c.patchGroupSyncable(V.id, V.t, 'team', {auto_add: false})", |c| c
                .patch_group_syncable_for_team(ID, T, &j(json!({"auto_add": false})))),
            case!("PatchGroupSyncableForChannel", "c.patchGroupSyncable(V.id, V.ch, 'channel', {auto_add: false})", |c| c
                .patch_group_syncable_for_channel(ID, CH, &j(json!({"auto_add": false})))),
            case!("GetGroupsByTeam", "c.getGroupsAssociatedToTeam(V.t, '', 1, 20, true)", |c| c
                .get_groups_by_team(T)
                .q("")
                .include_member_count(true)
                .page(1)
                .per_page(20)
                .filter_allow_reference(true)),
            case!("GetGroupsByChannel", "c.getGroupsAssociatedToChannel(V.ch, '', 1, 20, true)", |c| c
                .get_groups_by_channel(CH)
                .q("")
                .include_member_count(true)
                .page(1)
                .per_page(20)
                .filter_allow_reference(true)),
            case!("GetGroupsAssociatedToChannelsByTeam", "c.getAllGroupsAssociatedToChannelsInTeam(V.t, true)", |c| c
                .get_groups_associated_to_channels_by_team(T)
                .paginate(false)
                .filter_allow_reference(true)),
            case!("AddUserToGroupSyncables", "c.createGroupTeamsAndChannels(V.u)", |c| c.add_user_to_group_syncables(U)),
        ]
    }

    fn integrations() -> Vec<Case> {
        vec![
            case!("CreateIncomingWebhook", "c.createIncomingWebhook({channel_id: V.ch, display_name: 'Hook', description: 'd'})", |c| c
                .create_incoming_webhook(&j(json!({"channel_id": CH, "display_name": "Hook", "description": "d"})))),
            case!("GetIncomingWebhook", "c.getIncomingWebhook(P(V.awk))", |c| c.get_incoming_webhook(AWK)),
            case!("GetIncomingWebhooks", "c.getIncomingWebhooks(V.t, 1, 20)", |c| c
                .get_incoming_webhooks()
                .team_id(T)
                .page(1)
                .per_page(20)),
            case!("DeleteIncomingWebhook", "c.removeIncomingWebhook(V.id)", |c| c.delete_incoming_webhook(ID)),
            case!("UpdateIncomingWebhook", "c.updateIncomingWebhook({id: V.id, channel_id: V.ch, display_name: 'Hook 2'})", |c| c
                .update_incoming_webhook(ID, &j(json!({"id": ID, "channel_id": CH, "display_name": "Hook 2"})))),
            case!(
                "CreateOutgoingWebhook",
                "c.createOutgoingWebhook({team_id: V.t, display_name: 'Out', trigger_words: ['go'], callback_urls: ['https://example.com/cb']})",
                |c| c.create_outgoing_webhook(&j(json!({
                    "team_id": T, "display_name": "Out", "trigger_words": ["go"], "callback_urls": ["https://example.com/cb"]
                })))
            ),
            case!("GetOutgoingWebhook", "c.getOutgoingWebhook(V.id)", |c| c.get_outgoing_webhook(ID)),
            case!("GetOutgoingWebhooks", "c.getOutgoingWebhooks(V.ch, V.t, 1, 20)", |c| c
                .get_outgoing_webhooks()
                .channel_id(CH)
                .team_id(T)
                .page(1)
                .per_page(20)),
            case!("DeleteOutgoingWebhook", "c.removeOutgoingWebhook(V.id)", |c| c.delete_outgoing_webhook(ID)),
            case!(
                "UpdateOutgoingWebhook",
                "c.updateOutgoingWebhook({id: V.id, channel_id: V.ch, display_name: 'Out 2', trigger_words: ['go']})",
                |c| c.update_outgoing_webhook(
                    ID,
                    &j(json!({"id": ID, "channel_id": CH, "display_name": "Out 2", "trigger_words": ["go"]}))
                )
            ),
            case!("RegenOutgoingHookToken", "c.regenOutgoingHookToken(V.id)", |c| c.regen_outgoing_hook_token(ID)),
            case!("ListCommands", "c.getCommandsList(V.t)", |c| c.list_commands(T)),
            case!("ListCommands", "c.getCustomTeamCommands(V.t)", |c| c.list_commands(T).custom_only(true)),
            case!("ListAutocompleteCommands", "c.getAutocompleteCommandsList(V.t, 0, 60)", |c| c.list_autocomplete_commands(T)),
            case!(
                "ListCommandAutocompleteSuggestions",
                "c.getCommandAutocompleteSuggestionsList('/jira cr', V.t, {channel_id: V.ch})",
                |c| c.list_command_autocomplete_suggestions(T, "/jira cr").channel_id(CH)
            ),
            case!("ExecuteCommand", "c.executeCommand('/echo hi', {channel_id: V.ch, team_id: V.t})", |c| c
                .execute_command(&j(json!({"command": "/echo hi", "channel_id": CH, "team_id": T})))),
            case!("CreateCommand", "c.addCommand({team_id: V.t, trigger: 'echo', method: 'P', url: 'https://example.com'})", |c| c
                .create_command(&j(json!({"team_id": T, "trigger": "echo", "method": "P", "url": "https://example.com"})))),
            case!("UpdateCommand", "c.editCommand({id: V.id, team_id: V.t, trigger: 'echo', method: 'G', url: 'https://example.com'})", |c| c
                .update_command(
                    ID,
                    &j(json!({"id": ID, "team_id": T, "trigger": "echo", "method": "G", "url": "https://example.com"}))
                )),
            case!("RegenCommandToken", "c.regenCommandToken(P(V.awk))", |c| c.regen_command_token(AWK)),
            case!("DeleteCommand", "c.deleteCommand(V.id)", |c| c.delete_command(ID)),
            case!(
                "CreateOAuthApp",
                "c.createOAuthApp({name: 'App', description: 'd', homepage: 'https://example.com', callback_urls: ['https://example.com/cb']})",
                |c| c.create_o_auth_app(&j(json!({
                    "name": "App", "description": "d", "homepage": "https://example.com", "callback_urls": ["https://example.com/cb"]
                })))
            ),
            case!(
                "UpdateOAuthApp",
                "c.editOAuthApp({id: V.id, name: 'App 2', description: 'd', homepage: 'https://example.com', callback_urls: ['https://example.com/cb']})",
                |c| c.update_o_auth_app(
                    ID,
                    &j(json!({
                        "id": ID, "name": "App 2", "description": "d", "homepage": "https://example.com",
                        "callback_urls": ["https://example.com/cb"]
                    }))
                )
            ),
            case!("GetOAuthApps", "c.getOAuthApps(1, 20)", |c| c.get_o_auth_apps().page(1).per_page(20)),
            case!("GetOAuthApp", "c.getOAuthApp(P(V.awk))", |c| c.get_o_auth_app(AWK)),
            case!("GetOAuthAppInfo", "c.getOAuthAppInfo(V.id)", |c| c.get_o_auth_app_info(ID)),
            case!("DeleteOAuthApp", "c.deleteOAuthApp(V.id)", |c| c.delete_o_auth_app(ID)),
            case!("RegenerateOAuthAppSecret", "c.regenOAuthAppSecret(V.id)", |c| c.regenerate_o_auth_app_secret(ID)),
            case!("GetAuthorizedOAuthAppsForUser", "c.getAuthorizedOAuthApps(V.u)", |c| c.get_authorized_o_auth_apps_for_user(U)),
            case!("ListOutgoingOAuthConnections", "c.getOutgoingOAuthConnections(V.t, 1, 20)", |c| c
                .list_outgoing_o_auth_connections().team_id(T)),
            case!("GetOutgoingOAuthConnection", "c.getOutgoingOAuthConnection(V.t, P(V.awk))", |c| c
                .get_outgoing_o_auth_connection(AWK).team_id(T)),
            case!("CreateOutgoingOAuthConnection", "c.createOutgoingOAuthConnection(V.t, {name: 'conn', audiences: ['https://example.com']})", |c| c
                .create_outgoing_o_auth_connection(&j(json!({"name": "conn", "audiences": ["https://example.com"]}))).team_id(T)),
            case!("UpdateOutgoingOAuthConnection", "c.editOutgoingOAuthConnection(V.t, {id: V.id, name: 'conn 2'})", |c| c
                .update_outgoing_o_auth_connection(ID, &j(json!({"id": ID, "name": "conn 2"}))).team_id(T)),
            case!("ValidateOutgoingOAuthConnection", "c.validateOutgoingOAuthConnection(V.t, {name: 'conn', audiences: ['https://example.com']})", |c| c
                .validate_outgoing_o_auth_connection(&j(json!({"name": "conn", "audiences": ["https://example.com"]}))).team_id(T)),
            case!("DeleteOutgoingOAuthConnection", "c.deleteOutgoingOAuthConnection(V.id)", |c| c
                .delete_outgoing_o_auth_connection(ID)),
            case!(
                "SubmitInteractiveDialog",
                "c.submitInteractiveDialog({url: 'https://example.com/d', callback_id: 'cb', state: 's', channel_id: V.ch, team_id: V.t, submission: {a: 1}, cancelled: false})",
                |c| c.submit_interactive_dialog(&j(json!({
                    "url": "https://example.com/d", "callback_id": "cb", "state": "s", "channel_id": CH,
                    "team_id": T, "submission": {"a": 1}, "cancelled": false
                })))
            ),
            case!("UploadPlugin", "c.uploadPlugin(F('FILEDATA', 'plugin.tar.gz', 'application/gzip'), true)", |c| c
                .upload_plugin(file("plugin.tar.gz", "application/gzip"))
                .force("true")),
            case!("InstallPluginFromUrl", "c.installPluginFromUrl('https://example.com/p.tar.gz?x=1&y=2', true)", |c| c
                .install_plugin_from_url("https://example.com/p.tar.gz?x=1&y=2")
                .force("true")),
            case!("GetPlugins", "c.getPlugins()", |c| c.get_plugins()),
            case!("GetMarketplacePlugins", "c.getMarketplacePlugins('jira', true)", |c| c
                .get_marketplace_plugins()
                .filter("jira")
                .local_only(true)),
            case!("InstallMarketplacePlugin", "c.installMarketplacePlugin('jira')", |c| c
                .install_marketplace_plugin(&j(json!({"id": "jira"})))),
            case!("GetPluginStatuses", "c.getPluginStatuses()", |c| c.get_plugin_statuses()),
            case!("RemovePlugin", "c.removePlugin(P(V.awk))", |c| c.remove_plugin(AWK)),
            case!("GetWebappPlugins", "c.getWebappPlugins()", |c| c.get_webapp_plugins()),
            case!("EnablePlugin", "c.enablePlugin('com.example.p')", |c| c.enable_plugin("com.example.p")),
            case!("DisablePlugin", "c.disablePlugin('com.example.p')", |c| c.disable_plugin("com.example.p")),
            case!("GetMarketplaceVisitedByAdmin", "c.getFirstAdminVisitMarketplaceStatus()", |c| c
                .get_marketplace_visited_by_admin()),
            case!("UpdateMarketplaceVisitedByAdmin", "c.setFirstAdminVisitMarketplaceStatus()", |c| c
                .update_marketplace_visited_by_admin()),
        ]
    }

    fn admin() -> Vec<Case> {
        vec![
            case!("GetPing", "c.ping(true, 'dev1')", |c| c
                .get_ping()
                .get_server_status(true)
                .device_id("dev1")
                .use_rest_semantics(true)),
            case!("UpgradeToEnterprise", "c.upgradeToEnterprise()", |c| c.upgrade_to_enterprise()),
            case!("UpgradeToEnterpriseStatus", "c.upgradeToEnterpriseStatus()", |c| c.upgrade_to_enterprise_status()),
            case!("RestartServer", "c.restartServer()", |c| c.restart_server()),
            case!("GetClientConfig", "c.getClientConfig()", |c| c.get_client_config(mattermost_client::models::ClientFormat::Old)),
            case!("GetClientLicense", "c.getClientLicenseOld()", |c| c.get_client_license(mattermost_client::models::ClientFormat::Old)),
            case!("GetConfig", "c.getConfig()", |c| c.get_config()),
            case!("UpdateConfig", "c.updateConfig({ServiceSettings: {SiteURL: 'https://example.com'}})", |c| c
                .update_config(&j(json!({"ServiceSettings": {"SiteURL": "https://example.com"}})))),
            case!("PatchConfig", "c.patchConfig({TeamSettings: {SiteName: 'Chat'}})", |c| c
                .patch_config(&j(json!({"TeamSettings": {"SiteName": "Chat"}})))),
            case!("ReloadConfig", "c.reloadConfig()", |c| c.reload_config()),
            case!("GetEnvironmentConfig", "c.getEnvironmentConfig()", |c| c.get_environment_config()),
            case!("TestEmail", "c.testEmail({EmailSettings: {SMTPServer: 'smtp.example.com'}})", |c| c
                .test_email()
                .body(&j(json!({"EmailSettings": {"SMTPServer": "smtp.example.com"}})))),
            case!("TestSiteURL", "c.testSiteURL('https://example.com')", |c| c
                .test_site_url(&j(json!({"site_url": "https://example.com"})))),
            case!("InvalidateCaches", "c.invalidateCaches()", |c| c.invalidate_caches()),
            case!("DatabaseRecycle", "c.recycleDatabase()", |c| c.database_recycle()),
            case!("GetLogs", "c.getPlainLogs(1, 100)", |c| c.get_logs().page(1).logs_per_page(100)),
            case!("GetAudits", "c.getAudits(1, 20)", |c| c.get_audits().page(1).per_page(20)),
            case!("GetAnalyticsOld", "c.getAnalytics('post_counts_day', V.t)", |c| c
                .get_analytics_old()
                .name("post_counts_day")
                .team_id(T)),
            case!("RequestTrialLicense", "c.requestTrialLicense({users: 10, terms_accepted: true, receive_emails_accepted: false})", |c| c
                .request_trial_license(&j(json!({"users": 10, "terms_accepted": true, "receive_emails_accepted": false})))),
            case!("RemoveLicenseFile", "c.removeLicense()", |c| c.remove_license_file()),
            case!("GetPrevTrialLicense", "c.getPrevTrialLicense()", |c| c.get_prev_trial_license()),
            case!("UploadLicenseFile", "c.uploadLicense(F('FILEDATA', 'mattermost.mattermost-license', 'application/octet-stream'))", |c| c
                .upload_license_file(file("mattermost.mattermost-license", "application/octet-stream"))),
            case!("MarkNoticesViewed", "c.updateNoticesAsViewed(['n1', 'n2'])", |c| c.mark_notices_viewed(ids(&["n1", "n2"]))),
            case!("GetNotices", "c.getInProductNotices(V.t, 'web', '9.8.0')", |c| c.get_notices("9.8.0", "web", T)),
            case!("GetIPFilters", "c.getIPFilters()", |c| c.get_ip_filters()),
            case!("MyIP", "c.getCurrentIP()", |c| c.my_ip()),
            case!("ApplyIPFilters", "c.applyIPFilters([{cidr_block: '10.0.0.0/8', description: 'office', enabled: true, owner_id: ''}])", |c| c
                .apply_ip_filters(&j::<Vec<_>>(json!([
                    {"cidr_block": "10.0.0.0/8", "description": "office", "enabled": true, "owner_id": ""}
                ])))),
            case!("GetClusterStatus", "c.getClusterStatus()", |c| c.get_cluster_status()),
            case!("GetJob", "c.getJob(P(V.awk))", |c| c.get_job(AWK)),
            case!("GetJobs", "c.getJobs(1, 20)", |c| c.get_jobs().page(1).per_page(20)),
            case!("GetJobsByType", "c.getJobsByType('data_retention', 1, 20)", |c| c
                .get_jobs_by_type("data_retention")
                .page(1)
                .per_page(20)),
            case!("CreateJob", "c.createJob({type: 'data_retention', data: {a: 'b'}})", |c| c
                .create_job(&j(json!({"type": "data_retention", "data": {"a": "b"}})))),
            case!("CancelJob", "c.cancelJob(V.id)", |c| c.cancel_job(ID)),
            case!("GetDataRetentionPolicy", "c.getDataRetentionPolicy()", |c| c.get_data_retention_policy()),
            case!("GetDataRetentionPolicies", "c.getDataRetentionCustomPolicies(1, 20)", |c| c
                .get_data_retention_policies()
                .page(1)
                .per_page(20)),
            case!("GetDataRetentionPolicyByID", "c.getDataRetentionCustomPolicy(P(V.awk))", |c| c
                .get_data_retention_policy_by_id(AWK)),
            case!("DeleteDataRetentionPolicy", "c.deleteDataRetentionCustomPolicy(V.id)", |c| c.delete_data_retention_policy(ID)),
            case!("SearchChannelsForRetentionPolicy", "c.searchDataRetentionCustomPolicyChannels(V.id, 'town', {})", |c| c
                .search_channels_for_retention_policy(ID, &j(json!({"term": "town"})))),
            case!("SearchTeamsForRetentionPolicy", "c.searchDataRetentionCustomPolicyTeams(V.id, 'eng', {})", |c| c
                .search_teams_for_retention_policy(ID, &j(json!({"term": "eng"})))),
            case!("GetTeamsForRetentionPolicy", "c.getDataRetentionCustomPolicyTeams(V.id, 1, 20)", |c| c
                .get_teams_for_retention_policy(ID)
                .page(1)
                .per_page(20)),
            case!("GetChannelsForRetentionPolicy", "c.getDataRetentionCustomPolicyChannels(V.id, 1, 20)", |c| c
                .get_channels_for_retention_policy(ID)
                .page(1)
                .per_page(20)),
            case!(
                "CreateDataRetentionPolicy",
                "c.createDataRetentionPolicy({display_name: 'P', post_duration: 30, team_ids: [V.t], channel_ids: [V.ch]})",
                |c| c.create_data_retention_policy(&j(json!({
                    "display_name": "P", "post_duration": 30, "team_ids": [T], "channel_ids": [CH]
                })))
            ),
            case!(
                "PatchDataRetentionPolicy",
                "c.updateDataRetentionPolicy(V.id, {display_name: 'P2', post_duration: 60, team_ids: [V.t], channel_ids: []})",
                |c| c.patch_data_retention_policy(
                    ID,
                    &j(json!({"display_name": "P2", "post_duration": 60, "team_ids": [T], "channel_ids": []}))
                )
            ),
            case!("AddTeamsToRetentionPolicy", "c.addDataRetentionPolicyTeams(V.id, [V.t])", |c| c
                .add_teams_to_retention_policy(ID, ids(&[T]))),
            case!("RemoveTeamsFromRetentionPolicy", "c.removeDataRetentionPolicyTeams(V.id, [V.t])", |c| c
                .remove_teams_from_retention_policy(ID, ids(&[T]))),
            case!("AddChannelsToRetentionPolicy", "c.addDataRetentionPolicyChannels(V.id, [V.ch])", |c| c
                .add_channels_to_retention_policy(ID, ids(&[CH]))),
            case!("RemoveChannelsFromRetentionPolicy", "c.removeDataRetentionPolicyChannels(V.id, [V.ch])", |c| c
                .remove_channels_from_retention_policy(ID, ids(&[CH]))),
            case!("CreateComplianceReport", "c.createComplianceReport({desc: 'audit', emails: V.email, keywords: 'secret', start_at: 1, end_at: 2})", |c| c
                .create_compliance_report(&j(json!({"desc": "audit", "emails": EMAIL, "keywords": "secret", "start_at": 1, "end_at": 2})))),
            case!("GetComplianceReport", "c.getComplianceReport(P(V.awk))", |c| c.get_compliance_report(AWK)),
            case!("GetComplianceReports", "c.getComplianceReports(1, 20)", |c| c.get_compliance_reports().page(1).per_page(20)),
            case!("UploadBrandImage", "c.uploadBrandImage(F('FILEDATA', 'brand.png', 'image/png'))", |c| c
                .upload_brand_image(file("brand.png", "image/png"))),
            case!("DeleteBrandImage", "c.deleteBrandImage()", |c| c.delete_brand_image()),
            case!("TestLdap", "c.testLdap()", |c| c.test_ldap()),
            case!("SyncLdap", "c.syncLdap()", |c| c.sync_ldap()),
            case!("GetLdapGroups", "c.getLdapGroups(1, 20, {q: 'dev'})", |c| c.get_ldap_groups().page(1).per_page(20).q("dev")),
            case!("LinkLdapGroup", "c.linkLdapGroup('cn=devs,ou=groups')", |c| c.link_ldap_group("cn=devs,ou=groups")),
            case!("UnlinkLdapGroup", "c.unlinkLdapGroup('cn=devs,ou=groups')", |c| c.unlink_ldap_group("cn=devs,ou=groups")),
            case!("UploadLdapPublicCertificate", "c.uploadPublicLdapCertificate(F('FILEDATA', 'pub.crt', 'application/x-x509-ca-cert'))", |c| c
                .upload_ldap_public_certificate(file("pub.crt", "application/x-x509-ca-cert"))),
            case!("UploadLdapPrivateCertificate", "c.uploadPrivateLdapCertificate(F('FILEDATA', 'key.pem', 'application/x-pem-file'))", |c| c
                .upload_ldap_private_certificate(file("key.pem", "application/x-pem-file"))),
            case!("DeleteLdapPublicCertificate", "c.deletePublicLdapCertificate()", |c| c.delete_ldap_public_certificate()),
            case!("DeleteLdapPrivateCertificate", "c.deletePrivateLdapCertificate()", |c| c.delete_ldap_private_certificate()),
            case!("GetSamlCertificateStatus", "c.getSamlCertificateStatus()", |c| c.get_saml_certificate_status()),
            case!("UploadSamlPublicCertificate", "c.uploadPublicSamlCertificate(F('FILEDATA', 'pub.crt', 'application/x-x509-ca-cert'))", |c| c
                .upload_saml_public_certificate(file("pub.crt", "application/x-x509-ca-cert"))),
            case!("UploadSamlPrivateCertificate", "c.uploadPrivateSamlCertificate(F('FILEDATA', 'key.pem', 'application/x-pem-file'))", |c| c
                .upload_saml_private_certificate(file("key.pem", "application/x-pem-file"))),
            case!("UploadSamlIdpCertificate", "c.uploadIdpSamlCertificate(F('FILEDATA', 'idp.crt', 'application/x-x509-ca-cert'))", |c| c
                .upload_saml_idp_certificate(file("idp.crt", "application/x-x509-ca-cert"))),
            case!("DeleteSamlPublicCertificate", "c.deletePublicSamlCertificate()", |c| c.delete_saml_public_certificate()),
            case!("DeleteSamlPrivateCertificate", "c.deletePrivateSamlCertificate()", |c| c.delete_saml_private_certificate()),
            case!("DeleteSamlIdpCertificate", "c.deleteIdpSamlCertificate()", |c| c.delete_saml_idp_certificate()),
            case!("GetSamlMetadataFromIdp", "c.getSamlMetadataFromIdp('https://idp.example.com/metadata')", |c| c
                .get_saml_metadata_from_idp(&j(json!({"saml_metadata_url": "https://idp.example.com/metadata"})))),
            case!("TestElasticsearch", "c.testElasticsearch()", |c| c.test_elasticsearch()),
            case!("PurgeElasticsearchIndexes", "c.purgeElasticsearchIndexes()", |c| c.purge_elasticsearch_indexes()),
            case!("GetCloudProducts", "c.getCloudProducts()", |c| c.get_cloud_products()),
            case!("GetCloudCustomer", "c.getCloudCustomer()", |c| c.get_cloud_customer()),
            case!("UpdateCloudCustomer", "c.updateCloudCustomer({name: 'Acme', email: V.email})", |c| c
                .update_cloud_customer(&j(json!({"name": "Acme", "email": EMAIL})))),
            case!("UpdateCloudCustomerAddress", "c.updateCloudCustomerAddress({city: 'Zürich', country: 'CH', line1: 'Street 1', postal_code: '8000', state: 'ZH'})", |c| c
                .update_cloud_customer_address(&j(json!({
                    "city": "Zürich", "country": "CH", "line1": "Street 1", "postal_code": "8000", "state": "ZH"
                })))),
            case!("GetSubscription", "c.getSubscription()", |c| c.get_subscription()),
            case!("GetEndpointForInstallationInformation", "c.getInstallation()", |c| c
                .get_endpoint_for_installation_information()),
            case!("GetInvoicesForSubscription", "c.getInvoices()", |c| c.get_invoices_for_subscription()),
            case!("GetCloudLimits", "c.getCloudLimits()", |c| c.get_cloud_limits()),
            case!("GetPostsUsage", "c.getPostsUsage()", |c| c.get_posts_usage()),
            case!("GetStorageUsage", "c.getFilesUsage()", |c| c.get_storage_usage()),
            case!("GetTermsOfService", "c.getTermsOfService()", |c| c.get_terms_of_service()),
            case!("CreateTermsOfService", "c.createTermsOfService('Be nice.')", |c| c.create_terms_of_service(&j(json!({"text": "Be nice."})))),
            case!("GetAncillaryPermissions", "c.getAncillaryPermissions(['sysconsole_read_users'])", |c| c
                .get_ancillary_permissions("sysconsole_read_users")),
        ]
    }
}
