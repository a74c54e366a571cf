//! Behaviour tests of the generated client against a local mock server: what
//! it sends (method, raw path, query, headers, body, multipart parts) and
//! what it returns (typed replies, bytes, errors).

use std::future::IntoFuture;

use bytes::Bytes;
use futures_util::StreamExt;
use mattermost_client::models::{CreateUploadRequest, CreateUserRequest, UploadSessionType};
use mattermost_client::{Client, Error, FilePart, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A server answering every request with `response`.
async fn server_with(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// A client of `server` that never retries.
fn client(server: &MockServer) -> Client {
    Client::builder(&server.uri())
        .retry(RetryPolicy::none())
        .build()
        .expect("valid client")
}

/// The one request `server` received.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request: {requests:?}"
    );
    requests.remove(0)
}

fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

fn json_reply(value: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(value.to_string().into_bytes(), "application/json")
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of `key="..."` in a `Content-Disposition` header.
fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    let marker = format!("; {key}=\"");
    let start = disposition.find(&marker)? + marker.len();
    let end = disposition[start..].find('"')? + start;
    Some(disposition[start..end].to_owned())
}

/// Splits a `multipart/form-data` body into its parts.
fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<Part> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not a multipart content type: {content_type}"));
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    let start = find(rest, delimiter.as_bytes()).expect("first boundary");
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            break; // closing delimiter
        }
        rest = rest.strip_prefix(b"\r\n").expect("CRLF after boundary");
        let head_end = find(rest, b"\r\n\r\n").expect("end of part headers");
        let head = std::str::from_utf8(&rest[..head_end]).expect("UTF-8 part headers");
        rest = &rest[head_end + 4..];
        let next = find(rest, format!("\r\n{delimiter}").as_bytes()).expect("next boundary");
        let content = rest[..next].to_vec();
        rest = &rest[next + 2 + delimiter.len()..];
        let mut part = Part {
            name: String::new(),
            file_name: None,
            content_type: None,
            body: content,
        };
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(':').expect("header line");
            let value = value.trim();
            match key.to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    assert!(value.starts_with("form-data"), "{value}");
                    part.name = disposition_param(value, "name").expect("part name");
                    part.file_name = disposition_param(value, "filename");
                }
                "content-type" => part.content_type = Some(value.to_owned()),
                other => panic!("unexpected part header {other}"),
            }
        }
        parts.push(part);
    }
    parts
}

// 1. Path encoding

#[tokio::test]
async fn path_parameters_are_percent_encoded_as_one_segment() {
    let server = server_with(json_reply(json!({"id": "u1"}))).await;
    let user = client(&server).get_user("a b/c?#%").await.expect("user");
    assert_eq!(user.id, "u1");

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "GET");
    // `Url::path` keeps the percent-encoding as received.
    assert_eq!(req.url.path(), "/api/v4/users/a%20b%2Fc%3F%23%25");
    assert_eq!(req.url.query(), None);
    assert_eq!(req.url.fragment(), None);
    assert!(req.body.is_empty());
}

// 2. Optional query parameters

#[tokio::test]
async fn omitted_optional_parameters_send_no_query() {
    let server = server_with(json_reply(json!([]))).await;
    let users = client(&server).get_users().await.expect("users");
    assert!(users.is_empty());

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "GET");
    assert_eq!(req.url.path(), "/api/v4/users");
    assert_eq!(req.url.query(), None);
    assert!(!req.url.as_str().contains('?'), "{}", req.url);
}

#[tokio::test]
async fn set_optional_parameters_are_sent_exactly() {
    let server = server_with(json_reply(json!([{"id": "u1"}, {"id": "u2"}]))).await;
    let client = client(&server);
    let users = client
        .get_users()
        .page(2)
        .per_page(200)
        .in_team("t")
        .await
        .expect("users");
    let ids: Vec<_> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2"]);
    client
        .get_users()
        .active(true)
        .inactive(false)
        .send()
        .await
        .expect("users");
    client.get_users().in_team("a b&c=d").await.expect("users");

    let requests = server.received_requests().await.expect("recording enabled");
    let queries: Vec<_> = requests.iter().map(|r| r.url.query()).collect();
    assert_eq!(
        queries,
        [
            Some("page=2&per_page=200&in_team=t"),
            Some("active=true&inactive=false"),
            Some("in_team=a+b%26c%3Dd"),
        ]
    );
    assert!(requests.iter().all(|r| r.url.path() == "/api/v4/users"));
}

// 3. JSON body

#[tokio::test]
async fn json_body_has_only_the_set_fields_and_reply_is_decoded() {
    let reply = json!({
        "id": "new-id",
        "username": "alice",
        "email": "alice@example.com",
        "create_at": 1_700_000_000_000_i64,
        "email_verified": false,
    });
    let server = server_with(
        ResponseTemplate::new(201).set_body_raw(reply.to_string().into_bytes(), "application/json"),
    )
    .await;
    let body = CreateUserRequest {
        email: "alice@example.com".into(),
        username: "alice".into(),
        password: Some("s3cret".into()),
        ..CreateUserRequest::default()
    };
    let user = client(&server).create_user(&body).await.expect("user");
    assert_eq!(user.id, "new-id");
    assert_eq!(user.username, "alice");
    assert_eq!(user.create_at, Some(1_700_000_000_000));
    assert_eq!(user.email_verified, Some(false));
    // A field the server always sends but this reply lacks decodes as its default.
    assert_eq!(user.first_name, "");

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/api/v4/users");
    assert_eq!(req.url.query(), None);
    assert_eq!(header(&req, "content-type"), Some("application/json"));
    let sent: serde_json::Value = req.body_json().expect("JSON body");
    assert_eq!(
        sent,
        json!({"email": "alice@example.com", "username": "alice", "password": "s3cret"})
    );
}

