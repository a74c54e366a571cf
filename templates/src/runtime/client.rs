//! [`Client`]: sends [`OperationRequest`]s to a Mattermost server.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::error::{ApiError, Error, Result, MAX_ERROR_BODY};
use super::request::{Body, OperationRequest};
use super::retry::{Failure, RetryPolicy};

/// The `User-Agent` sent unless [`ClientBuilder::user_agent`] sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("mattermost-client-rs/", env!("CARGO_PKG_VERSION"));

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
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
}

/// An asynchronous Mattermost REST API v4 client.
///
/// Cheap to clone: clones share the connection pool and the token.
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
            .finish_non_exhaustive()
    }
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
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
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

    /// Sends `req` and returns the successful response with its body unread.
    pub async fn send_raw(&self, req: OperationRequest) -> Result<reqwest::Response> {
        self.execute(req).await
    }

    /// Sends `req` and decodes the JSON body of the response.
    pub async fn send_json<T: DeserializeOwned>(&self, req: OperationRequest) -> Result<T> {
        let (status, body) = self.send_for_body(req).await?;
        serde_json::from_slice(&body).map_err(|e| Error::decode(status, e, &body))
    }

    /// Sends `req`, ignoring the body of the response.
    pub async fn send_empty(&self, req: OperationRequest) -> Result<()> {
        let mut response = self.execute(req).await?;
        // Reading the body lets the connection be reused; its content and
        // any error reading it do not matter once the status is known.
        while let Ok(Some(_)) = response.chunk().await {}
        Ok(())
    }

    /// Sends `req` and returns the body of the response.
    pub async fn send_bytes(&self, req: OperationRequest) -> Result<Bytes> {
        Ok(self.send_for_body(req).await?.1)
    }

    /// Sends `req` and returns the body of the response as text, decoded
    /// with the charset of its `Content-Type` (UTF-8 by default).
    pub async fn send_text(&self, req: OperationRequest) -> Result<String> {
        Ok(self.execute(req).await?.text().await?)
    }

    /// Sends `req` and returns the body of the response as a stream of
    /// chunks.
    pub async fn send_stream(&self, req: OperationRequest) -> Result<ByteStream> {
        Ok(ByteStream::new(self.execute(req).await?))
    }

    /// Logs in with a login id (username or email) and a password, keeps the
    /// session token from the response, and returns the decoded body (the
    /// user).
    pub async fn login<U: DeserializeOwned>(&self, login_id: &str, password: &str) -> Result<U> {
        self.login_with(&LoginCredentials::new(login_id, password))
            .await
    }

    /// Logs in with full [`LoginCredentials`] (MFA token, LDAP, device id),
    /// keeps the session token from the response, and returns the decoded
    /// body (the user).
    pub async fn login_with<U: DeserializeOwned>(
        &self,
        credentials: &LoginCredentials,
    ) -> Result<U> {
        let (status, body) = self.login_for_body(credentials).await?;
        serde_json::from_slice(&body).map_err(|e| Error::decode(status, e, &body))
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

    async fn login_for_body(&self, credentials: &LoginCredentials) -> Result<(StatusCode, Bytes)> {
        let mut req = OperationRequest::new(Method::POST, LOGIN_PATH).json(&credentials.body());
        req.anonymous = true;
        let response = self.execute(req).await?;
        let token = response
            .headers()
            .get("token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty());
        match token {
            Some(token) => self.set_token(Some(token.to_owned())),
            None => tracing::warn!("login response has no Token header; token left unchanged"),
        }
        let status = response.status();
        Ok((status, response.bytes().await?))
    }

    async fn send_for_body(&self, req: OperationRequest) -> Result<(StatusCode, Bytes)> {
        let response = self.execute(req).await?;
        let status = response.status();
        Ok((status, response.bytes().await?))
    }

    /// Headers sent with every attempt of `req`.
    fn headers(&self, req: &OperationRequest) -> Result<HeaderMap> {
        let mut headers = req.header_map()?;
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        if !req.anonymous {
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
            .map_err(|e| Error::InvalidRequest(e.to_string()))
    }

    /// Sends `req` with the retry policy; returns a 2xx response or the
    /// error. The one non-generic function every operation goes through.
    async fn execute(&self, mut req: OperationRequest) -> Result<reqwest::Response> {
        let url = req.url(&self.inner.base_url)?;
        let headers = self.headers(&req)?;
        let replayable = req.is_replayable();
        let mut retries: u32 = 0;
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
            let result = self
                .inner
                .http
                .execute(request)
                .instrument(span.clone())
                .await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("duration_ms", elapsed_ms);
            let failure = match &result {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    if response.status().is_success() {
                        return result.map_err(Error::Transport);
                    }
                    Failure::Status(response.status(), response.headers())
                }
                Err(e) => {
                    span.record("error", tracing::field::display(e));
                    Failure::Transport(e)
                }
            };
            let delay = if replayable {
                self.inner.retry.retry_delay(req.method(), failure, retries)
            } else {
                None
            };
            match (result, delay) {
                (Ok(response), None) => return Err(api_error(response).await),
                (Err(e), None) => return Err(Error::Transport(e)),
                (result, Some(delay)) => {
                    if let Ok(response) = result {
                        // Free the connection for reuse.
                        read_limited(response, MAX_ERROR_BODY).await;
                    }
                    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                    span.in_scope(|| tracing::debug!(delay_ms, "retrying request"));
                    tokio::time::sleep(delay).await;
                    retries = retries.saturating_add(1);
                }
            }
        }
    }
}

/// `Bearer <token>` as a header value hidden from `Debug` output.
fn bearer(token: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("the token contains invalid characters".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Reads at most `limit` bytes of the body; a read error ends the body.
async fn read_limited(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - body.len());
                body.extend_from_slice(&chunk[..take]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

/// Turns a non-success response into an [`Error::Api`].
async fn api_error(response: reqwest::Response) -> Error {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = read_limited(response, MAX_ERROR_BODY).await;
    ApiError::new(status, &body, request_id).into()
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
pub struct ClientBuilder {
    base_url: String,
    token: Option<String>,
    http: Option<reqwest::Client>,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .field("custom_http_client", &self.http.is_some())
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ClientBuilder {
    /// Authenticates with a personal access token or a session token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into()).filter(|t| !t.is_empty());
        self
    }

    /// Uses a caller-configured reqwest client (proxies, TLS, timeouts...).
    /// The timeouts of this builder are then not applied.
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
        self.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of each request attempt, from sending it to reading
    /// the end of the response body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client. Fails with [`Error::InvalidRequest`] on an invalid
    /// base URL, token or user agent, and with [`Error::Transport`] when the
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
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .build()?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token: RwLock::new(self.token),
                user_agent,
                retry: self.retry,
            }),
        })
    }
}

/// Credentials for [`Client::login_with`].
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
/// [`Client::send_stream`].
pub struct ByteStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    content_length: Option<u64>,
}

impl ByteStream {
    fn new(response: reqwest::Response) -> Self {
        let content_length = response.content_length();
        ByteStream {
            inner: Box::pin(response.bytes_stream().map(|r| r.map_err(Error::Transport))),
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
}
