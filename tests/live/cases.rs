//! Cases of the live API test that need objects or settings made for them: each closes a
//! "world gap" (an operation that failed only because the world lacked what it needs), with
//! the handler that says what it needs named beside it.

use std::sync::{Mutex, OnceLock};

use mattermost_client::{Client, Error, FilePart};
use reqwest::Method;
use serde_json::{json, Value};

use crate::totp::totp_now;
use crate::world::{api, id, person, World, GIF};

/// Settings of the live API test's server beyond the harness's: public file links, the plugin
/// system (local plugins only: no marketplace on the internet, nothing prepackaged), a closed
/// server with a domain restriction every user of the world meets (GetUsersWithInvalidEmails
/// needs both), and no job runner (a job stays pending).
pub const SETTINGS: &[(&str, &str)] = &[
    ("MM_FILESETTINGS_ENABLEPUBLICLINK", "true"),
    ("MM_PLUGINSETTINGS_ENABLE", "true"),
    ("MM_PLUGINSETTINGS_ENABLEUPLOADS", "true"),
    ("MM_PLUGINSETTINGS_ENABLEMARKETPLACE", "true"),
    ("MM_PLUGINSETTINGS_ENABLEREMOTEMARKETPLACE", "false"),
    ("MM_PLUGINSETTINGS_AUTOMATICPREPACKAGEDPLUGINS", "false"),
    ("MM_PLUGINSETTINGS_REQUIREPLUGINSIGNATURE", "false"),
    // InstallPluginFromUrl fetches from the loopback listener, over plain HTTP.
    ("MM_PLUGINSETTINGS_ALLOWINSECUREDOWNLOADURL", "true"),
    // Relative to the server's working folder (the default `./client/plugins` needs a `client/`
    // folder, which the module's assets do not have).
    ("MM_PLUGINSETTINGS_DIRECTORY", "./plugins"),
    ("MM_PLUGINSETTINGS_CLIENTDIRECTORY", "./client-plugins"),
    ("MM_TEAMSETTINGS_RESTRICTCREATIONTODOMAINS", "example.com"),
    // GetUsersWithInvalidEmails answers only on a closed server (api4/user.go
    // getUsersWithInvalidEmails); the admin creates every user of the world.
    ("MM_TEAMSETTINGS_ENABLEOPENSERVER", "false"),
    ("MM_JOBSETTINGS_RUNJOBS", "false"),
    // AcknowledgeNotification: push notifications on, their proxy the loopback listener (no
    // session has a device, so nothing else is pushed).
    ("MM_EMAILSETTINGS_SENDPUSHNOTIFICATIONS", "true"),
    // SwitchAccountType: GitLab sign-in on (Team Edition has it), its endpoints on loopback;
    // switching only answers the link a browser would follow, so none is ever called.
    ("MM_GITLABSETTINGS_ENABLE", "true"),
    ("MM_GITLABSETTINGS_ID", "live-test"),
    ("MM_GITLABSETTINGS_SECRET", "live-test-secret"),
    ("MM_GITLABSETTINGS_AUTHENDPOINT", "http://127.0.0.1:9/oauth/authorize"),
    ("MM_GITLABSETTINGS_TOKENENDPOINT", "http://127.0.0.1:9/oauth/token"),
    ("MM_GITLABSETTINGS_USERAPIENDPOINT", "http://127.0.0.1:9/api/v4/user"),
    // GetImageByUrl: the server's own image proxy, fetching from the loopback listener.
    ("MM_IMAGEPROXYSETTINGS_ENABLE", "true"),
    ("MM_IMAGEPROXYSETTINGS_IMAGEPROXYTYPE", "local"),
];

/// [`SETTINGS`], and the push proxy: the loopback listener at `callback_host` (`http://host:port`).
pub fn settings(callback_host: &str) -> Vec<(&'static str, String)> {
    let mut settings: Vec<(&'static str, String)> = SETTINGS.iter().map(|(name, value)| (*name, (*value).to_string())).collect();
    settings.push(("MM_EMAILSETTINGS_PUSHNOTIFICATIONSERVER", callback_host.to_string()));
    settings
}

/// The bodies that integrations (slash command, post action, dialog) sent to the callback
/// listener, newest last, at most [`MAX_CALLBACKS`].
pub fn callback_bodies() -> &'static Mutex<Vec<String>> {
    static BODIES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    BODIES.get_or_init(Mutex::default)
}