// 4. Multipart uploads

#[tokio::test]
async fn multipart_upload_of_several_files_sends_text_parts_first() {
    let reply = json!({"file_infos": [{"id": "f1", "name": "hello.txt"}, {"id": "f2", "name": "b.bin"}], "client_ids": ["cid1", "cid2"]});
    let server = server_with(
        ResponseTemplate::new(201).set_body_raw(reply.to_string().into_bytes(), "application/json"),
    )
    .await;
    let files = vec![
        FilePart::from_bytes(b"hello".to_vec(), "hello.txt"),
        FilePart::from_bytes(vec![0u8, 1, 2], "b.bin"),
    ];
    let uploaded = client(&server)
        .upload_file("chan1", files)
        .client_ids(["cid1", "cid2"])
        .await
        .expect("upload");
    // Always written by the server (model/file.go FileUploadResponse): plain fields.
    let infos = &uploaded.file_infos;
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[1].id, "f2");
    assert_eq!(uploaded.client_ids, ["cid1", "cid2"]);

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/api/v4/files");
    // The channel is a part, never a query value.
    assert_eq!(req.url.query(), None);
    let content_type = header(&req, "content-type").expect("content type");
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let parts = parse_multipart(content_type, &req.body);
    let text = |name: &str, body: &[u8]| Part {
        name: name.into(),
        file_name: None,
        content_type: None,
        body: body.to_vec(),
    };
    // The server's streaming handler must see the channel and the client ids before any file.
    assert_eq!(
        parts,
        [
            text("channel_id", b"chan1"),
            text("client_ids", b"cid1"),
            text("client_ids", b"cid2"),
            Part {
                name: "files".into(),
                file_name: Some("hello.txt".into()),
                content_type: Some("text/plain".into()),
                body: b"hello".to_vec(),
            },
            Part {
                name: "files".into(),
                file_name: Some("b.bin".into()),
                content_type: Some("application/octet-stream".into()),
                body: vec![0, 1, 2],
            },
        ]
    );
}

#[tokio::test]
async fn multipart_upload_from_stream() {
    let server = server_with(json_reply(json!({"file_infos": []}))).await;
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(Bytes::from_static(b"chunk-1 ")),
        Ok(Bytes::from_static(&[0x00, 0xff, 0xfe])),
        Ok(Bytes::from_static(b" chunk-3")),
    ]);
    let custom = FilePart::from_stream(chunks, "data.bin").mime_type("application/x-custom");
    client(&server)
        .upload_file("chan1", vec![custom])
        .await
        .expect("upload");

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/api/v4/files");
    assert_eq!(req.url.query(), None);
    let content_type = header(&req, "content-type").expect("content type");
    let parts = parse_multipart(content_type, &req.body);
    let mut expected = b"chunk-1 ".to_vec();
    expected.extend_from_slice(&[0x00, 0xff, 0xfe]);
    expected.extend_from_slice(b" chunk-3");
    assert_eq!(
        parts,
        [
            Part {
                name: "channel_id".into(),
                file_name: None,
                content_type: None,
                body: b"chan1".to_vec(),
            },
            Part {
                name: "files".into(),
                file_name: Some("data.bin".into()),
                content_type: Some("application/x-custom".into()),
                body: expected,
            },
        ]
    );
}

#[tokio::test]
async fn streamed_part_without_mime_type_defaults_to_octet_stream() {
    let server = server_with(json_reply(json!({}))).await;
    let chunks =
        futures_util::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from_static(b"raw"))]);
    client(&server)
        .upload_file("c1", vec![FilePart::from_stream(chunks, "noext").with_length(3)])
        .await
        .expect("upload");
    let req = only_request(&server).await;
    let parts = parse_multipart(header(&req, "content-type").expect("ct"), &req.body);
    assert_eq!(
        parts,
        [Part {
            name: "channel_id".into(),
            file_name: None,
            content_type: None,
            body: b"c1".to_vec(),
        }, Part {
            name: "files".into(),
            file_name: Some("noext".into()),
            content_type: Some("application/octet-stream".into()),
            body: b"raw".to_vec(),
        }]
    );
}

// 5. Binary download

const IMAGE: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0xc3,
];

