// Copied by `cargo xtask regen` from templates/src/runtime/client.rs. Edit it there.

//! [`Client`]: sends [`OperationRequest`]s to a Mattermost server.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::call::ReplyKind;
use super::error::{ApiError, Error, Result, TimeoutKind};
use super::limits::{self, Limits};
use super::redirect::{self, RedirectAction, RedirectPolicy};
use super::request::{Body, OperationRequest};
use super::retry::{self, Failure, RetryPolicy};

/// The `User-Agent` sent unless [`ClientBuilder::user_agent`] sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("mattermost-client-rs/", env!("CARGO_PKG_VERSION"));

const LOGIN_PATH: &str = "/api/v4/users/login";
const LOGOUT_PATH: &str = "/api/v4/users/logout";

/// Shown instead of secrets in `Debug` output.
const REDACTED: &str = "<redacted>";

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    token: RwLock<Option<String>>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    redirects: RedirectPolicy,
    limits: Limits,
    /// The test double that answers instead of a server (feature `test-util`).
    #[cfg(feature = "test-util")]
    mock: Option<super::mock::Mock>,
}

/// An asynchronous Mattermost REST API v4 client.
///
/// Cheap to clone: clones share the connection pool and the token.
///
/// Every call is bounded: in time (a deadline for the whole call, a timeout per attempt, a
/// read timeout between chunks), in memory (a size limit for buffered replies) and in where
/// it goes (see [`RedirectPolicy`]). [`ClientBuilder`] lists the defaults.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &self.has_token().then_some(REDACTED))
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.inner.retry)
            .field("redirects", &self.inner.redirects)
            .finish_non_exhaustive()
    }
}

/// A successful response whose body is still to be read.
struct Reply {
    response: reqwest::Response,
    /// When the attempt that got it runs out of time.
    attempt_ends: Instant,
    /// Whether it came from the configured server's origin.
    from_server: bool,
}

impl Client {
    /// A client with default settings for the server at `base_url`.
    ///
    /// Same as `Client::builder(base_url).build()`.
    pub fn new(base_url: &str) -> Result<Client> {
        Client::builder(base_url).build()
    }

