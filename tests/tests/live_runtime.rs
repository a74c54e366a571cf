//! The client's runtime against a real Mattermost server: password login and a wrong password
//! (the server's app error id, typed), MFA with a real TOTP code, a personal access token, a
//! real `304 Not Modified`, real `429`s retried as their `Retry-After` says (on a server with
//! rate limiting on), several files uploaded in one request with their client ids and read back
//! byte for byte, and a stream over more than 1,000 posts of one channel.
//!
//! The server's side, from its source (server/v8 at 4bdd8bb18e47): `api4/user.go` `login`
//! (which errors it masks as `api.user.login.invalid_credentials_email_username`),
//! `app/authentication.go` `CheckUserMfa`, `platform/shared/mfa/mfa.go` (RFC 6238, SHA-1, six
//! digits, 30 s, a window of 3), `api4/user.go` `getUser` (`HandleEtag`),
//! `app/ratelimit.go` (`Retry-After` in whole seconds), `api4/file.go` `uploadFileStream`.

#[path = "../live/harness.rs"]
mod harness;
#[path = "live_common/mod.rs"]
mod live_common;
#[path = "hostile/trace.rs"]
mod trace;
#[path = "../live/totp.rs"]
mod totp;

use totp::totp_now;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use live_common::{unique, Live, Scenario, PASSWORD};
use mattermost_client::models::{
    CreateChannelRequest, CreateUserAccessTokenRequest,
    PatchUserRequest, Post, RevokeUserAccessTokenRequest, UpdateUserMfaRequest, UpdateUserRolesRequest, User,
};
use mattermost_client::runtime::OperationRequest;
use serde_json::json;
use mattermost_client::{Client, Conditional, FilePart, LoginCredentials, RetryPolicy, StatusCode};

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

async fn password_login_keeps_the_session_token(live: Live) {
    let (user, _) = live.user("login").await;
    let client = Client::new(&live.url).expect("client");
    assert!(!client.has_token());
    let me = client.login(&user.username, PASSWORD).await.expect("login");
    assert_eq!((me.id.as_str(), me.username.as_str()), (user.id.as_str(), user.username.as_str()));
    assert!(client.has_token(), "the Token header was kept");
    let again = client.get_user("me").await.expect("a call with the session token");
    assert_eq!(again.id, user.id);
    client.logout().await.expect("logout");
    assert!(!client.has_token());
    let refused = client.get_user("me").await.expect_err("logged out");
    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED), "{refused}");
}

async fn wrong_password_is_a_typed_error_with_the_app_error_id(live: Live) {
    let (user, _) = live.user("wrong").await;
    let client = Client::new(&live.url).expect("client");
    let error = client.login(&user.username, "not-the-password").await.expect_err("refused");
    assert!(error.is_unauthorized(), "{error}");
    assert_eq!(error.app_error_id(), Some("api.user.login.invalid_credentials_email_username"));
    let app = error.app_error().expect("the server's AppError");
    assert_eq!(app.status_code, 401);
    assert!(!app.message.is_empty() && app.request_id.len() == 26, "{app:?}");
    assert!(!client.has_token(), "no token from a refused login");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains("not-the-password"), "the password leaked: {text}");
    }
}

async fn mfa_login_with_a_real_totp_code(live: Live) {
    let (user, client) = live.user("mfa").await;
    let secret = client.generate_mfa_secret(&user.id).await.expect("an MFA secret");
    let secret = secret.secret.expect("the secret");
    assert_eq!(secret.len(), 32, "20 random bytes in base32");
    let activate = UpdateUserMfaRequest {
        activate: true,
        code: Some(totp_now(&secret)),
    };
    client.update_user_mfa(&user.id, &activate).await.expect("activate MFA with the code");

    let fresh = Client::new(&live.url).expect("client");
    let without = fresh.login(&user.username, PASSWORD).await.expect_err("a code is needed");
    assert_eq!(without.app_error_id(), Some("mfa.validate_token.authenticate.app_error"), "{without}");
    let code = totp_now(&secret);
    let wrong: String = code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect();
    let credentials = LoginCredentials::new(&user.username, PASSWORD).mfa_token(wrong);
    let refused = fresh.login_with(&credentials).await.expect_err("a wrong code");
    assert_eq!(refused.app_error_id(), Some("api.user.check_user_mfa.bad_code.app_error"), "{refused}");
    assert!(!fresh.has_token());
    let credentials = LoginCredentials::new(&user.username, PASSWORD).mfa_token(totp_now(&secret));
    let me = fresh.login_with(&credentials).await.expect("login with the code");
    assert_eq!(me.id, user.id);
    assert_eq!(me.mfa_active, Some(true), "{me:?}");
    assert_eq!(fresh.get_user("me").await.expect("me").id, user.id);
    assert!(!format!("{credentials:?}").contains(&code), "the code is not shown");
}