#[tokio::test]
async fn binary_reply_is_returned_byte_for_byte() {
    let server =
        server_with(ResponseTemplate::new(200).set_body_raw(IMAGE.to_vec(), "image/png")).await;
    let client = client(&server);
    // `get_file` is declared binary by spec/overlay.yaml (upstream declares no reply).
    let bytes: Bytes = client.get_file("f1").await.expect("file");
    assert_eq!(&bytes[..], IMAGE);

    let mut stream = client.get_file("f1").send_stream().await.expect("stream");
    assert_eq!(stream.content_length(), Some(IMAGE.len() as u64));
    let mut streamed = Vec::new();
    while let Some(chunk) = stream.next().await {
        streamed.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(streamed, IMAGE);

    let requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 2);
    for req in &requests {
        assert_eq!(req.method.as_str(), "GET");
        assert_eq!(req.url.path(), "/api/v4/files/f1");
        assert_eq!(req.url.query(), None);
    }
}

#[tokio::test]
async fn binary_reply_with_required_query() {
    let server =
        server_with(ResponseTemplate::new(200).set_body_raw(IMAGE.to_vec(), "text/plain")).await;
    let client = client(&server);
    let bytes = client
        .get_image_by_url("https://x.test/a?b=c d")
        .await
        .expect("bytes");
    assert_eq!(&bytes[..], IMAGE);
    let stream = client
        .get_image_by_url_stream("https://x.test/a?b=c d")
        .await
        .expect("stream");
    let chunks: Vec<_> = stream.collect().await;
    let streamed: Vec<u8> = chunks
        .into_iter()
        .flat_map(|c| c.expect("chunk").to_vec())
        .collect();
    assert_eq!(streamed, IMAGE);
    let requests = server.received_requests().await.expect("recording enabled");
    for req in &requests {
        assert_eq!(req.url.path(), "/api/v4/image");
        assert_eq!(
            req.url.query(),
            Some("url=https%3A%2F%2Fx.test%2Fa%3Fb%3Dc+d")
        );
    }
}

// Pagination through the generated `.stream()`

/// A server with 5 users in team `t1`, served `per_page` at a time like Mattermost does.
struct UserPages;

impl wiremock::Respond for UserPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: std::collections::HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(60);
        let users: Vec<serde_json::Value> = (0..5usize)
            .skip(page * per_page)
            .take(per_page)
            .map(|i| json!({"id": format!("u{i}")}))
            .collect();
        json_reply(serde_json::Value::Array(users))
    }
}

#[tokio::test]
async fn stream_fetches_pages_lazily_until_a_short_page() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(UserPages).mount(&server).await;
    let client = client(&server);
    let ids: Vec<String> = client
        .get_users()
        .in_team("t1")
        .per_page(2)
        .page(7) // ignored by `.stream()`, which starts at page 0
        .stream()
        .map(|user| user.expect("user").id)
        .collect()
        .await;
    assert_eq!(ids, ["u0", "u1", "u2", "u3", "u4"]);

    let requests = server.received_requests().await.expect("recording enabled");
    let queries: Vec<&str> = requests.iter().map(|r| r.url.query().unwrap_or("")).collect();
    assert_eq!(
        queries,
        [
            "page=0&per_page=2&in_team=t1",
            "page=1&per_page=2&in_team=t1",
            "page=2&per_page=2&in_team=t1",
        ]
    );
    assert!(requests.iter().all(|r| r.url.path() == "/api/v4/users"));
}

#[tokio::test]
async fn stream_clamps_per_page_and_takes_only_what_is_consumed() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(UserPages).mount(&server).await;
    let client = client(&server);
    let mut stream = client.get_users().per_page(5000).stream();
    let first = stream.next().await.expect("an item").expect("a user");
    assert_eq!(first.id, "u0");
    drop(stream);
    let requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 1, "one page fetched for one item");
    assert_eq!(requests[0].url.query(), Some("page=0&per_page=200"));
}

/// The query of a request as a map.
fn query_map(request: &Request) -> std::collections::HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

/// The queries `server` received, in order.
async fn queries(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.expect("recording enabled");
    requests.iter().map(|r| r.url.query().unwrap_or("").to_owned()).collect()
}

/// A channel of 5 posts (`p0` newest), served as Mattermost's `PostList` pages: the page's ids
/// newest first in `order`, the posts in the `posts` map, which also holds a thread's root
/// post that is not in `order`.
struct ChannelPosts;

impl wiremock::Respond for ChannelPosts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_map(request);
        let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(60);
        let ids: Vec<String> = (0..5usize).skip(page * per_page).take(per_page).map(|i| format!("p{i}")).collect();
        let mut posts = serde_json::Map::new();
        for id in ids.iter().rev() {
            posts.insert(id.clone(), json!({"id": id, "message": format!("message {id}"), "root_id": "root"}));
        }
        posts.insert("root".into(), json!({"id": "root", "message": "the thread's root"}));
        json_reply(json!({"order": ids, "posts": posts, "next_post_id": "", "prev_post_id": ""}))
    }
}

#[tokio::test]
async fn post_list_stream_yields_each_post_once_in_the_servers_order() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/channels/c1/posts")).respond_with(ChannelPosts).mount(&server).await;
    let client = client(&server);
    let ids: Vec<String> = client
        .get_posts_for_channel("c1")
        .per_page(2)
        .stream()
        .map(|post| post.expect("post").id)
        .collect()
        .await;
    // `order` decides: newest first, the root (only in `posts`) never, each post once.
    assert_eq!(ids, ["p0", "p1", "p2", "p3", "p4"]);
    assert_eq!(queries(&server).await, ["page=0&per_page=2", "page=1&per_page=2", "page=2&per_page=2"]);
}

