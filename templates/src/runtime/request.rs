//! [`OperationRequest`]: a plain description of one HTTP call.

use std::fmt;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::Method;

use super::error::{Error, Result};
use super::multipart::Multipart;

/// Everything outside the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded in a path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How an array query parameter is serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayStyle {
    /// Repeated pairs `a=1&a=2` (OpenAPI `form`, `explode: true`).
    Exploded,
    /// One pair with comma-separated values `a=1,2` (OpenAPI `form`,
    /// `explode: false`).
    CommaSeparated,
}

/// The longest URL sent: common proxies refuse a longer request line.
pub const MAX_URL_LENGTH: usize = 8 * 1024;

/// Body of an [`OperationRequest`].
pub(super) enum Body {
    /// No body.
    Empty,
    /// A body held in memory, with its content type.
    Bytes {
        /// Encoded body.
        bytes: Bytes,
        /// `Content-Type` header value.
        content_type: &'static str,
    },
    /// A `multipart/form-data` body.
    Multipart(Multipart),
}

/// Plain data describing one HTTP call of an operation: method, path,
/// query, headers and body.
///
/// Built with chained methods by the generated code, then handed to one of
/// the `Client::send_*` methods. Errors made while building it (a body that
/// fails to serialise, an unknown path parameter...) are kept and returned
/// as [`Error::InvalidRequest`] when it is sent, so building never fails.
/// Unless its body holds a stream, the request can be rebuilt for retries.
pub struct OperationRequest {
    method: Method,
    path_template: &'static str,
    /// The client method that made it (`get_user`), if one did.
    operation: Option<&'static str>,
    path: String,
    query: String,
    headers: Vec<(&'static str, String)>,
    pub(super) body: Body,
    /// Sent without the client's token (used by login).
    pub(super) anonymous: bool,
    /// A `304 Not Modified` reply is an answer, not an error (set by `if_none_match`).
    not_modified_ok: bool,
    error: Option<String>,
}

/// A JSON or form body encoded when an operation's method is called, so that the request
/// builder owns it (and can be moved, or cloned to fetch the next page) without borrowing the
/// caller's value. An encoding failure is reported as [`Error::InvalidRequest`] when sent.
#[derive(Clone)]
pub struct EncodedBody {
    encoded: std::result::Result<(Bytes, &'static str), String>,
}

impl EncodedBody {
    /// `body` serialised as JSON.
    pub fn json<B: serde::Serialize + ?Sized>(body: &B) -> Self {
        EncodedBody {
            encoded: serde_json::to_vec(body)
                .map(|bytes| (bytes.into(), "application/json"))
                .map_err(|e| format!("cannot serialise JSON body: {e}")),
        }
    }

    /// `body` serialised as `application/x-www-form-urlencoded`.
    pub fn form<B: serde::Serialize + ?Sized>(body: &B) -> Self {
        EncodedBody {
            encoded: serde_urlencoded::to_string(body)
                .map(|text| (text.into(), "application/x-www-form-urlencoded"))
                .map_err(|e| format!("cannot serialise form body: {e}")),
        }
    }
}

impl fmt::Debug for EncodedBody {
    /// The content type and length, not the content, which may hold a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.encoded {
            Ok((bytes, content_type)) => write!(f, "EncodedBody({content_type}, {} bytes)", bytes.len()),
            Err(message) => write!(f, "EncodedBody(error: {message})"),
        }
    }
}

impl OperationRequest {
    /// Starts a request for `path_template` (e.g. `/api/v4/users/{user_id}`),
    /// relative to the server root.
    pub fn new(method: Method, path_template: &'static str) -> Self {
        OperationRequest {
            method,
            path_template,
            operation: None,
            path: path_template.to_owned(),
            query: String::new(),
            headers: Vec::new(),
            body: Body::Empty,
            anonymous: false,
            not_modified_ok: false,
            error: None,
        }
    }

    /// Names the client method that makes the request (`get_user`): what the test double
    /// matches rules and names operations by.
    pub fn for_operation(mut self, name: &'static str) -> Self {
        self.operation = Some(name);
        self
    }

    /// Replaces `{name}` in the path with `value`, percent-encoded as one
    /// path segment (`/` included: `a b/c` becomes `a%20b%2Fc`). A value that is empty or has an
    /// empty, `.` or `..` segment (split on `/` and `\`) is refused when the request is sent.
    pub fn path_param(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.set_path_param(name, &value.to_string());
        self
    }

    /// Adds the query pair `name=value`.
    pub fn query(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.push_query(name, &[value.to_string()]);
        self
    }

