//! Events from a real Mattermost server: the generated client's event stream (the `websocket`
//! feature) is opened against the live server, the test does what makes the server publish
//! each event (posts, reactions, channels, teams, preferences, threads...), and every event
//! must arrive as its typed variant with the data of what was done; none may be `Unknown`.
//! A raw WebSocket of the same user records the frames as the server wrote them: each must
//! decode to a typed variant that, serialized back, keeps every key and value it had.
//!
//! Then the connection is cut under the client (a loopback proxy closes the socket): the stream
//! must resume the server's connection (`connection_id` + `sequence_number`) and deliver the
//! events published while it was down, each once, in order; and when the server dropped the
//! connection's queue (more than 256 events missed), it must report a `Gap`.
//!
//! The server's behaviour these tests rely on, from its source (server/v8 at 4bdd8bb18e47):
//! `api4/websocket.go` `connectWebSocket` (the `connection_id` and `sequence_number` query
//! parameters), `app/platform/web_conn.go` `PopulateWebConnConfig`, `writePump` (replay from
//! the dead queue; a new `hello` when the sequence is lost) and `sendQueueSize` (256),
//! `app/platform/web_hub.go` `Start` (an inactive connection keeps its queue; an overflowing
//! queue removes it; `hello` only when `reuseCount` is 0).

#[path = "../live/harness.rs"]
mod harness;
#[path = "../live/compare.rs"]
mod compare;
#[path = "live_common/mod.rs"]
mod live_common;
#[macro_use]
#[path = "live_events/record.rs"]
mod record;
#[path = "live_events/typed.rs"]
mod typed;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use live_common::{proxy::CutProxy, unique, Live, Scenario};
use mattermost_client::events::{AuthMode, ConnectionNotice, Event, EventOptions};
use mattermost_client::models::{
    AddChannelMemberRequest, Channel, ChannelNotifyProps, ChannelType, Config, ConfigTeamSettings, CreateChannelRequest,
    CreatePostEphemeralRequest, CreatePostEphemeralRequestPost, CreatePostRequest, CreateUserRequest, PatchChannelRequest,
    PatchPostRequest, PatchRoleRequest, PatchTeamRequest, PatchUserRequest, Post, Preference, Reaction,
    SidebarCategoryWithChannels, SidebarCategoryWithChannelsType, Team, UpdateChannelPrivacyRequest,
    UpdateTeamMemberRolesRequest, UpdateUserRolesRequest, UpdateUserStatusRequest, User,
};
use mattermost_client::runtime::OperationRequest;
use mattermost_client::{Client, FilePart};
use record::{describe, Gap, Recorder, Tap};
use serde_json::{json, Value};
use typed::{typed_json, FrameCheck};

// ---------------------------------------------------------------- the world of one test

/// The stream options of these tests: quick reconnection, so that a cut heals within a second.
fn options() -> EventOptions {
    EventOptions::new()
        .reconnect_backoff(Duration::from_millis(100), Duration::from_millis(800))
        .ping_interval(Duration::from_secs(5))
        .silence_timeout(Duration::from_secs(60))
}

/// A 1x1 GIF, the smallest image the server accepts for a custom emoji.
const GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x02, 0x44, 0x01, 0x00, 0x3b,
];

async fn post(client: &Client, channel_id: &str, message: &str, root_id: Option<&str>) -> Post {
    let request = CreatePostRequest {
        channel_id: channel_id.into(),
        message: message.into(),
        root_id: root_id.map(str::to_owned),
        ..Default::default()
    };
    client.create_post(&request).await.expect("create a post")
}

/// Alice and Bob in a team of their own, and a channel of Bob's that Alice is in.
struct Pair {
    alice: mattermost_client::models::User,
    bob: mattermost_client::models::User,
    bob_http: Client,
    channel: mattermost_client::models::Channel,
}

/// Makes a [`Pair`] on `live`.
async fn pair(live: &Live) -> Pair {
    let (alice, _) = live.user("alice").await;
    let (bob, bob_http) = live.user("bob").await;
    let team = live.team(&[&alice, &bob]).await;
    let channel = open_channel(&bob_http, &team.id).await;
    add_to_channel(&bob_http, &channel.id, &alice.id).await;
    Pair { alice, bob, bob_http, channel }
}

async fn open_channel(client: &Client, team_id: &str) -> mattermost_client::models::Channel {
    let name = unique("chan");
    let request = CreateChannelRequest {
        team_id: team_id.into(),
        name: name.clone(),
        display_name: name,
        r#type: ChannelType::O,
        purpose: None,
        header: None,
    };
    client.create_channel(&request).await.expect("create a channel")
}

