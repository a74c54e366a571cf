//! The live test's world: what the admin builds on a fresh server before every operation is
//! called (users, a bot with a token, teams, channels of every kind, a thread with a reaction,
//! a file and a pin, a custom emoji, webhooks, a slash command, an OAuth app, preferences, a
//! custom status), and the arguments it gives each operation: by operation and
//! input first (`overrides`), then by input name (`by_name`), else the contract example with
//! every key the world knows replaced.

use std::collections::BTreeMap;

use mattermost_client::{Client, Error, FilePart, OperationRequest};
use reqwest::Method;
use serde_json::{json, Value};

/// A 1x1 GIF: the smallest image the server takes for an emoji or a picture.
pub const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// The world's objects and the arguments made from them.
#[derive(Debug, Default)]
pub struct World {
    /// Values by input name (`user_id`, `team_id`…).
    pub by_name: BTreeMap<&'static str, Value>,
    /// Values for one input of one operation (`("DeleteTeam", "team_id")`).
    pub overrides: BTreeMap<(&'static str, &'static str), Value>,
    /// Fields set in one operation's body after the example is filled (`id` of an update).
    pub body_fields: BTreeMap<&'static str, Vec<(&'static str, Value)>>,
    /// The loopback URL every URL of an example is replaced by: nothing leaves the machine.
    pub loopback_url: String,
    /// The file (name and bytes) of one operation's file parts, instead of the GIF.
    pub file_parts: BTreeMap<&'static str, (String, Vec<u8>)>,
    /// The raw body of one operation, instead of the GIF.
    pub raw_bodies: BTreeMap<&'static str, Vec<u8>>,
}

