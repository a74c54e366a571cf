//! A recording proxy between the client and a server (Prism in the contract test, Mattermost in
//! the live test): it forwards every request as it is, follows no redirect, and keeps each
//! reply's status, headers and body, so that a test can read what the server actually sent
//! beside what the client made of it. Included by `#[path]` where needed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use reqwest::header::{HeaderMap, HeaderName};

/// What the proxy saw of one exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request's method.
    pub method: String,
    /// The request's path with its query.
    pub path: String,
    /// The reply's status (502 when the server did not answer).
    pub status: u16,
    /// The reply's headers.
    pub headers: HeaderMap,
    /// The reply's body as sent.
    pub body: Bytes,
}

impl Exchange {
    /// The request in a few words: its method and path.
    pub fn request(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every exchange so far, in order.
#[derive(Debug, Clone, Default)]
pub struct Recording(Arc<Mutex<Vec<Exchange>>>);

impl Recording {
    /// How many exchanges were recorded.
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The exchanges from `start` on.
    pub fn since(&self, start: usize) -> Vec<Exchange> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)[start..].to_vec()
    }

    fn push(&self, exchange: Exchange) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(exchange);
    }
}

/// Starts the proxy to `upstream` on a free loopback port; returns its address.
pub async fn start(upstream: String, recording: Recording) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    mattermost_client::install_crypto_provider();
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("proxy's HTTP client");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (http, upstream, recording) = (http.clone(), upstream.clone(), recording.clone());
            let service = service_fn(move |request| forward(request, http.clone(), upstream.clone(), recording.clone()));
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    addr
}

/// Headers that describe one hop, not the message.
fn hop_header(name: &HeaderName) -> bool {
    use reqwest::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
    [HOST, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name)
}

async fn forward(
    request: hyper::Request<Incoming>,
    http: reqwest::Client,
    upstream: String,
    recording: Recording,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if !hop_header(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let sent = http.request(parts.method.clone(), format!("{upstream}{path}")).headers(headers).body(body).send().await;
    let (status, reply_headers, reply_body) = match sent {
        Ok(reply) => {
            let (status, headers) = (reply.status(), reply.headers().clone());
            (status, headers, reply.bytes().await.unwrap_or_default())
        }
        Err(e) => (reqwest::StatusCode::BAD_GATEWAY, HeaderMap::new(), Bytes::from(format!("proxy: {upstream} did not answer: {e}"))),
    };
    recording.push(Exchange {
        method: parts.method.to_string(),
        path,
        status: status.as_u16(),
        headers: reply_headers.clone(),
        body: reply_body.clone(),
    });
    let mut response = hyper::Response::new(Full::new(reply_body));
    *response.status_mut() = status;
    for (name, value) in &reply_headers {
        if !hop_header(name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(response)
}