async fn add_to_channel(client: &Client, channel_id: &str, user_id: &str) {
    let request = AddChannelMemberRequest {
        user_id: user_id.into(),
        ..Default::default()
    };
    client.add_channel_member(channel_id, &request).await.expect("add a channel member");
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Alice, whose event stream is under test, the people and places she meets, and both
/// streams (bob's sends the typing action).
struct World {
    live: Live,
    alice: User,
    bob: User,
    carol: User,
    alice_http: Client,
    bob_http: Client,
    admin_me: User,
    team: Team,
    channel: Channel,
    events: Recorder,
    bob_events: Recorder,
    tap: Tap,
}

impl World {
    /// The users and their team, alice's stream (greeted) and raw socket, and a channel of
    /// alice's with bob in it: hello, status_change, channel_created, user_added.
    async fn start(live: Live) -> World {
        let (alice, alice_http) = live.user("alice").await;
        let (bob, bob_http) = live.user("bob").await;
        let (carol, _) = live.user("carol").await;
        let admin_me: User = live.admin.get_user("me").await.expect("admin");
        let team = live.team(&[&alice, &bob, &carol]).await;
        let tap = Tap::open(&live, &live.raw_token(&alice).await).await;
        let alice_client = Live::login_at(&live.url, &alice).await;
        let events = Recorder::start(alice_client.events_with(options()).await.expect("alice's event stream"));
        let bob_events = Recorder::start(bob_http.events_with(options()).await.expect("bob's event stream"));

        // hello, and the Connected notice before it.
        let (hello, meta) = expect!(events, Hello, |data, meta| true);
        assert_eq!(hello.connection_id.len(), 26, "a Mattermost id: {hello:?}");
        assert!(hello.server_version.starts_with(|c: char| c.is_ascii_digit()), "{hello:?}");
        assert_eq!((meta.seq, meta.broadcast.user_id.as_str()), (Some(0), alice.id.as_str()));
        assert!(matches!(
            events.items().first(),
            Some(Event::Connection(ConnectionNotice::Connected { connection_id, .. })) if *connection_id == hello.connection_id
        ));
        expect!(bob_events, Hello, |data, meta| true);

        // status_change
        let status = UpdateUserStatusRequest {
            user_id: alice.id.clone(),
            status: "dnd".into(),
            ..Default::default()
        };
        alice_http.update_user_status(&alice.id, &status).await.expect("set a status");
        expect!(events, StatusChange, |data, meta| data.status == "dnd" && data.user_id == alice.id);

        // channel_created
        let channel = open_channel(&alice_http, &team.id).await;
        expect!(events, ChannelCreated, |data, meta| data.channel_id == channel.id && data.team_id == team.id);

        // user_added
        add_to_channel(&alice_http, &channel.id, &bob.id).await;
        let (_, meta) = expect!(events, UserAdded, |data, meta| data.user_id == bob.id
            && data.team_id == team.id);
        assert_eq!(meta.broadcast.channel_id, channel.id);

        World { live, alice, bob, carol, alice_http, bob_http, admin_me, team, channel, events, bob_events, tap }
    }
}

/// posted, post_edited, reaction_added and _removed, typing, thread_updated, thread_read_changed,
/// thread_follow_changed, multiple_channels_viewed, post_unread, post_deleted.
async fn posts(w: &World) {
    let World { alice, bob, alice_http, bob_http, team, channel, events, bob_events, .. } = w;
    // posted
    let hello_post = post(bob_http, &channel.id, &format!("hello @{}", alice.username), None).await;
    let (posted, meta) = expect!(events, Posted, |data, meta| data.post.id == hello_post.id);
    assert_eq!(posted.post.message, hello_post.message);
    assert_eq!((posted.post.user_id.as_str(), posted.post.channel_id.as_str()), (bob.id.as_str(), channel.id.as_str()));
    assert_eq!((posted.channel_type.as_str(), posted.channel_name.as_str()), ("O", channel.name.as_str()));
    assert_eq!((posted.team_id.as_str(), posted.sender_name.as_str()), (team.id.as_str(), format!("@{}", bob.username).as_str()));
    assert_eq!(posted.mentions.as_deref(), Some(&[alice.id.clone()][..]), "alice is mentioned");
    assert_eq!(meta.broadcast.channel_id, channel.id);

    // post_edited
    let patch = PatchPostRequest {
        message: Some("hello again".into()),
        ..Default::default()
    };
    bob_http.patch_post(&hello_post.id, &patch).await.expect("edit a post");
    let (edited, _) = expect!(events, PostEdited, |data, meta| data.post.id == hello_post.id);
    assert_eq!(edited.post.message, "hello again");
    assert!(edited.post.edit_at > 0, "{:?}", edited.post);

    // reaction_added, reaction_removed
    let reaction = Reaction {
        user_id: bob.id.clone(),
        post_id: hello_post.id.clone(),
        emoji_name: "smile".into(),
        ..Default::default()
    };
    bob_http.save_reaction(&reaction).await.expect("react");
    let (added, _) = expect!(events, ReactionAdded, |data, meta| data.reaction.post_id == hello_post.id);
    assert_eq!((added.reaction.user_id.as_str(), added.reaction.emoji_name.as_str()), (bob.id.as_str(), "smile"));
    assert!(added.reaction.create_at > 0);
    bob_http.delete_reaction(&bob.id, &hello_post.id, "smile").await.expect("unreact");
    expect!(events, ReactionRemoved, |data, meta| data.reaction.post_id == hello_post.id
        && data.reaction.emoji_name == "smile");

    // typing, sent by bob's stream as an action
    let reply = bob_events.actions.user_typing(&channel.id, None).await.expect("typing action");
    assert!(reply.is_ok(), "{reply:?}");
    let (_, meta) = expect!(events, Typing, |data, meta| data.user_id == bob.id && data.parent_id.is_empty());
    assert_eq!(meta.broadcast.channel_id, channel.id);

    // thread_updated: alice follows her own thread, bob replies
    let root = post(alice_http, &channel.id, "a thread", None).await;
    let answer = post(bob_http, &channel.id, "an answer", Some(&root.id)).await;
    let (thread, _) = expect!(events, ThreadUpdated, |data, meta| data.thread.id == root.id);
    assert!(thread.thread.reply_count >= 1 && thread.thread.last_reply_at >= answer.create_at, "{thread:?}");
    expect!(events, Posted, |data, meta| data.post.id == answer.id && data.post.root_id == root.id);

    // posted with an image attached: `otherFile` and `image` say so
    let image = FilePart::from_bytes(GIF.to_vec(), "pixel.gif").mime_type("image/gif");
    let uploaded = bob_http.upload_file(&channel.id, [image]).await.expect("upload an image");
    let file_id = uploaded.file_infos.first().map(|f| f.id.clone()).expect("a file id");
    let with_file = CreatePostRequest {
        channel_id: channel.id.clone(),
        message: "a picture".into(),
        file_ids: Some(vec![file_id.clone()]),
        ..Default::default()
    };
    let with_file = bob_http.create_post(&with_file).await.expect("post a file");
    let (posted, _) = expect!(events, Posted, |data, meta| data.post.id == with_file.id);
    assert_eq!((posted.other_file.as_deref(), posted.image.as_deref()), (Some("true"), Some("true")));
    assert_eq!(posted.post.file_ids.as_deref(), Some(&[file_id][..]));

    // thread_read_changed, thread_follow_changed
    let read_at = now_ms();
    alice_http
        .update_thread_read_for_user(&alice.id, &team.id, &root.id, read_at)
        .await
        .expect("mark a thread read");
    expect!(events, ThreadReadChanged, |data, meta| data.thread_id.as_deref() == Some(root.id.as_str())
        && data.timestamp == Some(read_at));
    alice_http.stop_following_thread(&alice.id, &team.id, &root.id).await.expect("unfollow");
    expect!(events, ThreadFollowChanged, |data, meta| data.thread_id == root.id && !data.state);

    // multiple_channels_viewed (this server's successor of channel_viewed)
    let view = mattermost_client::models::ViewChannelRequest {
        channel_id: channel.id.clone(),
        ..Default::default()
    };
    alice_http.view_channel(&alice.id, &view).await.expect("view a channel");
    expect!(events, MultipleChannelsViewed, |data, meta| data.channel_times.get(&channel.id).is_some_and(|t| *t > 0));

    // post_unread
    alice_http.set_post_unread(&alice.id, &hello_post.id).await.expect("mark unread");
    let (unread, _) = expect!(events, PostUnread, |data, meta| data.post_id == hello_post.id);
    assert!(unread.msg_count >= 0 && unread.last_viewed_at > 0, "{unread:?}");

    // post_deleted
    bob_http.delete_post(&hello_post.id).await.expect("delete a post");
    let (deleted, _) = expect!(events, PostDeleted, |data, meta| data.post.id == hello_post.id);
    assert!(deleted.post.delete_at > 0 || deleted.post.id == hello_post.id);

}

/// channel_updated, channel_member_updated, user_removed, ephemeral_message, channel_converted,
/// channel_deleted, channel_restored, direct_added, group_added.
async fn channels(w: &World) {
    let World { live, alice, bob, carol, alice_http, bob_http, channel, events, .. } = w;
    // channel_updated, channel_member_updated
    let patch = PatchChannelRequest {
        header: Some("live header".into()),
        ..Default::default()
    };
    alice_http.patch_channel(&channel.id, &patch).await.expect("patch a channel");
    expect!(events, ChannelUpdated, |data, meta| data.channel.id == channel.id && data.channel.header == "live header");
    let props = ChannelNotifyProps {
        desktop: Some("none".into()),
        ..Default::default()
    };
    alice_http
        .update_channel_notify_props(&channel.id, &alice.id, &props)
        .await
        .expect("notify props");
    let (member, _) = expect!(events, ChannelMemberUpdated, |data, meta| data.channel_member.channel_id == channel.id);
    assert_eq!(member.channel_member.user_id, alice.id);
    assert_eq!(member.channel_member.notify_props.as_ref().and_then(|p| p.desktop.as_deref()), Some("none"));

    // user_removed
    alice_http.remove_user_from_channel(&channel.id, &bob.id).await.expect("remove from channel");
    expect!(events, UserRemoved, |data, meta| data.user_id.as_deref() == Some(bob.id.as_str())
        && data.remover_id == alice.id);

    // ephemeral_message
    let ephemeral = CreatePostEphemeralRequest {
        user_id: alice.id.clone(),
        post: CreatePostEphemeralRequestPost {
            channel_id: channel.id.clone(),
            message: "only alice sees this".into(),
        },
    };
    live.admin.create_post_ephemeral(&ephemeral).await.expect("ephemeral post");
    expect!(events, EphemeralMessage, |data, meta| data.post.message == "only alice sees this"
        && data.post.channel_id == channel.id);

    // channel_converted, channel_deleted, channel_restored
    let private = UpdateChannelPrivacyRequest { privacy: "P".into() };
    live.admin.update_channel_privacy(&channel.id, &private).await.expect("make private");
    expect!(events, ChannelConverted, |data, meta| data.channel_id == channel.id);
    live.admin.delete_channel(&channel.id).await.expect("archive a channel");
    expect!(events, ChannelDeleted, |data, meta| data.channel_id == channel.id && data.delete_at > 0);
    live.admin.restore_channel(&channel.id).await.expect("restore a channel");
    expect!(events, ChannelRestored, |data, meta| data.channel_id == channel.id);

    // direct_added, group_added
    let direct = bob_http.create_direct_channel([&bob.id, &alice.id]).await.expect("direct channel");
    let (_, meta) = expect!(events, DirectAdded, |data, meta| data.creator_id == bob.id && data.teammate_id == alice.id);
    assert_eq!(meta.broadcast.channel_id, direct.id);
    let group = bob_http
        .create_group_channel([&bob.id, &alice.id, &carol.id])
        .await
        .expect("group channel");
    let (added, _) = expect!(events, GroupAdded, |data, meta| meta.broadcast.channel_id == group.id);
    let teammates: BTreeSet<&str> = added.teammate_ids.iter().map(String::as_str).collect();
    assert_eq!(teammates, BTreeSet::from([alice.id.as_str(), bob.id.as_str(), carol.id.as_str()]));

}

/// draft_created and _deleted, preferences_changed and _deleted, preference_changed, the four
/// sidebar_category events, user_updated, user_role_updated, memberrole_updated.
async fn settings(w: &World) {
    let World { live, alice, alice_http, team, channel, events, .. } = w;
    // draft_created, draft_deleted (drafts are not in the 9.8 spec: through the escape hatch)
    let draft = json!({"user_id": alice.id, "channel_id": channel.id, "root_id": "", "message": "a draft"});
    let request = OperationRequest::new(reqwest::Method::POST, "/api/v4/drafts").json(&draft);
    let _: Value = alice_http.send_json(request).await.expect("save a draft");
    let (created, _) = expect!(events, DraftCreated, |data, meta| data.draft.get("message") == Some(&json!("a draft")));
    assert_eq!(created.draft.get("channel_id"), Some(&json!(channel.id)));
    let request = OperationRequest::new(reqwest::Method::DELETE, "/api/v4/users/{user_id}/channels/{channel_id}/drafts")
        .path_param("user_id", &alice.id)
        .path_param("channel_id", &channel.id);
    let _: Value = alice_http.send_json(request).await.expect("delete a draft");
    expect!(events, DraftDeleted, |data, meta| data.draft.get("channel_id") == Some(&json!(channel.id)));

    // preferences_changed, preferences_deleted
    let favourite = Preference {
        user_id: alice.id.clone(),
        category: "favorite_channel".into(),
        name: channel.id.clone(),
        value: "true".into(),
    };
    alice_http.update_preferences(&alice.id, std::slice::from_ref(&favourite)).await.expect("preferences");
    expect!(events, PreferencesChanged, |data, meta| data.preferences.contains(&favourite));
    alice_http.delete_preferences(&alice.id, std::slice::from_ref(&favourite)).await.expect("delete preferences");
    expect!(events, PreferencesDeleted, |data, meta| data.preferences.iter().any(|p| p.name == channel.id));

    // preference_changed (one preference): the built-in `/collapse` command stores it
    let command = mattermost_client::models::ExecuteCommandRequest {
        channel_id: channel.id.clone(),
        command: "/collapse".into(),
        ..Default::default()
    };
    alice_http.execute_command(&command).await.expect("run /collapse");
    expect!(events, PreferenceChanged, |data, meta| data.preference.user_id == alice.id
        && data.preference.category == "display_settings"
        && data.preference.name == "collapse_previews"
        && data.preference.value == "true");

    // sidebar_category_created, _updated, _order_updated, _deleted
    let category = SidebarCategoryWithChannels {
        user_id: Some(alice.id.clone()),
        team_id: Some(team.id.clone()),
        display_name: Some("Live".into()),
        r#type: Some(SidebarCategoryWithChannelsType::Custom),
        channel_ids: Some(vec![]),
        ..Default::default()
    };
    let category = alice_http
        .create_sidebar_category_for_team_for_user(&team.id, &alice.id, &category)
        .await
        .expect("create a category");
    let category_id = category.id.clone().expect("a category id");
    expect!(events, SidebarCategoryCreated, |data, meta| data.category_id == category_id);
    let renamed = SidebarCategoryWithChannels {
        display_name: Some("Live renamed".into()),
        ..category.clone()
    };
    alice_http
        .update_sidebar_category_for_team_for_user(&team.id, &alice.id, &category_id, &renamed)
        .await
        .expect("rename a category");
    expect!(events, SidebarCategoryUpdated, |data, meta| data.updated_categories.as_ref().is_some_and(|c| c
        .iter()
        .any(|c| c.id.as_deref() == Some(category_id.as_str()) && c.display_name.as_deref() == Some("Live renamed"))));
    let order = alice_http
        .get_sidebar_category_order_for_team_for_user(&team.id, &alice.id)
        .await
        .expect("category order");
    let reversed: Vec<String> = order.iter().rev().cloned().collect();
    alice_http
        .update_sidebar_category_order_for_team_for_user(&team.id, &alice.id, &reversed)
        .await
        .expect("reorder categories");
    expect!(events, SidebarCategoryOrderUpdated, |data, meta| data.order == reversed);
    alice_http
        .remove_sidebar_category_for_team_for_user(&team.id, &alice.id, &category_id)
        .await
        .expect("delete a category");
    expect!(events, SidebarCategoryDeleted, |data, meta| data.category_id == category_id);

    // user_updated
    let patch = PatchUserRequest {
        nickname: Some("Ally".into()),
        ..Default::default()
    };
    alice_http.patch_user(&alice.id, &patch).await.expect("patch a user");
    expect!(events, UserUpdated, |data, meta| data.user.id == alice.id && data.user.nickname == "Ally");

    // user_role_updated, memberrole_updated
    let roles = UpdateUserRolesRequest {
        roles: "system_user system_user_access_token".into(),
    };
    live.admin.update_user_roles(&alice.id, &roles).await.expect("user roles");
    expect!(events, UserRoleUpdated, |data, meta| data.user_id == alice.id && data.roles == roles.roles);
    let roles = UpdateTeamMemberRolesRequest {
        roles: "team_user team_admin".into(),
    };
    live.admin.update_team_member_roles(&team.id, &alice.id, &roles).await.expect("team roles");
    expect!(events, MemberroleUpdated, |data, meta| data.member.user_id == alice.id
        && data.member.team_id == team.id
        && data.member.scheme_admin);

}

/// update_team, added_to_team, leave_team, delete_team, restore_team.
async fn teams(w: &World) {
    let World { live, alice, team, events, .. } = w;
    // update_team
    let patch = PatchTeamRequest {
        description: Some("live description".into()),
        ..Default::default()
    };
    live.admin.patch_team(&team.id, &patch).await.expect("patch a team");
    expect!(events, UpdateTeam, |data, meta| data.team.id == team.id && data.team.description == "live description");

    // added_to_team, leave_team
    let other = live.team(&[]).await;
    let member = mattermost_client::models::AddTeamMemberRequest {
        team_id: Some(other.id.clone()),
        user_id: Some(alice.id.clone()),
    };
    live.admin.add_team_member(&other.id, &member).await.expect("add to a team");
    expect!(events, AddedToTeam, |data, meta| data.team_id == other.id && data.user_id == alice.id);
    live.admin.remove_team_member(&other.id, &alice.id).await.expect("remove from a team");
    expect!(events, LeaveTeam, |data, meta| data.team_id == other.id && data.user_id == alice.id);

    // delete_team, restore_team
    let doomed = live.team(&[alice]).await;
    live.admin.soft_delete_team(&doomed.id).await.expect("archive a team");
    expect!(events, DeleteTeam, |data, meta| data.team.id == doomed.id && data.team.delete_at > 0);
    live.admin.restore_team(&doomed.id).await.expect("restore a team");
    expect!(events, RestoreTeam, |data, meta| data.team.id == doomed.id && data.team.delete_at == 0);

}

/// new_user, emoji_added, role_updated, first_admin_visit_marketplace_status_received,
/// config_changed: events for everyone.
async fn everyone(w: &World) {
    let World { live, admin_me, events, .. } = w;
    // new_user
    let name = unique("dave");
    let dave = CreateUserRequest {
        email: format!("{name}@example.com"),
        username: name,
        password: Some(live_common::PASSWORD.into()),
        ..Default::default()
    };
    let dave = live.admin.create_user(&dave).await.expect("create a user");
    expect!(events, NewUser, |data, meta| data.user_id == dave.id);

    // emoji_added
    let emoji_name = unique("live");
    let emoji = json!({"name": emoji_name, "creator_id": admin_me.id}).to_string();
    let image = FilePart::from_bytes(GIF.to_vec(), "live.gif").mime_type("image/gif");
    live.admin.create_emoji(image, emoji).await.expect("create an emoji");
    expect!(events, EmojiAdded, |data, meta| data.emoji.name == emoji_name && data.emoji.creator_id == admin_me.id);

    // role_updated: a role no test user has gains a permission, then loses it again (a patch
    // that changes nothing publishes nothing: `app/role.go` `PatchRole`; guest roles need a
    // licence)
    let role = live.admin.get_role_by_name("system_post_all_public").await.expect("a role");
    let role_id = role.id.clone().expect("role id");
    let original = role.permissions.clone().unwrap_or_default();
    let extra = ["read_public_channel", "list_public_teams", "view_team"]
        .into_iter()
        .find(|p| !original.iter().any(|o| o == p))
        .expect("a permission the role lacks");
    let mut widened = original.clone();
    widened.push(extra.into());
    for permissions in [widened, original] {
        let patch = PatchRoleRequest {
            permissions: Some(permissions.clone()),
        };
        let from = events.len();
        live.admin.patch_role(&role_id, &patch).await.expect("patch a role");
        let wanted: BTreeSet<&str> = permissions.iter().map(String::as_str).collect();
        expect!(events, from from, RoleUpdated, |data, meta| data.role.name.as_deref() == Some("system_post_all_public")
            && data.role.permissions.as_ref().is_some_and(|p| p.iter().map(String::as_str).collect::<BTreeSet<_>>() == wanted));
    }

    // first_admin_visit_marketplace_status_received (not in the 9.8 spec: the escape hatch)
    let request = OperationRequest::new(reqwest::Method::POST, "/api/v4/plugins/marketplace/first_admin_visit");
    let _: Value = live.admin.send_json(request).await.expect("first admin visit");
    expect!(events, FirstAdminVisitMarketplaceStatusReceived, |data, meta| data.first_admin_visit_marketplace_status
        == "true");

    // config_changed
    let text = unique("live config ");
    let patch = Config {
        team_settings: Some(ConfigTeamSettings {
            custom_description_text: Some(text.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    live.admin.patch_config(&patch).await.expect("patch the config");
    expect!(events, ConfigChanged, |data, meta| data.config.get("CustomDescriptionText") == Some(&text));


}

// ---------------------------------------------------------------- the test

/// One server, every scenario of this file on it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_events() {
    let (server, live) = Live::start(&[]).await;
    let scenarios: Vec<Scenario> = vec![
        ("events arrive typed with their data", Box::pin(events_arrive_typed_with_their_data(live.clone()))),
        ("a cut connection resumes", Box::pin(cut_connection_resumes_and_missed_events_arrive(live.clone()))),
        ("a lost connection is a gap", Box::pin(lost_connection_is_reported_as_a_gap(live.clone()))),
        ("challenge, actions, refused tokens", Box::pin(challenge_authentication_actions_and_refused_tokens(live.clone()))),
        ("challenge mode cannot resume", Box::pin(challenge_mode_cannot_resume_so_a_cut_is_a_gap(live))),
    ];
    live_common::run(&server, scenarios).await;
}

// ---------------------------------------------------------------- scenarios

/// At least 30 kinds of event arrive typed, with the data of the actions that caused them;
/// none is `Unknown`, and the frames the server sent keep every key in their typed form.
async fn events_arrive_typed_with_their_data(live: Live) {
    let world = World::start(live).await;
    posts(&world).await;
    channels(&world).await;
    settings(&world).await;
    teams(&world).await;
    everyone(&world).await;
    // Let the last events reach the raw socket too.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let received = world.events.items();
    let unknown: Vec<String> = received
        .iter()
        .filter_map(|e| match e {
            Event::Unknown { event, data, .. } => Some(format!("{event}: {data}")),
            _ => None,
        })
        .collect();
    assert!(unknown.is_empty(), "events left Unknown: {unknown:#?}");
    let typed: BTreeSet<&str> = received
        .iter()
        .filter(|e| typed_json(e).is_some())
        .filter_map(Event::name)
        .collect();
    let untyped: BTreeSet<&str> = received
        .iter()
        .filter(|e| typed_json(e).is_none() && e.meta().is_some())
        .filter_map(Event::name)
        .collect();
    println!("{} kinds of event received typed: {typed:?}", typed.len());
    println!("received with untyped data: {untyped:?}");
    assert!(typed.len() >= 30, "only {} kinds typed: {typed:?}", typed.len());
    assert!(untyped.is_empty(), "events with untyped data (or a variant missing from typed_json): {untyped:?}");

    // Every frame the server wrote decodes typed and keeps every key.
    let frames = world.tap.frames();
    let check = FrameCheck::of(&frames);
    println!("{} frames of {} kinds on the raw socket; untyped: {:?}", frames.len(), check.kinds.len(), check.untyped);
    let missing: Vec<&&str> = typed.iter().filter(|kind| !check.kinds.contains(**kind)).collect();
    assert!(missing.is_empty(), "the raw socket missed kinds the stream had: {missing:?}");
    assert!(check.untyped.is_empty(), "frames with untyped data: {:?}", check.untyped);
    assert!(check.losses().is_empty(), "keys lost by the typed events: {:#?}", check.losses());
}

/// The connection is cut under the client while events are published: the stream resumes the
/// server's connection and the missed events arrive once each, in order, with no gap.
async fn cut_connection_resumes_and_missed_events_arrive(live: Live) {
    let Pair { alice, bob_http, channel, .. } = pair(&live).await;

    let proxy = CutProxy::start(live.addr).await;
    let alice_ws = Live::login_at(&proxy.url, &alice).await;
    let events = Recorder::start(alice_ws.events_with(options()).await.expect("event stream"));
    let (hello, _) = expect!(events, Hello, |data, meta| true);
    let before = post(&bob_http, &channel.id, "before the cut", None).await;
    let (_, meta) = expect!(events, Posted, |data, meta| data.post.id == before.id);
    let seq_before = meta.seq.expect("a sequence number");

    proxy.cut();
    let (cut_at, _) = events
        .wait_from(0, "Disconnected", |e| matches!(e, Event::Connection(ConnectionNotice::Disconnected { .. })))
        .await;
    let mut missed = Vec::new();
    for n in 0..5 {
        missed.push(post(&bob_http, &channel.id, &format!("while cut {n}"), None).await.id);
    }
    // Reconnection attempts fail while the proxy is down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let relayed = proxy.relayed();
    proxy.restore();
    let started = Instant::now();
    let (resumed_at, resumed) = events
        .wait_from(cut_at, "Reconnected", |e| matches!(e, Event::Connection(ConnectionNotice::Reconnected { .. })))
        .await;
    assert_eq!(
        resumed,
        Event::Connection(ConnectionNotice::Reconnected {
            connection_id: hello.connection_id.clone()
        }),
        "the stream asks to resume its connection"
    );
    let mut seqs = Vec::new();
    for id in &missed {
        let (_, meta) = expect!(events, Posted, |data, meta| data.post.id == *id);
        seqs.push(meta.seq.expect("seq"));
    }
    println!("resumed {:?} after the proxy was restored", started.elapsed());
    assert!(proxy.relayed() > relayed, "the stream reconnected through the proxy");
    let after = post(&bob_http, &channel.id, "after the cut", None).await;
    expect!(events, Posted, |data, meta| data.post.id == after.id);

    let items = events.items();
    let gaps: Vec<&Event> = items.iter().filter(|e| matches!(e, Event::Connection(ConnectionNotice::Gap { .. }))).collect();
    assert!(gaps.is_empty(), "no events were lost: {gaps:?}");
    let hellos = items.iter().filter(|e| matches!(e, Event::Hello { .. })).count();
    assert_eq!(hellos, 1, "a resumed connection is not greeted again");
    // Each missed post once, in order, after the reconnection; sequence numbers go on.
    let posted: Vec<&str> = items[resumed_at..]
        .iter()
        .filter_map(|e| match e {
            Event::Posted { data, .. } => Some(data.post.id.as_str()),
            _ => None,
        })
        .collect();
    let missed_ids: Vec<&str> = missed.iter().map(String::as_str).collect();
    assert_eq!(&posted[..missed.len()], &missed_ids[..], "missed posts in order, once each");
    assert_eq!(posted.iter().filter(|id| **id == before.id).count(), 0, "nothing replayed twice");
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1) && seqs[0] > seq_before, "{seq_before} then {seqs:?}");
}

/// While the connection is cut the server drops it after more than 256 missed events: the
/// stream reconnects, the server greets it as a new connection, and the stream says events
/// were lost with a `Gap` naming both connections.
async fn lost_connection_is_reported_as_a_gap(live: Live) {
    let Pair { alice, bob_http, channel, .. } = pair(&live).await;

    let proxy = CutProxy::start(live.addr).await;
    let alice_ws = Live::login_at(&proxy.url, &alice).await;
    let events = Recorder::start(alice_ws.events_with(options()).await.expect("event stream"));
    let (hello, _) = expect!(events, Hello, |data, meta| true);
    let before = post(&bob_http, &channel.id, "before the cut", None).await;
    let (_, meta) = expect!(events, Posted, |data, meta| data.post.id == before.id);
    let last_seq = meta.seq;

    proxy.cut();
    let (cut_at, _) = events
        .wait_from(0, "Disconnected", |e| matches!(e, Event::Connection(ConnectionNotice::Disconnected { .. })))
        .await;
    // More posts than the server's queue of 256 for the cut connection, eight at a time.
    let started = Instant::now();
    let posts = futures_util::stream::iter(0..300)
        .map(|n| {
            let client = bob_http.clone();
            let channel_id = channel.id.clone();
            async move { post(&client, &channel_id, &format!("flood {n}"), None).await }
        })
        .buffer_unordered(8)
        .collect::<Vec<Post>>()
        .await;
    println!("300 posts in {:?}", started.elapsed());
    assert_eq!(posts.len(), 300);
    proxy.restore();

    let (gap_at, gap) = events.wait_gap(cut_at).await;
    let Gap { previous_connection_id, new_connection_id, last_sequence } = gap;
    assert_eq!(previous_connection_id, hello.connection_id);
    assert_ne!(new_connection_id, hello.connection_id);
    assert_eq!(new_connection_id.len(), 26);
    assert_eq!(last_sequence, last_seq, "the last event received before the loss");
    // The new connection's hello follows the gap, and new events arrive on it.
    let (_, new_hello) = events.wait_from(gap_at, "hello", |e| matches!(e, Event::Hello { .. })).await;
    let Event::Hello { data, meta } = new_hello else { unreachable!("a hello") };
    assert_eq!((data.connection_id.as_str(), meta.seq), (new_connection_id.as_str(), Some(0)));
    let after = post(&bob_http, &channel.id, "after the gap", None).await;
    let (_, meta) = expect!(events, Posted, |data, meta| data.post.id == after.id);
    assert!(meta.seq.is_some_and(|seq| seq >= 1));
}

/// The other ways in: the token in an `authentication_challenge` action instead of a header,
/// actions answered by the server (statuses, an unknown action), and tokens the server refuses
/// in either mode.
async fn challenge_authentication_actions_and_refused_tokens(live: Live) {
    let Pair { alice, bob, bob_http, channel } = pair(&live).await;

    let alice_ws = Live::login_at(&live.url, &alice).await;
    let stream = alice_ws
        .events_with(options().auth(AuthMode::Challenge))
        .await
        .expect("authenticated by the challenge");
    let events = Recorder::start(stream);
    let (_, meta) = expect!(events, Hello, |data, meta| true);
    assert_eq!(meta.broadcast.user_id, alice.id);
    let sent = post(&bob_http, &channel.id, "through the challenge", None).await;
    expect!(events, Posted, |data, meta| data.post.id == sent.id);

    let reply = events
        .actions
        .get_statuses_by_ids(&[alice.id.as_str(), bob.id.as_str()])
        .await
        .expect("statuses");
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(reply.data.get(&alice.id).and_then(Value::as_str), Some("online"), "{:?}", reply.data);
    assert!(reply.data.get(&bob.id).and_then(Value::as_str).is_some(), "{:?}", reply.data);
    let reply = events.actions.send("no_such_action", Value::Null).await.expect("a reply");
    assert!(!reply.is_ok());
    assert_eq!(
        reply.error.map(|e| e.id).as_deref(),
        Some("api.web_socket_router.bad_action.app_error")
    );

    // A token the server refuses. In a challenge it closes the socket at once: an error.
    let refused = Client::builder(&live.url).token("a".repeat(26)).build().expect("client");
    let error = refused
        .events_with::<Event>(options().auth(AuthMode::Challenge))
        .await
        .expect_err("a challenge the server refuses");
    assert!(error.to_string().contains("authentication refused"), "{error}");
    // In the header, Mattermost upgrades anyway (`api4/websocket.go` is an
    // `APIHandlerTrustRequester`: a bad token leaves the session empty) and closes the socket
    // without a frame when its first auth check finds no session, 5 s later (`web_conn.go`
    // `authCheckInterval`). The stream asks the server who the token is, and ends with its 401
    // instead of reconnecting for ever.
    let started = Instant::now();
    let mut stream = refused.events_with::<Event>(options()).await.expect("upgraded whatever the token");
    let mut greeted = Vec::new();
    let refusal = loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.next()).await.expect("the stream ends within 30 s") {
            Some(Ok(event)) if event.meta().is_some() => greeted.push(describe(&event)),
            Some(Ok(_notice)) => {}
            Some(Err(error)) => break error,
            None => panic!("the stream ended without saying why"),
        }
    };
    assert!(refusal.is_unauthorized(), "{refusal}");
    assert!(started.elapsed() >= Duration::from_secs(4), "closed by the auth check, not at once: {refusal}");
    assert!(greeted.is_empty(), "an unauthenticated socket gets no event: {greeted:?}");
    let after = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("ends");
    assert!(after.is_none(), "nothing after the refusal");
}

