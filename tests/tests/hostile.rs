//! Hostile-server tests: the generated client against a loopback server that
//! lies, stalls, floods, redirects and echoes (`hostile/server.rs`). Every
//! client gets short limits, and every test is bounded by [`TEST_LIMIT`].

mod hostile {
    pub mod server;
    pub mod trace;
}

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hostile::server::{refused_url, Action, Body, Reply, Request, Server};
use hostile::trace;
use mattermost_client::models::{
    CreatePostRequest, CreateUploadRequest, CreateUserAccessTokenRequest, UploadSessionType, User,
};
use mattermost_client::{BodyCut, Client, ClientBuilder, Error, RedirectPolicy, RetryPolicy, TimeoutKind};
use serde_json::json;

/// Longest run of one test.
const TEST_LIMIT: Duration = Duration::from_secs(20);

/// Runs a test body, failing it when it takes longer than [`TEST_LIMIT`].
async fn within<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test ran out of time")
}

/// `max_body_size` of every test client.
const BODY_LIMIT: u64 = 256 * 1024;
/// `max_bytes_size` of every test client.
const BYTES_LIMIT: u64 = 1024 * 1024;
/// `max_error_body` of every test client.
const ERROR_LIMIT: usize = 4 * 1024;

/// A builder for `url` with short limits and no retries.
fn builder_for(url: &str) -> ClientBuilder {
    trace::init();
    Client::builder(url)
        .retry(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(3))
        .deadline(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(2))
        .max_body_size(BODY_LIMIT)
        .max_bytes_size(BYTES_LIMIT)
        .max_error_body(ERROR_LIMIT)
        .error_body_timeout(Duration::from_millis(500))
}

/// A builder for `server` with short limits and no retries.
fn builder(server: &Server) -> ClientBuilder {
    builder_for(&server.url())
}

/// A client of `server` with short limits and no retries.
fn client(server: &Server) -> Client {
    builder(server).build().expect("valid client")
}

// 10. Replies the client already handled

/// An nginx error page is an [`Error::Api`] with the raw body and a one-line `Display`.
#[tokio::test]
async fn hostile_html_502_is_an_api_error() {
    within(async {
        let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                    </body>\r\n</html>\r\n";
        let server = Server::always(Reply::raw(502, "text/html", html)).await;
        let err = client(&server).get_user("u1").await.expect_err("502");
        let api = err
            .api_error()
            .unwrap_or_else(|| panic!("not Api: {err:?}"));
        assert_eq!(api.status.as_u16(), 502);
        assert_eq!(api.body, html);
        assert_eq!(api.body_cut, None);
        assert!(api.app_error.is_none());
        let shown = err.to_string();
        assert!(shown.contains("502") && shown.contains("nginx"), "{shown}");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert_eq!(server.count(), 1);
    })
    .await;
}

/// A body cut in the middle of a string is an [`Error::Decode`] with a bounded `Display`.
#[tokio::test]
async fn hostile_truncated_json_is_a_decode_error() {
    within(async {
        let body = format!("{{\"id\":\"u1\",\"username\":\"{}", "x".repeat(20_000));
        let server = Server::always(Reply::raw(200, "application/json", body)).await;
        let err = client(&server).get_user("u1").await.expect_err("decode");
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
        let shown = err.to_string();
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(format!("{err:?}").len() < 4_000);
    })
    .await;
}

/// An enum value the spec does not know decodes to `Unknown`.
#[tokio::test]
async fn hostile_unknown_enum_value_decodes() {
    within(async {
        let reply = json!({"id": "up1", "type": "hologram", "brand_new": {"x": [1]}});
        let server = Server::always(Reply::json(201, &reply)).await;
        let session = client(&server)
            .create_upload(&CreateUploadRequest::default())
            .await
            .expect("session");
        assert_eq!(
            session.r#type,
            Some(UploadSessionType::Unknown("hologram".into()))
        );
        assert_eq!(session.id.as_deref(), Some("up1"));
    })
    .await;
}

/// 100,000 nested arrays, in a typed field and in a free-form `props` map,
/// are a decode error, not a stack overflow.
#[tokio::test]
async fn hostile_deep_nesting_is_a_decode_error() {
    within(async {
        let depth = 100_000;
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let typed = format!("{{\"id\":{deep}}}");
        let free = format!("{{\"id\":\"p1\",\"props\":{{\"x\":{deep}}}}}");
        let server = Server::start(move |req: &Request, _| {
            let body = if req.path().starts_with("/api/v4/users/") {
                typed.clone()
            } else {
                free.clone()
            };
            Reply::raw(200, "application/json", body)
        })
        .await;
        let client = client(&server);
        let err = client.get_user("u1").await.expect_err("typed");
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = client.get_post("p1").await.expect_err("props");
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().len() < 2_000);
        assert_eq!(server.count(), 2);
    })
    .await;
}

/// 200 calls at once on one client each get their own reply.
#[tokio::test]
async fn hostile_200_concurrent_calls_on_one_client() {
    within(async {
        let server = Server::start(|req: &Request, _| {
            let id = req.path().rsplit('/').next().unwrap_or("").to_owned();
            Reply::json(200, &json!({ "id": id }))
        })
        .await;
        let client = client(&server);
        let ids: Vec<String> = (0..200).map(|i| format!("user{i}")).collect();
        let calls = ids.iter().map(|id| client.get_user(id).send());
        let users = futures_util::future::join_all(calls).await;
        for (id, user) in ids.iter().zip(users) {
            assert_eq!(&user.expect("user").id, id);
        }
        assert_eq!(server.count(), 200);
    })
    .await;
}

// Helpers of the contract tests

/// The status of a redirect error as a number.
fn redirect_of(err: &Error) -> (u16, &str) {
    match err {
        Error::Redirect { status, location } => (u16::from(*status), location.as_str()),
        other => panic!("expected Error::Redirect, got {other:?}"),
    }
}

/// The limit of an [`Error::BodyTooLarge`].
fn too_large_limit(err: &Error) -> u64 {
    match err {
        Error::BodyTooLarge { limit } => *limit,
        other => panic!("expected Error::BodyTooLarge, got {other:?}"),
    }
}

