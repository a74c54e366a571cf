//! Behaviour of the runtime against a local mock server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use mattermost_client_runtime::{
    page_size, paginate, ArrayStyle, Client, Error, FilePart, LoginCredentials, Multipart, OperationRequest,
    RetryPolicy,
};
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A client for `server` that never retries.
fn client(server: &MockServer) -> Client {
    Client::builder(&server.uri())
        .retry(RetryPolicy::none())
        .build()
        .expect("valid client")
}

async fn ok_json(server: &MockServer, body: Value) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording on")
}

async fn only_request(server: &MockServer) -> Request {
    let mut requests = received(server).await;
    assert_eq!(requests.len(), 1);
    requests.remove(0)
}

fn header_str<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

// ---------------------------------------------------------------- requests

#[tokio::test]
async fn path_param_is_one_encoded_segment() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let req = OperationRequest::new(Method::GET, "/api/v4/users/{user_id}/teams")
        .path_param("user_id", "a b/c?#%");
    let _: Value = client(&server).send_json(req).await.expect("ok");
    let req = only_request(&server).await;
    assert_eq!(req.url.path(), "/api/v4/users/a%20b%2Fc%3F%23%25/teams");
    assert_eq!(req.url.query(), None);
}

#[tokio::test]
async fn path_param_dot_segment_is_rejected_without_sending() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let req = OperationRequest::new(Method::DELETE, "/api/v4/users/{user_id}")
        .path_param("user_id", "..");
    let err = client(&server).send_empty(req).await.expect_err("rejected");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn query_parameters() {
    let server = MockServer::start().await;
    ok_json(&server, json!([])).await;
    let req = OperationRequest::new(Method::GET, "/api/v4/users")
        .query("page", 0)
        .query_opt::<u32>("absent", None)
        .query_opt("since", Some(5))
        .query_array("ids", &["a", "b c"], ArrayStyle::Exploded)
        .query_array("names", &["x", "y"], ArrayStyle::CommaSeparated)
        .query_array::<&str>("none", &[], ArrayStyle::Exploded)
        .query("active", true)
        .query_opt("inactive", Some(false))
        .query("term", "a&b=c+d");
    let _: Value = client(&server).send_json(req).await.expect("ok");
    let req = only_request(&server).await;
    assert_eq!(
        req.url.query(),
        Some(
            "page=0&since=5&ids=a&ids=b+c&names=x,y&active=true&inactive=false&term=a%26b%3Dc%2Bd"
        )
    );
    let pairs: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
    assert!(pairs.iter().all(|(k, _)| k != "absent" && k != "none"));
    assert!(pairs.contains(&("term".into(), "a&b=c+d".into())));
}

#[tokio::test]
async fn headers_and_user_agent() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let req = OperationRequest::new(Method::GET, "/api/v4/system/ping")
        .header("X-Custom", "value 1")
        .header_opt("X-Set", Some(7))
        .header_opt::<&str>("X-Unset", None);
    let _: Value = client(&server).send_json(req).await.expect("ok");
    let req = only_request(&server).await;
    assert_eq!(header_str(&req, "x-custom"), Some("value 1"));
    assert_eq!(header_str(&req, "x-set"), Some("7"));
    assert!(req.headers.get("x-unset").is_none());
    assert!(req.headers.get("authorization").is_none());
    let ua = header_str(&req, "user-agent").expect("user agent");
    assert!(ua.starts_with("mattermost-client-rs/"), "{ua}");
}

#[tokio::test]
async fn invalid_header_value_is_invalid_request() {
    let server = MockServer::start().await;
    let req = OperationRequest::new(Method::GET, "/api/v4/x").header("X-Bad", "line\nbreak");
    let err = client(&server).send_empty(req).await.expect_err("rejected");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn json_body_exact_bytes() {
    #[derive(serde::Serialize)]
    struct Patch<'a> {
        name: &'a str,
        purpose: Option<&'a str>,
        count: u8,
    }
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let body = Patch {
        name: "town-square",
        purpose: None,
        count: 3,
    };
    let req = OperationRequest::new(Method::PUT, "/api/v4/channels/{id}/patch")
        .path_param("id", "c1")
        .json(&body);
    client(&server).send_empty(req).await.expect("ok");
    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "PUT");
    assert_eq!(header_str(&req, "content-type"), Some("application/json"));
    assert_eq!(
        req.body,
        br#"{"name":"town-square","purpose":null,"count":3}"#
    );
}

