//! Every operation of the generated client against a real Mattermost server.
//!
//! Built only with the `live` feature; `cargo xtask live` runs it (tests/live/README.md). It
//! starts the server (tests/live/harness.rs), builds a world as the first user (the system
//! admin; tests/live/world.rs), then calls each of the operations once through the generated
//! calls (tests/live/calls.rs, made from the IR by `cargo xtask regen`), the client talking to
//! the server through a recording proxy (tests/recording_proxy.rs). For each 2xx JSON reply it
//! compares the JSON the server sent with the typed value serialised back
//! (tests/live/compare.rs): a key lost is a defect. Each non-2xx must be listed, with its
//! status and app error id, in tests/live/expected.yaml; so must each operation not called.
//! It prints `N operations: A answered 2xx, B expected errors, C not called, U unexplained;
//! K keys lost`, writes every outcome to target/live/outcomes.yaml (and each 2xx JSON reply to
//! target/live/replies/<operationId>.json), and fails on anything
//! unexplained or lost.

#[path = "../live/harness.rs"]
mod harness;
// Shared with the contract test, which also reads each reply's headers.
#[allow(dead_code)]
#[path = "../recording_proxy.rs"]
mod proxy;
#[path = "../live/compare.rs"]
mod compare;
#[path = "../live/world.rs"]
mod world;
#[path = "../live/cases.rs"]
mod cases;
#[path = "../live/totp.rs"]
mod totp;
#[path = "../live/smtp.rs"]
mod smtp;
#[path = "../live/email.rs"]
mod email;

include!("../live/calls.rs");

use std::collections::BTreeMap;
use std::io::Write as _;

use live_calls::{call, Returned, OPERATIONS};
use mattermost_client::{Client, Error};
use serde_json::{json, Value};

/// What a non-2xx (or an operation not called) is expected to be, from expected.yaml.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    /// The HTTP status.
    #[serde(default)]
    status: Option<u16>,
    /// Mattermost's app error id.
    #[serde(default)]
    id: Option<String>,
    /// Why this is expected: the feature, licence or external system.
    #[serde(default)]
    reason: String,
    /// Not called, and why.
    #[serde(default)]
    not_called: Option<String>,
    /// Keys of a 2xx reply the client leaves out on purpose (JSON pointers), e.g. secrets a
    /// handler forgets to clear; `reason` says why.
    #[serde(default)]
    dropped: Vec<String>,
}

/// The outcome of one operation.
#[derive(Debug, serde::Serialize)]
struct Outcome {
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lost: Vec<String>,
}

/// Operations that change or end what the others use: called last, in this order.
const LAST: &[&str] = &[
    "UpdateChannelPrivacy",
    "DeletePost",
    "DeleteChannel",
    "RestoreChannel",
    "SoftDeleteTeam",
    "RestoreTeam",
    "DeleteUser",
    "UpdateUserActive",
    "ConvertUserToBot",
    "ConvertBotToUser",
    "DisableBot",
    "EnableBot",
    "RevokeUserAccessToken",
    "DeleteEmoji",
    "DeleteIncomingWebhook",
    "DeleteOutgoingWebhook",
    "DeleteCommand",
    "DeleteOAuthApp",
    "DeleteChannelBookmark",
    "RemovePlugin",
    "RemoveTeamMember",
    "RemoveUserFromChannel",
    "InvalidateCaches",
    "ReloadConfig",
    "UpdateConfig",
    "PatchConfig",
    "DatabaseRecycle",
    "RevokeSession",
    "RevokeAllSessions",
    "RevokeSessionsFromAllUsers",
    "Logout",
];