#[tokio::test]
async fn post_list_stream_is_bounded_by_max_stream_items() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ChannelPosts).mount(&server).await;
    let client = Client::builder(&server.uri()).retry(RetryPolicy::none()).max_stream_items(3).build().expect("client");
    let ids: Vec<String> = client.get_posts_for_channel("c1").per_page(2).stream().map(|p| p.expect("post").id).collect().await;
    assert_eq!(ids, ["p0", "p1", "p2"]);
    assert_eq!(server.received_requests().await.expect("recording").len(), 2, "no page fetched beyond the limit");
}

#[tokio::test]
async fn post_list_fields_the_server_always_writes_are_plain_and_null_is_empty() {
    // An archived thread's reply (post.go getPostThread): `posts` is a nil Go map, `null`.
    let server = server_with(json_reply(json!({"order": [], "posts": null, "first_inaccessible_post_time": 7}))).await;
    let list = client(&server).get_post_thread("p1").await.expect("decodes");
    let (order, posts): (&Vec<String>, &std::collections::BTreeMap<String, mattermost_client::models::Post>) = (&list.order, &list.posts);
    assert!(order.is_empty() && posts.is_empty());
    assert_eq!(list.first_inaccessible_post_time, 7);
}

/// 5 teams, served as a plain list, or with `include_total_count=true` as
/// `{"teams": [...], "total_count": 5}` (team.go getAllTeams).
struct AllTeams;

impl wiremock::Respond for AllTeams {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_map(request);
        let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(60);
        let teams: Vec<serde_json::Value> = (0..5usize).skip(page * per_page).take(per_page).map(|i| json!({"id": format!("t{i}")})).collect();
        if query.get("include_total_count").map(String::as_str) == Some("true") {
            json_reply(json!({"teams": teams, "total_count": 5}))
        } else {
            json_reply(serde_json::Value::Array(teams))
        }
    }
}

#[tokio::test]
async fn count_wrapped_list_streams_its_items_once() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/teams")).respond_with(AllTeams).mount(&server).await;
    let client = client(&server);
    let with_count: Vec<String> =
        client.get_all_teams().include_total_count(true).per_page(2).stream().map(|t| t.expect("team").id).collect().await;
    assert_eq!(with_count, ["t0", "t1", "t2", "t3", "t4"]);
    let plain: Vec<String> = client.get_all_teams().per_page(2).stream().map(|t| t.expect("team").id).collect().await;
    assert_eq!(plain, with_count, "the reply's other shape streams the same items");
    let queries = queries(&server).await;
    assert_eq!(queries.len(), 6, "three pages each: {queries:?}");
    assert_eq!(queries[2], "page=2&per_page=2&include_total_count=true");
}

/// A user's 5 threads (`t0` most recent), paged like getThreadsForUser: `before` is the id of
/// the last thread of the previous page.
struct UserThreads;

impl wiremock::Respond for UserThreads {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_map(request);
        let per_page: usize = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
        let start = match query.get("before") {
            Some(before) => before.trim_start_matches('t').parse::<usize>().map_or(5, |i| i + 1),
            None => 0,
        };
        let threads: Vec<serde_json::Value> = (start..5).take(per_page).map(|i| json!({"id": format!("t{i}")})).collect();
        json_reply(json!({"total": 5, "threads": threads}))
    }
}

#[tokio::test]
async fn cursor_stream_asks_for_the_items_after_the_last_one() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users/u1/teams/tm1/threads")).respond_with(UserThreads).mount(&server).await;
    let client = client(&server);
    let ids: Vec<String> = client.get_user_threads("u1", "tm1").per_page(2).stream().map(|t| t.expect("thread").id).collect().await;
    assert_eq!(ids, ["t0", "t1", "t2", "t3", "t4"]);
    assert_eq!(queries(&server).await, ["per_page=2", "per_page=2&before=t1", "per_page=2&before=t3"]);
}

#[tokio::test]
async fn cursor_stream_ends_when_the_server_ignores_the_cursor() {
    // Always the same full page: without the repeat check this would never end.
    let server = server_with(json_reply(json!({"total": 9, "threads": [{"id": "a"}, {"id": "b"}]}))).await;
    let results: Vec<_> = client(&server).get_user_threads("u1", "tm1").per_page(2).stream().collect().await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(matches!(results[2], Err(Error::Pagination { page: 1, .. })), "{results:?}");
    assert_eq!(server.received_requests().await.expect("recording").len(), 2);
}

