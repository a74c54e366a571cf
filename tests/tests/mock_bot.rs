//! A small bot tested without a server, through the generated crate's test double
//! (`mattermost_client::mock`, feature `test-util`): the same `Client` code path (request
//! building, retries, error mapping, decoding) with rules answering instead of a server, and
//! the event stream replaying recorded frames.

use futures_util::StreamExt;
use mattermost_client::events::{ConnectionNotice, Event};
use mattermost_client::mock::{HttpReply, Mock};
use mattermost_client::models::{CreatePostRequest, Post, Reaction, User};
use mattermost_client::{ops, Client, Error, StatusCode};

// --- The bot ---------------------------------------------------------------------------------

/// Answers every post that says "ping" (except its own) with "pong" in the post's thread, and
/// marks the post with a reaction. Returns how many posts it answered once the stream ends.
async fn ping_bot(client: &Client, bot_id: &str) -> Result<usize, Error> {
    let mut events = client.events().await?;
    let mut answered = 0;
    while let Some(item) = events.next().await {
        let Event::Posted { data, .. } = item? else { continue };
        let post = data.post;
        if post.user_id == bot_id || !post.message.contains("ping") {
            continue;
        }
        let root_id = if post.root_id.is_empty() { &post.id } else { &post.root_id };
        let reply = CreatePostRequest { root_id: Some(root_id.clone()), ..CreatePostRequest::new(&post.channel_id, "pong") };
        client.create_post(&reply).await?;
        let reaction = Reaction { user_id: bot_id.into(), post_id: post.id.clone(), emoji_name: "ping_pong".into(), ..Reaction::default() };
        client.save_reaction(&reaction).await?;
        answered += 1;
    }
    Ok(answered)
}

// --- Its test --------------------------------------------------------------------------------

/// A `posted` frame as the server sends it: the post is a string holding JSON.
fn posted(seq: i64, post_id: &str, user_id: &str, message: &str) -> String {
    let post = serde_json::json!({"id": post_id, "user_id": user_id, "channel_id": "c1", "message": message});
    serde_json::json!({"event": "posted", "seq": seq, "broadcast": {"channel_id": "c1"},
        "data": {"post": post.to_string(), "channel_type": "O", "sender_name": "@alice"}})
    .to_string()
}

#[tokio::test]
async fn bot_answers_a_ping_and_rides_out_a_rate_limit() -> Result<(), Error> {
    let mock = Mock::new();
    mock.replay_frames([
        r#"{"event":"hello","seq":0,"data":{"connection_id":"conn1","server_version":"9.8.0"}}"#.to_owned(),
        posted(1, "p1", "alice", "ping?"),
        posted(2, "p2", "bot", "ping from myself"),
        posted(3, "p3", "alice", "hello"),
    ]);
    let create_post = mock
        .on::<ops::CreatePost>()
        .then_respond(HttpReply::app_error(StatusCode::TOO_MANY_REQUESTS, "api.rate_limit", "slow down").header("Retry-After", "0"))
        .reply_with(|call| {
            let body = call.body()?;
            Ok(Post { id: "reply1".into(), channel_id: body.channel_id, message: body.message, ..Post::default() })
        });
    let save_reaction = mock.on::<ops::SaveReaction>().reply_with(|call| call.body());

    let answered = ping_bot(&mock.client()?, "bot").await?;

    assert_eq!(answered, 1);
    // The 429 was retried by the client's retry policy: two attempts, the same request.
    assert_eq!(create_post.calls(), 2);
    for call in create_post.requests() {
        let body = call.body()?;
        assert_eq!((body.channel_id.as_str(), body.message.as_str(), body.root_id.as_deref()), ("c1", "pong", Some("p1")));
        assert_eq!(call.header("authorization"), Some("Bearer mock-token"));
    }
    let reactions = save_reaction.requests();
    assert_eq!(reactions.len(), 1);
    let reaction = reactions[0].body()?;
    assert_eq!((reaction.post_id.as_str(), reaction.user_id.as_str(), reaction.emoji_name.as_str()), ("p1", "bot", "ping_pong"));
    mock.verify()
}