    /// Starts configuring a client for the server at `base_url`.
    ///
    /// The URL may be the server root (`https://mm.example.com`) or the API
    /// root (`https://mm.example.com/api/v4`), with or without a trailing
    /// slash, and may include a subpath (`https://example.com/mattermost`).
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            token: None,
            http: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            redirects: RedirectPolicy::default(),
            limits: Limits::default(),
            #[cfg(feature = "test-util")]
            mock: None,
        }
    }

    /// The server root, normalised to end with a slash
    /// (e.g. `https://example.com/mattermost/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Sets or clears the token sent as `Authorization: Bearer <token>`.
    /// Clones of this client share it. An empty token clears it.
    pub fn set_token(&self, token: Option<String>) {
        let token = token.filter(|t| !t.is_empty());
        *self
            .inner
            .token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// Whether a token is set.
    pub fn has_token(&self) -> bool {
        self.inner
            .token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// The most items a paged stream yields, if limited
    /// ([`ClientBuilder::max_stream_items`]).
    pub fn max_stream_items(&self) -> Option<u64> {
        self.inner.limits.max_stream_items
    }

    /// Sends `req` and returns the successful response with its body unread.
    /// The call's deadline covers getting the response head; reading the body
    /// is up to the caller.
    pub async fn send_raw(&self, req: OperationRequest) -> Result<reqwest::Response> {
        let deadline = self.deadline();
        Ok(self.within(deadline, self.execute(req, deadline)).await?.response)
    }

    /// Sends `req` and decodes the JSON body of the response (at most
    /// [`ClientBuilder::max_body_size`] bytes).
    pub async fn send_json<T: DeserializeOwned>(&self, req: OperationRequest) -> Result<T> {
        let (status, _, body) = self.send_buffered(req, self.inner.limits.max_body).await?;
        decode(status, &body)
    }

    /// Sends `req`, ignoring the body of the response.
    pub async fn send_empty(&self, req: OperationRequest) -> Result<()> {
        let deadline = self.deadline();
        let mut reply = self.within(deadline, self.execute(req, deadline)).await?;
        // Reading (a bounded part of) the body lets the connection be reused;
        // its content does not matter once the status is known.
        limits::read_error_body(&mut reply.response, &self.inner.limits).await;
        Ok(())
    }

    /// Sends `req` and returns the body of the response (at most
    /// [`ClientBuilder::max_bytes_size`] bytes).
    pub async fn send_bytes(&self, req: OperationRequest) -> Result<Bytes> {
        Ok(self.send_buffered(req, self.inner.limits.max_bytes).await?.2)
    }

    /// Sends `req` and returns the body of the response as text (at most
    /// [`ClientBuilder::max_body_size`] bytes), decoded with the charset of
    /// its `Content-Type` (UTF-8 by default).
    pub async fn send_text(&self, req: OperationRequest) -> Result<String> {
        let (_, headers, body) = self.send_buffered(req, self.inner.limits.max_body).await?;
        Ok(decode_text(&headers, &body))
    }

    /// Sends `req` and returns the body of the response as a stream of
    /// chunks. The call's deadline covers getting the response head; then
    /// the stream has no size or total time limit, only the read timeout
    /// between two chunks.
    pub async fn send_stream(&self, req: OperationRequest) -> Result<ByteStream> {
        let deadline = self.deadline();
        let reply = self.within(deadline, self.execute(req, deadline)).await?;
        Ok(ByteStream::new(reply.response, &self.inner.limits))
    }

    /// Logs in with a login id (username or email) and a password, keeps the
    /// session token from the response, and returns the body decoded as `U`.
    /// The generated crate's `Client::login` calls this with its `User` type.
    pub async fn login_as<U: DeserializeOwned>(&self, login_id: &str, password: &str) -> Result<U> {
        self.login_with_as(&LoginCredentials::new(login_id, password))
            .await
    }

    /// Logs in with full [`LoginCredentials`] (MFA token, LDAP, device id),
    /// keeps the session token from the response, and returns the body
    /// decoded as `U`. The generated crate's `Client::login_with` calls this
    /// with its `User` type.
    ///
    /// The token is kept only when the whole reply was read and decoded, and
    /// only from a reply of the configured server's origin.
    pub async fn login_with_as<U: DeserializeOwned>(
        &self,
        credentials: &LoginCredentials,
    ) -> Result<U> {
        let mut req = OperationRequest::new(Method::POST, LOGIN_PATH).json(&credentials.body());
        req.anonymous = true;
        let (status, headers, body) = self.send_buffered(req, self.inner.limits.max_body).await?;
        let user = decode(status, &body)?;
        let token = headers
            .get("token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty());
        match token {
            Some(token) => self.set_token(Some(token.to_owned())),
            None => tracing::warn!("login response has no Token header; token left unchanged"),
        }
        Ok(user)
    }

    /// Ends the session on the server and clears the token, also when the
    /// request fails (its error is then returned).
    pub async fn logout(&self) -> Result<()> {
        let result = self
            .send_empty(OperationRequest::new(Method::POST, LOGOUT_PATH))
            .await;
        self.set_token(None);
        result
    }

    /// When a call started now must end.
    fn deadline(&self) -> Instant {
        Instant::now() + self.inner.limits.deadline
    }

    /// Runs `work`, or fails with the deadline timeout when it ends first.
    async fn within<T>(&self, deadline: Instant, work: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(Error::Timeout {
                kind: TimeoutKind::Deadline,
                limit: self.inner.limits.deadline,
            }))
    }

    /// Sends `req` and reads its reply as `kind` says: the status, the headers
    /// (of a reply from the configured server only) and the body (empty for
    /// [`ReplyKind::Empty`]). What every [`Call`](super::Call) goes through.
    pub(super) async fn send_reply(&self, req: OperationRequest, kind: ReplyKind) -> Result<(StatusCode, HeaderMap, Bytes)> {
        match kind {
            ReplyKind::Json | ReplyKind::Text => self.send_buffered(req, self.inner.limits.max_body).await,
            ReplyKind::Bytes => self.send_buffered(req, self.inner.limits.max_bytes).await,
            ReplyKind::Empty => {
                let deadline = self.deadline();
                let mut reply = self.within(deadline, self.execute(req, deadline)).await?;
                let status = reply.response.status();
                // Reading (a bounded part of) the body lets the connection be reused.
                limits::read_error_body(&mut reply.response, &self.inner.limits).await;
                let headers = if reply.from_server {
                    std::mem::take(reply.response.headers_mut())
                } else {
                    HeaderMap::new()
                };
                Ok((status, headers, Bytes::new()))
            }
        }
    }

    /// Sends `req` and reads the whole body, at most `limit` bytes, within the
    /// call's deadline and the attempt's timeout. Headers come from a reply of
    /// the configured server only (they are empty otherwise).
    async fn send_buffered(&self, req: OperationRequest, limit: u64) -> Result<(StatusCode, HeaderMap, Bytes)> {
        let deadline = self.deadline();
        self.within(deadline, async {
            let mut reply = self.execute(req, deadline).await?;
            let status = reply.response.status();
            let body = tokio::time::timeout_at(
                reply.attempt_ends,
                limits::read_body(&mut reply.response, limit, &self.inner.limits),
            )
            .await
            .unwrap_or(Err(Error::Timeout {
                kind: TimeoutKind::Attempt,
                limit: self.inner.limits.attempt_timeout,
            }))?;
            let headers = if reply.from_server {
                std::mem::take(reply.response.headers_mut())
            } else {
                HeaderMap::new()
            };
            Ok((status, headers, body))
        })
        .await
    }

    /// Headers sent with every attempt of `req`; the token only when
    /// `credentials` is set.
    fn headers(&self, req: &OperationRequest, credentials: bool) -> Result<HeaderMap> {
        let mut headers = req.header_map()?;
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if credentials && !req.anonymous {
            let token = self
                .inner
                .token
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(token) = token.as_deref() {
                headers.insert(AUTHORIZATION, bearer(token)?);
            }
        }
        Ok(headers)
    }

    /// Builds the reqwest request of one attempt.
    fn attempt(
        &self,
        req: &mut OperationRequest,
        url: &Url,
        headers: &HeaderMap,
    ) -> Result<reqwest::Request> {
        let builder = self
            .inner
            .http
            .request(req.method().clone(), url.clone())
            .headers(headers.clone());
        let builder = match &mut req.body {
            Body::Empty => builder,
            Body::Bytes { bytes, .. } => builder.body(bytes.clone()),
            Body::Multipart(form) => builder.multipart(form.build_form()?),
        };
        builder
            .build()
            .map_err(|e| Error::InvalidRequest(e.without_url().to_string()))
    }

    /// Sends `req` with the retry and redirect policies until `deadline`;
    /// returns a 2xx response or the error. The one non-generic function
    /// every operation goes through.
    async fn execute(&self, mut req: OperationRequest, deadline: Instant) -> Result<Reply> {
        let limits = &self.inner.limits;
        let mut url = req.url(&self.inner.base_url)?;
        let mut from_server = true;
        let mut headers = self.headers(&req, true)?;
        let replayable = req.is_replayable();
        let mut retries: u32 = 0;
        let mut hops: u32 = 0;
        let mut asked_waits = Duration::ZERO;
        loop {
            let request = self.attempt(&mut req, &url, &headers)?;
            let span = tracing::debug_span!(
                "mattermost.request",
                method = %req.method(),
                path = req.path_template(),
                attempt = retries.saturating_add(1),
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
                error = tracing::field::Empty,
            );
            let started = Instant::now();
            let attempt_ends = (started + limits.attempt_timeout).min(deadline);
            let result = tokio::time::timeout_at(attempt_ends, self.transport(request, &req))
                .instrument(span.clone())
                .await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("duration_ms", elapsed_ms);
            let mut result = match result {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(e)) => Err(e),
                Err(_) if attempt_ends >= deadline => Err(Error::Timeout {
                    kind: TimeoutKind::Deadline,
                    limit: limits.deadline,
                }),
                Err(_) => Err(Error::Timeout {
                    kind: TimeoutKind::Attempt,
                    limit: limits.attempt_timeout,
                }),
            };
            if let Ok(response) = &mut result {
                span.record("status", response.status().as_u16());
                // A caller-configured HTTP client may follow redirects itself.
                if !redirect::same_origin(response.url(), &url) {
                    return Err(Error::Redirect {
                        status: response.status(),
                        location: redirect::display_location(response.url()),
                    });
                }
                // A 304 is the answer a conditional GET asked for, not a failure.
                let not_modified = req.accepts_not_modified() && response.status() == StatusCode::NOT_MODIFIED;
                if response.status().is_success() || not_modified {
                    return Ok(Reply {
                        response: result?,
                        attempt_ends,
                        from_server,
                    });
                }
                if redirect::is_redirect(response.status()) {
                    let status = response.status();
                    let target = location(response, &url)?;
                    match self.inner.redirects.decide(req.method(), &self.inner.base_url, target.clone(), hops) {
                        RedirectAction::Follow { url: next, same_origin } => {
                            span.in_scope(|| tracing::debug!(status = status.as_u16(), "following a redirect"));
                            limits::read_error_body(response, limits).await;
                            url = next;
                            from_server = same_origin;
                            headers = self.headers(&req, same_origin)?;
                            hops = hops.saturating_add(1);
                            continue;
                        }
                        RedirectAction::Refuse => {
                            return Err(Error::Redirect {
                                status,
                                location: redirect::display_location(&target),
                            })
                        }
                    }
                }
            }
            if let Err(e) = &result {
                span.record("error", tracing::field::display(e));
            }
            let failure = match &result {
                Ok(response) => Failure::Status(response.status(), response.headers()),
                Err(Error::Transport(e)) => Failure::Transport(e),
                Err(Error::Timeout { kind, .. }) => Failure::Timeout {
                    sent: *kind != TimeoutKind::Connect,
                },
                Err(_) => Failure::Final,
            };
            let wait = if replayable {
                self.inner.retry.retry_delay(req.method(), failure, retries)
            } else {
                None
            };
            // A wait that would outlast the deadline or the server-wait budget is not taken.
            let wait = wait.filter(|wait| {
                Instant::now() + wait.delay < deadline
                    && (!wait.asked_by_server
                        || asked_waits + wait.delay <= self.inner.retry.rate_limit_budget())
            });
            let response = match (result, wait) {
                (Ok(response), None) => return Err(api_error(response, limits).await),
                (Err(e), None) => return Err(e),
                (Ok(response), Some(_)) => Some(response),
                (Err(_), Some(_)) => None,
            };
            if let Some(mut response) = response {
                // Free the connection for reuse.
                limits::read_error_body(&mut response, limits).await;
            }
            let Some(wait) = wait else { continue };
            if wait.asked_by_server {
                asked_waits += wait.delay;
            }
            let delay_ms = u64::try_from(wait.delay.as_millis()).unwrap_or(u64::MAX);
            span.in_scope(|| tracing::debug!(delay_ms, "retrying request"));
            tokio::time::sleep(wait.delay).await;
            retries = retries.saturating_add(1);
        }
    }
}