#[tokio::test]
async fn cursor_stream_keeps_the_page_size_within_the_operations_own_maximum() {
    // listOutgoingOAuthConnections refuses a `limit` above 100 (x-paging `max_size`); the
    // builder's `limit` is the parameter's own `i64`.
    let server = server_with(json_reply(json!([{"id": "o1"}]))).await;
    let client = client(&server);
    let ids: Vec<Option<String>> =
        client.list_outgoing_o_auth_connections().limit(5000_i64).stream().map(|c| c.expect("connection").id).collect().await;
    assert_eq!(ids, [Some("o1".to_owned())]);
    let ids: Vec<_> = client.list_outgoing_o_auth_connections().from_id("o0").stream().collect().await;
    assert_eq!(ids.len(), 1);
    assert_eq!(queries(&server).await, ["limit=100", "from_id=o0&limit=100"], "clamped to 100, 100 when unset; a set cursor is where it starts");
}

#[tokio::test]
async fn paginate_by_hand_takes_the_parameters_own_integer_type() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(UserPages).mount(&server).await;
    let client = client(&server);
    // `page` and `per_page` are `i64` setters: `paginate` hands out `i64`s, no conversion.
    let ids: Vec<String> = mattermost_client::paginate(&client, 2_i64, |page, per_page| client.get_users().page(page).per_page(per_page).send())
        .map(|user| user.expect("user").id)
        .collect()
        .await;
    assert_eq!(ids, ["u0", "u1", "u2", "u3", "u4"]);
    assert_eq!(queries(&server).await, ["page=0&per_page=2", "page=1&per_page=2", "page=2&per_page=2"]);
}

// Rough edges: `Error::retry_after`, constructors of request models

#[tokio::test]
async fn error_says_how_long_the_server_asked_to_wait() {
    let server = server_with(ResponseTemplate::new(429).insert_header("Retry-After", "7")).await;
    let error = client(&server).get_user("me").await.expect_err("rate limited");
    assert!(error.is_rate_limited());
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(7)));
    let server = server_with(ResponseTemplate::new(404)).await;
    assert_eq!(client(&server).get_user("me").await.expect_err("not found").retry_after(), None);
}

#[tokio::test]
async fn create_channel_request_has_a_constructor_of_its_required_fields() {
    use mattermost_client::models::{ChannelType, CreateChannelRequest};
    let server = server_with(json_reply(json!({"id": "c1", "name": "town"}))).await;
    let request = CreateChannelRequest::new("team1", "town", "Town", ChannelType::O);
    assert_eq!((request.purpose.as_deref(), request.header.as_deref()), (None, None));
    client(&server).create_channel(&request).await.expect("created");
    let sent: serde_json::Value = serde_json::from_slice(&only_request(&server).await.body).expect("JSON body");
    assert_eq!(sent, json!({"team_id": "team1", "name": "town", "display_name": "Town", "type": "O"}));
}

// 6. Empty replies

#[tokio::test]
async fn empty_reply_accepts_empty_and_json_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/exports/empty.zip"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v4/exports/json.zip"))
        .respond_with(json_reply(json!({"status": "OK"})))
        .mount(&server)
        .await;
    let client = client(&server);
    let () = client.delete_export("empty.zip").await.expect("empty body");
    let () = client.delete_export("json.zip").await.expect("JSON body");

    let requests = server.received_requests().await.expect("recording enabled");
    let paths: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.url.path()))
        .collect();
    assert_eq!(
        paths,
        [
            ("DELETE", "/api/v4/exports/empty.zip"),
            ("DELETE", "/api/v4/exports/json.zip"),
        ]
    );
    assert!(requests
        .iter()
        .all(|r| r.body.is_empty() && r.url.query().is_none()));
}

// 7. AppError replies

#[tokio::test]
async fn app_error_reply_is_decoded() {
    let body = json!({
        "id": "app.user.missing_account.const",
        "message": "Unable to find the user.",
        "detailed_error": "",
        "request_id": "r1",
        "status_code": 404,
    });
    let server = server_with(
        ResponseTemplate::new(404)
            .set_body_raw(body.to_string().into_bytes(), "application/json")
            .insert_header("X-Request-Id", "r1"),
    )
    .await;
    let err = client(&server).get_user("nobody").await.expect_err("404");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.status.as_u16(), 404);
    assert_eq!(api.request_id.as_deref(), Some("r1"));
    assert_eq!(api.body, body.to_string());
    let app = err.app_error().expect("AppError");
    assert_eq!(app.id, "app.user.missing_account.const");
    assert_eq!(app.message, "Unable to find the user.");
    assert_eq!(app.detailed_error, "");
    assert_eq!(app.request_id, "r1");
    assert_eq!(app.status_code, 404);
    assert_eq!(app.is_oauth, None);
    let shown = err.to_string();
    assert!(shown.contains("404"), "{shown}");
    assert!(shown.contains("Unable to find the user."), "{shown}");
    assert_eq!(
        only_request(&server).await.url.path(),
        "/api/v4/users/nobody"
    );
}

// 8. Non-JSON error bodies and undecodable replies

#[tokio::test]
async fn html_error_page_is_kept_raw() {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let server =
        server_with(ResponseTemplate::new(502).set_body_raw(html.as_bytes().to_vec(), "text/html"))
            .await;
    let err = client(&server).get_user("u1").await.expect_err("502");
    let api = err.api_error().expect("Error::Api");
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(api.status.as_u16(), 502);
    assert_eq!(api.body, html);
    assert_eq!(api.app_error, None);
    assert_eq!(api.request_id, None);
    assert!(err.app_error().is_none());
    let shown = err.to_string();
    assert!(shown.contains("502"), "{shown}");
    assert!(shown.contains("nginx"), "{shown}");
    assert!(!shown.contains('\n'), "{shown:?}");
    // RetryPolicy::none(): sent once.
    only_request(&server).await;
}

