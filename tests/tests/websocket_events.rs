//! The generated `Event` enum, fed by the generated client's event stream from a loopback
//! WebSocket server: typed decoding of events of every group, the JSON-in-a-string `posted`,
//! unknown events, malformed data, and random malformed frames; the events newer servers send
//! (the official JavaScript client 11.9's) and the shapes corrected from the publishers
//! (`user_added`'s `user_id`, `hello`'s `server_hostname`).
//!
//! The payloads are written from the server's Go code, not from our catalogue: the data keys
//! from the `model.NewWebSocketEvent` + `message.Add` calls each event's `x-published-by`
//! names (in `spec/events.yaml`), the values from the model structs' JSON tags in
//! `server/public/model/` (`post.go` Post, `reaction.go` Reaction, `channel.go` Channel,
//! `channel_member.go` ChannelMember, `team.go` Team, `team_member.go` TeamMember,
//! `preference.go` Preference, `thread.go` ThreadResponse, `user.go` User, `status.go`,
//! `websocket_message.go` WebsocketBroadcast).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use mattermost_client::events::{ConnectionNotice, Event, EventMeta, EventStream};
use mattermost_client::Client;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Longest wait for anything in these tests.
const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------- payloads, as the server sends them

/// A model.Post as `post.ToJSON()` writes it.
fn post(id: &str, message: &str, root_id: &str) -> Value {
    json!({
        "id": id, "create_at": 1_700_000_000_000i64, "update_at": 1_700_000_000_000i64, "edit_at": 0, "delete_at": 0,
        "is_pinned": false, "user_id": "user1", "channel_id": "chan1", "root_id": root_id, "original_id": "",
        "message": message, "type": "", "props": {"disable_group_highlight": true}, "hashtags": "",
        "pending_post_id": "user1:1700000000000", "reply_count": 0, "last_reply_at": 0, "participants": null,
        "metadata": {}
    })
}

/// A model.WebsocketBroadcast as sent (the hooks removed).
fn broadcast(channel_id: &str, team_id: &str, user_id: &str) -> Value {
    json!({
        "omit_users": null, "user_id": user_id, "channel_id": channel_id, "team_id": team_id,
        "connection_id": "", "omit_connection_id": "", "contains_sanitized_data": false, "contains_sensitive_data": false
    })
}

fn frame(event: &str, data: Value, broadcast: Value, seq: i64) -> Value {
    json!({"event": event, "data": data, "broadcast": broadcast, "seq": seq})
}

/// The text `json.Marshal` makes of `value`, as the server adds marshalled values.
fn marshalled(value: &Value) -> String {
    value.to_string()
}

// ---------------------------------------------------------------- the loopback server

/// Serves one connection: `hello`, then every frame of `frames` as a text frame, then waits
/// (answering pings) until the client goes. Returns the server's URL.
async fn serve(frames: Vec<Message>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else { return };
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
        let hello = frame("hello", json!({"connection_id": "conn1", "server_version": "9.8.0.9.abc.false"}), broadcast("", "", "me"), 0);
        if ws.send(Message::text(hello.to_string())).await.is_err() {
            return;
        }
        for message in frames {
            if ws.send(message).await.is_err() {
                return;
            }
        }
        while let Some(Ok(_)) = ws.next().await {}
    });
    url
}

async fn connect(frames: Vec<Message>) -> EventStream<Event> {
    let url = serve(frames).await;
    let client = Client::builder(&url).token("test-token").build().expect("client");
    tokio::time::timeout(WAIT, client.events()).await.expect("connected in time").expect("connected")
}