impl Client {
    /// Sends one attempt over HTTP; to the test double instead when the client has one
    /// (feature `test-util`), which answers as the server would, after the same request
    /// building and before the same reply handling.
    async fn transport(&self, request: reqwest::Request, operation: &OperationRequest) -> Result<reqwest::Response> {
        #[cfg(feature = "test-util")]
        if let Some(mock) = &self.inner.mock {
            return mock.answer(operation.path_template(), operation.operation(), &request);
        }
        #[cfg(not(feature = "test-util"))]
        let _ = operation;
        self.inner.http.execute(request).await.map_err(|e| transport_error(e, &self.inner.limits))
    }
}

/// A reqwest error as this crate's error: timeouts as [`Error::Timeout`], never with a URL.
fn transport_error(error: reqwest::Error, limits: &Limits) -> Error {
    if error.is_timeout() {
        let (kind, limit) = if error.is_connect() {
            (TimeoutKind::Connect, limits.connect_timeout)
        } else {
            (TimeoutKind::Read, limits.read_timeout)
        };
        return Error::Timeout { kind, limit };
    }
    Error::from(error)
}

/// The target of a redirect response, resolved against the request's URL.
fn location(response: &reqwest::Response, url: &Url) -> Result<Url> {
    let status = response.status();
    let value = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::Redirect {
            status,
            location: String::new(),
        })?;
    url.join(value).map_err(|_| Error::Redirect {
        status,
        location: super::redact::escape_bounded(value, 200),
    })
}