#[tokio::test]
async fn empty_error_body() {
    let server = server_with(ResponseTemplate::new(500)).await;
    let err = client(&server).get_user("u1").await.expect_err("500");
    let api = err.api_error().expect("Error::Api");
    assert_eq!(api.status.as_u16(), 500);
    assert_eq!(api.body, "");
    assert_eq!(api.app_error, None);
    let shown = err.to_string();
    assert!(shown.contains("500"), "{shown}");
    only_request(&server).await;
}

#[tokio::test]
async fn invalid_json_reply_is_a_bounded_decode_error() {
    let body = format!("{{\"id\": \"u1\", \"username\": {}", "x".repeat(10_000));
    let server = server_with(
        ResponseTemplate::new(200).set_body_raw(body.clone().into_bytes(), "application/json"),
    )
    .await;
    let err = client(&server).get_user("u1").await.expect_err("decode");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let Error::Decode {
        status, snippet, ..
    } = &err
    else {
        panic!("expected Error::Decode, got {err:?}")
    };
    assert_eq!(status.as_u16(), 200);
    assert!(snippet.len() <= 512, "snippet of {} bytes", snippet.len());
    // String values are masked (they may be secrets); keys and other tokens are kept.
    assert!(snippet.starts_with(r#"{"id": "…", "username": xxxx"#), "{snippet}");
    assert!(snippet.ends_with('…'), "{snippet}");
    assert!(err.to_string().len() < 2_000, "{err}");
}

// 9. Unknown enum values and extra fields

#[tokio::test]
async fn unknown_enum_value_and_extra_fields_decode() {
    let reply = json!({
        "id": "up1",
        "type": "hologram",
        "channel_id": "c1",
        "file_size": 12,
        "not_in_the_spec": {"nested": [1, 2, 3]},
        "another_new_field": true,
    });
    let server = server_with(json_reply(reply)).await;
    let body = CreateUploadRequest {
        channel_id: "c1".into(),
        filename: "f.txt".into(),
        file_size: 12,
    };
    let session = client(&server).create_upload(&body).await.expect("session");
    assert_eq!(
        session.r#type,
        Some(UploadSessionType::Unknown("hologram".into()))
    );
    assert_eq!(
        session.r#type.as_ref().map(UploadSessionType::as_str),
        Some("hologram")
    );
    assert_eq!(session.id.as_deref(), Some("up1"));
    assert_eq!(session.channel_id.as_deref(), Some("c1"));
    assert_eq!(session.file_size, Some(12));
    assert_eq!(session.create_at, None);
    assert_eq!(session.user_id, None);
    assert_eq!(session.filename, None);
    assert_eq!(session.file_offset, None);

    let req = only_request(&server).await;
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/api/v4/uploads");
    assert_eq!(header(&req, "content-type"), Some("application/json"));
    let sent: serde_json::Value = req.body_json().expect("JSON body");
    assert_eq!(
        sent,
        json!({"channel_id": "c1", "filename": "f.txt", "file_size": 12})
    );
}

#[tokio::test]
async fn known_enum_value_decodes_to_its_variant() {
    let server = server_with(json_reply(json!({"type": "import"}))).await;
    let body = CreateUploadRequest::default();
    let session = client(&server).create_upload(&body).await.expect("session");
    assert_eq!(session.r#type, Some(UploadSessionType::Import));
}

// 10. Token header

#[tokio::test]
async fn token_is_sent_as_bearer() {
    let server = server_with(json_reply(json!({"id": "me"}))).await;
    let with_token = Client::builder(&server.uri())
        .token("t0k")
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    with_token.get_user("me").await.expect("user");
    client(&server).get_user("me").await.expect("user");

    let requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[0], "authorization"), Some("Bearer t0k"));
    assert_eq!(
        requests[0].headers.get_all("authorization").iter().count(),
        1
    );
    assert_eq!(header(&requests[1], "authorization"), None);
    for req in &requests {
        assert_eq!(
            header(req, "user-agent"),
            Some(mattermost_client::DEFAULT_USER_AGENT)
        );
    }
}

// 11. Send futures

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn builders_and_their_futures_are_send() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users"))
        .respond_with(json_reply(json!([])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/users/u1"))
        .respond_with(json_reply(json!({"id": "u1"})))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/files"))
        .respond_with(json_reply(json!({})))
        .mount(&server)
        .await;
    let client = client(&server);

    let builder = client.get_users().per_page(1);
    assert_send(&builder);
    let future = builder.into_future();
    assert_send(&future);
    assert_send(&client.get_users().send());
    assert_send(&client.get_user("u1"));

    let c = client.clone();
    let users = tokio::spawn(async move { c.get_users().page(0).await });
    let c = client.clone();
    let user = tokio::spawn(async move { c.get_user("u1").await });
    let c = client.clone();
    let upload = tokio::spawn(async move {
        let chunks =
            futures_util::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from_static(b"x"))]);
        c.upload_file("c1", vec![FilePart::from_stream(chunks, "x.txt")])
            .send()
            .await
    });
    assert!(users.await.expect("join").expect("users").is_empty());
    assert_eq!(
        user.await.expect("join").expect("user").id,
        "u1"
    );
    upload.await.expect("join").expect("upload");
    future.await.expect("users");
}