/// How many callback bodies are kept.
pub const MAX_CALLBACKS: usize = 100;

/// A `.tar.gz` plugin bundle: a manifest and a web app of one line, which the server installs,
/// starts (it serves the script to browsers, nothing runs on the server), stops and removes
/// (server/public/model/manifest.go Manifest, app/plugin_install.go installPluginLocally).
pub fn plugin_bundle(id: &str) -> Vec<u8> {
    let manifest = json!({
        "id": id, "name": id, "version": "0.1.0", "min_server_version": "5.0.0",
        "webapp": {"bundle_path": "webapp/main.js"},
    })
    .to_string();
    let script = "window.registerPlugin && void 0;\n";
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (path, text) in [("plugin.json", manifest.as_str()), ("webapp/main.js", script)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        archive.append_data(&mut header, format!("{id}/{path}"), text.as_bytes()).expect("a tar entry");
    }
    archive.into_inner().and_then(flate2::write::GzEncoder::finish).expect("a gzip stream")
}

/// The callback listener serves the world's GIF at any path ending in this.
pub const IMAGE_SUFFIX: &str = ".gif";

/// The plugin the callback listener serves at any path ending in `.tar.gz`.
pub const URL_PLUGIN: &str = "com.example.fromurl";

/// Makes what the remaining cases need and sets their arguments.
pub async fn prepare(client: &Client, w: &mut World, admin_id: &str, callback: &str) -> Result<(), Error> {
    let team_id = w.get("team_id");
    let channel_id = w.get("channel_id");
    let file_id = w.get("file_id");
    let o = &mut w.overrides;

    // GetFilePublic: the `h` of the link GetFileLink makes (api4/file.go getFileLink, getPublicFile).
    let link = api(client, Method::GET, "/api/v4/files/{file_id}/link", &[("file_id", &file_id)], None).await?;
    let hash = link["link"].as_str().and_then(|l| l.split("h=").nth(1)).unwrap_or_default().to_string();
    o.insert(("GetFilePublic", "h"), json!(hash));

    // Thumbnail and preview: an image, which the server renders both of on upload (app/file.go).
    let image = client.upload_file(channel_id.clone(), [FilePart::from_bytes(GIF, "live-image.gif")]).await?;
    let image_id = image.file_infos.first().map(|f| f.id.clone()).unwrap_or_default();
    for op in ["GetFileThumbnail", "GetFilePreview"] {
        o.insert((op, "file_id"), json!(image_id));
    }

    // GetTeamIcon: a team with an icon that no other operation removes.
    let icon_team = api(client, Method::POST, "/api/v4/teams", &[], Some(json!({"name": "iconteam", "display_name": "Icon", "type": "O"}))).await?;
    client.set_team_icon(id(&icon_team), FilePart::from_bytes(GIF, "icon.gif")).await?;
    o.insert(("GetTeamIcon", "team_id"), json!(id(&icon_team)));
    // GetTeamByName, GetTeamInviteInfo: the world team's name and invite id (api4/team.go).
    let team = api(client, Method::GET, "/api/v4/teams/{team_id}", &[("team_id", &team_id)], None).await?;
    o.insert(("GetTeamByName", "name"), team["name"].clone());
    o.insert(("GetTeamInviteInfo", "invite_id"), team["invite_id"].clone());
    // MoveCommand: a command of its own to another team (api4/command.go moveCommand), so that
    // UpdateCommand still finds the world's command in the world's team.
    let move_team = api(client, Method::POST, "/api/v4/teams", &[], Some(json!({"name": "moveteam", "display_name": "Move", "type": "O"}))).await?;
    let moved = api(client, Method::POST, "/api/v4/commands", &[], Some(json!({"team_id": team_id, "method": "P", "trigger": "moved", "url": callback}))).await?;
    let o = &mut w.overrides;
    o.insert(("MoveCommand", "command_id"), json!(id(&moved)));
    o.insert(("MoveCommand", "body"), json!({"team_id": id(&move_team)}));
    // InviteUsersToTeam, UpdateTeam: addresses and domains the server's restriction allows.
    o.insert(("InviteUsersToTeam", "body"), json!(["invitee@example.com"]));
    w.body_fields.entry("UpdateTeam").or_default().push(("allowed_domains", json!("")));

    // Plugins: one installed here for Enable/Disable/Remove, another for UploadPlugin.
    client.upload_plugin(FilePart::from_bytes(plugin_bundle("com.example.live"), "live.tar.gz")).await?;
    for op in ["EnablePlugin", "DisablePlugin", "RemovePlugin"] {
        o.insert((op, "plugin_id"), json!("com.example.live"));
    }
    w.file_parts.insert("UploadPlugin", ("uploaded.tar.gz".to_string(), plugin_bundle("com.example.uploaded")));
    let o = &mut w.overrides;
    o.insert(("InstallPluginFromUrl", "plugin_download_url"), json!(format!("{callback}/plugin.tar.gz")));

    // Jobs: an `active_users` job (a type with a worker on Team Edition that a system admin may
    // create: jobs/jobs.go _createJob, app/job.go SessionHasPermissionToCreateJob) stays pending
    // while the server runs no jobs (JobSettings.RunJobs off), so it can be read and cancelled.
    let job = api(client, Method::POST, "/api/v4/jobs", &[], Some(json!({"type": "active_users"}))).await?;
    let o = &mut w.overrides;
    for op in ["GetJob", "CancelJob"] {
        o.insert((op, "job_id"), json!(id(&job)));
    }
    o.insert(("GetJobsByType", "type"), json!("active_users"));
    o.insert(("CreateJob", "body"), json!({"type": "active_users"}));

    // GetNotices: a client type the handler knows (api4/system.go getProductNotices).
    o.insert(("GetNotices", "client"), json!("web"));
    o.insert(("GetNotices", "clientVersion"), json!("9.8.0"));
    // CreateEmoji: the `emoji` part is the Emoji as JSON (api4/emoji.go createEmoji).
    o.insert(("CreateEmoji", "emoji"), json!(json!({"name": "createdemoji", "creator_id": admin_id}).to_string()));

    sidebar(client, w, admin_id, &team_id).await?;
    recent_statuses(client, w, admin_id).await?;
    users(client, w).await?;
    integrations(client, w, admin_id, &team_id, &channel_id, callback).await?;
    // ImportTeam: a Slack export with nothing in it (an empty zip archive: its end record only),
    // which the importer reads and reports on (api4/team.go importTeam, app/slackimport).
    let empty_zip = [b"PK\x05\x06".as_slice(), &[0; 18]].concat();
    let o = &mut w.overrides;
    o.insert(("ImportTeam", "importFrom"), json!("slack"));
    o.insert(("ImportTeam", "filesize"), json!(empty_zip.len()));
    w.file_parts.insert("ImportTeam", ("slack.zip".to_string(), empty_zip));
    // GetImageByUrl: an image the loopback listener serves (see `IMAGE_SUFFIX`).
    w.overrides.insert(("GetImageByUrl", "url"), json!(format!("{callback}/image{IMAGE_SUFFIX}")));
    // AcknowledgeNotification: an acknowledgement the server passes on to the push proxy
    // (api4/system.go pushNotificationAck, app/notification_push.go SendAckToPushProxy).
    let root_id = w.get("post_id");
    w.overrides.insert(
        ("AcknowledgeNotification", "body"),
        json!({"id": "liveack", "platform": "android", "type": "message", "post_id": root_id, "received_at": 1}),
    );
    // UploadData: the upload session of the world expects 5 bytes.
    w.raw_bodies.insert("UploadData", b"live!".to_vec());
    Ok(())
}