// --- The double's rules ----------------------------------------------------------------------

fn user(id: &str) -> User {
    User { id: id.into(), username: format!("name-{id}"), ..User::default() }
}

/// The text of an `Error::Mock`, or a description of the other outcome.
fn mock_error<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Mock(message)) => message,
        other => panic!("expected Error::Mock, got {other:?}"),
    }
}

#[tokio::test]
async fn a_rule_for_another_operation_does_not_match() -> Result<(), Error> {
    let mock = Mock::new();
    let get_user = mock.on::<ops::GetUser>().reply(user("u1"));
    let message = mock_error(mock.client()?.get_post("p1").await);
    assert!(message.contains("`get_post` (GET /api/v4/posts/{post_id})"), "{message}");
    assert!(message.contains("no rule for this operation"), "{message}");
    assert_eq!(get_user.calls(), 0);
    // The unanswered call is recorded, and `verify` reports it.
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(mock.requests()[0].operation(), Some("get_post"));
    let report = mock_error(mock.verify());
    assert!(report.contains("`get_post`"), "{report}");
    Ok(())
}

#[tokio::test]
async fn a_sequence_answers_in_order_then_fails_clearly() -> Result<(), Error> {
    let mock = Mock::new();
    let rule = mock.on::<ops::GetUser>().then_reply(user("first")).then_reply(user("second"));
    let client = mock.client()?;
    assert_eq!(client.get_user("a").await?.id, "first");
    assert!(mock.verify().is_err(), "one answer is still unused");
    assert_eq!(client.get_user("b").await?.id, "second");
    mock.verify()?;
    let message = mock_error(client.get_user("c").await);
    assert!(message.starts_with("`get_user` (GET /api/v4/users/{user_id})"), "{message}");
    assert!(message.contains("answered 2 call(s) and have no answer left"), "{message}");
    assert!(rule.is_exhausted());
    assert_eq!(rule.calls(), 2);
    let ids: Vec<Option<String>> = mock.requests_to::<ops::GetUser>().iter().map(|r| r.path_param("user_id")).collect();
    assert_eq!(ids, [Some("a".into()), Some("b".into()), Some("c".into())]);
    Ok(())
}

#[tokio::test]
async fn an_unmatched_call_names_the_operation() -> Result<(), Error> {
    let mock = Mock::new();
    let error = mock.client()?.get_user("u1").await.err();
    let text = error.as_ref().map(ToString::to_string).unwrap_or_default();
    assert_eq!(text, "mock: `get_user` (GET /api/v4/users/{user_id}): no rule for this operation");
    // A rule without answers, or whose condition does not fit, says so.
    let mock = Mock::new();
    mock.on::<ops::GetUser>().matching(|call| call.path_param("user_id").as_deref() == Some("u2")).reply(user("u2"));
    let message = mock_error(mock.client()?.get_user("u1").await);
    assert!(message.contains("the condition of its 1 rule(s) does not fit"), "{message}");
    Ok(())
}

#[tokio::test]
async fn conditions_pick_the_rule_and_requests_can_be_inspected() -> Result<(), Error> {
    let mock = Mock::new();
    let alice = mock.on::<ops::GetUser>().matching(|call| call.path_param("user_id").as_deref() == Some("a/1")).reply(user("alice"));
    let others = mock.on::<ops::GetUser>().reply(user("other"));
    let list = mock.on::<ops::GetUsers>().reply(vec![user("x")]);
    let client = mock.client()?;
    assert_eq!(client.get_user("a/1").await?.id, "alice");
    assert_eq!(client.get_user("b").await?.id, "other");
    assert_eq!(client.get_users().page(2).per_page(50).in_team("t 1").await?.len(), 1);
    assert_eq!((alice.calls(), others.calls()), (1, 1));
    // The path was percent-encoded on the way out and is decoded for the assertion.
    assert_eq!(alice.requests()[0].path(), "/api/v4/users/a%2F1");
    let call = &list.requests()[0];
    assert_eq!((call.query("page"), call.query("per_page"), call.query("in_team")), (Some("2".into()), Some("50".into()), Some("t 1".into())));
    Ok(())
}