/// The kind and limit of an [`Error::Timeout`], checking `is_timeout`.
fn timeout_of(err: &Error) -> (TimeoutKind, Duration) {
    assert!(err.is_timeout(), "is_timeout() is false for {err:?}");
    match err {
        Error::Timeout { kind, limit } => (*kind, *limit),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
}

/// The message of an [`Error::InvalidRequest`].
fn invalid_message(err: &Error) -> &str {
    match err {
        Error::InvalidRequest(message) => message,
        other => panic!("expected Error::InvalidRequest, got {other:?}"),
    }
}

/// `Display` and `Debug` of an error, for scanning.
fn shown(err: &Error) -> String {
    format!("{err}\n{err:?}")
}

/// Fails when one of `secrets` occurs in one of `texts`.
fn assert_hidden(secrets: &[&str], texts: &[String]) {
    for secret in secrets {
        for text in texts {
            assert!(!text.contains(secret), "`{secret}` leaked in: {text}");
        }
    }
}

/// A post to create.
fn post() -> CreatePostRequest {
    CreatePostRequest {
        channel_id: "c1".into(),
        message: "hello".into(),
        ..CreatePostRequest::default()
    }
}

/// The IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) of `time`.
fn http_date(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        months[(month - 1) as usize],
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[test]
fn hostile_http_date_helper_formats_imf_fixdate() {
    let time = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(http_date(time), "Sun, 06 Nov 1994 08:49:37 GMT");
    let leap = std::time::UNIX_EPOCH + Duration::from_secs(1_709_210_096);
    assert_eq!(http_date(leap), "Thu, 29 Feb 2024 12:34:56 GMT");
}

// 1. Redirects

/// A login answered with 307 to another origin sends the password nowhere
/// else and stores no token, whatever the redirect policy.
#[tokio::test]
async fn hostile_login_redirect_to_another_origin_keeps_the_password_home() {
    within(async {
        let other = Server::always(
            Reply::json(200, &json!({"id": "u1"})).header("Token", "tok-from-elsewhere"),
        )
        .await;
        let target = format!("{}/api/v4/users/login", other.url());
        let server = Server::always(Reply::redirect(307, &target)).await;
        for policy in [
            RedirectPolicy::default(),
            RedirectPolicy::default().follow_cross_origin(true),
        ] {
            let client = builder(&server).redirects(policy).build().expect("client");
            let err = client
                .login("alice", "pw-1234")
                .await
                .expect_err("redirect");
            let (status, location) = redirect_of(&err);
            assert_eq!(status, 307);
            assert!(location.starts_with(&other.url()), "{location}");
            assert!(!client.has_token());
        }
        assert_eq!(server.count(), 2);
        assert!(server.requests()[0].text().contains("pw-1234"));
        assert_eq!(other.count(), 0, "{:?}", other.requests());
    })
    .await;
}

/// `create_post` answered with 302 to another origin is an
/// [`Error::Redirect`] naming the location without its query; nothing
/// reaches the other server.
#[tokio::test]
async fn hostile_cross_origin_redirect_of_a_post_is_an_error() {
    within(async {
        let other = Server::always(Reply::json(201, &json!({"id": "p1"}))).await;
        let target = format!("{}/api/v4/posts?sig=query-part", other.url());
        let server = Server::always(Reply::redirect(302, &target)).await;
        let client = builder(&server).token("tok-home").build().expect("client");
        let err = client.create_post(&post()).await.expect_err("redirect");
        let (status, location) = redirect_of(&err);
        assert_eq!(status, 302);
        assert!(
            location.starts_with(&format!("{}/api/v4/posts", other.url())),
            "{location}"
        );
        assert!(!location.contains("query-part"), "{location}");
        assert!(!err.to_string().contains("query-part"), "{err}");
        assert_eq!(server.count(), 1);
        assert_eq!(other.count(), 0, "{:?}", other.requests());
    })
    .await;
}

/// A same-origin redirect of a GET is followed, with the token.
#[tokio::test]
async fn hostile_same_origin_get_redirect_is_followed_with_credentials() {
    within(async {
        let server = Server::start(|req: &Request, _| match req.path() {
            "/api/v4/users/u1" => Reply::redirect(302, "/api/v4/users/u2"),
            _ => Reply::json(200, &json!({"id": "u2"})),
        })
        .await;
        let client = builder(&server).token("tok-same").build().expect("client");
        let user = client.get_user("u1").await.expect("followed");
        assert_eq!(user.id, "u2");
        let requests = server.requests();
        let paths: Vec<_> = requests
            .iter()
            .map(|r| (r.method.as_str(), r.path()))
            .collect();
        assert_eq!(
            paths,
            [("GET", "/api/v4/users/u1"), ("GET", "/api/v4/users/u2")]
        );
        for req in &requests {
            assert_eq!(req.header("authorization"), Some("Bearer tok-same"));
        }
    })
    .await;
}

/// A same-origin 303 answering a POST is not silently turned into a GET.
#[tokio::test]
async fn hostile_same_origin_303_of_a_post_is_not_turned_into_a_get() {
    within(async {
        let server = Server::start(|req: &Request, _| match req.method.as_str() {
            "POST" => Reply::redirect(303, "/api/v4/posts/p1"),
            _ => Reply::json(200, &json!({"id": "p1"})),
        })
        .await;
        let err = client(&server).create_post(&post()).await.expect_err("303");
        let (status, location) = redirect_of(&err);
        assert_eq!(status, 303);
        assert!(location.ends_with("/api/v4/posts/p1"), "{location}");
        let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["POST"]);
    })
    .await;
}

/// Each redirect code: a same-origin GET is followed, a same-origin POST and
/// a cross-origin GET are [`Error::Redirect`] with that code.
#[tokio::test]
async fn hostile_each_redirect_code() {
    within(async {
        let other = Server::always(Reply::json(200, &json!({"id": "elsewhere"}))).await;
        for code in [301u16, 302, 303, 307, 308] {
            let away = format!("{}/api/v4/users/end", other.url());
            let server = Server::start(move |req: &Request, _| match req.path() {
                "/api/v4/users/start" => Reply::redirect(code, "/api/v4/users/end"),
                "/api/v4/users/away" => Reply::redirect(code, &away),
                "/api/v4/users/end" => Reply::json(200, &json!({"id": "end"})),
                "/api/v4/posts" => Reply::redirect(code, "/api/v4/posts/elsewhere"),
                _ => Reply::status(404),
            })
            .await;
            let client = client(&server);
            let user = client.get_user("start").await.expect("followed");
            assert_eq!(user.id, "end", "{code}");
            let err = client.create_post(&post()).await.expect_err("POST");
            let (status, location) = redirect_of(&err);
            assert_eq!(status, code);
            assert!(location.ends_with("/api/v4/posts/elsewhere"), "{location}");
            let err = client.get_user("away").await.expect_err("cross-origin");
            assert_eq!(redirect_of(&err).0, code);
            let seen: Vec<_> = server
                .requests()
                .iter()
                .map(|r| format!("{} {}", r.method, r.path()))
                .collect();
            assert_eq!(
                seen,
                [
                    "GET /api/v4/users/start",
                    "GET /api/v4/users/end",
                    "POST /api/v4/posts",
                    "GET /api/v4/users/away",
                ],
                "{code}"
            );
        }
        assert_eq!(other.count(), 0, "{:?}", other.requests());
    })
    .await;
}

/// With `follow_cross_origin(true)` a GET redirect to another origin is
/// followed without the token; without it, it is an error.
#[tokio::test]
async fn hostile_cross_origin_get_redirect_drops_the_token() {
    within(async {
        let other = Server::always(Reply::raw(200, "image/png", b"PNGDATA".to_vec())).await;
        let target = format!("{}/cdn/f1?sig=abc", other.url());
        let server = Server::always(Reply::redirect(302, &target)).await;

        let strict = builder(&server).token("tok-home").build().expect("client");
        let err = strict.get_file("f1").await.expect_err("not followed");
        assert_eq!(redirect_of(&err).0, 302);
        assert_eq!(other.count(), 0);

        let lenient = builder(&server)
            .token("tok-home")
            .redirects(RedirectPolicy::default().follow_cross_origin(true))
            .build()
            .expect("client");
        let bytes = lenient.get_file("f1").await.expect("followed");
        assert_eq!(&bytes[..], b"PNGDATA");
        let there = other.requests();
        assert_eq!(there.len(), 1);
        assert_eq!(there[0].target, "/cdn/f1?sig=abc");
        assert_eq!(there[0].header("authorization"), None, "{:?}", there[0]);
        for req in server.requests() {
            assert_eq!(req.header("authorization"), Some("Bearer tok-home"));
        }
    })
    .await;
}

/// A redirect loop ends with an error after the allowed hops.
#[tokio::test]
async fn hostile_redirect_loop_ends_with_an_error() {
    within(async {
        for (policy, requests) in [
            (RedirectPolicy::default(), 6),
            (RedirectPolicy::default().max_hops(2), 3),
            (RedirectPolicy::none(), 1),
        ] {
            let server = Server::start(|req: &Request, _| match req.path() {
                "/api/v4/users/a" => Reply::redirect(302, "/api/v4/users/b"),
                _ => Reply::redirect(302, "/api/v4/users/a"),
            })
            .await;
            let client = builder(&server).redirects(policy).build().expect("client");
            let err = client.get_user("a").await.expect_err("loop");
            assert_eq!(redirect_of(&err).0, 302);
            assert_eq!(server.count(), requests);
        }
    })
    .await;
}

/// A `Token` header in a reply from another origin is never stored, even
/// when a caller-supplied HTTP client follows the redirect there itself.
#[tokio::test]
async fn hostile_token_from_another_origin_is_never_stored() {
    within(async {
        let other = Server::always(
            Reply::json(200, &json!({"id": "u1"})).header("Token", "tok-from-elsewhere"),
        )
        .await;
        let target = format!("{}/api/v4/users/login", other.url());
        let server = Server::start(move |req: &Request, _| match req.path() {
            "/api/v4/users/login" => Reply::redirect(307, &target),
            _ => Reply::json(200, &json!({"id": "me"})),
        })
        .await;
        mattermost_client::install_crypto_provider();
        let follows_everything = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .expect("reqwest client");
        let client = builder(&server)
            .http_client(follows_everything)
            .build()
            .expect("client");
        // Whether the login fails or not, the foreign token is not kept.
        let _ = client.login("alice", "pw-1234").await;
        assert_eq!(other.count(), 1, "the caller's client did not follow");
        assert!(!client.has_token());
        client.get_user("me").await.expect("user");
        for req in server.requests() {
            assert!(!req.text().contains("tok-from-elsewhere"), "{req:?}");
        }
    })
    .await;
}

// 2. Memory

/// An endless chunked body ends with [`Error::BodyTooLarge`] at the limit,
/// quickly, and the connection is dropped.
#[tokio::test]
async fn hostile_endless_chunked_body_stops_at_the_limit() {
    within(async {
        let server = Server::always(
            Reply::status(200)
                .header("Content-Type", "application/json")
                .body(Body::endless()),
        )
        .await;
        let started = Instant::now();
        let err = client(&server).get_user("u1").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BODY_LIMIT);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // The client dropped the connection: the server's writes stop.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = server.body_bytes_sent();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            server.body_bytes_sent(),
            sent,
            "the server is still writing"
        );
        assert!(sent < 64 * 1024 * 1024, "{sent} bytes sent");
    })
    .await;
}