/// Decodes a JSON reply body.
pub(super) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode(status, &e, body))
}

/// A text body decoded with the charset its `Content-Type` names (UTF-8 when none or unknown).
pub(super) fn decode_text(headers: &HeaderMap, body: &[u8]) -> String {
    let charset = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .and_then(|m| m.get_param("charset").map(|c| c.as_str().to_owned()));
    let encoding = charset
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

/// `Bearer <token>` as a header value hidden from `Debug` output.
fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("the token contains invalid characters".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Turns a non-success response into an [`Error::Api`], reading a bounded part of its body.
pub(super) async fn api_error(mut response: reqwest::Response, limits: &Limits) -> Error {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| super::redact::escape_bounded(v, 100));
    let retry_after = matches!(status.as_u16(), 429 | 503)
        .then(|| retry::server_wait(response.headers(), std::time::SystemTime::now()))
        .flatten();
    let body = limits::read_error_reply(&mut response, limits).await;
    ApiError::new(status, &body.bytes, request_id)
        .with_retry_after(retry_after)
        .with_body_cut(body.cut)
        .into()
}

/// Normalises a user-given URL to the server root, ending with a slash.
fn normalize_base_url(input: &str) -> Result<Url> {
    let mut url = Url::parse(input.trim())
        .map_err(|e| Error::InvalidRequest(format!("invalid base URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::InvalidRequest(format!(
            "invalid base URL: expected an http or https URL with a host, got scheme `{}`",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidRequest(
            "invalid base URL: credentials in the URL are not supported; use a token".into(),
        ));
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/api/v4").unwrap_or(path);
    let path = format!("{}/", path.trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

/// Configures a [`Client`]; made by [`Client::builder`].
///
/// | setting | default |
/// | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`timeout`](Self::timeout) (one attempt, buffered body included) | 30 s |
/// | [`deadline`](Self::deadline) (the whole call, retries and waits included) | 60 s |
/// | [`read_timeout`](Self::read_timeout) (silence between two chunks, streams too) | 30 s |
/// | [`max_body_size`](Self::max_body_size) (JSON and text replies) | 64 MiB |
/// | [`max_bytes_size`](Self::max_bytes_size) (byte replies held in memory) | 256 MiB |
/// | [`max_error_body`](Self::max_error_body), read within [`error_body_timeout`](Self::error_body_timeout) | 64 KiB, 2 s |
/// | [`max_stream_items`](Self::max_stream_items) | unlimited |
/// | [`redirects`](Self::redirects) | [`RedirectPolicy::default`]: same-origin GET/HEAD, 5 hops |
/// | [`retry`](Self::retry) | [`RetryPolicy::default`]: 2 retries, server waits up to 60 s per call |
pub struct ClientBuilder {
    base_url: String,
    token: Option<String>,
    http: Option<reqwest::Client>,
    user_agent: String,
    retry: RetryPolicy,
    redirects: RedirectPolicy,
    limits: Limits,
    #[cfg(feature = "test-util")]
    mock: Option<super::mock::Mock>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .field("custom_http_client", &self.http.is_some())
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("redirects", &self.redirects)
            .field("limits", &self.limits)
            .finish()
    }
}

impl ClientBuilder {
    /// Authenticates with a personal access token or a session token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into()).filter(|t| !t.is_empty());
        self
    }

    /// Uses a caller-configured reqwest client (proxies, TLS...). Its own
    /// connect timeout applies instead of this builder's; the other limits of
    /// this builder still apply. Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: a redirect it follows
    /// itself to another origin ends the call with [`Error::Redirect`]. With
    /// the `rustls-no-provider` feature, install a rustls crypto provider before
    /// building it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sets the `User-Agent` header (default: [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sets the timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.limits.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of each attempt, from sending the request to reading
    /// the end of a buffered body (default 30 s). A timed-out attempt of an
    /// idempotent request is retried.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.attempt_timeout = timeout;
        self
    }

    /// Sets the deadline of a whole call: every attempt, every wait between
    /// them and reading a buffered body (default 60 s). For streamed replies
    /// it covers getting the response head only.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.limits.deadline = deadline;
        self
    }

    /// Sets the longest silence between two chunks of a reply body, streamed
    /// bodies included (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.read_timeout = timeout;
        self
    }

    /// Sets the largest JSON or text reply body read, in bytes (default
    /// 64 MiB). A larger one fails with [`Error::BodyTooLarge`].
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.limits.max_body = bytes;
        self
    }

    /// Sets the largest byte reply held in memory (`get_file` and the other
    /// byte replies), in bytes (default 256 MiB). The `*_stream` methods have
    /// no size limit.
    pub fn max_bytes_size(mut self, bytes: u64) -> Self {
        self.limits.max_bytes = bytes;
        self
    }

    /// Sets how many bytes of an error reply are read and kept (default 64 KiB); a longer body
    /// is kept cut, with [`ApiError::body_cut`] set to [`BodyCut::Size`](super::BodyCut::Size).
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.limits.max_error_body = bytes;
        self
    }

    /// Sets how long an error reply's body is read (default 2 s); what came by then is kept,
    /// with [`ApiError::body_cut`] set to [`BodyCut::Time`](super::BodyCut::Time) (and
    /// [`Error::is_timeout`] true).
    pub fn error_body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.error_body_timeout = timeout;
        self
    }

    /// Ends every paged stream (`.stream()`) after this many items (default:
    /// no limit).
    pub fn max_stream_items(mut self, items: u64) -> Self {
        self.limits.max_stream_items = Some(items);
        self
    }

    /// Sets which redirects are followed (default: [`RedirectPolicy::default`]).
    pub fn redirects(mut self, policy: RedirectPolicy) -> Self {
        self.redirects = policy;
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends every call to the test double `mock` instead of a server (feature `test-util`);
    /// the other settings apply as they would.
    #[cfg(feature = "test-util")]
    pub fn mock(mut self, mock: &super::mock::Mock) -> Self {
        self.mock = Some(mock.clone());
        self
    }

    /// Builds the client. Fails with [`Error::InvalidRequest`] on an invalid
    /// base URL, token or user agent (or, with the `rustls-no-provider` feature, when no
    /// rustls crypto provider is installed), and with [`Error::Transport`] when the
    /// HTTP client cannot be initialised (e.g. TLS backend failure).
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_base_url(&self.base_url)?;
        if let Some(token) = &self.token {
            bearer(token)?;
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::InvalidRequest("invalid user agent".into()))?;
        let http = match self.http {
            Some(http) => http,
            None => {
                check_crypto_provider()?;
                reqwest::Client::builder()
                .connect_timeout(self.limits.connect_timeout)
                // Redirects are followed by `Client::execute`, which knows the origin.
                .redirect(reqwest::redirect::Policy::none())
                .build()?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token: RwLock::new(self.token),
                user_agent,
                retry: self.retry,
                redirects: self.redirects,
                limits: self.limits,
                #[cfg(feature = "test-util")]
                mock: self.mock,
            }),
        })
    }
}