#[tokio::test]
async fn json_body_failure_is_invalid_request() {
    let server = MockServer::start().await;
    let mut map = std::collections::HashMap::new();
    map.insert((1, 2), 3); // non-string keys cannot be JSON
    let req = OperationRequest::new(Method::POST, "/api/v4/x").json(&map);
    let err = client(&server).send_empty(req).await.expect_err("rejected");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn form_and_raw_bodies() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let c = client(&server);
    let req = OperationRequest::new(Method::POST, "/oauth/access_token").form(&[
        ("grant_type", "code"),
        ("redirect_uri", "https://x/y?a=1 2"),
    ]);
    c.send_empty(req).await.expect("ok");
    let req = OperationRequest::new(Method::POST, "/api/v4/raw")
        .raw(&b"\x00\x01raw"[..], "application/octet-stream");
    c.send_empty(req).await.expect("ok");
    let requests = received(&server).await;
    assert_eq!(
        header_str(&requests[0], "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        requests[0].body,
        b"grant_type=code&redirect_uri=https%3A%2F%2Fx%2Fy%3Fa%3D1+2"
    );
    assert_eq!(
        header_str(&requests[1], "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(requests[1].body, b"\x00\x01raw");
}

/// One part of a received multipart body.
#[derive(Debug)]
struct Part {
    headers: String,
    content: Vec<u8>,
}

/// Splits a multipart body on the boundary given in its content type.
fn multipart_parts(req: &Request) -> Vec<Part> {
    let content_type = header_str(req, "content-type").expect("content type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let delimiter = format!("--{boundary}");
    let body = &req.body[..];
    let mut positions = Vec::new();
    let mut i = 0;
    while let Some(pos) = find(&body[i..], delimiter.as_bytes()) {
        positions.push(i + pos);
        i += pos + delimiter.len();
    }
    assert!(body.ends_with(format!("--{boundary}--\r\n").as_bytes()));
    positions
        .windows(2)
        .map(|w| {
            let part = &body[w[0] + delimiter.len() + 2..w[1] - 2];
            let split = find(part, b"\r\n\r\n").expect("part headers");
            Part {
                headers: String::from_utf8_lossy(&part[..split]).into_owned(),
                content: part[split + 4..].to_vec(),
            }
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn multipart_from_memory() {
    let server = MockServer::start().await;
    ok_json(&server, json!({"file_infos": []})).await;
    let form = Multipart::new()
        .text("channel_id", "ch1")
        .text_opt::<&str>("client_ids", None)
        .file("files", FilePart::from_bytes(&b"hello"[..], "hello.txt"))
        .files(
            "files",
            [
                FilePart::from_bytes(vec![0u8, 1, 2], "blob"),
                FilePart::from_bytes("x", "pic.png").mime_type("image/x-custom"),
            ],
        );
    let req = OperationRequest::new(Method::POST, "/api/v4/files").multipart(form);
    let _: Value = client(&server).send_json(req).await.expect("ok");
    let parts = multipart_parts(&only_request(&server).await);
    assert_eq!(parts.len(), 4, "{parts:?}");
    assert!(parts[0]
        .headers
        .contains(r#"Content-Disposition: form-data; name="channel_id""#));
    assert_eq!(parts[0].content, b"ch1");
    assert!(
        parts[1]
            .headers
            .contains(r#"name="files"; filename="hello.txt""#),
        "{}",
        parts[1].headers
    );
    assert!(parts[1].headers.contains("Content-Type: text/plain"));
    assert_eq!(parts[1].content, b"hello");
    assert!(parts[2].headers.contains(r#"filename="blob""#));
    assert!(parts[2]
        .headers
        .contains("Content-Type: application/octet-stream"));
    assert_eq!(parts[2].content, [0u8, 1, 2]);
    assert!(parts[3].headers.contains("Content-Type: image/x-custom"));
    assert_eq!(parts[3].content, b"x");
}

fn chunks() -> impl futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::iter([
        Ok(Bytes::from_static(b"str")),
        Ok(Bytes::from_static(b"eamed")),
    ])
}

#[tokio::test]
async fn multipart_from_stream() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let form = Multipart::new()
        .file(
            "image",
            FilePart::from_stream(chunks(), "data.bin").with_length(8),
        )
        .text("after", 1);
    let req = OperationRequest::new(Method::POST, "/api/v4/users/{id}/image")
        .path_param("id", "u1")
        .multipart(form);
    client(&server).send_empty(req).await.expect("ok");
    let parts = multipart_parts(&only_request(&server).await);
    assert_eq!(parts.len(), 2);
    // Text fields go before files, whatever the order they were added in.
    assert!(parts[0].headers.contains(r#"name="after""#), "{parts:?}");
    assert!(parts[1]
        .headers
        .contains(r#"name="image"; filename="data.bin""#));
    assert!(parts[1]
        .headers
        .contains("Content-Type: application/octet-stream"));
    assert_eq!(parts[0].content, b"1");
    assert_eq!(parts[1].content, b"streamed");
}

#[tokio::test]
async fn streamed_body_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = Client::builder(&server.uri())
        .retry(RetryPolicy::new().initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client");
    let form = Multipart::new().file("f", FilePart::from_stream(chunks(), "a"));
    let req = OperationRequest::new(Method::PUT, "/api/v4/x").multipart(form);
    let err = c.send_empty(req).await.expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(received(&server).await.len(), 1);
}

// --------------------------------------------------------------- responses

#[tokio::test]
async fn bytes_text_empty_and_stream_responses() {
    let server = MockServer::start().await;
    let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    Mock::given(path("/bytes"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(payload.clone()))
        .mount(&server)
        .await;
    Mock::given(path("/text"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("héllo", "text/plain; charset=utf-8"))
        .mount(&server)
        .await;
    Mock::given(path("/empty"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "OK"})))
        .mount(&server)
        .await;
    Mock::given(path("/nocontent"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    let get = |p: &'static str| OperationRequest::new(Method::GET, p);

    assert_eq!(c.send_bytes(get("/bytes")).await.expect("bytes"), payload);
    assert_eq!(c.send_text(get("/text")).await.expect("text"), "héllo");
    c.send_empty(get("/empty")).await.expect("empty");
    c.send_empty(get("/nocontent")).await.expect("204");

    let mut stream = c.send_stream(get("/bytes")).await.expect("stream");
    assert_eq!(stream.content_length(), Some(100_000));
    let mut streamed = Vec::new();
    while let Some(chunk) = stream.next().await {
        streamed.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(streamed, payload);

    let raw = c.send_raw(get("/text")).await.expect("raw");
    assert_eq!(raw.status(), 200);
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn error_is_send_sync_static() {
    fn check<T: std::error::Error + Send + Sync + 'static>() {}
    check::<Error>();
}

#[test]
fn futures_and_streams_are_send() {
    let c = Client::new("http://127.0.0.1:1").expect("client");
    assert_send(&c.send_json::<Value>(OperationRequest::new(Method::GET, "/x")));
    assert_send(&c.send_stream(OperationRequest::new(Method::GET, "/x")));
    assert_send(&c.login_as::<Value>("a", "b"));
    let s = paginate(&c.clone(), 10, move |_, _| {
        let c = c.clone();
        async move {
            c.send_json::<Vec<Value>>(OperationRequest::new(Method::GET, "/x"))
                .await
        }
    });
    assert_send(&s);
}

#[tokio::test]
async fn app_error_reply() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("X-Request-Id", "req123")
                .set_body_json(json!({
                    "id": "store.sql_user.missing",
                    "message": "Unable to find the user.",
                    "detailed_error": "resource: User id: x",
                    "request_id": "req123",
                    "status_code": 404
                })),
        )
        .mount(&server)
        .await;
    let req = OperationRequest::new(Method::GET, "/api/v4/users/{id}").path_param("id", "x");
    let err = client(&server)
        .send_json::<Value>(req)
        .await
        .expect_err("404");
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: Unable to find the user. (store.sql_user.missing)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let app = err.app_error().expect("app error");
    assert_eq!(app.id, "store.sql_user.missing");
    assert_eq!(app.detailed_error, "resource: User id: x");
    assert_eq!(app.status_code, 404);
    assert_eq!(app.is_oauth, None);
    let Error::Api(api) = &err else {
        panic!("not an API error: {err:?}")
    };
    assert_eq!(api.request_id.as_deref(), Some("req123"));
    assert!(api.body.contains("store.sql_user.missing"));
}

#[tokio::test]
async fn html_error_page() {
    let server = MockServer::start().await;
    let html = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>\n";
    Mock::given(any())
        .respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let req = OperationRequest::new(Method::GET, "/api/v4/system/ping");
    let err = client(&server)
        .send_json::<Value>(req)
        .await
        .expect_err("502");
    let Error::Api(api) = &err else {
        panic!("not an API error: {err:?}")
    };
    assert_eq!(api.status.as_u16(), 502);
    assert_eq!(api.app_error, None);
    assert_eq!(api.body, html);
    assert_eq!(
        err.to_string(),
        "HTTP 502 Bad Gateway: <html> <head><title>502 Bad Gateway</title></head> <body>nginx</body> </html>"
    );
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn json_without_id_or_message_is_not_app_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"status": "FAIL"})))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_empty(OperationRequest::new(Method::GET, "/x"))
        .await
        .expect_err("400");
    assert_eq!(err.app_error(), None);
    assert_eq!(
        err.to_string(),
        r#"HTTP 400 Bad Request: {"status":"FAIL"}"#
    );
}

#[tokio::test]
async fn empty_500_body() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_bytes(OperationRequest::new(Method::GET, "/api/v4/x"))
        .await
        .expect_err("500");
    let Error::Api(api) = &err else {
        panic!("not an API error: {err:?}")
    };
    assert_eq!(api.body, "");
    assert_eq!(api.app_error, None);
    assert_eq!(
        err.to_string(),
        "HTTP 500 Internal Server Error: empty body"
    );
}

#[tokio::test]
async fn huge_error_body_is_truncated() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string("é".repeat(100_000)))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_empty(OperationRequest::new(Method::GET, "/x"))
        .await
        .expect_err("500");
    let Error::Api(api) = &err else {
        panic!("not an API error: {err:?}")
    };
    assert_eq!(api.body.len(), 64 * 1024);
    assert!(api.body.chars().all(|c| c == 'é'));
    assert!(err.to_string().chars().count() < 300);
}

#[tokio::test]
async fn invalid_json_is_decode_error_with_bounded_snippet() {
    let server = MockServer::start().await;
    let body = format!("not json {}", "€".repeat(1000));
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
        .mount(&server)
        .await;
    let err = client(&server)
        .send_json::<Value>(OperationRequest::new(Method::GET, "/api/v4/x"))
        .await
        .expect_err("decode");
    let Error::Decode {
        status, snippet, ..
    } = &err
    else {
        panic!("not a decode error: {err:?}")
    };
    assert_eq!(status.as_u16(), 200);
    // Text that is neither JSON nor markup may be a secret: only its length is shown.
    assert_eq!(snippet, &format!("({} bytes of non-JSON text)", body.len()));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
}

#[tokio::test]
async fn decode_error_masks_json_string_values() {
    let server = MockServer::start().await;
    let body = format!(r#"{{"token":"s3cr3t-token","expires_at":"x{}"}}"#, "y".repeat(2000));
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Token {
        token: String,
        expires_at: u64,
    }
    let err = client(&server)
        .send_json::<Token>(OperationRequest::new(Method::GET, "/x"))
        .await
        .expect_err("decode");
    let Error::Decode { snippet, message, line, .. } = &err else {
        panic!("not a decode error: {err:?}")
    };
    assert_eq!(snippet, r#"{"token":"…","expires_at":"…"}"#);
    assert!(message.starts_with("invalid type: string"), "{message}");
    assert_eq!(*line, 1);
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("s3cr3t") && !text.contains("yyyy"), "{text}");
    }
}

#[tokio::test]
async fn wrong_json_shape_is_decode_error() {
    let server = MockServer::start().await;
    ok_json(&server, json!({"id": 5})).await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct User {
        id: String,
    }
    let err = client(&server)
        .send_json::<User>(OperationRequest::new(Method::GET, "/x"))
        .await
        .expect_err("decode");
    assert!(
        matches!(&err, Error::Decode { snippet, .. } if snippet == r#"{"id":5}"#),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_transport_error() {
    // Bind then drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let c = Client::builder(&format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let err = c
        .send_empty(OperationRequest::new(Method::GET, "/x"))
        .await
        .expect_err("refused");
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(err.status(), None);
}

// ---------------------------------------------------------- client set-up

#[tokio::test]
async fn base_url_forms() {
    let server = MockServer::start().await;
    ok_json(&server, json!({"status": "OK"})).await;
    let uri = server.uri();
    let cases = [
        (uri.clone(), "/api/v4/system/ping"),
        (format!("{uri}/"), "/api/v4/system/ping"),
        (format!("{uri}/api/v4"), "/api/v4/system/ping"),
        (format!("{uri}/api/v4/"), "/api/v4/system/ping"),
        (
            format!("{uri}/mattermost"),
            "/mattermost/api/v4/system/ping",
        ),
        (
            format!("{uri}/mattermost/api/v4/"),
            "/mattermost/api/v4/system/ping",
        ),
    ];
    for (base, _) in &cases {
        let c = Client::new(base).expect("client");
        assert!(c.base_url().as_str().ends_with('/'));
        c.send_empty(OperationRequest::new(Method::GET, "/api/v4/system/ping"))
            .await
            .expect("ok");
    }
    let paths: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    let expected: Vec<&str> = cases.iter().map(|(_, p)| *p).collect();
    assert_eq!(paths, expected);
    assert_eq!(
        Client::new(&format!("{uri}/mattermost/api/v4"))
            .expect("client")
            .base_url()
            .as_str(),
        format!("{uri}/mattermost/")
    );
    for bad in [
        "ftp://example.com",
        "not a url",
        "example.com",
        "https://user:pw@example.com",
    ] {
        assert!(
            matches!(Client::new(bad), Err(Error::InvalidRequest(_))),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn token_is_sent_as_bearer_and_shared_by_clones() {
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let c = Client::builder(&server.uri())
        .token("pat-123")
        .build()
        .expect("client");
    assert!(c.has_token());
    c.send_empty(OperationRequest::new(Method::GET, "/api/v4/users/me"))
        .await
        .expect("ok");
    let clone = c.clone();
    clone.set_token(Some("other".into()));
    c.send_empty(OperationRequest::new(Method::GET, "/api/v4/users/me"))
        .await
        .expect("ok");
    c.set_token(None);
    assert!(!clone.has_token());
    clone
        .send_empty(OperationRequest::new(Method::GET, "/api/v4/users/me"))
        .await
        .expect("ok");
    let auth: Vec<Option<String>> = received(&server)
        .await
        .iter()
        .map(|r| header_str(r, "authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [
            Some("Bearer pat-123".into()),
            Some("Bearer other".into()),
            None
        ]
    );
}

#[tokio::test]
async fn login_keeps_token_and_logout_clears_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/users/login"))
        .and(body_json(
            json!({"login_id": "alice", "password": "s3cret"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Token", "session-token-1")
                .set_body_json(json!({"id": "u1", "username": "alice"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users/me"))
        .and(header("authorization", "Bearer session-token-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "u1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v4/users/logout"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "OK"})))
        .expect(1)
        .mount(&server)
        .await;

    let c = Client::builder(&server.uri())
        .token("stale")
        .build()
        .expect("client");
    let user: Value = c.login_as("alice", "s3cret").await.expect("login");
    assert_eq!(user["username"], "alice");
    assert!(c.has_token());
    let me: Value = c
        .send_json(OperationRequest::new(Method::GET, "/api/v4/users/me"))
        .await
        .expect("me");
    assert_eq!(me["id"], "u1");
    c.logout().await.expect("logout");
    assert!(!c.has_token());

    let requests = received(&server).await;
    assert!(
        requests[0].headers.get("authorization").is_none(),
        "login is sent without a token"
    );
    assert_eq!(
        header_str(&requests[2], "authorization"),
        Some("Bearer session-token-1")
    );
}

#[tokio::test]
async fn login_with_credentials_and_failed_logout() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users/login"))
        .and(body_json(json!({
            "login_id": "bob", "password": "pw", "token": "123456",
            "device_id": "apple:abc", "ldap_only": "true"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Token", "t2")
                .set_body_json(json!({"id": "u2"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/users/logout"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = client(&server);
    let creds = LoginCredentials::new("bob", "pw")
        .mfa_token("123456")
        .ldap_only(true)
        .device_id("apple:abc");
    let user: Value = c.login_with_as(&creds).await.expect("login");
    assert_eq!(user["id"], "u2");
    assert!(c.has_token());
    let err = c.logout().await.expect_err("500");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(!c.has_token(), "token cleared even though logout failed");
}

#[tokio::test]
async fn failed_login_keeps_no_token() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "id": "api.user.login.invalid_credentials_email_username",
            "message": "Enter a valid email or username and/or password.",
            "status_code": 401
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.login_as::<Value>("alice", "wrong").await.expect_err("401");
    assert_eq!(
        err.app_error().map(|e| e.id.as_str()),
        Some("api.user.login.invalid_credentials_email_username")
    );
    assert!(!c.has_token());
}

#[test]
fn debug_output_redacts_secrets() {
    let builder = Client::builder("https://mm.example.com").token("tok-SECRET");
    let builder_debug = format!("{builder:?}");
    let c = builder.build().expect("client");
    let client_debug = format!("{c:?}");
    let creds = LoginCredentials::new("alice", "pw-SECRET").mfa_token("mfa-SECRET");
    let creds_debug = format!("{creds:?}");
    for debug in [&builder_debug, &client_debug, &creds_debug] {
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
    assert!(client_debug.contains("https://mm.example.com/"));
    assert!(creds_debug.contains("alice"));
}

// ----------------------------------------------------------------- retries

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new().initial_backoff(Duration::from_millis(10))
}

#[tokio::test]
async fn rate_limited_request_waits_for_reset() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("X-RateLimit-Reset", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    ok_json(&server, json!({"id": "p1"})).await;
    let c = Client::builder(&server.uri())
        .retry(fast_retries())
        .build()
        .expect("client");
    let started = Instant::now();
    // POST: a 429 is retried whatever the method.
    let post: Value = c
        .send_json(
            OperationRequest::new(Method::POST, "/api/v4/posts").json(&json!({"message": "hi"})),
        )
        .await
        .expect("retried");
    let elapsed = started.elapsed();
    assert_eq!(post["id"], "p1");
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].body, br#"{"message":"hi"}"#);
}

#[tokio::test]
async fn rate_limit_beyond_bound_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Reset", "3600")
                .set_body_json(
                    json!({"id": "api.context.rate_limit", "message": "Too many requests"}),
                ),
        )
        .mount(&server)
        .await;
    let c = Client::builder(&server.uri())
        .retry(fast_retries())
        .build()
        .expect("client");
    let started = Instant::now();
    let err = c
        .send_empty(OperationRequest::new(Method::GET, "/api/v4/users"))
        .await
        .expect_err("429");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn post_is_not_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = Client::builder(&server.uri())
        .retry(fast_retries())
        .build()
        .expect("client");
    let err = c
        .send_empty(OperationRequest::new(Method::POST, "/api/v4/posts").json(&json!({})))
        .await
        .expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn post_is_retried_on_503_when_opted_in() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = Client::builder(&server.uri())
        .retry(fast_retries().retry_non_idempotent(true).max_retries(3))
        .build()
        .expect("client");
    let err = c
        .send_empty(OperationRequest::new(Method::POST, "/api/v4/posts"))
        .await
        .expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(received(&server).await.len(), 4);
}

#[tokio::test]
async fn get_is_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    ok_json(&server, json!({"ok": true})).await;
    let c = Client::builder(&server.uri())
        .retry(fast_retries())
        .build()
        .expect("client");
    let v: Value = c
        .send_json(OperationRequest::new(Method::GET, "/api/v4/users/me"))
        .await
        .expect("retried");
    assert_eq!(v["ok"], true);
    assert_eq!(received(&server).await.len(), 2);
}

// -------------------------------------------------------------- pagination

async fn users_pages(server: &MockServer) {
    for (page, count) in [(0, 200), (1, 200), (2, 37)] {
        let items: Vec<Value> = (0..count)
            .map(|i| json!({"id": format!("p{page}-{i}")}))
            .collect();
        Mock::given(path("/api/v4/users"))
            .and(query_param("page", page.to_string()))
            .and(query_param("per_page", "200"))
            .respond_with(ResponseTemplate::new(200).set_body_json(items))
            .mount(server)
            .await;
    }
}

fn fetch_users(
    c: &Client,
) -> impl FnMut(
    u32,
    u32,
) -> futures_util::future::BoxFuture<
    'static,
    mattermost_client_runtime::Result<Vec<Value>>,
> {
    let c = c.clone();
    move |page, per_page| {
        let c = c.clone();
        Box::pin(async move {
            c.send_json(
                OperationRequest::new(Method::GET, "/api/v4/users")
                    .query("page", page)
                    .query("per_page", per_page),
            )
            .await
        })
    }
}

#[tokio::test]
async fn pagination_stops_after_short_page() {
    let server = MockServer::start().await;
    users_pages(&server).await;
    let c = client(&server);
    let items: Vec<Value> = paginate(&c, 1000, fetch_users(&c))
        .map(|r| r.expect("item"))
        .collect()
        .await;
    assert_eq!(items.len(), 437);
    assert_eq!(items[0]["id"], "p0-0");
    assert_eq!(items[436]["id"], "p2-36");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    for (i, req) in requests.iter().enumerate() {
        assert_eq!(
            req.url.query(),
            Some(format!("page={i}&per_page=200").as_str())
        );
    }
}

#[tokio::test]
async fn pagination_is_lazy() {
    let server = MockServer::start().await;
    users_pages(&server).await;
    let c = client(&server);
    let mut stream = paginate(&c, 200, fetch_users(&c));
    for _ in 0..200 {
        stream.next().await.expect("item").expect("ok");
    }
    assert_eq!(received(&server).await.len(), 1);
    stream.next().await.expect("item").expect("ok");
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn pagination_yields_error_once_then_ends() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = client(&server);
    let results: Vec<_> = paginate(&c, 0, fetch_users(&c)).collect().await;
    assert_eq!(results.len(), 1);
    assert!(matches!(&results[0], Err(Error::Api(_))));
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), Some("page=0&per_page=1"));
}

#[test]
fn page_size_takes_the_builders_per_page_or_the_server_maximum() {
    assert_eq!(page_size(None::<i64>), 200);
    assert_eq!(page_size(Some(50i64)), 50);
    assert_eq!(page_size(Some(50i32)), 50);
    // Out of u32's range: the maximum (paginate then clamps anything above 200).
    assert_eq!(page_size(Some(-1i64)), 200);
    assert_eq!(page_size(Some(i64::MAX)), 200);
    assert_eq!(page_size(Some(1000i64)), 1000);
    assert_eq!(page_size(Some(0i32)), 0);
}

#[tokio::test]
async fn pagination_stops_on_empty_page() {
    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    let c = Client::new("http://127.0.0.1:1").expect("client");
    let items: Vec<u32> = paginate(&c, 2, move |page, _| {
        *counter.lock().expect("lock") += 1;
        async move { Ok(if page < 2 { vec![page, page] } else { vec![] }) }
    })
    .map(|r| r.expect("item"))
    .collect()
    .await;
    assert_eq!(items, [0, 0, 1, 1]);
    assert_eq!(*calls.lock().expect("lock"), 3);
}

#[tokio::test]
async fn pagination_stops_when_the_server_repeats_a_page() {
    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    let c = Client::new("http://127.0.0.1:1").expect("client");
    // A server that ignores `page`: always the same full page.
    let results: Vec<_> = paginate(&c, 2, move |_, _| {
        *counter.lock().expect("lock") += 1;
        async move { Ok(vec![7u32, 8]) }
    })
    .collect()
    .await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(matches!(results[2], Err(Error::Pagination { page: 1, .. })), "{results:?}");
    assert_eq!(*calls.lock().expect("lock"), 2);
}

#[tokio::test]
async fn pagination_stops_at_max_stream_items() {
    let calls = Arc::new(Mutex::new(0u32));
    let counter = calls.clone();
    let c = Client::builder("http://127.0.0.1:1")
        .max_stream_items(3)
        .build()
        .expect("client");
    let items: Vec<u32> = paginate(&c, 2, move |page, _| {
        *counter.lock().expect("lock") += 1;
        async move { Ok(vec![page * 2, page * 2 + 1]) }
    })
    .map(|r| r.expect("item"))
    .collect()
    .await;
    assert_eq!(items, [0, 1, 2]);
    assert_eq!(*calls.lock().expect("lock"), 2);
}

// --- `Call`: owned requests, replies with headers, conditional GETs. ---

#[tokio::test]
async fn call_sends_each_reply_kind_and_is_a_static_send_future() {
    use mattermost_client_runtime::Call;
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"a": 1})))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/text"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"caf\xe9".to_vec(), "text/plain; charset=latin1"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/bytes"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0u8, 1, 2]))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/empty"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"status\":\"OK\"}"))
        .mount(&server)
        .await;
    let c = client(&server);
    let json: Call<Value> = Call::json(&c, OperationRequest::new(Method::GET, "/api/v4/json"));
    // Made here, sent from a spawned task: the call borrows nothing.
    let value = tokio::spawn(json.send()).await.expect("join").expect("json");
    assert_eq!(value, json!({"a": 1}));
    let text = Call::text(&c, OperationRequest::new(Method::GET, "/api/v4/text")).await.expect("text");
    assert_eq!(text, "café");
    let bytes = Call::bytes(&c, OperationRequest::new(Method::GET, "/api/v4/bytes")).await.expect("bytes");
    assert_eq!(&bytes[..], &[0, 1, 2]);
    let reply = Call::empty(&c, OperationRequest::new(Method::POST, "/api/v4/empty"))
        .send_with_response()
        .await
        .expect("empty");
    assert_eq!(reply.status(), reqwest::StatusCode::OK);
    let mut chunks = Call::bytes(&c, OperationRequest::new(Method::GET, "/api/v4/bytes")).send_stream().await.expect("stream");
    let mut streamed = Vec::new();
    while let Some(chunk) = chunks.next().await {
        streamed.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(streamed, [0, 1, 2]);
}

#[tokio::test]
async fn a_list_or_map_reply_of_null_is_empty_and_a_broken_one_still_fails() {
    use mattermost_client_runtime::Call;
    use std::collections::HashMap;
    let server = MockServer::start().await;
    // What GetJobs answers on a server with no job (seen live): `null` for a nil Go slice.
    Mock::given(path("/api/v4/null")).respond_with(ResponseTemplate::new(200).set_body_string("null")).mount(&server).await;
    Mock::given(path("/api/v4/list")).respond_with(ResponseTemplate::new(200).set_body_json(json!([1, 2]))).mount(&server).await;
    Mock::given(path("/api/v4/number")).respond_with(ResponseTemplate::new(200).set_body_string("7")).mount(&server).await;
    let c = client(&server);
    let list: Vec<i64> = Call::json_or_empty(&c, OperationRequest::new(Method::GET, "/api/v4/null")).await.expect("null list");
    assert!(list.is_empty());
    let map: HashMap<String, i64> = Call::json_or_empty(&c, OperationRequest::new(Method::GET, "/api/v4/null")).await.expect("null map");
    assert!(map.is_empty());
    let list: Vec<i64> = Call::json_or_empty(&c, OperationRequest::new(Method::GET, "/api/v4/list")).await.expect("list");
    assert_eq!(list, [1, 2]);
    let wrong = Call::<Vec<i64>>::json_or_empty(&c, OperationRequest::new(Method::GET, "/api/v4/number")).await;
    assert!(matches!(wrong, Err(mattermost_client_runtime::Error::Decode { .. })), "{wrong:?}");
    // A plain `json` call still refuses `null` for a list.
    let strict = Call::<Vec<i64>>::json(&c, OperationRequest::new(Method::GET, "/api/v4/null")).await;
    assert!(strict.is_err());
}

#[tokio::test]
async fn response_debug_shows_header_names_not_values() {
    use mattermost_client_runtime::Call;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})).insert_header("Token", "secret-session"))
        .mount(&server)
        .await;
    let reply = Call::<Value>::json(&client(&server), OperationRequest::new(Method::GET, "/api/v4/x"))
        .send_with_response()
        .await
        .expect("reply");
    let shown = format!("{reply:?}");
    assert!(shown.contains("token") && !shown.contains("secret-session"), "{shown}");
}

#[tokio::test]
async fn not_modified_is_an_answer_only_when_asked_for() {
    use mattermost_client_runtime::{Call, Conditional};
    let server = MockServer::start().await;
    Mock::given(header("if-none-match", "\"e1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"e1\""))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"v": 2})).insert_header("ETag", "\"e2\""))
        .mount(&server)
        .await;
    let c = client(&server);
    let get = || Call::<Value>::json(&c, OperationRequest::new(Method::GET, "/api/v4/thing"));
    let answer = get().send_if_none_match("\"e1\"").await.expect("304");
    assert!(matches!(answer, Conditional::NotModified(ref r) if r.status() == reqwest::StatusCode::NOT_MODIFIED));
    let answer = get().send_if_none_match("\"e0\"").await.expect("200");
    assert_eq!(answer.etag(), Some("\"e2\""));
    assert_eq!(answer.modified(), Some(json!({"v": 2})));
    // The runtime's own request description: a 304 to `if_none_match` is no error either.
    let raw = c.send_raw(OperationRequest::new(Method::GET, "/api/v4/thing").if_none_match("\"e1\"")).await.expect("304");
    assert_eq!(raw.status(), reqwest::StatusCode::NOT_MODIFIED);
    let err = c
        .send_json::<Value>(OperationRequest::new(Method::GET, "/api/v4/thing").header("If-None-Match", "\"e1\""))
        .await
        .expect_err("an unasked 304 stays an error");
    assert_eq!(err.status(), Some(reqwest::StatusCode::NOT_MODIFIED));
}

#[tokio::test]
async fn encoded_bodies_and_string_lists() {
    use mattermost_client_runtime::EncodedBody;
    let server = MockServer::start().await;
    ok_json(&server, json!({})).await;
    let c = client(&server);
    let names = vec!["a b".to_owned(), "c".to_owned()];
    let request = OperationRequest::new(Method::POST, "/api/v4/x")
        .query_strs("n", &names, ArrayStyle::Exploded)
        .query_strs("m", ["x", "y"], ArrayStyle::CommaSeparated)
        .encoded(EncodedBody::json(&json!({"k": "v"})));
    c.send_empty(request).await.expect("sent");
    let request = only_request(&server).await;
    assert_eq!(request.url.query(), Some("n=a+b&n=c&m=x,y"));
    assert_eq!(request.body, br#"{"k":"v"}"#);
    assert_eq!(format!("{:?}", EncodedBody::json(&json!({"password": "p"}))), "EncodedBody(application/json, 16 bytes)");
}

#[test]
fn error_helpers_need_an_api_reply() {
    let err = Error::Timeout { kind: mattermost_client_runtime::TimeoutKind::Deadline, limit: Duration::from_secs(1) };
    assert!(err.is_timeout() && !err.is_not_found() && !err.is_rate_limited() && err.app_error_id().is_none());
    let api = mattermost_client_runtime::ApiError::new(reqwest::StatusCode::TOO_MANY_REQUESTS, br#"{"id":""}"#, None);
    let err = Error::from(api);
    assert!(err.is_rate_limited());
    assert_eq!(err.app_error_id(), None, "an empty id is no id");
}