#[tokio::test]
async fn errors_and_statuses_go_through_the_client() -> Result<(), Error> {
    let mock = Mock::new();
    mock.on::<ops::GetUser>().fail(StatusCode::NOT_FOUND, "app.user.missing", "no such user");
    // A GET answered 503 is retried; the ETag of the reply that succeeds is seen.
    mock.on::<ops::GetPost>()
        .then_respond(HttpReply::status(StatusCode::SERVICE_UNAVAILABLE).header("Retry-After", "0"))
        .respond(HttpReply::status(StatusCode::OK).header("ETag", "\"v1\"").json(&Post { id: "p1".into(), ..Post::default() }));
    // A body that is not the operation's type fails to decode, as from a server.
    mock.on::<ops::GetChannel>().respond(HttpReply::status(StatusCode::OK).body("[1, 2]"));
    let client = mock.client()?;
    let error = client.get_user("u1").await.err();
    assert!(error.as_ref().is_some_and(Error::is_not_found), "{error:?}");
    assert_eq!(error.as_ref().and_then(Error::app_error_id), Some("app.user.missing"));
    let response = client.get_post("p1").send_with_response().await?;
    assert_eq!((response.value.id.as_str(), response.etag()), ("p1", Some("\"v1\"")));
    assert_eq!(mock.requests_to::<ops::GetPost>().len(), 2);
    assert!(matches!(client.get_channel("c1").await, Err(Error::Decode { .. })));
    Ok(())
}

#[tokio::test]
async fn an_in_order_script_rejects_a_call_out_of_turn() -> Result<(), Error> {
    let mock = Mock::new().in_order();
    mock.on::<ops::GetUser>().then_reply(user("u1"));
    mock.on::<ops::GetPost>().then_reply(Post { id: "p1".into(), ..Post::default() });
    let client = mock.client()?;
    let message = mock_error(client.get_post("p1").await);
    assert!(message.contains("the script expected rule 1 for `get_user` next"), "{message}");
    assert_eq!(client.get_user("u1").await?.id, "u1");
    assert_eq!(client.get_post("p1").await?.id, "p1");
    let message = mock_error(client.get_user("u1").await);
    assert!(message.contains("the script of rules has ended"), "{message}");
    Ok(())
}

// --- Events from frames ----------------------------------------------------------------------

#[test]
fn an_event_from_one_raw_frame() -> Result<(), Error> {
    let Event::Posted { data, meta } = Event::from_json(&posted(7, "p9", "alice", "hi"))? else {
        panic!("not a posted event");
    };
    assert_eq!((data.post.id.as_str(), data.post.message.as_str(), meta.seq), ("p9", "hi", Some(7)));
    let unknown = Event::from_json(r#"{"event":"brand_new","data":{"x":1}}"#)?;
    assert_eq!(unknown.name(), Some("brand_new"));
    for not_an_event in ["not json", r#"{"status":"OK","seq_reply":1}"#, r#"{"data":{}}"#] {
        assert!(matches!(Event::from_json(not_an_event), Err(Error::WebSocket(_))), "{not_an_event}");
    }
    Ok(())
}

#[tokio::test]
async fn a_replayed_stream_greets_answers_actions_and_ends() -> Result<(), Error> {
    let mock = Mock::new();
    let client = mock.client()?;
    assert!(matches!(client.events().await, Err(Error::Mock(_))), "no frames to replay");
    mock.replay_frames([r#"{"event":"hello","seq":0,"data":{"connection_id":"c9","server_version":"9.8"}}"#, "garbage"]);
    let mut events = client.events().await?;
    let reply = events.actions().user_typing("c1", None).await?;
    assert!(reply.is_ok());
    let first = events.next().await.transpose()?;
    assert!(matches!(first, Some(Event::Connection(ConnectionNotice::Connected { ref connection_id, .. })) if connection_id == "c9"), "{first:?}");
    assert_eq!(events.next().await.transpose()?.as_ref().and_then(Event::name), Some("hello"));
    assert!(events.next().await.is_none(), "the stream ends after the last frame");
    Ok(())
}