/// With the `rustls` feature, installs aws-lc-rs as the process's default rustls crypto provider
/// unless one is installed; with the other TLS features it does nothing.
///
/// The client does not need it: reqwest takes the process default when there is one, and
/// aws-lc-rs otherwise, so a library sets no process-wide state (as the rustls documentation
/// asks of libraries). It is for programs whose other rustls users need a process default:
/// rustls panics when its crate features name two providers (`ring` and `aws-lc-rs`, enabled by
/// different dependencies) and none is installed.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one meanwhile: then that one is used.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// With the `rustls-no-provider` feature alone, fails unless the application installed a
/// rustls crypto provider: reqwest would panic building its TLS setup.
fn check_crypto_provider() -> Result<()> {
    #[cfg(all(feature = "rustls-no-provider", not(feature = "rustls"), not(feature = "native-tls")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        return Err(Error::InvalidRequest(
            "no rustls crypto provider is installed: with the `rustls-no-provider` feature, call \
             `rustls::crypto::CryptoProvider::install_default` before building a client"
                .into(),
        ));
    }
    Ok(())
}

/// Credentials for [`Client::login_with_as`].
///
/// `Debug` output hides the password and the MFA token.
#[derive(Clone)]
pub struct LoginCredentials {
    login_id: String,
    password: String,
    mfa_token: Option<String>,
    ldap_only: bool,
    device_id: Option<String>,
}