async fn next(stream: &mut EventStream<Event>) -> Event {
    match tokio::time::timeout(WAIT, stream.next()).await.expect("an item in time") {
        Some(Ok(event)) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Sends `frames` after the greeting and returns the `count` events that follow `hello`.
async fn received(frames: Vec<Value>) -> Vec<Event> {
    let count = frames.len();
    let mut stream = connect(frames.into_iter().map(|f| Message::text(f.to_string())).collect()).await;
    greeting(&mut stream).await;
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(next(&mut stream).await);
    }
    events
}

/// The `Connected` notice and the typed `hello`.
async fn greeting(stream: &mut EventStream<Event>) {
    match next(stream).await {
        Event::Connection(ConnectionNotice::Connected { connection_id, .. }) => assert_eq!(connection_id, "conn1"),
        other => panic!("expected Connected, got {other:?}"),
    }
    match next(stream).await {
        Event::Hello { data, meta } => {
            assert_eq!((data.connection_id.as_str(), data.server_version.as_str()), ("conn1", "9.8.0.9.abc.false"));
            assert_eq!((meta.seq, meta.broadcast.user_id.as_str()), (Some(0), "me"));
        }
        other => panic!("expected hello, got {other:?}"),
    }
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn websocket_posted_decodes_the_post_inside_a_string() {
    // app/notification.go SendNotifications; the mentions key comes from the broadcast hook.
    let data = json!({
        "post": marshalled(&post("post1", "hello @bot", "")),
        "channel_type": "O", "channel_display_name": "Town Square", "channel_name": "town-square",
        "sender_name": "@alice", "team_id": "team1", "set_online": true,
        "otherFile": "true", "mentions": marshalled(&json!(["bot1"])), "followers": marshalled(&json!(["u2", "u3"]))
    });
    let events = received(vec![frame("posted", data, broadcast("chan1", "", ""), 1)]).await;
    let Event::Posted { data, meta } = &events[0] else { panic!("expected posted, got {:?}", events[0]) };
    assert_eq!((data.post.id.as_str(), data.post.message.as_str(), data.post.channel_id.as_str()), ("post1", "hello @bot", "chan1"));
    assert_eq!(data.post.create_at, 1_700_000_000_000);
    assert_eq!(data.post.props.as_ref().and_then(|p| p.get("disable_group_highlight")), Some(&json!(true)));
    assert_eq!((data.channel_type.as_str(), data.sender_name.as_str(), data.set_online), ("O", "@alice", true));
    assert_eq!(data.other_file.as_deref(), Some("true"));
    assert_eq!(data.mentions.as_deref(), Some(&["bot1".to_string()][..]));
    assert_eq!(data.followers.as_ref().map(Vec::len), Some(2));
    assert_eq!((meta.seq, meta.broadcast.channel_id.as_str()), (Some(1), "chan1"));
    assert_eq!(events[0].name(), Some("posted"));
}

#[tokio::test]
async fn websocket_post_and_reaction_events_decode() {
    let reaction = json!({"user_id": "user2", "post_id": "post1", "emoji_name": "+1", "create_at": 1_700_000_000_100i64,
        "update_at": 1_700_000_000_100i64, "delete_at": 0, "remote_id": "", "channel_id": "chan1"});
    let events = received(vec![
        // app/post.go publishWebsocketEventForPost (post_edited)
        frame("post_edited", json!({"post": marshalled(&post("post1", "edited", ""))}), broadcast("chan1", "", ""), 1),
        // app/post.go DeletePost: delete_by only in the copy for admins
        frame("post_deleted", json!({"post": marshalled(&post("post2", "gone", "post1")), "delete_by": "admin1"}), broadcast("chan1", "", ""), 2),
        // app/reaction.go sendReactionEvent
        frame("reaction_added", json!({"reaction": marshalled(&reaction)}), broadcast("chan1", "", ""), 3),
        frame("reaction_removed", json!({"reaction": marshalled(&reaction)}), broadcast("chan1", "", ""), 4),
        // app/channel.go sendWebSocketPostUnreadEvent
        frame("post_unread", json!({"msg_count": 10, "msg_count_root": 8, "mention_count": 2, "mention_count_root": 1,
            "urgent_mention_count": 0, "last_viewed_at": 1_700_000_000_000i64, "post_id": "post1"}), broadcast("chan1", "", "user1"), 5),
        // app/post_acknowledgements.go
        frame("post_acknowledgement_added", json!({"acknowledgement": marshalled(&json!({"user_id": "user2", "post_id": "post1", "acknowledged_at": 5}))}), broadcast("chan1", "", ""), 6),
    ])
    .await;
    match &events[0] {
        Event::PostEdited { data, .. } => assert_eq!(data.post.message, "edited"),
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Event::PostDeleted { data, .. } => {
            assert_eq!((data.post.id.as_str(), data.post.root_id.as_str()), ("post2", "post1"));
            assert_eq!(data.delete_by.as_deref(), Some("admin1"));
        }
        other => panic!("{other:?}"),
    }
    match (&events[2], &events[3]) {
        (Event::ReactionAdded { data: added, .. }, Event::ReactionRemoved { data: removed, .. }) => {
            assert_eq!((added.reaction.emoji_name.as_str(), added.reaction.post_id.as_str()), ("+1", "post1"));
            assert_eq!(added.reaction, removed.reaction);
        }
        other => panic!("{other:?}"),
    }
    match &events[4] {
        Event::PostUnread { data, meta } => {
            assert_eq!((data.msg_count, data.mention_count, data.post_id.as_str()), (10, 2, "post1"));
            assert_eq!(meta.broadcast.user_id, "user1");
        }
        other => panic!("{other:?}"),
    }
    match &events[5] {
        Event::PostAcknowledgementAdded { data, .. } => assert_eq!(data.acknowledgement.acknowledged_at, 5),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn websocket_channel_events_decode() {
    let channel = json!({"id": "chan1", "create_at": 1, "update_at": 2, "delete_at": 0, "team_id": "team1", "type": "P",
        "display_name": "Secret", "name": "secret", "header": "", "purpose": "", "last_post_at": 3, "total_msg_count": 4,
        "extra_update_at": 0, "creator_id": "user1", "scheme_id": null, "props": null, "group_constrained": null,
        "shared": null, "total_msg_count_root": 4, "policy_id": null, "last_root_post_at": 3});
    let member = json!({"channel_id": "chan1", "user_id": "user1", "roles": "channel_user", "last_viewed_at": 10, "msg_count": 4,
        "mention_count": 1, "mention_count_root": 1, "urgent_mention_count": 0, "msg_count_root": 4,
        "notify_props": {"desktop": "default", "email": "default", "mark_unread": "all", "push": "default", "ignore_channel_mentions": "default"},
        "last_update_at": 11, "scheme_guest": false, "scheme_user": true, "scheme_admin": false, "explicit_roles": ""});
    let events = received(vec![
        // app/channel.go CreateChannelWithUser
        frame("channel_created", json!({"channel_id": "chan1", "team_id": "team1"}), broadcast("", "", "user1"), 1),
        // app/channel.go UpdateChannel: the channel marshalled
        frame("channel_updated", json!({"channel": marshalled(&channel)}), broadcast("chan1", "", ""), 2),
        // app/channel.go updateChannelMember
        frame("channel_member_updated", json!({"channelMember": marshalled(&member)}), broadcast("", "", "user1"), 3),
        // app/channel.go JoinDefaultChannels / AddUserToChannel (003a6338): the user's id and the team
        frame("user_added", json!({"user_id": "user9", "team_id": "team1"}), broadcast("chan1", "", ""), 4),
        // app/channel.go RemoveUserFromChannel
        frame("user_removed", json!({"channel_id": "chan1", "remover_id": "user1"}), broadcast("", "", "user9"), 5),
        // app/channel.go DeleteChannel
        frame("channel_deleted", json!({"channel_id": "chan1", "delete_at": 1_700_000_000_000i64}), broadcast("", "team1", ""), 6),
        // app/channel.go MarkChannelsAsViewed (newer servers)
        frame("multiple_channels_viewed", json!({"channel_times": {"chan1": 1_700_000_000_000i64, "chan2": 5}}), broadcast("", "", "user1"), 7),
    ])
    .await;
    match &events[0] {
        Event::ChannelCreated { data, .. } => assert_eq!((data.channel_id.as_str(), data.team_id.as_str()), ("chan1", "team1")),
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Event::ChannelUpdated { data, .. } => {
            assert_eq!((data.channel.id.as_str(), data.channel.r#type.as_str(), data.channel.display_name.as_str()), ("chan1", "P", "Secret"));
        }
        other => panic!("{other:?}"),
    }
    match &events[2] {
        Event::ChannelMemberUpdated { data, .. } => {
            let member = &data.channel_member;
            assert_eq!((member.roles.as_str(), member.msg_count, member.scheme_user), ("channel_user", 4, true));
            assert!(member.notify_props.is_some());
        }
        other => panic!("{other:?}"),
    }
    match &events[3] {
        Event::UserAdded { data, .. } => assert_eq!((data.user_id.as_str(), data.team_id.as_str()), ("user9", "team1")),
        other => panic!("{other:?}"),
    }
    match &events[4] {
        Event::UserRemoved { data, meta } => {
            assert_eq!((data.channel_id.as_deref(), data.remover_id.as_str()), (Some("chan1"), "user1"));
            assert_eq!(meta.broadcast.user_id, "user9");
        }
        other => panic!("{other:?}"),
    }
    match &events[5] {
        Event::ChannelDeleted { data, .. } => assert_eq!(data.delete_at, 1_700_000_000_000),
        other => panic!("{other:?}"),
    }
    match &events[6] {
        Event::MultipleChannelsViewed { data, .. } => assert_eq!(data.channel_times.get("chan2"), Some(&5)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn websocket_user_status_and_typing_events_decode() {
    let user = json!({"id": "user1", "create_at": 1, "update_at": 2, "delete_at": 0, "username": "alice", "email": "a@example.com",
        "nickname": "al", "first_name": "Alice", "last_name": "", "roles": "system_user system_admin", "locale": "en",
        "notify_props": {"email": "true", "push": "mention", "desktop": "all", "desktop_sound": "true", "mention_keys": "", "channel": "true", "first_name": "false"}});
    let events = received(vec![
        // app/user.go UpdateUser: the sanitized User as a struct
        frame("user_updated", json!({"user": user}), broadcast("", "", ""), 1),
        // app/platform/status.go BroadcastStatus
        frame("status_change", json!({"status": "away", "user_id": "user1"}), broadcast("", "", "user1"), 2),
        // app/user.go PublishUserTyping: the channel is in the broadcast
        frame("typing", json!({"parent_id": "post1", "user_id": "user2"}), broadcast("chan1", "", ""), 3),
        // app/user.go new user, role change
        frame("new_user", json!({"user_id": "user3"}), broadcast("", "", ""), 4),
        frame("user_role_updated", json!({"user_id": "user1", "roles": "system_user"}), broadcast("", "", "user1"), 5),
    ])
    .await;
    match &events[0] {
        Event::UserUpdated { data, .. } => {
            assert_eq!((data.user.id.as_str(), data.user.username.as_str()), ("user1", "alice"));
            assert!(data.user.notify_props.is_some());
        }
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Event::StatusChange { data, .. } => assert_eq!((data.status.as_str(), data.user_id.as_str()), ("away", "user1")),
        other => panic!("{other:?}"),
    }
    match &events[2] {
        Event::Typing { data, meta } => {
            assert_eq!((data.user_id.as_str(), data.parent_id.as_str()), ("user2", "post1"));
            assert_eq!((meta.broadcast.channel_id.as_str(), meta.seq), ("chan1", Some(3)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[3], Event::NewUser { data, .. } if data.user_id == "user3"), "{:?}", events[3]);
    assert!(matches!(&events[4], Event::UserRoleUpdated { data, .. } if data.roles == "system_user"), "{:?}", events[4]);
}

#[tokio::test]
async fn websocket_team_events_decode() {
    let team = json!({"id": "team1", "create_at": 1, "update_at": 2, "delete_at": 0, "display_name": "Core", "name": "core",
        "description": "", "email": "", "type": "O", "company_name": "", "allowed_domains": "", "invite_id": "",
        "allow_open_invite": true, "scheme_id": null, "group_constrained": null, "policy_id": null, "cloud_limits_archived": false});
    let member = json!({"team_id": "team1", "user_id": "user1", "roles": "team_user team_admin", "delete_at": 0,
        "scheme_guest": false, "scheme_user": true, "scheme_admin": true, "explicit_roles": ""});
    let events = received(vec![
        // app/team.go JoinUserToTeam
        frame("added_to_team", json!({"team_id": "team1", "user_id": "user1"}), broadcast("", "", "user1"), 1),
        // app/team.go sendTeamEvent: the sanitized team marshalled
        frame("update_team", json!({"team": marshalled(&team)}), broadcast("", "", ""), 2),
        // app/teams/teams.go RemoveTeamMember
        frame("leave_team", json!({"user_id": "user1", "team_id": "team1"}), broadcast("", "team1", ""), 3),
        // app/team.go sendUpdatedMemberRoleEvent
        frame("memberrole_updated", json!({"member": marshalled(&member)}), broadcast("", "", "user1"), 4),
    ])
    .await;
    assert!(matches!(&events[0], Event::AddedToTeam { data, .. } if data.team_id == "team1" && data.user_id == "user1"), "{:?}", events[0]);
    match &events[1] {
        Event::UpdateTeam { data, .. } => assert_eq!((data.team.name.as_str(), data.team.allow_open_invite), ("core", true)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[2], Event::LeaveTeam { meta, .. } if meta.broadcast.team_id == "team1"), "{:?}", events[2]);
    match &events[3] {
        Event::MemberroleUpdated { data, .. } => assert_eq!(data.member.roles, "team_user team_admin"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn websocket_preference_thread_and_plugin_events_decode() {
    let preferences = json!([
        {"user_id": "user1", "category": "display_settings", "name": "use_military_time", "value": "true"},
        {"user_id": "user1", "category": "favorite_channel", "name": "chan1", "value": "true"}
    ]);
    let thread = json!({"id": "post1", "reply_count": 3, "last_reply_at": 9, "last_viewed_at": 8,
        "participants": [{"id": "user2", "username": "bob"}], "post": post("post1", "root", ""),
        "unread_replies": 1, "unread_mentions": 0, "is_urgent": false, "delete_at": 0});
    let events = received(vec![
        // app/preference.go UpdatePreferences
        frame("preferences_changed", json!({"preferences": marshalled(&preferences)}), broadcast("", "", "user1"), 1),
        // app/notification.go SendNotifications (collapsed threads)
        frame("thread_updated", json!({"thread": marshalled(&thread), "previous_unread_mentions": 0, "previous_unread_replies": 0}), broadcast("", "team1", "user1"), 2),
        // app/user.go UpdateThreadReadForUser
        frame("thread_read_changed", json!({"thread_id": "post1", "timestamp": 10, "unread_mentions": 0, "unread_replies": 0,
            "previous_unread_mentions": 1, "previous_unread_replies": 2, "channel_id": "chan1"}), broadcast("", "team1", "user1"), 3),
        // app/user.go UpdateThreadFollowForUser
        frame("thread_follow_changed", json!({"thread_id": "post1", "state": true, "reply_count": 3}), broadcast("", "team1", "user1"), 4),
        // app/plugin_statuses.go notifyPluginStatusesChanged
        frame("plugin_statuses_changed", json!({"plugin_statuses": [{"plugin_id": "com.example", "cluster_id": "c1", "plugin_path": "/p",
            "state": 2, "error": "", "name": "Example", "description": "", "version": "1.0.0"}]}), broadcast("", "", ""), 5),
        // app/platform/service.go config listener
        frame("config_changed", json!({"config": {"SiteName": "Mattermost", "EnableCustomEmoji": "true"}}), broadcast("", "", ""), 6),
    ])
    .await;
    match &events[0] {
        Event::PreferencesChanged { data, .. } => {
            assert_eq!(data.preferences.len(), 2);
            assert_eq!((data.preferences[1].category.as_str(), data.preferences[1].name.as_str()), ("favorite_channel", "chan1"));
        }
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Event::ThreadUpdated { data, .. } => {
            assert_eq!((data.thread.id.as_str(), data.thread.reply_count, data.thread.unread_replies), ("post1", 3, 1));
            assert_eq!(data.thread.post.as_ref().map(|p| p.message.as_str()), Some("root"));
            assert_eq!(data.thread.participants.as_ref().map(|p| p[0].username.as_str()), Some("bob"));
        }
        other => panic!("{other:?}"),
    }
    match &events[2] {
        Event::ThreadReadChanged { data, .. } => assert_eq!((data.previous_unread_replies, data.channel_id.as_deref()), (Some(2), Some("chan1"))),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[3], Event::ThreadFollowChanged { data, .. } if data.state && data.reply_count == 3), "{:?}", events[3]);
    match &events[4] {
        Event::PluginStatusesChanged { data, .. } => assert_eq!((data.plugin_statuses[0].plugin_id.as_deref(), data.plugin_statuses[0].state), (Some("com.example"), Some(2))),
        other => panic!("{other:?}"),
    }
    match &events[5] {
        Event::ConfigChanged { data, .. } => assert_eq!(data.config.get("SiteName").map(String::as_str), Some("Mattermost")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn websocket_hello_carries_the_server_hostname() {
    // app/platform/web_conn.go createHelloMessage: server_hostname after connection_id, left out
    // when the host name cannot be read.
    let data = json!({"server_version": "9.8.0.9.abc.false", "connection_id": "conn1", "server_hostname": "mm-app-1"});
    match Event::decode("hello".into(), data, EventMeta::default()) {
        Event::Hello { data, .. } => assert_eq!(data.server_hostname.as_deref(), Some("mm-app-1")),
        other => panic!("{other:?}"),
    }
    let without = json!({"server_version": "9.8.0.9.abc.false", "connection_id": "conn1"});
    assert!(matches!(Event::decode("hello".into(), without, EventMeta::default()), Event::Hello { data, .. } if data.server_hostname.is_none()));
}

#[tokio::test]
async fn websocket_events_of_newer_servers_decode() {
    let channel = json!({"id": "chan1", "create_at": 1, "update_at": 2, "delete_at": 0, "team_id": "team1", "type": "P",
        "display_name": "Secret", "name": "secret", "header": "", "purpose": "", "last_post_at": 3, "total_msg_count": 4,
        "extra_update_at": 0, "creator_id": "user1", "scheme_id": null, "props": null, "group_constrained": null,
        "shared": null, "total_msg_count_root": 4, "policy_id": null, "last_root_post_at": 3,
        "banner_info": {"enabled": true, "text": "Restricted", "background_color": "#ff0000"}, "policy_enforced": true,
        "policy_actions": {"join": true}});
    let team = json!({"id": "team1", "create_at": 1, "update_at": 2, "delete_at": 0, "display_name": "Core", "name": "core",
        "description": "", "email": "", "type": "I", "company_name": "", "allowed_domains": "", "invite_id": "",
        "allow_open_invite": false, "scheme_id": null, "group_constrained": null, "policy_id": null, "cloud_limits_archived": false,
        "policy_enforced": true});
    let field = json!({"id": "field1", "group_id": "group1", "name": "Priority", "type": "select", "attrs": {"options": []},
        "target_id": "chan1", "target_type": "channel", "object_type": "post", "create_at": 1, "update_at": 1, "delete_at": 0});
    let values = json!([{"id": "value1", "target_id": "post1", "target_type": "post", "group_id": "group1", "field_id": "field1",
        "value": "high", "create_at": 1, "update_at": 1, "delete_at": 0}]);
    let request = json!({"id": "req1", "channel_id": "chan1", "user_id": "user2", "status": "pending", "create_at": 1, "update_at": 1});
    let events = received(vec![
        // app/toast.go SendToastMessage
        frame("show_toast", json!({"message": "Saved", "position": "bottom-right"}), broadcast("", "", "user1"), 1),
        // app/property_field.go publishPropertyFieldEvent: the field marshalled, its object type
        frame("property_field_created", json!({"property_field": marshalled(&field), "object_type": "post"}), broadcast("chan1", "", ""), 2),
        // app/property_value.go UpsertPropertyValues: object type, target, the values marshalled
        frame("property_values_updated", json!({"object_type": "post", "target_id": "post1", "values": marshalled(&values)}), broadcast("chan1", "", ""), 3),
        // app/property_field.go UpdatePropertyFields: a field whose values were cleared
        frame("property_values_updated", json!({"field_id": "field1", "values": "[]"}), broadcast("", "", ""), 4),
        // app/access_control.go publishChannelPolicyEnforcedUpdate: the reloaded channel marshalled
        frame("channel_access_control_updated", json!({"channel": marshalled(&channel)}), broadcast("chan1", "", ""), 5),
        // app/access_control.go publishTeamPolicyEnforcedUpdate: the sanitized team marshalled
        frame("team_access_control_updated", json!({"team": marshalled(&team)}), broadcast("", "team1", ""), 6),
        // app/channel_join_request.go publishChannelJoinRequestEvent: the request marshalled, the channel id
        frame("channel_join_request_created", json!({"request": marshalled(&request), "channel_id": "chan1"}), broadcast("chan1", "", ""), 7),
        // the translation service's publisher: the post id and one entry per language
        frame("post_translation_updated", json!({"object_id": "post1", "translations": {"pt": {"state": "ready", "translation_type": "object",
            "src_lang": "en", "translation": "{\"message\":\"olá\"}"}, "pt-BR": {"state": "processing", "translation_type": "object"}}}),
            broadcast("chan1", "", ""), 8),
        // recap job publishRecapUpdate
        frame("recap_updated", json!({"recap_id": "recap1"}), broadcast("", "", "user1"), 9),
        // app/content_flagging.go publishContentFlaggingReportUpdateEvent: the values marshalled
        frame("content_flagging_report_value_updated", json!({"property_values": marshalled(&values), "target_id": "post1"}), broadcast("", "", "user1"), 10),
        // app/admin_advisor.go setWarnMetricsStatusAndNotify (9.8)
        frame("warn_metric_status_removed", json!({"warnMetricId": "warn_metric_number_of_active_users_200"}), broadcast("", "", ""), 11),
        // Shapes of the official JavaScript client 11.9 (websocket_messages.d.ts); publishers not in the index.
        frame("post_revealed", json!({"post": marshalled(&post("post2", "secret", "")), "recipients": ["user2"]}), broadcast("", "", "user2"), 12),
        frame("post_burned", json!({"post_id": "post2"}), broadcast("", "", "user2"), 13),
        frame("burn_on_read_all_revealed", json!({"post_id": "post2", "sender_expire_at": 1_700_000_600_000i64}), broadcast("", "", "user1"), 14),
        frame("file_download_rejected", json!({"file_id": "file1", "file_name": "a.exe", "rejection_reason": "blocked", "channel_id": "chan1",
            "post_id": "post1", "download_type": "file"}), broadcast("", "", "user1"), 15),
        frame("file_upload_rejected", json!({"file_name": "a.exe", "rejection_reason": "blocked", "channel_id": "chan1"}), broadcast("", "", "user1"), 16),
        frame("shared_channel_remote_updated", json!({"channel_id": "chan1"}), broadcast("chan1", "", ""), 17),
    ])
    .await;
    match &events[0] {
        Event::ShowToast { data, .. } => assert_eq!((data.message.as_str(), data.position.as_deref()), ("Saved", Some("bottom-right"))),
        other => panic!("{other:?}"),
    }
    match &events[1] {
        Event::PropertyFieldCreated { data, .. } => {
            assert_eq!((data.property_field.id.as_deref(), data.property_field.target_type.as_deref()), (Some("field1"), Some("channel")));
            assert_eq!(data.object_type.as_deref(), Some("post"));
        }
        other => panic!("{other:?}"),
    }
    match &events[2] {
        Event::PropertyValuesUpdated { data, .. } => {
            assert_eq!((data.target_id.as_deref(), data.values.len()), (Some("post1"), 1));
            assert_eq!(data.values[0].value, Some(json!("high")));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[3], Event::PropertyValuesUpdated { data, .. } if data.values.is_empty() && data.field_id.as_deref() == Some("field1")), "{:?}", events[3]);
    match &events[4] {
        Event::ChannelAccessControlUpdated { data, .. } => {
            assert_eq!((data.channel.id.as_str(), data.channel.policy_enforced), ("chan1", Some(true)));
            assert_eq!(data.channel.policy_actions.as_ref().and_then(|a| a.get("join")), Some(&true));
            let banner = data.channel.banner_info.as_ref().expect("the banner");
            assert_eq!((banner.enabled, banner.text.as_deref()), (Some(true), Some("Restricted")));
        }
        other => panic!("{other:?}"),
    }
    match &events[5] {
        Event::TeamAccessControlUpdated { data, .. } => assert_eq!((data.team.name.as_str(), data.team.policy_enforced), ("core", Some(true))),
        other => panic!("{other:?}"),
    }
    match &events[6] {
        Event::ChannelJoinRequestCreated { data, .. } => {
            assert_eq!(data.channel_id, "chan1");
            assert_eq!(data.request.as_ref().and_then(|r| r.status.as_deref()), Some("pending"));
        }
        other => panic!("{other:?}"),
    }
    match &events[7] {
        Event::PostTranslationUpdated { data, .. } => {
            assert_eq!(data.object_id, "post1");
            assert_eq!((data.translations["pt"].state.as_str(), data.translations["pt-BR"].state.as_str()), ("ready", "processing"));
            assert_eq!(data.translations["pt"].translation.as_deref(), Some("{\"message\":\"olá\"}"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[8], Event::RecapUpdated { data, .. } if data.recap_id == "recap1"), "{:?}", events[8]);
    match &events[9] {
        Event::ContentFlaggingReportValueUpdated { data, .. } => assert_eq!((data.target_id.as_str(), data.property_values.len()), ("post1", 1)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[10], Event::WarnMetricStatusRemoved { data, .. } if data.warn_metric_id == "warn_metric_number_of_active_users_200"), "{:?}", events[10]);
    match &events[11] {
        Event::PostRevealed { data, .. } => {
            assert_eq!(data.recipients.as_deref(), Some(&["user2".to_string()][..]));
            // Kept as sent: a string holding the post here.
            assert!(data.post.as_ref().and_then(Value::as_str).is_some_and(|p| p.contains("post2")));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[12], Event::PostBurned { data, .. } if data.post_id == "post2"), "{:?}", events[12]);
    assert!(matches!(&events[13], Event::BurnOnReadAllRevealed { data, .. } if data.sender_expire_at == Some(1_700_000_600_000)), "{:?}", events[13]);
    assert!(matches!(&events[14], Event::FileDownloadRejected { data, .. } if data.download_type.as_deref() == Some("file")), "{:?}", events[14]);
    assert!(matches!(&events[15], Event::FileUploadRejected { data, .. } if data.rejection_reason.as_deref() == Some("blocked")), "{:?}", events[15]);
    assert!(matches!(&events[16], Event::SharedChannelRemoteUpdated { data, .. } if data.channel_id == "chan1"), "{:?}", events[16]);
    assert!(events.iter().all(|e| !matches!(e, Event::Unknown { .. })));
}

#[tokio::test]
async fn websocket_unknown_and_untyped_events_keep_their_data() {
    let events = received(vec![
        // A newer server's event this client does not know.
        frame("custom_com.example_hello", json!({"anything": [1, 2, 3]}), broadcast("chan1", "", ""), 1),
        // An event whose data the catalogue leaves untyped.
        frame("draft_updated", json!({"draft": "{}"}), broadcast("", "", "user1"), 2),
        // Data the server sends empty.
        frame("channel_scheme_updated", json!({}), broadcast("chan1", "", ""), 3),
    ])
    .await;
    match &events[0] {
        Event::Unknown { event, data, meta } => {
            assert_eq!((event.as_str(), data), ("custom_com.example_hello", &json!({"anything": [1, 2, 3]})));
            assert_eq!((meta.seq, meta.broadcast.channel_id.as_str()), (Some(1), "chan1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(events[0].name(), Some("custom_com.example_hello"));
    assert!(matches!(&events[1], Event::DraftUpdated { data, .. } if *data == json!({"draft": "{}"})), "{:?}", events[1]);
    assert!(matches!(&events[2], Event::ChannelSchemeUpdated { data, .. } if data.is_empty()), "{:?}", events[2]);
}

#[tokio::test]
async fn websocket_malformed_data_of_a_known_event_is_unknown_and_the_stream_goes_on() {
    let cases = vec![
        // The post is not JSON.
        json!({"post": "{\"id\": \"p", "channel_type": "O"}),
        // The post is JSON of the wrong shape.
        json!({"post": "[1, 2]"}),
        // A member of the wrong type.
        json!({"post": marshalled(&post("p", "m", "")), "set_online": "yes"}),
        // Not an object at all.
        json!("posted"),
        Value::Null,
    ];
    let mut frames: Vec<Value> = cases.iter().enumerate().map(|(i, data)| frame("posted", data.clone(), broadcast("c", "", ""), i as i64 + 1)).collect();
    // A broadcast that does not decode is replaced by the default; the event still decodes.
    let seq = cases.len() as i64 + 1;
    frames.push(json!({"event": "typing", "data": {"user_id": "u", "parent_id": ""}, "broadcast": "nonsense", "seq": seq}));
    frames.push(frame("posted", json!({"post": marshalled(&post("last", "still here", ""))}), broadcast("c", "", ""), seq + 1));
    let events = received(frames).await;
    for (event, sent) in events.iter().zip(&cases) {
        match event {
            Event::Unknown { event, data, meta } => {
                assert_eq!((event.as_str(), data), ("posted", sent), "the data is kept exactly as sent");
                assert_eq!(meta.broadcast.channel_id, "c");
            }
            other => panic!("expected Unknown for {sent}, got {other:?}"),
        }
    }
    match &events[cases.len()] {
        Event::Typing { data, meta } => {
            assert_eq!(data.user_id, "u");
            assert_eq!(meta, &EventMeta { seq: Some(seq), ..EventMeta::default() });
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(events.last(), Some(Event::Posted { data, .. }) if data.post.message == "still here"));
}

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A random JSON value, shallow.
fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(-1.5e300),
        4 => json!(["{", "}", "\"", "[1,", "{\"id\":1}", "null", "", "\u{0}"][rng.below(8)]),
        5 => Value::Array((0..rng.below(3)).map(|_| random_value(rng, depth + 1)).collect()),
        6 => json!({ "id": random_value(rng, depth + 1), "post": random_value(rng, depth + 1) }),
        _ => json!(marshalled(&random_value(rng, depth + 1))),
    }
}

/// Damages a valid data object: replaces, removes or adds members, or replaces it whole.
fn mutate(rng: &mut Rng, data: &Value) -> Value {
    let mut data = data.clone();
    for _ in 0..=rng.below(3) {
        match (rng.below(4), data.as_object_mut()) {
            (0, Some(map)) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                let value = random_value(rng, 0);
                map.insert(key, value);
            }
            (1, Some(map)) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                if let Some(Value::String(text)) = map.get_mut(&key) {
                    let cut = rng.below(text.len() + 1);
                    let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                    text.truncate(cut);
                } else {
                    map.remove(&key);
                }
            }
            (2, Some(map)) => {
                map.insert(format!("extra{}", rng.below(100)), random_value(rng, 0));
            }
            _ => data = random_value(rng, 0),
        }
    }
    data
}

#[test]
fn websocket_random_malformed_data_never_panics_and_is_kept() {
    let seed: u64 = std::env::var("WEBSOCKET_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2024);
    let cases: usize = std::env::var("WEBSOCKET_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(4000);
    let valid = [
        ("posted", json!({"post": marshalled(&post("p", "m", "")), "channel_type": "O", "mentions": "[\"u\"]"})),
        ("reaction_added", json!({"reaction": marshalled(&json!({"user_id": "u", "post_id": "p", "emoji_name": "x"}))})),
        ("channel_member_updated", json!({"channelMember": marshalled(&json!({"channel_id": "c", "user_id": "u"}))})),
        ("preferences_changed", json!({"preferences": "[]"})),
        ("thread_updated", json!({"thread": marshalled(&json!({"id": "t"}))})),
        ("status_change", json!({"status": "online", "user_id": "u"})),
        ("user_updated", json!({"user": {"id": "u"}})),
        ("multiple_channels_viewed", json!({"channel_times": {"c": 1}})),
        ("typing", json!({"user_id": "u", "parent_id": ""})),
        ("draft_updated", json!({})),
        ("no_such_event", json!({})),
    ];
    let mut rng = Rng(seed | 1);
    let (mut typed, mut unknown) = (0, 0);
    for case in 0..cases {
        let (name, data) = &valid[rng.below(valid.len())];
        let damaged = mutate(&mut rng, data);
        let event = Event::decode(name.to_string(), damaged.clone(), EventMeta::default());
        match &event {
            Event::Unknown { event, data, .. } => {
                assert_eq!((event.as_str(), data), (*name, &damaged), "case {case} (seed {seed}): Unknown keeps the data as sent");
                unknown += 1;
            }
            other => {
                assert_eq!(other.name(), Some(*name), "case {case} (seed {seed}): a typed event of the same name");
                typed += 1;
            }
        }
    }
    // Both outcomes are exercised: some damage is harmless (an extra member), most is not.
    assert!(typed > cases / 20 && unknown > cases / 5, "typed {typed}, unknown {unknown}");
}

#[tokio::test]
async fn websocket_random_malformed_frames_never_end_the_stream() {
    let mut rng = Rng(0x0bad_f00d);
    let mut frames = Vec::new();
    // Events carry consecutive sequence numbers (a jump would be reported as a gap).
    let mut seq = 0;
    for _ in 0..300 {
        let text = match rng.below(6) {
            0 => "{".to_string(),
            1 => format!("{{\"event\": {}}}", random_value(&mut rng, 0)),
            2 => {
                seq += 1;
                json!({"event": "posted", "data": random_value(&mut rng, 0), "seq": seq}).to_string()
            }
            3 => {
                seq += 1;
                json!({"event": "posted", "data": {"post": random_value(&mut rng, 0)}, "broadcast": random_value(&mut rng, 0), "seq": seq}).to_string()
            }
            4 => json!({"seq_reply": random_value(&mut rng, 0), "status": random_value(&mut rng, 0)}).to_string(),
            _ => random_value(&mut rng, 0).to_string(),
        };
        frames.push(Message::text(text));
    }
    frames.push(Message::binary(vec![0xff, 0x00, 0x13]));
    let last_seq = seq + 1;
    let last = frame("posted", json!({"post": marshalled(&post("last", "after the noise", ""))}), broadcast("c", "", ""), last_seq);
    frames.push(Message::text(last.to_string()));
    let mut stream = connect(frames).await;
    greeting(&mut stream).await;
    loop {
        match next(&mut stream).await {
            Event::Posted { data, meta } if meta.seq == Some(last_seq) => {
                assert_eq!(data.post.message, "after the noise");
                break;
            }
            Event::Posted { .. } | Event::Unknown { .. } => {}
            Event::Connection(notice) => panic!("the connection must survive malformed frames: {notice:?}"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