/// Sidebar categories (api4/channel_category.go): a custom category of the admin to update and
/// one to remove; the order of alice's categories, which nothing else changes.
async fn sidebar(client: &Client, w: &mut World, admin_id: &str, team_id: &str) -> Result<(), Error> {
    let path = "/api/v4/users/{user_id}/teams/{team_id}/channels/categories";
    let new = |name: &str, user: &str| json!({"user_id": user, "team_id": team_id, "display_name": name, "type": "custom"});
    let kept = api(client, Method::POST, path, &[("user_id", admin_id), ("team_id", team_id)], Some(new("Live kept", admin_id))).await?;
    let removed = api(client, Method::POST, path, &[("user_id", admin_id), ("team_id", team_id)], Some(new("Live removed", admin_id))).await?;
    let o = &mut w.overrides;
    o.insert(("CreateSidebarCategoryForTeamForUser", "body"), new("Live created", admin_id));
    let mut renamed = kept.clone();
    renamed["display_name"] = json!("Live renamed");
    o.insert(("UpdateSidebarCategoryForTeamForUser", "category_id"), json!(id(&kept)));
    o.insert(("UpdateSidebarCategoryForTeamForUser", "body"), renamed);
    o.insert(("UpdateSidebarCategoriesForTeamForUser", "body"), json!([kept]));
    o.insert(("RemoveSidebarCategoryForTeamForUser", "category_id"), json!(id(&removed)));
    let alice = w.get("alice_id");
    let order = api(client, Method::GET, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/order", &[("user_id", &alice), ("team_id", team_id)], None).await?;
    let o = &mut w.overrides;
    o.insert(("UpdateSidebarCategoryOrderForTeamForUser", "user_id"), json!(alice));
    o.insert(("UpdateSidebarCategoryOrderForTeamForUser", "body"), order);
    Ok(())
}

/// Recent custom statuses: the two the world set, exactly as the server keeps them, in the
/// `custom_status` / `recent_custom_statuses` preference (it deletes one only when its JSON
/// equals the one sent: model/custom_status.go RecentCustomStatuses.Contains).
async fn recent_statuses(client: &Client, w: &mut World, admin_id: &str) -> Result<(), Error> {
    api(client, Method::PUT, "/api/v4/users/{user_id}/status/custom", &[("user_id", admin_id)], Some(json!({"emoji": "coffee", "text": "live break"}))).await?;
    let preference = api(
        client,
        Method::GET,
        "/api/v4/users/{user_id}/preferences/{category}/name/{preference_name}",
        &[("user_id", admin_id), ("category", "custom_status"), ("preference_name", "recent_custom_statuses")],
        None,
    )
    .await?;
    let recent: Vec<Value> = preference["value"].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let o = &mut w.overrides;
    for (op, status) in ["PostUserRecentCustomStatusDelete", "RemoveRecentCustomStatus"].into_iter().zip(recent) {
        o.insert((op, "body"), status);
    }
    Ok(())
}

/// Users and bots: a session to revoke, a user whose MFA is switched on with a real code, full
/// bodies for UpdateUser, a bot that ConvertBotToUser leaves alone.
async fn users(client: &Client, w: &mut World) -> Result<(), Error> {
    let erin = person(client, "erin").await?;
    let erin_client = Client::new(client.base_url().as_str())?;
    erin_client.login(&erin.username, "Live-password-1").await?;
    let sessions = api(client, Method::GET, "/api/v4/users/{user_id}/sessions", &[("user_id", &erin.id)], None).await?;
    let o = &mut w.overrides;
    o.insert(("RevokeSession", "user_id"), json!(erin.id));
    o.insert(("RevokeSession", "body"), json!({"session_id": id(&sessions[0])}));

    // UpdateUserMfa: activate with the code of a freshly generated secret (api4/user.go updateUserMfa).
    let frank = person(client, "frank").await?;
    let secret = api(client, Method::POST, "/api/v4/users/{user_id}/mfa/generate", &[("user_id", &frank.id)], None).await?;
    let code = totp_now(secret["secret"].as_str().unwrap_or_default());
    let o = &mut w.overrides;
    o.insert(("UpdateUserMfa", "user_id"), json!(frank.id));
    o.insert(("UpdateUserMfa", "body"), json!({"activate": true, "code": code}));

    // UpdateUser: the whole user, as PUT wants it (api4/user.go updateUser).
    let alice = w.get("alice_id");
    let mut user = api(client, Method::GET, "/api/v4/users/{user_id}", &[("user_id", &alice)], None).await?;
    user["nickname"] = json!("Alice Live");
    let o = &mut w.overrides;
    o.insert(("UpdateUser", "user_id"), json!(alice));
    o.insert(("UpdateUser", "body"), user);

    // SwitchAccountType: email to GitLab answers the link that starts the OAuth flow; nothing
    // is asked of GitLab until a browser follows it (app/user.go SwitchEmailToOAuth).
    let gina = person(client, "gina").await?;
    w.overrides.insert(
        ("SwitchAccountType", "body"),
        json!({"current_service": "email", "new_service": "gitlab", "email": gina.email, "password": "Live-password-1"}),
    );

    let bot = api(client, Method::POST, "/api/v4/bots", &[], Some(json!({"username": "secondbot", "display_name": "Second bot"}))).await?;
    let o = &mut w.overrides;
    for op in ["DisableBot", "EnableBot"] {
        o.insert((op, "bot_user_id"), bot["user_id"].clone());
    }
    Ok(())
}

/// Integrations: whole bodies for UpdateCommand, UpdateOAuthApp and UpdateConfig; a post with
/// an action and a trigger id for a dialog, both answered by the callback listener.
async fn integrations(client: &Client, w: &mut World, admin_id: &str, team_id: &str, channel_id: &str, callback: &str) -> Result<(), Error> {
    let mut command = api(client, Method::GET, "/api/v4/commands/{command_id}", &[("command_id", &w.get("command_id"))], None).await?;
    command["display_name"] = json!("live renamed");
    let mut app = api(client, Method::GET, "/api/v4/oauth/apps/{app_id}", &[("app_id", &w.get("app_id"))], None).await?;
    app["description"] = json!("the live test, renamed");
    let config = api(client, Method::GET, "/api/v4/config", &[], None).await?;
    let o = &mut w.overrides;
    o.insert(("UpdateCommand", "body"), command);
    o.insert(("UpdateOAuthApp", "body"), app);
    o.insert(("UpdateConfig", "body"), config);

    // DoPostAction: a post whose attachment has a button calling the listener (api4/post.go doPostAction).
    let action = json!({"id": "liveaction", "name": "Go", "type": "button", "integration": {"url": callback, "context": {"live": true}}});
    let post = api(client, Method::POST, "/api/v4/posts", &[], Some(json!({"channel_id": channel_id, "message": "an action", "props": {"attachments": [{"text": "live", "actions": [action]}]}}))).await?;
    let o = &mut w.overrides;
    o.insert(("DoPostAction", "post_id"), json!(id(&post)));
    o.insert(("DoPostAction", "action_id"), json!("liveaction"));

    // OpenInteractiveDialog: the trigger id the server sends with a slash command's request.
    let before = callback_bodies().lock().map(|b| b.len()).unwrap_or_default();
    api(client, Method::POST, "/api/v4/commands/execute", &[], Some(json!({"channel_id": channel_id, "team_id": team_id, "command": "/live trigger"}))).await?;
    let trigger = callback_bodies()
        .lock()
        .ok()
        .and_then(|bodies| bodies.iter().skip(before).find_map(|body| trigger_id(body)))
        .unwrap_or_default();
    let dialog = json!({"callback_id": "live", "title": "Live", "elements": [], "submit_label": "OK"});
    let o = &mut w.overrides;
    o.insert(("OpenInteractiveDialog", "body"), json!({"trigger_id": trigger, "url": callback, "dialog": dialog}));
    o.insert(
        ("SubmitInteractiveDialog", "body"),
        json!({"url": callback, "callback_id": "live", "state": "live", "user_id": admin_id, "channel_id": channel_id, "team_id": team_id, "submission": {}, "cancelled": false}),
    );
    Ok(())
}

/// The `trigger_id` field of a slash command's form body.
fn trigger_id(body: &str) -> Option<String> {
    url::form_urlencoded::parse(body.as_bytes()).find(|(name, _)| name == "trigger_id").map(|(_, value)| value.into_owned())
}