impl LoginCredentials {
    /// Credentials made of a login id (username or email) and a password.
    pub fn new(login_id: impl Into<String>, password: impl Into<String>) -> Self {
        LoginCredentials {
            login_id: login_id.into(),
            password: password.into(),
            mfa_token: None,
            ldap_only: false,
            device_id: None,
        }
    }

    /// Adds the multi-factor authentication code (sent as `token`).
    pub fn mfa_token(mut self, token: impl Into<String>) -> Self {
        self.mfa_token = Some(token.into());
        self
    }

    /// Logs in against LDAP only.
    pub fn ldap_only(mut self, ldap_only: bool) -> Self {
        self.ldap_only = ldap_only;
        self
    }

    /// Attaches a mobile device id (for push notifications) to the session.
    pub fn device_id(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = Some(device_id.into());
        self
    }

    /// The login id.
    pub fn login_id(&self) -> &str {
        &self.login_id
    }

    fn body(&self) -> LoginBody<'_> {
        LoginBody {
            login_id: &self.login_id,
            password: &self.password,
            token: self.mfa_token.as_deref(),
            device_id: self.device_id.as_deref(),
            // The server reads the login body as string values.
            ldap_only: self.ldap_only.then_some("true"),
        }
    }
}

impl fmt::Debug for LoginCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginCredentials")
            .field("login_id", &self.login_id)
            .field("password", &REDACTED)
            .field("mfa_token", &self.mfa_token.as_ref().map(|_| REDACTED))
            .field("ldap_only", &self.ldap_only)
            .field("device_id", &self.device_id)
            .finish()
    }
}