#[tokio::test]
async fn non_ascii_path_parameter_and_dot_segments() {
    let server = server_with(json_reply(json!({}))).await;
    let client = client(&server);
    client.get_user("é+~-._").await.expect("user");
    let req = only_request(&server).await;
    assert_eq!(req.url.path(), "/api/v4/users/%C3%A9%2B~-._");

    // A `.` or `..` value would change the endpoint: rejected, nothing sent.
    for value in [".", ".."] {
        let err = client.get_user(value).await.expect_err("dot segment");
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
}

// --- Issue 15: error helpers, inputs that take what users have, ETags and headers. ---

/// A server answering every request with `status` and a Mattermost error `id`.
async fn app_error_server(status: u16, id: &str) -> MockServer {
    server_with(ResponseTemplate::new(status).set_body_raw(
        json!({"id": id, "message": "m", "status_code": status}).to_string().into_bytes(),
        "application/json",
    ))
    .await
}

#[tokio::test]
async fn error_helpers_answer_by_status_and_give_the_app_error_id() {
    use mattermost_client::StatusCode;
    for (status, id) in [
        (404, "app.user.missing_account.const"),
        (403, "api.context.permissions.app_error"),
        (401, "api.context.session_expired.app_error"),
        (429, "api.context.rate_limited.app_error"),
        (500, "app.internal"),
    ] {
        let server = app_error_server(status, id).await;
        let err = client(&server).get_user("nobody").await.expect_err("an error status");
        assert_eq!(err.status(), StatusCode::from_u16(status).ok(), "{status}");
        assert_eq!(err.is_not_found(), status == 404, "{status}");
        assert_eq!(err.is_forbidden(), status == 403, "{status}");
        assert_eq!(err.is_unauthorized(), status == 401, "{status}");
        assert_eq!(err.is_rate_limited(), status == 429, "{status}");
        assert!(!err.is_timeout(), "{status}");
        assert_eq!(err.app_error_id(), Some(id), "{status}");
    }
    // A body that is not Mattermost's error has no id; a decode failure is no status question.
    let server = server_with(ResponseTemplate::new(404).set_body_string("<html>nope</html>")).await;
    let err = client(&server).get_user("x").await.expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(err.app_error_id(), None);
    let server = server_with(json_reply(json!([1, 2]))).await;
    let err = client(&server).get_user("x").await.expect_err("decode");
    assert!(!err.is_not_found() && err.status() == Some(StatusCode::OK));
}

#[tokio::test]
// `&["alice", "bob"]` is what users write; that it works is the point.
#[allow(clippy::needless_borrows_for_generic_args)]
async fn list_inputs_take_str_slices_string_vecs_and_iterators() {
    let server = server_with(json_reply(json!([]))).await;
    let client = client(&server);
    let names = vec!["alice".to_owned(), "bob".to_owned()];
    client.get_users_by_usernames(&["alice", "bob"]).await.expect("&[&str; 2]");
    let slice: &[&str] = &["alice", "bob"];
    client.get_users_by_usernames(slice).await.expect("&[&str]");
    client.get_users_by_usernames(&names).await.expect("&Vec<String>");
    client.get_users_by_usernames(names.iter().map(String::as_str)).await.expect("an iterator");
    client.get_users_by_usernames(names).await.expect("Vec<String>");
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 5);
    for request in requests {
        assert_eq!(request.url.path(), "/api/v4/users/usernames");
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON body");
        assert_eq!(body, json!(["alice", "bob"]));
    }
}

/// Prepares a request in one function; it borrows nothing from here.
fn prepare_listing(client: &Client) -> mattermost_client::operations::users::GetUsers {
    let team = String::from("team-1");
    client.get_users().in_team(team).per_page(7)
}

#[tokio::test]
async fn builders_and_calls_own_their_inputs_and_are_sent_elsewhere() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v4/users/u1"))
        .respond_with(json_reply(json!({"id": "u1"})))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/users"))
        .respond_with(json_reply(json!([])))
        .mount(&server)
        .await;
    let client = client(&server);
    let listing = prepare_listing(&client);
    let call = {
        let user_id = String::from("u1");
        client.get_user(user_id)
    };
    let listed = tokio::spawn(async move { listing.await }).await.expect("join");
    assert!(listed.expect("users").is_empty());
    let user = tokio::spawn(call.into_future()).await.expect("join");
    assert_eq!(user.expect("user").id, "u1");
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests[0].url.query(), Some("per_page=7&in_team=team-1"));
    assert_eq!(requests[1].url.path(), "/api/v4/users/u1");
}