async fn personal_access_token(live: Live) {
    let (user, client) = live.user("pat").await;
    let roles = UpdateUserRolesRequest {
        roles: "system_user system_user_access_token".into(),
    };
    live.admin.update_user_roles(&user.id, &roles).await.expect("allow tokens");
    let request = CreateUserAccessTokenRequest {
        description: "live test".into(),
    };
    let created = client.create_user_access_token(&user.id, &request).await.expect("a token");
    let token = created.token.clone().expect("the token, once");
    assert!(!format!("{created:?}").contains(&token), "the token is redacted");
    let with_token = Client::builder(&live.url).token(&token).build().expect("client");
    assert_eq!(with_token.get_user("me").await.expect("me with the token").id, user.id);
    let revoke = RevokeUserAccessTokenRequest { token_id: created.id.clone() };
    client.revoke_user_access_token(&revoke).await.expect("revoke");
    let refused = with_token.get_user("me").await.expect_err("a revoked token");
    assert!(refused.is_unauthorized(), "{refused}");
    assert!(!refused.to_string().contains(&token) && !format!("{refused:?}").contains(&token));
}

async fn if_none_match_gets_a_real_304(live: Live) {
    let (user, client) = live.user("etag").await;
    let first = client.get_user(&user.id).send_with_response().await.expect("a user");
    let etag = first.etag().expect("getUser sends an ETag").to_owned();
    let again = client.get_user(&user.id).send_if_none_match(&etag).await.expect("revalidate");
    assert!(again.is_not_modified(), "a real 304: {again:?}");
    let patch = PatchUserRequest {
        nickname: Some("changed".into()),
        ..Default::default()
    };
    client.patch_user(&user.id, &patch).await.expect("change the user");
    match client.get_user(&user.id).send_if_none_match(&etag).await.expect("revalidate") {
        Conditional::Modified(fresh) => {
            assert_eq!(fresh.value.nickname, "changed");
            assert_ne!(fresh.etag(), Some(etag.as_str()), "a new ETag");
        }
        Conditional::NotModified(_) => panic!("the user changed: not a 304"),
    }
}

async fn files_uploaded_together_come_back_byte_for_byte(live: Live) {
    let (user, client) = live.user("files").await;
    let team = live.team(&[&user]).await;
    let channel = client
        .create_channel(&CreateChannelRequest {
            team_id: team.id.clone(),
            name: unique("files"),
            display_name: "files".into(),
            r#type: mattermost_client::models::ChannelType::O,
            purpose: None,
            header: None,
        })
        .await
        .expect("a channel");
    let mut rng = fastrand::Rng::with_seed(7);
    let binary: Vec<u8> = (0..300 * 1024).map(|_| rng.u8(..)).collect();
    let files: Vec<(&str, &str, Vec<u8>)> = vec![
        ("notes.txt", "text/plain", "héllo, live server\n".repeat(50).into_bytes()),
        ("data.bin", "application/octet-stream", binary),
        ("empty-ish.csv", "text/csv", b"a,b\n1,2\n".to_vec()),
    ];
    let client_ids: Vec<String> = files.iter().map(|_| unique("cid")).collect();
    let parts = files
        .iter()
        .map(|(name, mime, bytes)| FilePart::from_bytes(bytes.clone(), *name).mime_type(*mime));
    let uploaded = client
        .upload_file(&channel.id, parts)
        .client_ids(&client_ids)
        .await
        .expect("one upload of three files");
    assert_eq!(uploaded.client_ids, client_ids, "client ids in order");
    let infos = uploaded.file_infos;
    assert_eq!(infos.len(), files.len());
    for (info, (name, _, bytes)) in infos.iter().zip(&files) {
        assert_eq!((info.name.as_str(), info.size), (*name, i64::try_from(bytes.len()).expect("size")));
        assert_eq!((info.user_id.as_str(), info.channel_id.as_str()), (user.id.as_str(), channel.id.as_str()));
        let back = client.get_file(&info.id).await.expect("download");
        assert!(back.as_ref() == bytes.as_slice(), "{name} differs after the round trip");
        let streamed: Vec<u8> = client
            .get_file(&info.id)
            .send_stream()
            .await
            .expect("stream")
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
            .expect("streamed download");
        assert!(streamed == *bytes, "{name} differs when streamed");
    }
}