/// A `Content-Length` above the limit fails before reading the body: the
/// server sends none and the error comes before any timeout.
#[tokio::test]
async fn hostile_content_length_over_the_limit_fails_before_reading() {
    within(async {
        let huge = Body::Stall {
            announced: 10 << 30,
            prefix: Vec::new(),
        };
        let server = Server::start(move |req: &Request, _| {
            let content_type = if req.path().starts_with("/api/v4/files/") {
                "application/octet-stream"
            } else {
                "application/json"
            };
            Reply::status(200)
                .header("Content-Type", content_type)
                .body(huge.clone())
        })
        .await;
        let client = client(&server);
        let started = Instant::now();
        let err = client.get_user("u1").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BODY_LIMIT);
        let err = client.get_file("f1").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BYTES_LIMIT);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}: the body was waited for",
            started.elapsed()
        );
    })
    .await;
}

/// A JSON reply holding a 200 MB string ends at the (lower) limit, without
/// reading the rest.
#[tokio::test]
async fn hostile_200_mb_json_string_is_cut_at_the_limit() {
    within(async {
        let server = Server::always(
            Reply::status(200)
                .header("Content-Type", "application/json")
                .body(Body::json_string("username", 200_000_000)),
        )
        .await;
        let started = Instant::now();
        let err = client(&server).get_user("u1").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BODY_LIMIT);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = server.body_bytes_sent();
        assert!(sent < 100_000_000, "{sent} bytes sent");
    })
    .await;
}

/// Byte replies (`get_file`) have their own limit, apart from JSON replies.
#[tokio::test]
async fn hostile_get_file_has_its_own_limit() {
    within(async {
        let half = usize::try_from(BYTES_LIMIT / 2).expect("small");
        let double = usize::try_from(BYTES_LIMIT * 2).expect("small");
        let server = Server::start(move |req: &Request, _| match req.path() {
            "/api/v4/files/small" => Reply::raw(200, "image/png", vec![7u8; half]),
            "/api/v4/files/big" => Reply::raw(200, "image/png", vec![7u8; double]),
            "/api/v4/files/big-chunked" => Reply::status(200)
                .header("Content-Type", "image/png")
                .body(Body::trickle(1024, 2 * 1024, Duration::ZERO, false)),
            _ => Reply::status(200)
                .header("Content-Type", "application/json")
                .body(Body::json_string("username", BYTES_LIMIT / 2)),
        })
        .await;
        let client = client(&server);
        // Larger than the JSON limit, smaller than the bytes limit.
        let bytes = client.get_file("small").await.expect("file");
        assert_eq!(bytes.len(), half);
        assert!(bytes.len() as u64 > BODY_LIMIT);
        let err = client.get_file("big").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BYTES_LIMIT);
        let err = client.get_file("big-chunked").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BYTES_LIMIT);
        let err = client.get_user("u1").await.expect_err("too large");
        assert_eq!(too_large_limit(&err), BODY_LIMIT);
    })
    .await;
}