#[tokio::test]
async fn login_returns_the_user_without_a_type_annotation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v4/users/login"))
        .respond_with(json_reply(json!({"id": "u1", "username": "alice"})).insert_header("Token", "session-token"))
        .mount(&server)
        .await;
    let client = client(&server);
    let me = client.login("alice", "pw").await.expect("login");
    assert_eq!((me.id.as_str(), me.username.as_str()), ("u1", "alice"));
    assert!(client.has_token());
}

#[tokio::test]
async fn request_models_have_a_constructor_for_their_required_fields() {
    use mattermost_client::models::{CreatePostRequest, CustomStatusDuration, UpdateUserCustomStatusRequest};
    let server = server_with(json_reply(json!({"id": "p1", "channel_id": "c1", "message": "hi"}))).await;
    let client = client(&server);
    let post = CreatePostRequest { root_id: Some("root".into()), ..CreatePostRequest::new("c1", "hi") };
    client.create_post(&post).await.expect("post");
    let status = UpdateUserCustomStatusRequest { duration: Some(CustomStatusDuration::OneHour), ..UpdateUserCustomStatusRequest::default() };
    client.update_user_custom_status("me", &status).await.expect("status");
    let requests = server.received_requests().await.expect("recording");
    let body = |i: usize| serde_json::from_slice::<serde_json::Value>(&requests[i].body).expect("JSON");
    assert_eq!(body(0), json!({"channel_id": "c1", "message": "hi", "root_id": "root"}));
    assert_eq!(body(1)["duration"], json!("one_hour"));
    // The client config's format is typed: `old` is the one the server knows.
    let server = server_with(json_reply(json!({"Version": "9.8.0"}))).await;
    let config = client_of(&server).get_client_config(mattermost_client::models::ClientFormat::Old).await.expect("config");
    assert_eq!(config["Version"], "9.8.0");
    assert_eq!(only_request(&server).await.url.query(), Some("format=old"));
}

fn client_of(server: &MockServer) -> Client {
    client(server)
}

/// A server that sends `me` with an `ETag`, and 304 to a request that names it.
async fn etag_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users/me"))
        .and(wiremock::matchers::header("If-None-Match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("ETag", "\"v1\""))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v4/users/me"))
        .respond_with(
            json_reply(json!({"id": "u1", "username": "alice"}))
                .insert_header("ETag", "\"v1\"")
                .insert_header("X-Request-Id", "req-42")
                .insert_header("X-Ratelimit-Limit", "10")
                .insert_header("X-Ratelimit-Remaining", "9")
                .insert_header("X-Ratelimit-Reset", "1"),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn send_with_response_gives_the_value_with_status_etag_request_id_and_rate_limits() {
    let server = etag_server().await;
    let reply = client(&server).get_user("me").send_with_response().await.expect("me");
    assert_eq!(reply.value.username, "alice");
    assert_eq!(reply.status(), mattermost_client::StatusCode::OK);
    assert_eq!(reply.etag(), Some("\"v1\""));
    assert_eq!(reply.request_id(), Some("req-42"));
    let limits = reply.rate_limit();
    assert_eq!((limits.limit, limits.remaining, limits.reset_seconds), (Some(10), Some(9), Some(1)));
    assert_eq!(reply.headers().get("etag").map(|v| v.as_bytes()), Some(&b"\"v1\""[..]));
    // Builders have it too.
    let users = client(&server).get_users().send_with_response().await;
    assert!(users.is_err(), "the listing is not mocked: a 404");
}

#[tokio::test]
async fn if_none_match_turns_304_into_not_modified_and_200_into_a_new_value() {
    use mattermost_client::Conditional;
    let server = etag_server().await;
    let client = client(&server);
    let answer = client.get_user("me").send_if_none_match("\"v1\"").await.expect("304 is no error");
    assert!(answer.is_not_modified());
    assert_eq!(answer.etag(), Some("\"v1\""));
    match client.get_user("me").send_if_none_match("\"v0\"").await.expect("200") {
        Conditional::Modified(fresh) => assert_eq!((fresh.value.id.as_str(), fresh.etag()), ("u1", Some("\"v1\""))),
        Conditional::NotModified(_) => panic!("a stale ETag gets the new value"),
    }
    let requests = server.received_requests().await.expect("recording");
    let sent: Vec<Option<&str>> = requests.iter().map(|r| header(r, "if-none-match")).collect();
    assert_eq!(sent, [Some("\"v1\""), Some("\"v0\"")]);
    // Without `If-None-Match`, a 304 is still an error: nobody asked for it.
    let server = server_with(ResponseTemplate::new(304)).await;
    let err = client_of(&server).get_user("me").await.expect_err("unasked 304");
    assert_eq!(err.status(), Some(mattermost_client::StatusCode::NOT_MODIFIED));
}

#[tokio::test]
async fn if_none_match_is_refused_for_a_post_before_sending() {
    use mattermost_client::models::Reaction;
    let server = server_with(json_reply(json!({}))).await;
    let err = client(&server)
        .save_reaction(&Reaction::default())
        .send_if_none_match("\"v1\"")
        .await
        .expect_err("not a GET");
    assert!(matches!(err, Error::InvalidRequest(ref m) if m.contains("If-None-Match")), "{err}");
    assert!(server.received_requests().await.expect("recording").is_empty());
}
