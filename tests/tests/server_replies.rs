//! Replies as the server really sends them decode without loss. The fixtures under
//! `tests/fixtures/replies/` were written from the server's model structs
//! (`server/public/model/*.go`: every field the server writes, with its json name), not from
//! the spec. Two checks per fixture:
//!
//! 1. against the generator's IR: every member of the JSON lands in a typed field of the model,
//!    none is left only in an untyped map or dropped (the free-form values the server itself
//!    types as "any JSON", listed per fixture, are the exception);
//! 2. through the generated Rust types: decoding and encoding again gives back every member
//!    with its value.

use mattermost_client::models;
use mattermost_codegen::ir::{Shape, TypeKind, TypeSpace};
use mattermost_tests::{real_spec_path, repo_root};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Fixture file, model name, and the JSON pointers the server types as any JSON value.
const FIXTURES: &[(&str, &str, &[&str])] = &[
    ("user", "User", &[]),
    ("post", "Post", &["/props", "/metadata/embeds/0/data"]),
    ("channel", "Channel", &["/props"]),
    ("team", "Team", &[]),
    ("channel_member", "ChannelMember", &[]),
    ("team_member", "TeamMember", &[]),
    ("thread", "UserThread", &["/post/props", "/post/metadata/embeds/0/data"]),
    ("file_info", "FileInfo", &[]),
    (
        "plugin_manifest",
        "PluginManifest",
        &["/props", "/settings_schema/settings/0/default", "/settings_schema/settings/1/default", "/settings_schema/settings/2/default"],
    ),
    ("status", "Status", &[]),
    ("reaction", "Reaction", &[]),
    ("bot", "Bot", &[]),
    ("emoji", "Emoji", &[]),
    ("preference", "Preference", &[]),
    ("session", "Session", &[]),
    ("command_response", "CommandResponse", &["/props"]),
    ("slack_attachment_with_actions", "SlackAttachment", &["/actions/0/integration/context", "/actions/1/integration/context", "/actions/2/integration/context", "/actions/3/integration/context"]),
    ("submit_dialog_request", "SubmitDialogRequest", &["/submission"]),
    ("outgoing_webhook_payload", "OutgoingWebhookPayload", &[]),
    ("incoming_webhook_request", "IncomingWebhookRequest", &["/props"]),
];