/// Error bodies are read only up to the small cap, also when endless.
#[tokio::test]
async fn hostile_error_body_is_read_only_up_to_the_cap() {
    within(async {
        let server = Server::start(|req: &Request, _| match req.path() {
            "/api/v4/users/endless" => Reply::status(500)
                .header("Content-Type", "text/plain")
                .body(Body::endless()),
            _ => Reply::raw(404, "text/plain", vec![b'e'; 1 << 20]),
        })
        .await;
        let client = client(&server);
        let started = Instant::now();
        for (id, status) in [("endless", 500), ("big", 404)] {
            let err = client.get_user(id).await.expect_err("error status");
            let api = err
                .api_error()
                .unwrap_or_else(|| panic!("not Api: {err:?}"));
            assert_eq!(api.status.as_u16(), status);
            assert!(!api.body.is_empty());
            assert!(
                api.body.len() <= ERROR_LIMIT,
                "{} bytes kept",
                api.body.len()
            );
            assert_eq!(api.body_cut, Some(BodyCut::Size { limit: ERROR_LIMIT }));
            assert!(err.to_string().contains("body cut at the error-body limit"), "{err}");
            assert!(!err.is_timeout());
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

// 3. Time

/// A server that accepts and never answers: [`Error::Timeout`] within the
/// deadline, or the attempt timeout, whichever is shorter.
#[tokio::test]
async fn hostile_silent_server_times_out_within_the_limit() {
    within(async {
        let server = Server::always(Action::Silent).await;
        let short = Duration::from_millis(300);
        for (config, kind) in [
            (
                builder(&server)
                    .timeout(Duration::from_secs(5))
                    .deadline(short),
                TimeoutKind::Deadline,
            ),
            (
                builder(&server)
                    .timeout(short)
                    .deadline(Duration::from_secs(5)),
                TimeoutKind::Attempt,
            ),
        ] {
            let client = config.build().expect("client");
            let started = Instant::now();
            let err = client.get_user("u1").await.expect_err("timeout");
            let elapsed = started.elapsed();
            assert_eq!(timeout_of(&err), (kind, short));
            assert!(elapsed >= short - Duration::from_millis(20), "{elapsed:?}");
            assert!(elapsed < short + Duration::from_secs(1), "{elapsed:?}");
        }
    })
    .await;
}

/// Retries of a silent server all fit in the deadline.
#[tokio::test]
async fn hostile_deadline_covers_every_retry() {
    within(async {
        let server = Server::always(Action::Silent).await;
        let client = builder(&server)
            .retry(
                RetryPolicy::new()
                    .max_retries(10)
                    .initial_backoff(Duration::from_millis(10)),
            )
            .timeout(Duration::from_millis(200))
            .deadline(Duration::from_millis(700))
            .build()
            .expect("client");
        let started = Instant::now();
        let err = client.get_user("u1").await.expect_err("timeout");
        let elapsed = started.elapsed();
        assert!(err.is_timeout(), "{err:?}");
        assert!(elapsed < Duration::from_millis(1_500), "{elapsed:?}");
        assert!(server.count() >= 2, "retried {} times", server.count());
        assert!(server.count() <= 4, "{} attempts in 700 ms", server.count());
    })
    .await;
}

/// A 502 whose body stalls ends after the error-body time cap.
#[tokio::test]
async fn hostile_stalled_error_body_ends_quickly() {
    within(async {
        let server = Server::always(Reply::status(502).header("Content-Type", "text/html").body(
            Body::Stall {
                announced: 100_000,
                prefix: b"<html>bad gateway".to_vec(),
            },
        ))
        .await;
        let client = builder(&server)
            .error_body_timeout(Duration::from_millis(300))
            .timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let started = Instant::now();
        let err = client.get_user("u1").await.expect_err("502");
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_millis(1_300), "{elapsed:?}");
        // The status came: the error is the 502, with what of the body arrived in time.
        match &err {
            Error::Api(api) => assert_eq!(api.status.as_u16(), 502),
            other => panic!("expected the 502, got {other:?}"),
        }
    })
    .await;
}

/// A 502 whose body stalls past the error-body time cap does not hide the timeout behind its
/// status: the error keeps the status and the part of the body that came, says that the body
/// was cut by the time limit, and `is_timeout()` is true.
#[tokio::test]
async fn hostile_stalled_error_body_is_reported_as_a_timeout() {
    within(async {
        let limit = Duration::from_millis(300);
        let server = Server::always(Reply::status(502).header("Content-Type", "text/html").body(
            Body::Stall {
                announced: 100_000,
                prefix: b"<html>bad gateway".to_vec(),
            },
        ))
        .await;
        let client = builder(&server)
            .error_body_timeout(limit)
            .build()
            .expect("client");
        let err = client.get_user("u1").await.expect_err("502");
        let api = err.api_error().unwrap_or_else(|| panic!("not Api: {err:?}"));
        assert_eq!(api.status.as_u16(), 502);
        assert_eq!(api.body, "<html>bad gateway");
        assert_eq!(api.body_cut, Some(BodyCut::Time { limit }));
        assert!(err.is_timeout(), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with("HTTP 502 Bad Gateway: <html>bad gateway") && text.contains("timeout of 300ms ran out"),
            "{text}"
        );
    })
    .await;
}

/// An error body whose connection closes before its announced length says so, and is no
/// timeout.
#[tokio::test]
async fn hostile_error_body_cut_by_a_closed_connection_says_so() {
    within(async {
        let server = Server::always(Reply::status(503).header("Content-Type", "text/plain").body(
            Body::Truncated {
                announced: 100_000,
                prefix: b"overloaded".to_vec(),
            },
        ))
        .await;
        let err = client(&server).get_user("u1").await.expect_err("503");
        let api = err.api_error().unwrap_or_else(|| panic!("not Api: {err:?}"));
        assert_eq!(api.status.as_u16(), 503);
        assert_eq!(api.body, "overloaded");
        assert_eq!(api.body_cut, Some(BodyCut::Interrupted));
        assert!(!err.is_timeout(), "{err:?}");
        assert!(err.to_string().contains("body cut: the connection failed"), "{err}");
    })
    .await;
}

/// A buffered body trickling forever is cut by the attempt timeout, even
/// though every chunk comes within the read timeout.
#[tokio::test]
async fn hostile_trickling_buffered_body_is_cut_by_the_attempt_timeout() {
    within(async {
        let server = Server::always(
            Reply::status(200)
                .header("Content-Type", "application/json")
                .body(Body::trickle(1, 10_000, Duration::from_millis(50), false)),
        )
        .await;
        let limit = Duration::from_millis(400);
        let client = builder(&server)
            .timeout(limit)
            .read_timeout(Duration::from_secs(1))
            .build()
            .expect("client");
        let started = Instant::now();
        let err = client.get_user("u1").await.expect_err("timeout");
        assert_eq!(timeout_of(&err), (TimeoutKind::Attempt, limit));
        assert!(
            started.elapsed() < Duration::from_millis(1_400),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

/// A download stream outlives the attempt timeout and the deadline while
/// chunks keep coming within the read timeout.
#[tokio::test]
async fn hostile_trickling_stream_outlives_the_attempt_timeout() {
    within(async {
        let server = Server::always(
            Reply::status(200)
                .header("Content-Type", "application/octet-stream")
                .body(Body::trickle(100, 8, Duration::from_millis(120), false)),
        )
        .await;
        let client = builder(&server)
            .timeout(Duration::from_millis(300))
            .deadline(Duration::from_millis(400))
            .read_timeout(Duration::from_millis(600))
            .build()
            .expect("client");
        let started = Instant::now();
        let mut stream = client.get_file("f1").send_stream().await.expect("head");
        let mut received = 0;
        while let Some(chunk) = stream.next().await {
            received += chunk.expect("chunk").len();
        }
        assert_eq!(received, 800);
        assert!(
            started.elapsed() > Duration::from_millis(800),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

/// A stream whose server stops sending ends with a read timeout.
#[tokio::test]
async fn hostile_stalled_stream_ends_with_a_read_timeout() {
    within(async {
        let server = Server::always(
            Reply::status(200)
                .header("Content-Type", "application/octet-stream")
                .body(Body::trickle(100, 3, Duration::from_millis(50), true)),
        )
        .await;
        let idle = Duration::from_millis(300);
        let client = builder(&server)
            .timeout(Duration::from_secs(10))
            .deadline(Duration::from_secs(10))
            .read_timeout(idle)
            .build()
            .expect("client");
        let mut stream = client.get_file("f1").send_stream().await.expect("head");
        let mut received = 0;
        let mut last = Instant::now();
        let err = loop {
            match stream.next().await.expect("an error before the end") {
                Ok(chunk) => {
                    received += chunk.len();
                    last = Instant::now();
                }
                Err(err) => break err,
            }
        };
        let idle_for = last.elapsed();
        assert_eq!(received, 300);
        assert_eq!(timeout_of(&err), (TimeoutKind::Read, idle));
        assert!(idle_for >= idle - Duration::from_millis(20), "{idle_for:?}");
        assert!(idle_for < idle + Duration::from_secs(1), "{idle_for:?}");
    })
    .await;
}

// 4. Secrets

/// The session token and the password appear in no error, no `Debug` and no
/// tracing output.
#[tokio::test]
async fn hostile_token_and_password_never_leak() {
    within(async {
        const TOKEN: &str = "tok-SECRET-7f3a9c1d";
        const PASSWORD: &str = "pw-SECRET-b81e5a";
        let other = Server::always(Reply::status(200)).await;
        let elsewhere = format!("{}/api/v4/users/login", other.url());
        let server = Server::start(move |req: &Request, n| match (req.path(), n) {
            ("/api/v4/users/login", 0) => Reply::json(
                401,
                &json!({"id": "api.user.login.invalid_credentials", "message": "Wrong password."}),
            )
            .into(),
            ("/api/v4/users/login", _) => Reply::redirect(307, &elsewhere).into(),
            ("/api/v4/users/silent", _) => Action::Silent,
            ("/api/v4/users/flaky", _) => Reply::status(503).into(),
            _ => Reply::raw(500, "text/plain", "internal error").into(),
        })
        .await;
        let client = builder(&server)
            .token(TOKEN)
            .deadline(Duration::from_millis(500))
            .retry(RetryPolicy::new().initial_backoff(Duration::from_millis(10)))
            .build()
            .expect("client");
        let mut texts = vec![
            format!("{client:?}"),
            format!("{:?}", builder(&server).token(TOKEN)),
        ];
        let err = client
            .login("alice", PASSWORD)
            .await
            .expect_err("401");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        texts.push(shown(&err));
        let err = client
            .login("alice", PASSWORD)
            .await
            .expect_err("307");
        texts.push(shown(&err));
        for id in ["u1", "silent", "flaky"] {
            texts.push(shown(&client.get_user(id).await.expect_err(id)));
        }
        let refused = builder_for(&refused_url().await)
            .token(TOKEN)
            .build()
            .expect("client");
        texts.push(shown(&refused.get_user("u1").await.expect_err("refused")));
        texts.push(shown(
            &refused
                .login("alice", PASSWORD)
                .await
                .expect_err("refused"),
        ));

        // The secrets did go out where they belong.
        let sent: String = server.requests().iter().map(Request::text).collect();
        assert!(sent.contains(TOKEN) && sent.contains(PASSWORD));
        let traced = trace::output();
        assert!(
            traced.contains("/api/v4/users/{user_id}"),
            "no request traced"
        );
        texts.push(traced);
        assert_hidden(&[TOKEN, PASSWORD], &texts);
    })
    .await;
}

/// An invite id sent in the query appears in no error and no tracing
/// output, whatever the server does.
#[tokio::test]
async fn hostile_invite_id_in_the_query_never_leaks() {
    within(async {
        const INVITE: &str = "invite-SECRET-42d0e7";
        let server = Server::start(|_: &Request, n| match n {
            0 => Reply::json(
                404,
                &json!({"id": "app.team.invite.not_found", "message": "gone"}),
            )
            .into(),
            1 => Reply::raw(200, "application/json", "{\"team_id\":\"t1\",\"user_id\":").into(),
            2 => Reply::json(200, &json!({"team_id": 5})).into(),
            3 => Reply::redirect(302, &format!("/signup?token={INVITE}")).into(),
            4 => Reply::status(500).body(Body::endless()).into(),
            _ => Action::Silent,
        })
        .await;
        let client = builder(&server)
            .deadline(Duration::from_millis(400))
            .build()
            .expect("client");
        let mut texts = Vec::new();
        for _ in 0..6 {
            let err = client
                .add_team_member_from_invite()
                .invite_id(INVITE)
                .await
                .expect_err("hostile reply");
            texts.push(shown(&err));
        }
        let refused = builder_for(&refused_url().await).build().expect("client");
        let err = refused
            .add_team_member_from_invite()
            .invite_id(INVITE)
            .await
            .expect_err("refused");
        texts.push(shown(&err));
        let requests = server.requests();
        assert_eq!(requests.len(), 6);
        assert_eq!(
            requests[0].query_param("invite_id").as_deref(),
            Some(INVITE)
        );
        let traced = trace::output();
        assert!(
            traced.contains("/api/v4/teams/members/invite"),
            "no request traced"
        );
        texts.push(traced);
        assert_hidden(&[INVITE], &texts);
    })
    .await;
}

/// A new personal access token in a reply that fails to decode appears in
/// no error and no tracing output.
#[tokio::test]
async fn hostile_new_access_token_in_an_undecodable_reply_never_leaks() {
    within(async {
        const NEW_TOKEN: &str = "pat-SECRET-93abf4c2";
        let server = Server::start(|_: &Request, n| {
            let body = match n {
                0 => json!({"id": "t1", "token": NEW_TOKEN, "user_id": 5}).to_string(),
                1 => format!("{{\"id\":\"t1\",\"token\":\"{NEW_TOKEN}\",\"user_id\":\"u1\""),
                2 => format!("{{\"token\":\"{NEW_TOKEN}\", \"id\": [}}"),
                _ => format!("{{\"id\":\"t1\",\"token\":\"{NEW_TOKEN}"),
            };
            Reply::raw(200, "application/json", body)
        })
        .await;
        let client = client(&server);
        let body = CreateUserAccessTokenRequest {
            description: "ci".into(),
        };
        let mut texts = Vec::new();
        for _ in 0..4 {
            let err = client
                .create_user_access_token("u1", &body)
                .await
                .expect_err("undecodable");
            assert!(matches!(err, Error::Decode { .. }), "{err:?}");
            texts.push(shown(&err));
        }
        let traced = trace::output();
        assert!(
            traced.contains("/api/v4/users/{user_id}/tokens"),
            "no request traced"
        );
        texts.push(traced);
        assert_hidden(&[NEW_TOKEN], &texts);
    })
    .await;
}

/// A new personal access token decoded from a reply is returned, and its
/// `Debug` does not show it.
#[tokio::test]
async fn hostile_new_access_token_value_hides_it_in_debug() {
    within(async {
        const NEW_TOKEN: &str = "pat-SECRET-0c1d2e3f";
        let reply = json!({"id": "t1", "token": NEW_TOKEN, "user_id": "u1", "description": "ci"});
        let server = Server::always(Reply::json(201, &reply)).await;
        let body = CreateUserAccessTokenRequest {
            description: "ci".into(),
        };
        let created = client(&server)
            .create_user_access_token("u1", &body)
            .await
            .expect("token");
        assert_eq!(created.token.as_deref(), Some(NEW_TOKEN));
        let traced = trace::output();
        assert!(
            traced.contains("/api/v4/users/{user_id}/tokens"),
            "no request traced"
        );
        assert_hidden(&[NEW_TOKEN], &[format!("{created:?}"), traced]);
    })
    .await;
}

// 5. Path values

/// Path values that are empty or hold a `.`/`..` segment (split on `/` and
/// `\`) are [`Error::InvalidRequest`] naming the parameter; nothing is sent.
#[tokio::test]
async fn hostile_path_values_that_change_the_endpoint_are_rejected() {
    within(async {
        let server = Server::always(Reply::json(200, &json!({"id": "u1"}))).await;
        let client = client(&server);
        for value in [
            "",
            ".",
            "..",
            "../system/ping",
            "..\\x",
            "a/../../teams/t1",
            "a\\..\\..\\teams",
            "x/.",
            "./x",
        ] {
            let err = client.get_user(value).await.expect_err(value);
            let message = invalid_message(&err);
            assert!(message.contains("user_id"), "{value:?}: {message}");
            let err = client.delete_user(value).await.expect_err(value);
            let message = invalid_message(&err);
            assert!(message.contains("user_id"), "{value:?}: {message}");
            let err = client.get_file(value).await.expect_err(value);
            let message = invalid_message(&err);
            assert!(message.contains("file_id"), "{value:?}: {message}");
        }
        assert_eq!(server.count(), 0, "{:?}", server.requests());
        // Dots inside a segment are fine.
        client.get_user("a..b").await.expect("plain value");
        assert_eq!(server.requests()[0].path(), "/api/v4/users/a..b");
    })
    .await;
}

/// The decoded request path cleaned as Go's `path.Clean` does, keeping a trailing slash: what
/// gorilla/mux (`Router.ServeHTTP`, `cleanPath`), the Mattermost server's router, compares with
/// the path and redirects to with a 301 when they differ.
fn gorilla_clean(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut cleaned = format!("/{}", segments.join("/"));
    if path.ends_with('/') && cleaned != "/" {
        cleaned.push('/');
    }
    cleaned
}

/// `text` with its `%XX` escapes decoded (as Go's `URL.Path`), lossily.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Path values with an empty segment (`/`, `//`, `me//image`, `f//preview`) are refused before
/// sending. Behind a router that decodes and cleans paths, as the server's gorilla/mux does,
/// they would be answered with a 301 to another endpoint (`/users/me/image`, `/files/f/preview`),
/// which a GET follows with the token.
#[tokio::test]
async fn hostile_path_values_with_empty_segments_never_reach_the_cleaned_path() {
    within(async {
        let server = Server::start(|req: &Request, _| {
            let decoded = percent_decode(req.path());
            let cleaned = gorilla_clean(&decoded);
            if cleaned == decoded {
                Reply::json(200, &json!({"id": "someone-else", "username": "reached"}))
            } else {
                Reply::redirect(301, &cleaned)
            }
        })
        .await;
        let client = builder(&server).token("secret-token").build().expect("client");
        for value in ["/", "//", "me//image"] {
            let err = client.get_user(value).await.expect_err(value);
            assert!(invalid_message(&err).contains("user_id"), "{value:?}: {err}");
        }
        let err = client.get_file("f//preview").await.expect_err("f//preview");
        assert!(invalid_message(&err).contains("file_id"), "{err}");
        let leaked: Vec<String> = server
            .requests()
            .iter()
            .filter(|r| r.header("authorization").is_some())
            .map(|r| r.target.clone())
            .collect();
        assert!(leaked.is_empty(), "requests with the token: {leaked:?}");
        assert_eq!(server.count(), 0);
        // The router does redirect what the client refused to send.
        let probe = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("probe client")
            .get(format!("{}/api/v4/users/me%2F%2Fimage", server.url()))
            .send()
            .await
            .expect("probe");
        assert_eq!(probe.status().as_u16(), 301);
        let location = probe.headers().get("location").and_then(|v| v.to_str().ok());
        assert_eq!(location, Some("/api/v4/users/me/image"));
    })
    .await;
}

#[test]
fn hostile_gorilla_clean_helper_cleans_like_go() {
    for (path, cleaned) in [
        ("/api/v4/users/me//image", "/api/v4/users/me/image"),
        ("/api/v4/users//", "/api/v4/users/"),
        ("/api/v4/users/a/../b", "/api/v4/users/b"),
        ("/api/v4/users/me", "/api/v4/users/me"),
        ("/", "/"),
    ] {
        assert_eq!(gorilla_clean(path), cleaned, "{path}");
    }
    assert_eq!(percent_decode("/a%2F%2Fb%20%zz"), "/a//b %zz");
}

/// A value making the URL longer than 8 KiB is [`Error::InvalidRequest`].
#[tokio::test]
async fn hostile_overlong_values_are_rejected() {
    within(async {
        let server = Server::always(Reply::json(200, &json!({"id": "u1"}))).await;
        let client = client(&server);
        let long = "a".repeat(9 * 1024);
        let err = client.get_user(&long).await.expect_err("long path");
        invalid_message(&err);
        let err = client
            .add_team_member_from_invite()
            .invite_id(&long)
            .await
            .expect_err("long query");
        invalid_message(&err);
        assert_eq!(server.count(), 0);
    })
    .await;
}

// 6. Pagination

/// A `.stream()` against a server that ignores `page` ends with
/// [`Error::Pagination`] after a bounded number of requests.
#[tokio::test]
async fn hostile_stream_against_a_server_ignoring_pages_ends() {
    within(async {
        for (first_repeat, expected_ids) in [(1u32, vec!["a", "b"]), (2, vec!["a", "b", "c", "d"])]
        {
            let server = Server::start(move |req: &Request, _| {
                let page: u32 = req
                    .query_param("page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let ids = if page == 0 || first_repeat == 1 {
                    ["a", "b"]
                } else {
                    ["c", "d"]
                };
                Reply::json(200, &json!([{"id": ids[0]}, {"id": ids[1]}]))
            })
            .await;
            let client = client(&server);
            let mut stream = client.get_users().per_page(2).stream().take(1_000);
            let mut ids = Vec::new();
            let mut error = None;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(user) => ids.push(user.id),
                    Err(err) => {
                        error = Some(err);
                        break;
                    }
                }
            }
            assert_eq!(ids, expected_ids);
            match error {
                Some(Error::Pagination { page, .. }) => assert_eq!(page, first_repeat),
                other => panic!("expected Error::Pagination, got {other:?}"),
            }
            assert!(
                stream.next().await.is_none(),
                "the stream goes on after the error"
            );
            assert_eq!(server.count(), first_repeat as usize + 1);
        }
    })
    .await;
}

// 7. Error text

/// An AppError message with a newline, an escape sequence and 20 KB of text
/// shows as one bounded line without control characters.
#[tokio::test]
async fn hostile_error_text_is_escaped_and_bounded() {
    within(async {
        let message = format!("line1\nline2\u{1b}[31mred\r{}", "x".repeat(20_000));
        let html = format!("<p>\u{1b}[2J\u{7}{}</p>", "y".repeat(20_000));
        let server = Server::start(move |req: &Request, _| match req.path() {
            "/api/v4/users/app" => Reply::json(
                400,
                &json!({"id": "api.evil\u{1b}[0m", "message": message.clone()}),
            ),
            _ => Reply::raw(502, "text/html", html.clone()),
        })
        .await;
        // The error body cap must hold the whole AppError for it to decode.
        let client = builder(&server)
            .max_error_body(64 * 1024)
            .build()
            .expect("client");
        for id in ["app", "html"] {
            let err = client.get_user(id).await.expect_err("error status");
            let shown = err.to_string();
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
            assert!(
                shown.chars().count() <= 400,
                "{} chars",
                shown.chars().count()
            );
            if id == "app" {
                assert!(shown.contains("line1") && shown.contains("\\n"), "{shown}");
                let app = err.app_error().expect("AppError");
                assert!(app.message.starts_with("line1\nline2\u{1b}"));
            }
        }
    })
    .await;
}

/// A refused connection's `Display` names the cause and no URL.
#[tokio::test]
async fn hostile_refused_connection_names_the_cause() {
    within(async {
        let url = refused_url().await;
        let client = builder_for(&url).build().expect("client");
        let err = client.get_user("u1").await.expect_err("refused");
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert!(err.is_connect(), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.to_lowercase().contains("connection refused"),
            "{shown}"
        );
        assert!(
            !shown.contains("http://") && !shown.contains("/api/v4"),
            "{shown}"
        );
    })
    .await;
}

// 8. Retry-After

/// A server answering `first` once, then 200 with a user.
async fn answers_then_ok(first: Reply) -> Server {
    Server::start(move |_: &Request, n| {
        if n == 0 {
            first.clone()
        } else {
            Reply::json(200, &json!({"id": "u1"}))
        }
    })
    .await
}

/// A client of `server` retrying with short backoffs and a 10 s rate-limit budget.
fn retrying(server: &Server) -> ClientBuilder {
    builder(server)
        .retry(
            RetryPolicy::new()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(10))
                .max_rate_limit_wait(Duration::from_secs(10)),
        )
        .deadline(Duration::from_secs(8))
}

/// Calls `get_user` and returns its result, the elapsed time and the requests.
async fn timed_get_user(
    client: &Client,
    server: &Server,
) -> (Result<User, Error>, Duration, usize) {
    let started = Instant::now();
    let result = client.get_user("u1").await;
    (result, started.elapsed(), server.count())
}

/// `Retry-After` in seconds is honoured on 429 and 503.
#[tokio::test]
async fn hostile_retry_after_seconds_is_honoured() {
    within(async {
        let too_many = answers_then_ok(Reply::status(429).header("Retry-After", "1")).await;
        let unavailable = answers_then_ok(Reply::status(503).header("Retry-After", "1")).await;
        let (a, b) = (
            retrying(&too_many).build().expect("client"),
            retrying(&unavailable).build().expect("client"),
        );
        let (first, second) = tokio::join!(
            timed_get_user(&a, &too_many),
            timed_get_user(&b, &unavailable)
        );
        for (result, elapsed, requests) in [first, second] {
            assert_eq!(result.expect("retried").id, "u1");
            assert_eq!(requests, 2);
            assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
            assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        }
    })
    .await;
}

/// `Retry-After` as an HTTP date is honoured on 429 and 503.
#[tokio::test]
async fn hostile_retry_after_http_date_is_honoured() {
    within(async {
        let in_two_seconds = |status: u16| {
            Server::start(move |_: &Request, n| {
                if n == 0 {
                    let when = std::time::SystemTime::now() + Duration::from_secs(2);
                    Reply::status(status).header("Retry-After", &http_date(when))
                } else {
                    Reply::json(200, &json!({"id": "u1"}))
                }
            })
        };
        let too_many = in_two_seconds(429).await;
        let unavailable = in_two_seconds(503).await;
        let (a, b) = (
            retrying(&too_many).build().expect("client"),
            retrying(&unavailable).build().expect("client"),
        );
        let (first, second) = tokio::join!(
            timed_get_user(&a, &too_many),
            timed_get_user(&b, &unavailable)
        );
        for (result, elapsed, requests) in [first, second] {
            assert_eq!(result.expect("retried").id, "u1");
            assert_eq!(requests, 2);
            // The date has whole seconds: the wait is between 1 and 2 s.
            assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
            assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
        }
    })
    .await;
}

/// A `Retry-After` beyond the cap returns the error at once, with
/// `retry_after` set.
#[tokio::test]
async fn hostile_retry_after_beyond_the_cap_returns_at_once() {
    within(async {
        let in_an_hour = http_date(std::time::SystemTime::now() + Duration::from_secs(3_600));
        for (status, value) in [
            (429, "3600".to_owned()),
            (503, "3600".to_owned()),
            (429, in_an_hour.clone()),
            (503, in_an_hour),
        ] {
            let server = Server::always(Reply::status(status).header("Retry-After", &value)).await;
            let client = retrying(&server)
                .retry(
                    RetryPolicy::new()
                        .max_retries(3)
                        .initial_backoff(Duration::from_millis(10))
                        .max_rate_limit_wait(Duration::from_secs(2)),
                )
                .build()
                .expect("client");
            let (result, elapsed, requests) = timed_get_user(&client, &server).await;
            let err = result.expect_err("rate limited");
            let api = err
                .api_error()
                .unwrap_or_else(|| panic!("not Api: {err:?}"));
            assert_eq!(api.status.as_u16(), status);
            let asked = api
                .retry_after
                .unwrap_or_else(|| panic!("no retry_after: {api:?}"));
            assert!(
                asked >= Duration::from_secs(3_590) && asked <= Duration::from_secs(3_600),
                "{status} {value}: {asked:?}"
            );
            assert_eq!(requests, 1, "{status} {value}");
            assert!(
                elapsed < Duration::from_secs(1),
                "{status} {value}: {elapsed:?}"
            );
        }
    })
    .await;
}

/// The rate-limit cap and the deadline bound all the waits of one call
/// together, not each wait.
#[tokio::test]
async fn hostile_rate_limit_cap_covers_the_whole_call() {
    within(async {
        let server = Server::always(Reply::status(429).header("Retry-After", "1")).await;
        let capped = retrying(&server)
            .retry(
                RetryPolicy::new()
                    .max_retries(5)
                    .initial_backoff(Duration::from_millis(10))
                    .max_rate_limit_wait(Duration::from_millis(1_500)),
            )
            .build()
            .expect("client");
        let (result, elapsed, requests) = timed_get_user(&capped, &server).await;
        let err = result.expect_err("rate limited");
        let api = err
            .api_error()
            .unwrap_or_else(|| panic!("not Api: {err:?}"));
        assert_eq!(api.status.as_u16(), 429);
        assert_eq!(api.retry_after, Some(Duration::from_secs(1)));
        assert_eq!(requests, 2, "one wait of 1 s fits in 1.5 s, two do not");
        assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1_800), "{elapsed:?}");

        let server = Server::always(Reply::status(429).header("Retry-After", "1")).await;
        let deadline = Duration::from_millis(1_500);
        let short = retrying(&server)
            .retry(
                RetryPolicy::new()
                    .max_retries(5)
                    .initial_backoff(Duration::from_millis(10))
                    .max_rate_limit_wait(Duration::from_secs(60)),
            )
            .deadline(deadline)
            .build()
            .expect("client");
        let (result, elapsed, requests) = timed_get_user(&short, &server).await;
        let err = result.expect_err("rate limited");
        // A wait that would end after the deadline is not taken: the call ends at once with
        // the server's answer and how long it asked to wait.
        let api = err
            .api_error()
            .unwrap_or_else(|| panic!("not Api: {err:?}"));
        assert_eq!(api.status.as_u16(), 429);
        assert_eq!(api.retry_after, Some(Duration::from_secs(1)));
        assert_eq!(requests, 2, "one 1 s wait fits in the 1.5 s deadline, two do not");
        assert!(
            elapsed < deadline + Duration::from_millis(300),
            "{elapsed:?}"
        );
    })
    .await;
}

// 9. Login

/// A `Token` header with a reply body that fails to decode (or is too
/// large) leaves no token stored; a whole reply stores it.
#[tokio::test]
async fn hostile_login_reply_that_fails_to_decode_stores_no_token() {
    within(async {
        let server = Server::start(|req: &Request, n| {
            if req.path() != "/api/v4/users/login" {
                return Reply::json(200, &json!({"id": "me"}));
            }
            let reply = match n {
                0 => Reply::raw(200, "application/json", "{\"id\": \"u1\", \"username\":"),
                1 => Reply::json(200, &json!({"id": 5})),
                2 => Reply::status(200)
                    .header("Content-Type", "application/json")
                    .body(Body::endless()),
                _ => Reply::json(200, &json!({"id": "u1"})),
            };
            reply.header("Token", &format!("tok-login-{n}"))
        })
        .await;
        let client = client(&server);
        for expected in ["Decode", "Decode", "BodyTooLarge"] {
            let err = client
                .login("alice", "pw")
                .await
                .expect_err(expected);
            assert!(format!("{err:?}").starts_with(expected), "{err:?}");
            assert!(!client.has_token(), "token kept after {err:?}");
        }
        let user = client.login("alice", "pw").await.expect("login");
        assert_eq!(user.id, "u1");
        assert!(client.has_token());
        client.get_user("me").await.expect("user");
        let last = server.requests().pop().expect("a request");
        assert_eq!(last.header("authorization"), Some("Bearer tok-login-3"));
    })
    .await;
}