fn report(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_against_the_real_server() {
    let callback_host = format!("http://{}", callback_listener().await);
    let callback = format!("{callback_host}/callback");
    let mail = smtp::Sink::start().await.expect("the SMTP sink");
    let mut settings = cases::settings(&callback_host);
    settings.extend(email::settings(&mail));
    let settings: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let server = harness::LiveServer::start_with(&settings).unwrap_or_else(|e| panic!("the live server did not start: {e}"));
    report(&format!("live: the server answered its ping {:.1} s after it was started", server.server_start.as_secs_f64()));
    let suite = std::time::Instant::now();
    let recording = proxy::Recording::default();
    let proxy = proxy::start(server.base_url.clone(), recording.clone()).await;
    let client = Client::new(&format!("http://{proxy}")).expect("client");
    client.login(server.admin_login, server.admin_password).await.expect("admin login");
    let mut world = world::World::build(&client, &server.admin_id, &callback)
        .await
        .unwrap_or_else(|e| panic!("building the world: {e}\n{}", server.server_log_tail()));
    hand_written_cases(&client, &mut world, &server.admin_id, &callback).await;
    email::cases(&client, &mut world, &mail).await;

    let expected: BTreeMap<String, Expected> =
        serde_yaml::from_str(include_str!("../live/expected.yaml")).expect("tests/live/expected.yaml is valid");
    let mut order: Vec<usize> = (0..OPERATIONS.len()).filter(|&i| !LAST.contains(&OPERATIONS[i].operation_id)).collect();
    for name in LAST {
        order.push(OPERATIONS.iter().position(|o| o.operation_id == *name).unwrap_or_else(|| panic!("LAST names {name}, not an operation")));
    }
    let mut outcomes: BTreeMap<&str, Outcome> = BTreeMap::new();
    let replies = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/live/replies");
    for index in order {
        let op = &OPERATIONS[index];
        let entry = expected.get(op.operation_id);
        if let Some(reason) = entry.and_then(|e| e.not_called.clone()) {
            outcomes.insert(op.operation_id, Outcome { outcome: "not-called", status: None, id: None, detail: reason, lost: vec![] });
            continue;
        }
        let start = recording.len();
        let result = call(&client, &world, index).await;
        let exchanges = recording.since(start);
        if let (Ok(Returned::Json(_)), Some(last)) = (&result, exchanges.last()) {
            // The evidence behind an overlay fix: what the server sent.
            let _ = std::fs::create_dir_all(&replies);
            let _ = std::fs::write(replies.join(format!("{}.json", op.operation_id)), &last.body);
        }
        outcomes.insert(op.operation_id, judge(result, &exchanges, entry));
    }
    let unknown: Vec<&String> = expected.keys().filter(|k| !OPERATIONS.iter().any(|o| o.operation_id == k.as_str())).collect();
    assert!(unknown.is_empty(), "expected.yaml names operations that do not exist: {unknown:?}");

    let count = |kind: &str| outcomes.values().filter(|o| o.outcome == kind).count();
    let lost: usize = outcomes.values().map(|o| o.lost.len()).sum();
    for (op, outcome) in &outcomes {
        if outcome.outcome == "unexplained" || !outcome.lost.is_empty() {
            report(&format!("{op}: {} {:?} {:?} {}", outcome.outcome, outcome.status, outcome.id, outcome.detail));
            for key in &outcome.lost {
                report(&format!("    lost {key}"));
            }
        }
    }
    let world_gaps = outcomes.values().filter(|o| o.outcome == "expected" && o.detail.starts_with("world gap:")).count();
    let summary = format!(
        "{} operations: {} answered 2xx, {} expected errors ({world_gaps} of them gaps of the test's world), {} not called, {} unexplained; {lost} keys lost",
        outcomes.len(),
        count("2xx"),
        count("expected"),
        count("not-called"),
        count("unexplained"),
    );
    report(&summary);
    report(&format!("live: world and calls took {:.1} s", suite.elapsed().as_secs_f64()));
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/live/outcomes.yaml");
    let _ = std::fs::create_dir_all(out.parent().expect("parent"));
    std::fs::write(&out, serde_yaml::to_string(&outcomes).expect("outcomes as YAML")).expect("write outcomes");
    assert_eq!(outcomes.len(), OPERATIONS.len(), "every operation is accounted for");
    assert_eq!(count("unexplained"), 0, "{summary}");
    assert_eq!(lost, 0, "{summary}");
}

/// Classifies one call: 2xx (with the keys the types lost), an expected error, or unexplained.
fn judge(result: Result<Returned, Error>, exchanges: &[proxy::Exchange], expected: Option<&Expected>) -> Outcome {
    let last = exchanges.last();
    match result {
        Ok(Returned::Json(typed)) => {
            let raw: Option<Value> = last.and_then(|e| serde_json::from_slice(&e.body).ok());
            let mut lost = match &raw {
                Some(raw) => compare::lost_keys(raw, &typed),
                None => vec!["(the reply was not JSON)".to_string()],
            };
            let dropped = expected.map_or(&[][..], |e| &e.dropped[..]);
            lost.retain(|key| !dropped.iter().any(|d| key.split(':').next() == Some(d.as_str())));
            Outcome { outcome: "2xx", status: last.map(|e| e.status), id: None, detail: String::new(), lost }
        }
        Ok(_) => Outcome { outcome: "2xx", status: last.map(|e| e.status), id: None, detail: String::new(), lost: vec![] },
        Err(error) => {
            let status = error.status().map(|s| s.as_u16());
            let id = error.app_error_id().map(str::to_string);
            let detail = error.app_error().map_or_else(|| error.to_string(), |e| e.message.clone());
            let matches = expected.is_some_and(|e| e.status.is_some() && e.status == status && e.id == id);
            let outcome = if matches { "expected" } else { "unexplained" };
            let detail = match (matches, last) {
                (true, _) => expected.map(|e| e.reason.clone()).unwrap_or_default(),
                (false, Some(exchange)) => format!("{}: {detail}", exchange.request()),
                (false, None) => detail,
            };
            Outcome { outcome, status, id, detail, lost: vec![] }
        }
    }
}

/// A loopback listener that answers every request with a slash-command / webhook reply: the
/// only URL outgoing webhooks, the slash command and the OAuth app point at.
async fn callback_listener() -> std::net::SocketAddr {
    use http_body_util::Full;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the callback listener");
    let addr = listener.local_addr().expect("callback address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let service = hyper::service::service_fn(|request: hyper::Request<hyper::body::Incoming>| async {
                use http_body_util::BodyExt as _;
                // InstallPluginFromUrl downloads a plugin bundle from here.
                if request.uri().path().ends_with(".tar.gz") {
                    return Ok(hyper::Response::new(Full::new(bytes::Bytes::from(cases::plugin_bundle(cases::URL_PLUGIN)))));
                }
                // GetImageByUrl's image proxy fetches an image from here.
                if request.uri().path().ends_with(cases::IMAGE_SUFFIX) {
                    let mut response = hyper::Response::new(Full::new(bytes::Bytes::from_static(world::GIF)));
                    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("image/gif"));
                    return Ok(response);
                }
                let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                if let Ok(mut bodies) = cases::callback_bodies().lock() {
                    if bodies.len() < cases::MAX_CALLBACKS {
                        bodies.push(String::from_utf8_lossy(&body).into_owned());
                    }
                }
                let mut response = hyper::Response::new(Full::new(bytes::Bytes::from_static(br#"{"response_type":"in_channel","text":"live"}"#)));
                response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
                Ok::<_, std::convert::Infallible>(response)
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
            });
        }
    });
    addr
}