/// Sends `body` (if any) to `template` with `params` and returns the JSON reply.
pub async fn api(client: &Client, method: Method, template: &'static str, params: &[(&str, &str)], body: Option<Value>) -> Result<Value, Error> {
    let mut request = OperationRequest::new(method, template);
    for (name, value) in params {
        request = request.path_param(name, value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    client.send_json::<Value>(request).await.map_err(|e| Error::InvalidRequest(format!("{template}: {e}")))
}

/// The `id` field of a reply.
pub fn id(value: &Value) -> String {
    value["id"].as_str().unwrap_or_default().to_string()
}

/// A user in the world.
pub struct Person {
    /// Its id.
    pub id: String,
    /// Its username.
    pub username: String,
    /// Its email.
    pub email: String,
}

/// Creates a user (open server: anyone may sign up).
pub async fn person(admin: &Client, name: &str) -> Result<Person, Error> {
    let email = format!("{name}@example.com");
    let user = api(admin, Method::POST, "/api/v4/users", &[], Some(json!({"username": name, "email": email, "password": "Live-password-1", "first_name": name, "last_name": "Live"}))).await?;
    Ok(Person { id: id(&user), username: name.to_string(), email })
}

impl World {
    /// Builds the world as the admin; `callback` is the loopback URL outgoing webhooks and the
    /// slash command call.
    pub async fn build(admin: &Client, admin_id: &str, callback: &str) -> Result<World, Error> {
        let mut w = World { loopback_url: callback.to_string(), ..World::default() };
        let alice = person(admin, "alice").await?;
        let bob = person(admin, "bob").await?;
        let team = api(admin, Method::POST, "/api/v4/teams", &[], Some(json!({"name": "liveteam", "display_name": "Live team", "type": "O", "allow_open_invite": true}))).await?;
        let team_id = id(&team);
        for user in [&alice.id, &bob.id] {
            api(admin, Method::POST, "/api/v4/teams/{team_id}/members", &[("team_id", &team_id)], Some(json!({"team_id": team_id, "user_id": user}))).await?;
        }
        let public = api(admin, Method::POST, "/api/v4/channels", &[], Some(json!({"team_id": team_id, "name": "live-public", "display_name": "Live public", "type": "O", "purpose": "the live test", "header": "live"}))).await?;
        let private = api(admin, Method::POST, "/api/v4/channels", &[], Some(json!({"team_id": team_id, "name": "live-private", "display_name": "Live private", "type": "P"}))).await?;
        let channel_id = id(&public);
        for user in [&alice.id, &bob.id] {
            api(admin, Method::POST, "/api/v4/channels/{channel_id}/members", &[("channel_id", &channel_id)], Some(json!({"user_id": user}))).await?;
        }
        let direct = api(admin, Method::POST, "/api/v4/channels/direct", &[], Some(json!([admin_id, alice.id]))).await?;
        let group = api(admin, Method::POST, "/api/v4/channels/group", &[], Some(json!([admin_id, alice.id, bob.id]))).await?;
        let root = api(admin, Method::POST, "/api/v4/posts", &[], Some(json!({"channel_id": channel_id, "message": "the root of a thread :smile:"}))).await?;
        let root_id = id(&root);
        let reply = api(admin, Method::POST, "/api/v4/posts", &[], Some(json!({"channel_id": channel_id, "message": "a reply", "root_id": root_id}))).await?;
        api(admin, Method::POST, "/api/v4/reactions", &[], Some(json!({"user_id": admin_id, "post_id": root_id, "emoji_name": "smile"}))).await?;
        let upload = admin.upload_file(channel_id.clone(), [FilePart::from_bytes(&b"live test file\n"[..], "live.txt")]).await?;
        let file_id = upload.file_infos.first().map(|f| f.id.clone()).unwrap_or_default();
        let with_file = api(admin, Method::POST, "/api/v4/posts", &[], Some(json!({"channel_id": channel_id, "message": "a file", "file_ids": [file_id]}))).await?;
        api(admin, Method::POST, "/api/v4/posts/{post_id}/pin", &[("post_id", &root_id)], None).await?;
        let emoji = admin.create_emoji(FilePart::from_bytes(GIF, "live.gif"), json!({"name": "liveemoji", "creator_id": admin_id}).to_string()).await?;
        let incoming = api(admin, Method::POST, "/api/v4/hooks/incoming", &[], Some(json!({"channel_id": channel_id, "display_name": "live incoming"}))).await?;
        let outgoing = api(admin, Method::POST, "/api/v4/hooks/outgoing", &[], Some(json!({"team_id": team_id, "channel_id": channel_id, "display_name": "live outgoing", "trigger_words": ["liveword"], "callback_urls": [callback]}))).await?;
        let command = api(admin, Method::POST, "/api/v4/commands", &[], Some(json!({"team_id": team_id, "method": "P", "trigger": "live", "url": callback, "display_name": "live"}))).await?;
        let app = api(admin, Method::POST, "/api/v4/oauth/apps", &[], Some(json!({"name": "live app", "description": "the live test", "callback_urls": [callback], "homepage": callback, "is_trusted": true}))).await?;
        let bot = api(admin, Method::POST, "/api/v4/bots", &[], Some(json!({"username": "livebot", "display_name": "Live bot", "description": "the live test's bot"}))).await?;
        let bot_id = bot["user_id"].as_str().unwrap_or_default().to_string();
        let token = api(admin, Method::POST, "/api/v4/users/{user_id}/tokens", &[("user_id", &bot_id)], Some(json!({"description": "live bot token"}))).await?;
        api(admin, Method::PUT, "/api/v4/users/{user_id}/preferences", &[("user_id", admin_id)], Some(json!([{"user_id": admin_id, "category": "display_settings", "name": "use_military_time", "value": "true"}]))).await?;
        api(admin, Method::PUT, "/api/v4/users/{user_id}/status/custom", &[("user_id", admin_id)], Some(json!({"emoji": "calendar", "text": "live testing"}))).await?;
        let categories = api(admin, Method::GET, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories", &[("user_id", admin_id), ("team_id", &team_id)], None).await?;
        let category_id = categories["categories"][0]["id"].as_str().unwrap_or_default().to_string();
        let role = api(admin, Method::GET, "/api/v4/roles/name/{role_name}", &[("role_name", "system_user")], None).await?;
        let upload_session = api(admin, Method::POST, "/api/v4/uploads", &[], Some(json!({"channel_id": channel_id, "filename": "later.txt", "file_size": 5}))).await?;

        let names: [(&'static str, Value); 28] = [
            ("user_id", json!(admin_id)),
            ("team_id", json!(team_id)),
            ("teamId", json!(team_id)),
            ("channel_id", json!(channel_id)),
            ("post_id", json!(root_id)),
            ("root_id", json!(root_id)),
            ("thread_id", json!(root_id)),
            ("file_id", json!(file_id)),
            ("bot_user_id", json!(bot_id)),
            ("hook_id", json!(id(&incoming))),
            ("command_id", json!(id(&command))),
            ("app_id", json!(id(&app))),
            ("emoji_id", json!(emoji.id)),
            ("emoji_name", json!("liveemoji")),
            ("category_id", json!(category_id)),
            ("role_id", json!(id(&role))),
            ("role_name", json!("system_user")),
            ("upload_id", json!(id(&upload_session))),
            ("token_id", json!(id(&token))),
            ("username", json!(alice.username)),
            ("email", json!(alice.email)),
            ("team_name", json!("liveteam")),
            ("channel_name", json!("live-public")),
            ("category", json!("display_settings")),
            ("preference_name", json!("use_military_time")),
            ("user_ids", json!([alice.id, bob.id])),
            ("channel_ids", json!([channel_id])),
            ("post_ids", json!([root_id, id(&reply)])),
        ];
        w.by_name.extend(names);
        w.by_name.insert("private_channel_id", json!(id(&private)));
        w.by_name.insert("direct_channel_id", json!(id(&direct)));
        w.by_name.insert("group_channel_id", json!(id(&group)));
        w.by_name.insert("outgoing_hook_id", json!(id(&outgoing)));
        w.by_name.insert("file_post_id", json!(id(&with_file)));
        w.by_name.insert("alice_id", json!(alice.id));
        w.by_name.insert("bob_id", json!(bob.id));
        Ok(w)
    }

    /// A value of the world by name (for the hand-written cases).
    pub fn get(&self, name: &str) -> String {
        self.by_name.get(name).and_then(Value::as_str).unwrap_or_default().to_string()
    }

    /// Replaces, in an example, every key the world has a value for.
    fn fill(&self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (key, field) in object.iter_mut() {
                    match (self.by_name.get(key.as_str()), &*field) {
                        (Some(known @ Value::String(_)), Value::Array(_)) => *field = json!([known]),
                        (Some(known), _) => *field = known.clone(),
                        (None, _) => self.fill(field),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.fill(item)),
            Value::String(text) if text.starts_with("https://example.com") => *text = self.loopback_url.clone(),
            _ => {}
        }
    }
}

/// Arguments for the generated calls.
impl crate::live_calls::Arguments for World {
    fn value(&self, operation: &'static str, input: &'static str, example: &'static str) -> Value {
        if let Some(value) = self.overrides.get(&(operation, input)) {
            return value.clone();
        }
        let mut example: Value = serde_json::from_str(example).unwrap_or(Value::Null);
        if let Some(known) = self.by_name.get(input) {
            return match (known, &example) {
                (Value::String(_), Value::Array(_)) => json!([known]),
                _ => known.clone(),
            };
        }
        self.fill(&mut example);
        if let (Some(fields), Value::Object(object)) = (self.body_fields.get(operation).filter(|_| input == "body"), &mut example) {
            for (key, value) in fields {
                object.insert((*key).to_string(), value.clone());
            }
        }
        example
    }

    fn files(&self, operation: &'static str, part: &'static str) -> Vec<FilePart> {
        match self.file_parts.get(operation) {
            Some((name, bytes)) => vec![FilePart::from_bytes(bytes.clone(), name.clone())],
            None => vec![FilePart::from_bytes(GIF, format!("{part}.gif"))],
        }
    }

    fn raw_body(&self, operation: &'static str) -> bytes::Bytes {
        self.raw_bodies.get(operation).map_or(bytes::Bytes::from_static(GIF), |body| bytes::Bytes::from(body.clone()))
    }
}
