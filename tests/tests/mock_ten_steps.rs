//! The ten-step bot of the bot author's review (issue 21), rewritten with today's API and
//! tested without a server through the test double (feature `test-util`). The two parts are
//! marked so that their line counts can be read off.

use futures_util::TryStreamExt;
use mattermost_client::mock::Mock;
use mattermost_client::models::{
    AddChannelMemberRequest, Channel, ChannelMember, ChannelType, CreateChannelRequest, CreatePostRequest, FileInfo, Post,
    PostList, Reaction, Team, UploadFileResponse, User,
};
use mattermost_client::{ops, Client, ClientBuilder, Error, FilePart};

// --- The bot (begin) ---
/// Logs in by token, finds its team, opens a channel, invites a colleague, posts a report with
/// a file, answers itself in the thread, reacts, then reads the channel back page by page.
/// `server` is `Client::builder(url)` (plus any settings); the test gives it its double.
async fn ten_steps(server: ClientBuilder, token: &str, colleague: &str) -> Result<usize, Error> {
    let client = server.token(token).build()?; // 1. log in with a token
    let me = client.get_user("me").await?; // 2. who am I
    let team = client.get_team_by_name("ops").await?; // 3. find the team
    let new = CreateChannelRequest::new(&team.id, "daily-report", "Daily report", ChannelType::O);
    let channel = client.create_channel(&new).await?; // 4. open a channel
    let colleague = client.get_user_by_username(colleague).await?; // 5. find a colleague
    client.add_channel_member(&channel.id, &AddChannelMemberRequest::new(&colleague.id)).await?; // 6. invite them
    let uploaded = client.upload_file(&channel.id, [FilePart::from_bytes(&b"all green\n"[..], "report.txt")]).await?; // 7. upload
    let file_ids = uploaded.file_infos.iter().map(|f| f.id.clone()).collect();
    let report = CreatePostRequest { file_ids: Some(file_ids), ..CreatePostRequest::new(&channel.id, "Today's report") };
    let root = client.create_post(&report).await?; // 8. post with the file
    let reply = CreatePostRequest { root_id: Some(root.id.clone()), ..CreatePostRequest::new(&channel.id, "Details in the file") };
    client.create_post(&reply).await?; // 9. answer in the thread
    let reaction = Reaction { user_id: me.id, post_id: root.id, emoji_name: "white_check_mark".into(), ..Reaction::default() };
    client.save_reaction(&reaction).await?; // 10. react
    let posts: Vec<Post> = client.get_posts_for_channel(&channel.id).per_page(100).stream().try_collect().await?;
    Ok(posts.len()) // and read the channel back, every page
}
// --- The bot (end) ---

// --- Its test (begin) ---
#[tokio::test]
async fn ten_steps_against_the_double() -> Result<(), Error> {
    let mock = Mock::new();
    let user = |id: &str| User { id: id.into(), ..User::default() };
    mock.on::<ops::GetUser>().reply(user("bot"));
    mock.on::<ops::GetTeamByName>().reply(Team { id: "t1".into(), ..Team::default() });
    let create_channel = mock.on::<ops::CreateChannel>().reply(Channel { id: "c1".into(), ..Channel::default() });
    mock.on::<ops::GetUserByUsername>().reply(user("u2"));
    let add_member = mock.on::<ops::AddChannelMember>().reply(ChannelMember::default());
    let file = FileInfo { id: "f1".into(), ..FileInfo::default() };
    mock.on::<ops::UploadFile>().reply(UploadFileResponse { file_infos: vec![file], client_ids: vec![] });
    let create_post = mock.on::<ops::CreatePost>().reply_with(|call| Ok(Post { id: "p1".into(), ..call.body().map(|b| Post { message: b.message, ..Post::default() })? }));
    let react = mock.on::<ops::SaveReaction>().reply_with(|call| call.body());
    let page = |ids: &[&str]| PostList {
        order: ids.iter().map(|id| (*id).to_string()).collect(),
        posts: ids.iter().map(|id| ((*id).to_string(), Post { id: (*id).into(), ..Post::default() })).collect(),
        ..PostList::default()
    };
    let full: Vec<String> = (0..100).map(|n| format!("p{n}")).collect();
    let pages = mock.on::<ops::GetPostsForChannel>().then_reply(page(&full.iter().map(String::as_str).collect::<Vec<_>>())).then_reply(page(&["last"]));

    let read = ten_steps(Client::builder("https://mm.example.com").mock(&mock), "bot-token", "alice").await?;

    assert_eq!(read, 101, "both pages streamed");
    assert_eq!(create_channel.requests()[0].body()?.name, "daily-report");
    assert_eq!(add_member.requests()[0].body()?.user_id, "u2");
    let posts: Vec<CreatePostRequest> = create_post.requests().iter().map(|r| r.body()).collect::<Result<_, _>>()?;
    assert_eq!(posts[0].file_ids.as_deref(), Some(&["f1".to_string()][..]));
    assert_eq!((posts[1].root_id.as_deref(), posts[1].message.as_str()), (Some("p1"), "Details in the file"));
    assert_eq!(react.requests()[0].body()?.user_id, "bot");
    let asked: Vec<Option<String>> = pages.requests().iter().map(|r| r.query("page")).collect();
    assert_eq!(asked, [Some("0".into()), Some("1".into())]);
    assert!(mock.requests().iter().all(|r| r.header("authorization") == Some("Bearer bot-token")));
    mock.verify()
}
// --- Its test (end) ---