/// The operations that need their own objects or values: throwaway users, teams and channels
/// for what deletes or changes them, and bodies the contract example cannot make.
async fn hand_written_cases(client: &Client, w: &mut world::World, admin_id: &str, callback: &str) {
    let carol = world::person(client, "carol").await.expect("carol");
    let dave = world::person(client, "dave").await.expect("dave");
    let team_id = w.get("team_id");
    let spare_team = world::api(client, reqwest::Method::POST, "/api/v4/teams", &[], Some(json!({"name": "spareteam", "display_name": "Spare", "type": "O"})))
        .await
        .expect("spare team");
    let spare_channel = world::api(client, reqwest::Method::POST, "/api/v4/channels", &[], Some(json!({"team_id": team_id, "name": "spare", "display_name": "Spare", "type": "O"})))
        .await
        .expect("spare channel");
    let (post_with_file, bob, outgoing) = (w.get("file_post_id"), w.get("bob_id"), w.get("outgoing_hook_id"));
    let o = &mut w.overrides;
    for op in ["DeleteUser", "UpdateUserActive", "ConvertUserToBot", "DemoteUserToGuest", "PromoteGuestToUser", "UpdateUserRoles", "UpdateUserAuth", "RevokeAllSessions"] {
        o.insert((op, "user_id"), json!(carol.id));
    }
    o.insert(("UpdateUserActive", "body"), json!({"active": false}));
    o.insert(("UpdateUserRoles", "body"), json!({"roles": "system_user"}));
    for op in ["SoftDeleteTeam", "RestoreTeam", "UpdateTeamPrivacy"] {
        o.insert((op, "team_id"), json!(world::id(&spare_team)));
    }
    for op in ["DeleteChannel", "RestoreChannel", "UpdateChannelPrivacy", "MoveChannel"] {
        o.insert((op, "channel_id"), json!(world::id(&spare_channel)));
    }
    o.insert(("DeletePost", "post_id"), json!(post_with_file));
    o.insert(("RemoveUserFromChannel", "user_id"), json!(bob));
    o.insert(("DeleteOutgoingWebhook", "hook_id"), json!(outgoing));
    o.insert(("GetOutgoingWebhook", "hook_id"), json!(outgoing));
    o.insert(("UpdateOutgoingWebhook", "hook_id"), json!(outgoing));
    o.insert(("RegenOutgoingHookToken", "hook_id"), json!(outgoing));
    let ids = [
        ("UpdatePost", "post_id"),
        ("UpdateTeam", "team_id"),
        ("UpdateChannel", "channel_id"),
        ("UpdateUser", "user_id"),
        ("UpdateIncomingWebhook", "hook_id"),
        ("UpdateOutgoingWebhook", "outgoing_hook_id"),
        ("UpdateOAuthApp", "app_id"),
        ("UpdateCommand", "command_id"),
    ];
    let bodies: Vec<(&'static str, Vec<(&'static str, Value)>)> = ids.iter().map(|(op, name)| (*op, vec![("id", json!(w.get(name)))])).collect();
    w.body_fields.extend(bodies);
    let o = &mut w.overrides;
    o.insert(("TestSiteURL", "body"), json!({"site_url": callback}));
    o.insert(("UpdateChannelPrivacy", "body"), json!({"privacy": "P"}));
    o.insert(("UpdateTeamPrivacy", "body"), json!({"privacy": "I"}));
    o.insert(("UpdateUserStatus", "body"), json!({"user_id": admin_id, "status": "online"}));
    o.insert(("UpdateUserCustomStatus", "body"), json!({"emoji": "smile", "text": "live"}));
    o.insert(("PublishUserTyping", "body"), json!({"channel_id": team_channel(&w.by_name)}));
    o.insert(("UpdateTeamMemberRoles", "body"), json!({"roles": "team_user team_admin"}));
    o.insert(("UpdateChannelRoles", "body"), json!({"roles": "channel_user channel_admin"}));
    o.insert(("GetRolesByNames", "body"), json!(["system_user", "team_user"]));
    o.insert(("GetUsersStatusesByIds", "body"), json!([admin_id]));
    o.insert(("CreateDirectChannel", "body"), json!([admin_id, carol.id]));
    o.insert(("CreateGroupChannel", "body"), json!([admin_id, carol.id, dave.id]));
    o.insert(("GetPublicChannelsByIdsForTeam", "body"), json!([team_channel(&w.by_name)]));
    o.insert(("getPostsByIds", "body"), w.by_name["post_ids"].clone());
    o.insert(("UpdateUserPassword", "user_id"), json!(dave.id));
    o.insert(("UpdateUserPassword", "body"), json!({"new_password": "Live-password-2"}));
    o.insert(("AddTeamMember", "body"), json!({"team_id": team_id, "user_id": dave.id}));
    o.insert(("RemoveTeamMember", "user_id"), json!(dave.id));
    o.insert(("CreateTeam", "body"), json!({"name": "createdteam", "display_name": "Created", "type": "O"}));
    o.insert(("CreateUser", "body"), json!({"username": "created", "email": "created@example.com", "password": "Live-password-1"}));
    o.insert(("CreateBot", "body"), json!({"username": "createdbot", "display_name": "Created bot"}));
    o.insert(("CreateCommand", "body"), json!({"team_id": team_id, "method": "P", "trigger": "created", "url": callback}));
    o.insert(("CreateOAuthApp", "body"), json!({"name": "created", "description": "created", "callback_urls": [callback], "homepage": callback}));
    o.insert(("Login", "body"), json!({"login_id": "dave", "password": "Live-password-1"}));
    o.insert(("ExecuteCommand", "body"), json!({"channel_id": team_channel(&w.by_name), "command": "/live hello"}));
    o.insert(("ConvertBotToUser", "body"), json!({"email": "converted@example.com", "password": "Live-password-1"}));
    cases::prepare(client, w, admin_id, callback).await.unwrap_or_else(|e| panic!("preparing the cases: {e}"));
}

/// The world's public channel id.
fn team_channel(by_name: &BTreeMap<&'static str, Value>) -> Value {
    by_name["channel_id"].clone()
}
