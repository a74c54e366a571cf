//! A recording proxy between the client and the live server: it forwards every request as it
//! is and keeps the reply (status and body), so that the test can read the JSON the server
//! actually sent beside the typed value the client made of it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;

/// What the proxy saw of one exchange.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request's method and path with its query.
    pub request: String,
    /// The reply's status.
    pub status: u16,
    /// The reply's body as sent.
    pub body: Bytes,
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

async fn forward(
    request: hyper::Request<Incoming>,
    http: reqwest::Client,
    upstream: String,
    recording: Recording,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    use reqwest::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &parts.headers {
        if ![HOST, CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let sent = http.request(parts.method.clone(), format!("{upstream}{path}")).headers(headers).body(body).send().await;
    let reply = match sent {
        Ok(reply) => reply,
        Err(e) => {
            recording.push(Exchange { request: format!("{} {path}", parts.method), status: 502, body: Bytes::new() });
            let mut response = hyper::Response::new(Full::new(Bytes::from(format!("proxy: {e}"))));
            *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
            return Ok(response);
        }
    };
    let status = reply.status();
    let reply_headers = reply.headers().clone();
    let bytes = reply.bytes().await.unwrap_or_default();
    recording.push(Exchange { request: format!("{} {path}", parts.method), status: status.as_u16(), body: bytes.clone() });
    let mut response = hyper::Response::new(Full::new(bytes));
    *response.status_mut() = status;
    for (name, value) in &reply_headers {
        if ![CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING].contains(name) {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(response)
}