/// The server pages a channel's posts by `ORDER BY CreateAt DESC LIMIT/OFFSET` with no
/// tiebreaker (`store/sqlstore/post_store.go` `getRootPosts`), so posts created in the same
/// millisecond may swap places between two page queries: one then comes twice and another not
/// at all (seen live with posts created eight at a time). That is the server's ordering, not
/// the stream's, so the posts here are created concurrently with distinct times: a system
/// admin may set `create_at` (`api4/post.go` `createPost`), which `CreatePostRequest` does not
/// have, so through the escape hatch.
async fn stream_over_more_than_1000_posts_yields_each_once(live: Live) {
    const POSTS: usize = 1_050;
    let (user, client) = live.user("stream").await;
    let team = live.team(&[&user]).await;
    let channel = client
        .create_channel(&CreateChannelRequest {
            team_id: team.id.clone(),
            name: unique("stream"),
            display_name: "stream".into(),
            r#type: mattermost_client::models::ChannelType::O,
            purpose: None,
            header: None,
        })
        .await
        .expect("a channel");
    let started = Instant::now();
    let first_at = now_ms() - 60_000;
    let created: Vec<Post> = futures_util::stream::iter(0..POSTS)
        .map(|n| {
            let admin = live.admin.clone();
            let at = first_at + i64::try_from(n).expect("a small number");
            let body = json!({"channel_id": channel.id, "message": format!("post {n}"), "create_at": at});
            async move {
                let request = OperationRequest::new(reqwest::Method::POST, "/api/v4/posts").json(&body);
                let post: Post = admin.send_json(request).await.expect("create a post");
                assert_eq!(post.create_at, at, "the admin's create_at is kept");
                post
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    println!("{POSTS} posts created in {:?}", started.elapsed());

    let started = Instant::now();
    // The generated stream: a PostList's `posts` in its `order`, page after page.
    let stream = client.get_posts_for_channel(&channel.id).per_page(200).stream();
    let streamed: Vec<Post> = stream.try_collect().await.expect("the stream");
    println!("{} posts streamed in {:?}", streamed.len(), started.elapsed());
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for post in &streamed {
        *seen.entry(post.id.as_str()).or_default() += 1;
    }
    let twice: Vec<&&str> = seen.iter().filter(|(_, n)| **n > 1).map(|(id, _)| id).collect();
    assert!(twice.is_empty(), "posts streamed more than once: {twice:?}");
    let missing: Vec<&str> = created
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !seen.contains_key(id))
        .collect();
    assert!(missing.is_empty(), "{} created posts never streamed", missing.len());
    assert!(streamed.len() >= POSTS, "{} posts", streamed.len());
    // Newest first, as the server orders a channel.
    assert!(streamed.windows(2).all(|w| w[0].create_at > w[1].create_at));
}

/// Rate limiting on the second server: 20 requests a second, bursts of 2 (`MaxBurst` 1). The
/// harness polls `/system/ping` every 100 ms while the server starts, well under the limit.
const RATE_LIMITING: &[(&str, &str)] = &[
    ("MM_RATELIMITSETTINGS_ENABLE", "true"),
    ("MM_RATELIMITSETTINGS_PERSEC", "20"),
    ("MM_RATELIMITSETTINGS_MAXBURST", "1"),
];

/// A server with rate limiting on answers 429 with `Retry-After`; the client waits as asked and
/// every call succeeds.
async fn rate_limited_calls_wait_as_retry_after_says(live: Live) {
    trace::init();
    let (user, _) = live.user("limited").await;
    // Without retries (and without a token: the limiter answers before authentication, so a
    // call is refused 401 when let through), the server's 429 comes back as it is, with the
    // wait it asks for.
    let impatient = Client::builder(&live.url).retry(RetryPolicy::none()).build().expect("client");
    let mut asked = None;
    for _ in 0..20 {
        let error = impatient.get_user(&user.id).await.expect_err("no token");
        if error.is_rate_limited() {
            asked = error.api_error().and_then(|e| e.retry_after);
            break;
        }
        assert!(error.is_unauthorized(), "{error}");
    }
    let asked = asked.expect("a 429 with Retry-After within 20 quick calls");
    assert_eq!(asked, Duration::from_secs(1), "Retry-After in whole seconds");

    let client = Client::builder(&live.url)
        .retry(RetryPolicy::default().max_retries(20))
        .build()
        .expect("client");
    let _: User = client.login(&user.username, PASSWORD).await.expect("login (retried when limited)");
    let started = Instant::now();
    let calls = futures_util::future::join_all((0..10).map(|_| {
        let client = client.clone();
        let id = user.id.clone();
        async move { client.get_user(&id).send_with_response().await }
    }))
    .await;
    let elapsed = started.elapsed();
    for call in &calls {
        let reply = call.as_ref().expect("every call succeeds after its waits");
        assert_eq!(reply.value.id, user.id);
        assert_eq!(reply.rate_limit().limit, Some(2), "the server's X-RateLimit-Limit: MaxBurst + 1");
    }
    let output = trace::output();
    let limited = output
        .lines()
        .filter(|l| l.contains("mattermost.request{") && l.contains("status=429") && l.contains(" close "))
        .count();
    let waits: Vec<&str> = output.lines().filter(|l| l.contains("retrying request")).collect();
    let asked_ms = format!("delay_ms={}", asked.as_millis());
    println!("10 calls in {elapsed:?}: {limited} attempts answered 429, each retried after {asked:?}");
    assert!(limited >= 5, "the server limited most of the calls:\n{output}");
    assert_eq!(waits.len() + 1, limited, "every 429 but the impatient client's was retried");
    assert!(
        waits.iter().all(|l| l.contains("status=429") && l.contains(&asked_ms)),
        "each wait is the server's Retry-After: {waits:#?}"
    );
    assert!(elapsed >= asked, "the client waited");
}

// ---------------------------------------------------------------- the tests

/// One server, the scenarios that need no special setting on it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_runtime() {
    let (server, live) = Live::start(&[]).await;
    let scenarios: Vec<Scenario> = vec![
        ("password login", Box::pin(password_login_keeps_the_session_token(live.clone()))),
        ("wrong password", Box::pin(wrong_password_is_a_typed_error_with_the_app_error_id(live.clone()))),
        ("MFA with TOTP", Box::pin(mfa_login_with_a_real_totp_code(live.clone()))),
        ("personal access token", Box::pin(personal_access_token(live.clone()))),
        ("If-None-Match, 304", Box::pin(if_none_match_gets_a_real_304(live.clone()))),
        ("files in one upload", Box::pin(files_uploaded_together_come_back_byte_for_byte(live.clone()))),
        ("a stream over 1,050 posts", Box::pin(stream_over_more_than_1000_posts_yields_each_once(live))),
    ];
    live_common::run(&server, scenarios).await;
}

/// A second server, with rate limiting on. Named to run after `live_runtime` (tests run one at
/// a time, in name order): it installs the process-wide trace capture, which then keeps
/// everything traced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_runtime_with_rate_limiting() {
    let (server, live) = Live::start(RATE_LIMITING).await;
    let scenarios: Vec<Scenario> = vec![("429 and Retry-After", Box::pin(rate_limited_calls_wait_as_retry_after_says(live)))];
    live_common::run(&server, scenarios).await;
}