/// With the token in a challenge, the upgrade request carries no session, so the server cannot
/// resume the old connection (`api4/websocket.go` resumes only when the request's session has a
/// user): a cut always costs a `Gap`, and the stream goes on with the new connection.
async fn challenge_mode_cannot_resume_so_a_cut_is_a_gap(live: Live) {
    let Pair { alice, bob_http, channel, .. } = pair(&live).await;

    let proxy = CutProxy::start(live.addr).await;
    let alice_ws = Live::login_at(&proxy.url, &alice).await;
    let stream = alice_ws
        .events_with(options().auth(AuthMode::Challenge))
        .await
        .expect("event stream");
    let events = Recorder::start(stream);
    let (hello, _) = expect!(events, Hello, |data, meta| true);
    proxy.cut();
    let (cut_at, _) = events
        .wait_from(0, "Disconnected", |e| matches!(e, Event::Connection(ConnectionNotice::Disconnected { .. })))
        .await;
    let missed = post(&bob_http, &channel.id, "while cut", None).await;
    proxy.restore();
    let (_, Gap { previous_connection_id, new_connection_id, .. }) = events.wait_gap(cut_at).await;
    assert_eq!(previous_connection_id, hello.connection_id);
    assert_ne!(new_connection_id, hello.connection_id);
    let after = post(&bob_http, &channel.id, "after the gap", None).await;
    expect!(events, Posted, |data, meta| data.post.id == after.id);
    let replayed = events
        .items()
        .iter()
        .any(|e| matches!(e, Event::Posted { data, .. } if data.post.id == missed.id));
    assert!(!replayed, "what was published during the cut is not replayed to a new connection");
}