#[derive(serde::Serialize)]
struct LoginBody<'a> {
    login_id: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ldap_only: Option<&'static str>,
}

/// The body of a response as a stream of chunks; made by
/// [`Client::send_stream`]. Each chunk must come within the client's read
/// timeout; there is no size limit.
pub struct ByteStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    content_length: Option<u64>,
}

impl ByteStream {
    fn new(response: reqwest::Response, limits: &Limits) -> Self {
        let content_length = response.content_length();
        ByteStream {
            inner: Box::pin(limits::chunks(response, limits)),
            content_length,
        }
    }

    /// The length of the body announced by the server, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

/// What the WebSocket runtime (`websocket.rs`) reads of a client.
#[cfg(feature = "websocket")]
impl Client {
    /// The current token, if any.
    pub(super) fn token(&self) -> Option<String> {
        self.inner.token.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The `User-Agent` header value.
    pub(super) fn user_agent_header(&self) -> &HeaderValue {
        &self.inner.user_agent
    }

    /// The size and time limits.
    pub(super) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The frames to replay as the event stream, when the client has a test double.
    #[cfg(feature = "test-util")]
    pub(super) fn replayed_frames(&self) -> Option<Result<Vec<String>>> {
        let mock = self.inner.mock.as_ref()?;
        Some(mock.take_frames().ok_or_else(|| {
            Error::Mock("the event stream has no frames to replay: call `Mock::replay_frames` before `events`".into())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms() {
        for (input, expected) in [
            ("https://mm.example.com", "https://mm.example.com/"),
            ("https://mm.example.com/", "https://mm.example.com/"),
            ("https://mm.example.com/api/v4", "https://mm.example.com/"),
            ("https://mm.example.com/api/v4/", "https://mm.example.com/"),
            (
                "http://example.com:8065/mattermost",
                "http://example.com:8065/mattermost/",
            ),
            (
                "https://example.com/mattermost/api/v4?x=1#f",
                "https://example.com/mattermost/",
            ),
        ] {
            let got = normalize_base_url(input).map(String::from);
            assert_eq!(got.ok().as_deref(), Some(expected), "{input}");
        }
        for bad in [
            "ftp://example.com",
            "mm.example.com",
            "",
            "https://u:p@example.com",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(Error::InvalidRequest(_))),
                "{bad}"
            );
        }
    }

    /// Without a provider compiled in and none installed, building is an error, not reqwest's
    /// panic (`cargo test -p mattermost-client-runtime --no-default-features --features
    /// rustls-no-provider`).
    #[cfg(all(feature = "rustls-no-provider", not(feature = "rustls"), not(feature = "native-tls")))]
    #[test]
    fn no_installed_provider_is_an_error() {
        let built = Client::new("https://mm.example.com");
        assert!(
            matches!(&built, Err(Error::InvalidRequest(m)) if m.contains("install_default")),
            "{built:?}"
        );
    }
}