    /// Adds the query pair `name=value` when `value` is `Some`.
    pub fn query_opt<T: fmt::Display>(self, name: &'static str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds an array query parameter in the given style. An empty array sends
    /// nothing.
    pub fn query_array<T: fmt::Display>(
        mut self,
        name: &'static str,
        values: &[T],
        style: ArrayStyle,
    ) -> Self {
        if values.is_empty() {
            return self;
        }
        let values: Vec<String> = values.iter().map(ToString::to_string).collect();
        match style {
            ArrayStyle::Exploded => {
                for value in &values {
                    self.push_query(name, std::slice::from_ref(value));
                }
            }
            ArrayStyle::CommaSeparated => self.push_query(name, &values),
        }
        self
    }

    /// Sets the request header `name: value`.
    pub fn header(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Sets the request header `name: value` when `value` is `Some`.
    pub fn header_opt<T: fmt::Display>(self, name: &'static str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    /// Uses `body` serialised as JSON as the request body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Body::Bytes {
                    bytes: bytes.into(),
                    content_type: "application/json",
                }
            }
            Err(e) => self.fail(format!("cannot serialise JSON body: {e}")),
        }
        self
    }

    /// Uses `body` serialised as `application/x-www-form-urlencoded` as the
    /// request body.
    pub fn form<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Body::Bytes {
                    bytes: text.into(),
                    content_type: "application/x-www-form-urlencoded",
                }
            }
            Err(e) => self.fail(format!("cannot serialise form body: {e}")),
        }
        self
    }

    /// Uses a body encoded beforehand ([`EncodedBody`]).
    pub fn encoded(mut self, body: EncodedBody) -> Self {
        match body.encoded {
            Ok((bytes, content_type)) => self.body = Body::Bytes { bytes, content_type },
            Err(message) => self.fail(message),
        }
        self
    }

    /// Adds `name=v1&name=v2...` (or `name=v1,v2` with [`ArrayStyle::CommaSeparated`]) from
    /// any list of strings: `&["a", "b"]`, a `Vec<String>`, an iterator. An empty list sends
    /// nothing.
    pub fn query_strs<S: AsRef<str>>(self, name: &'static str, values: impl IntoIterator<Item = S>, style: ArrayStyle) -> Self {
        let values: Vec<S> = values.into_iter().collect();
        let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        self.query_array(name, &values, style)
    }

    /// Sends `If-None-Match: <etag>` and takes a `304 Not Modified` reply as an answer.
    pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.headers.push(("If-None-Match", etag.into()));
        self.not_modified_ok = true;
        self
    }

    /// Whether a `304 Not Modified` reply is an answer ([`if_none_match`](Self::if_none_match)).
    pub fn accepts_not_modified(&self) -> bool {
        self.not_modified_ok
    }

    /// Uses `body` as is, sent with the given `Content-Type`.
    pub fn raw(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Body::Bytes {
            bytes: body.into(),
            content_type,
        };
        self
    }

    /// Uses a `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body = Body::Multipart(form);
        self
    }

    /// The path template given to [`OperationRequest::new`].
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The client method that made the request, if set ([`for_operation`](Self::for_operation)).
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Whether the request can be sent again (its body holds no stream).
    pub fn is_replayable(&self) -> bool {
        match &self.body {
            Body::Multipart(form) => form.is_replayable(),
            Body::Empty | Body::Bytes { .. } => true,
        }
    }

    fn set_path_param(&mut self, name: &str, value: &str) {
        let placeholder = format!("{{{name}}}");
        if !self.path.contains(&placeholder) {
            self.fail(format!(
                "path `{}` has no parameter `{name}`",
                self.path_template
            ));
        } else if value.split(['/', '\\']).any(|s| s.is_empty() || s == "." || s == "..") {
            // The value becomes one encoded segment, but a router that decodes `%2F` and cleans
            // the path (Mattermost's gorilla/mux: `cleanPath` on the decoded path, answered with
            // a 301) would send an empty value (`/users/` is not `/users/{id}`), an empty
            // segment (`me//image` becomes `me/image`) or a dot segment (`../x`) to another
            // endpoint, and a GET follows that redirect with the token.
            self.fail(format!(
                "path parameter `{name}` is empty or has an empty, `.` or `..` segment (split on `/` and `\\`)"
            ));
        } else {
            let encoded = percent_encoding::utf8_percent_encode(value, PATH_SEGMENT).to_string();
            self.path = self.path.replace(&placeholder, &encoded);
        }
    }

    /// Records the first error met while building.
    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// Appends `name=v1,v2,...` with each value form-urlencoded and the
    /// separating commas kept literal.
    fn push_query(&mut self, name: &str, values: &[String]) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        self.query
            .extend(url::form_urlencoded::byte_serialize(name.as_bytes()));
        self.query.push('=');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.query.push(',');
            }
            self.query
                .extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        }
    }

    /// The full URL of the request under the server root `base` (which ends
    /// with a slash), or the error recorded while building.
    pub(super) fn url(&self, base: &url::Url) -> Result<url::Url> {
        if let Some(message) = &self.error {
            return Err(Error::InvalidRequest(message.clone()));
        }
        if self.path.contains(['{', '}']) {
            return Err(Error::InvalidRequest(format!(
                "path `{}` has a parameter without a value",
                self.path_template
            )));
        }
        // The URL parser resolves `.` and `..` segments (also when written
        // as `%2e`), which would let a parameter value change the endpoint.
        for segment in self.path.split('/') {
            let decoded = percent_encoding::percent_decode_str(segment);
            if matches!(decoded.collect::<Vec<u8>>().as_slice(), b"." | b"..") {
                return Err(Error::InvalidRequest(format!(
                    "path `{}`: a path parameter cannot be `.` or `..`",
                    self.path_template
                )));
            }
        }
        let mut url = base.clone();
        let root = base.path().trim_end_matches('/');
        let path = self.path.trim_start_matches('/');
        url.set_path(&format!("{root}/{path}"));
        url.set_query((!self.query.is_empty()).then_some(self.query.as_str()));
        if url.as_str().len() > MAX_URL_LENGTH {
            return Err(Error::InvalidRequest(format!(
                "the URL of `{}` is {} bytes long, more than the {MAX_URL_LENGTH} that servers and proxies accept",
                self.path_template,
                url.as_str().len()
            )));
        }
        Ok(url)
    }

    /// Headers of the request, validated, plus the content type of a body
    /// held in memory.
    pub(super) fn header_map(&self) -> Result<HeaderMap> {
        let mut map = HeaderMap::with_capacity(self.headers.len() + 1);
        for (name, value) in &self.headers {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::InvalidRequest(format!("invalid header name `{name}`")))?;
            let header_value = HeaderValue::from_str(value)
                .map_err(|_| Error::InvalidRequest(format!("invalid value for header `{name}`")))?;
            map.append(header_name, header_value);
        }
        if let Body::Bytes { content_type, .. } = &self.body {
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                Error::InvalidRequest(format!("invalid content type `{content_type}`"))
            })?;
            map.insert(CONTENT_TYPE, value);
        }
        Ok(map)
    }
}