fn fixture(name: &str) -> Value {
    let path = repo_root().join(format!("tests/fixtures/replies/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn types() -> TypeSpace {
    let spec = std::fs::read_to_string(real_spec_path()).expect("the upstream spec");
    let overlay = std::fs::read_to_string(repo_root().join("spec/overlay.yaml")).expect("overlay");
    mattermost_codegen::generate_with_overlay(&spec, Some(&overlay)).expect("generates").ir.types
}

/// Where `value` does not land in a typed field of `shape`.
fn untyped(types: &TypeSpace, shape: &Shape, value: &Value, pointer: &str, allowed: &[&str], out: &mut Vec<String>) {
    if value.is_null() {
        return;
    }
    match (shape, value) {
        (Shape::Named(id), _) => match &types.get(*id).kind {
            TypeKind::Struct(s) => {
                let Value::Object(members) = value else {
                    out.push(format!("{pointer}: a {} is an object, got {value}", types.get(*id).name));
                    return;
                };
                for (key, member) in members {
                    let at = format!("{pointer}/{key}");
                    match s.fields.iter().find(|f| f.wire_name == *key) {
                        Some(field) => untyped(types, &field.shape, member, &at, allowed, out),
                        None if s.additional.is_some() => out.push(format!("{at}: only in the untyped map of {}", types.get(*id).name)),
                        None => out.push(format!("{at}: {} has no such field; the value is dropped", types.get(*id).name)),
                    }
                }
            }
            TypeKind::Alias(target) => untyped(types, target, value, pointer, allowed, out),
            TypeKind::Union(u) => {
                // The first alternative that takes the whole value, as serde's untagged decode.
                let fits = u.variants.iter().any(|v| {
                    let mut problems = Vec::new();
                    untyped(types, &v.shape, value, pointer, allowed, &mut problems);
                    problems.is_empty()
                });
                if !fits {
                    out.push(format!("{pointer}: no alternative of {} takes {value}", types.get(*id).name));
                }
            }
            TypeKind::StringEnum(_) if value.is_string() => {}
            TypeKind::StringEnum(_) => out.push(format!("{pointer}: a string enum, got {value}")),
        },
        (Shape::Array(item), Value::Array(items)) => {
            for (i, item_value) in items.iter().enumerate() {
                untyped(types, item, item_value, &format!("{pointer}/{i}"), allowed, out);
            }
        }
        (Shape::Map(item), Value::Object(members)) => {
            for (key, member) in members {
                untyped(types, item, member, &format!("{pointer}/{key}"), allowed, out);
            }
        }
        (Shape::Json | Shape::JsonObject, _) if allowed.contains(&pointer) => {}
        (Shape::Json | Shape::JsonObject, _) => out.push(format!("{pointer}: lands in an untyped JSON value")),
        (Shape::String | Shape::Binary, Value::String(_)) | (Shape::Bool, Value::Bool(_)) => {}
        (Shape::I32 | Shape::I64, Value::Number(n)) if n.is_i64() || n.is_u64() => {}
        (Shape::F64, Value::Number(_)) => {}
        (shape, value) => out.push(format!("{pointer}: declared {shape:?}, got {value}")),
    }
}

#[test]
fn every_member_of_a_server_reply_lands_in_a_typed_field() {
    let types = types();
    let mut problems = Vec::new();
    for (file, model, allowed) in FIXTURES {
        let id = types
            .iter()
            .find(|(_, e)| e.name == *model)
            .map(|(id, _)| id)
            .unwrap_or_else(|| panic!("no model {model}"));
        let mut found = Vec::new();
        untyped(&types, &Shape::Named(id), &fixture(file), "", allowed, &mut found);
        problems.extend(found.into_iter().map(|p| format!("{file}.json {p}")));
    }
    assert!(problems.is_empty(), "{} members do not land in typed fields:\n{}", problems.len(), problems.join("\n"));
}

/// Every member of `original` with its value in `again` (a `null` may be left out).
fn lost(original: &Value, again: &Value, pointer: &str, out: &mut Vec<String>) {
    match (original, again) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = format!("{pointer}/{key}");
                match b.get(key) {
                    Some(other) => lost(value, other, &at, out),
                    None if value.is_null() => {}
                    None => out.push(format!("{at}: missing after a round trip")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                lost(x, y, &format!("{pointer}/{i}"), out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{pointer}: {a} became {b}")),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(file: &str) -> Vec<String> {
    let original = fixture(file);
    let typed: T = match serde_json::from_value(original.clone()) {
        Ok(typed) => typed,
        Err(e) => return vec![format!("{file}.json does not decode: {e}")],
    };
    let again = serde_json::to_value(&typed).expect("encodes");
    let mut out = Vec::new();
    lost(&original, &again, "", &mut out);
    out.into_iter().map(|p| format!("{file}.json {p}")).collect()
}

#[test]
fn server_replies_survive_a_round_trip_through_the_generated_models() {
    let problems: Vec<String> = [
        round_trip::<models::User>("user"),
        round_trip::<models::Post>("post"),
        round_trip::<models::Channel>("channel"),
        round_trip::<models::Team>("team"),
        round_trip::<models::ChannelMember>("channel_member"),
        round_trip::<models::TeamMember>("team_member"),
        round_trip::<models::UserThread>("thread"),
        round_trip::<models::FileInfo>("file_info"),
        round_trip::<models::PluginManifest>("plugin_manifest"),
        round_trip::<models::Status>("status"),
        round_trip::<models::Reaction>("reaction"),
        round_trip::<models::Bot>("bot"),
        round_trip::<models::Emoji>("emoji"),
        round_trip::<models::Preference>("preference"),
        round_trip::<models::Session>("session"),
        round_trip::<models::CommandResponse>("command_response"),
        round_trip::<models::SlackAttachment>("slack_attachment_with_actions"),
        round_trip::<models::SubmitDialogRequest>("submit_dialog_request"),
        round_trip::<models::OutgoingWebhookPayload>("outgoing_webhook_payload"),
        round_trip::<models::IncomingWebhookRequest>("incoming_webhook_request"),
    ]
    .concat();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fields_the_server_always_sends_are_plain_values() {
    // Compile-time facts, checked at run time so a regression names the field: these are
    // `String`/integers, not `Option`s (a Go field without `omitempty` is always written).
    let user: models::User = serde_json::from_value(fixture("user")).expect("user");
    let post: models::Post = serde_json::from_value(fixture("post")).expect("post");
    let channel: models::Channel = serde_json::from_value(fixture("channel")).expect("channel");
    let team: models::Team = serde_json::from_value(fixture("team")).expect("team");
    let member: models::ChannelMember = serde_json::from_value(fixture("channel_member")).expect("member");
    let team_member: models::TeamMember = serde_json::from_value(fixture("team_member")).expect("team member");
    let file: models::FileInfo = serde_json::from_value(fixture("file_info")).expect("file");
    let reaction: models::Reaction = serde_json::from_value(fixture("reaction")).expect("reaction");
    let bot: models::Bot = serde_json::from_value(fixture("bot")).expect("bot");
    let plain: [(&str, &str); 16] = [
        ("user.id", &user.id),
        ("user.username", &user.username),
        ("post.id", &post.id),
        ("post.message", &post.message),
        ("post.channel_id", &post.channel_id),
        ("post.user_id", &post.user_id),
        ("channel.id", &channel.id),
        ("channel.name", &channel.name),
        ("team.id", &team.id),
        ("team.name", &team.name),
        ("member.channel_id", &member.channel_id),
        ("team_member.user_id", &team_member.user_id),
        ("file.id", &file.id),
        ("file.name", &file.name),
        ("reaction.emoji_name", &reaction.emoji_name),
        ("bot.username", &bot.username),
    ];
    for (what, value) in plain {
        assert!(!value.is_empty(), "{what} is empty in the fixture");
    }
    let times: [(&str, i64); 3] = [("post.create_at", post.create_at), ("channel.create_at", channel.create_at), ("member.last_viewed_at", member.last_viewed_at)];
    for (what, value) in times {
        assert!(value > 0, "{what}");
    }
    // Absent, they decode as defaults instead of failing the reply.
    let sparse: models::Post = serde_json::from_value(serde_json::json!({"id": "p1"})).expect("a sparse post decodes");
    assert_eq!((sparse.id.as_str(), sparse.message.as_str(), sparse.create_at), ("p1", "", 0));
}