impl fmt::Debug for OperationRequest {
    /// Shows header names but not their values, which may be secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        let body = match &self.body {
            Body::Empty => "none".to_owned(),
            Body::Bytes {
                bytes,
                content_type,
            } => format!("{content_type}, {} bytes", bytes.len()),
            Body::Multipart(form) => format!("{form:?}"),
        };
        f.debug_struct("OperationRequest")
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("path_template", &self.path_template)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &header_names)
            .field("body", &body)
            .field("error", &self.error)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://mm.example.com/sub/").expect("constant URL")
    }

    #[test]
    fn path_segment_encoding() {
        let req = OperationRequest::new(Method::GET, "/api/v4/users/{user_id}/x")
            .path_param("user_id", "a b/c?#%+é");
        let url = req.url(&base()).map(|u| u.to_string());
        assert_eq!(
            url.ok().as_deref(),
            Some("https://mm.example.com/sub/api/v4/users/a%20b%2Fc%3F%23%25%2B%C3%A9/x")
        );
    }

    #[test]
    fn dot_segments_and_missing_params_are_rejected() {
        for value in [".", "..", "%2e%2E"] {
            let req =
                OperationRequest::new(Method::GET, "/api/v4/users/{id}").path_param("id", value);
            // `%2e%2E` is encoded as `%252e%252E`, which is not a dot segment.
            assert_eq!(req.url(&base()).is_ok(), value.starts_with('%'), "{value}");
        }
        let req = OperationRequest::new(Method::GET, "/api/v4/users/{id}");
        assert!(matches!(req.url(&base()), Err(Error::InvalidRequest(_))));
        let req = OperationRequest::new(Method::GET, "/api/v4/users/{id}").path_param("nope", 1);
        assert!(matches!(req.url(&base()), Err(Error::InvalidRequest(_))));
    }

    #[test]
    fn empty_dot_segment_and_overlong_values_are_rejected() {
        for value in [
            "", "../system/ping", "a/../../teams/t1", "..\\x", "x/.", "./x", "/", "//", "me//image",
            "f//preview", "/x", "x/", "a\\\\b",
        ] {
            let req =
                OperationRequest::new(Method::GET, "/api/v4/users/{user_id}").path_param("user_id", value);
            let err = req.url(&base()).map(|u| u.to_string());
            assert!(
                matches!(&err, Err(Error::InvalidRequest(m)) if m.contains("`user_id`")),
                "{value:?}: {err:?}"
            );
        }
        for value in ["a..b", "...", ".x", "a.b/c"] {
            let req =
                OperationRequest::new(Method::GET, "/api/v4/users/{user_id}").path_param("user_id", value);
            assert!(req.url(&base()).is_ok(), "{value:?}");
        }
        let long = "x".repeat(MAX_URL_LENGTH);
        let req = OperationRequest::new(Method::GET, "/api/v4/users/{user_id}").path_param("user_id", &long);
        assert!(matches!(req.url(&base()), Err(Error::InvalidRequest(_))));
    }

    #[test]
    fn query_styles() {
        let req = OperationRequest::new(Method::GET, "/api/v4/x")
            .query("q", "a b&c")
            .query_opt::<u32>("none", None)
            .query_array("e", &[1, 2], ArrayStyle::Exploded)
            .query_array("c", &["x,y", "z"], ArrayStyle::CommaSeparated)
            .query_array::<u8>("empty", &[], ArrayStyle::CommaSeparated)
            .query("b", true);
        let url = req.url(&base()).map(|u| u.query().map(str::to_owned));
        assert_eq!(
            url.ok().flatten().as_deref(),
            Some("q=a+b%26c&e=1&e=2&c=x%2Cy,z&b=true")
        );
    }
}
