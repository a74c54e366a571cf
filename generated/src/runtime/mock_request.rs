// Copied by `cargo xtask regen` from templates/src/runtime/mock_request.rs. Edit it there.

//! A request the test double received ([`MockRequest`], typed per operation as
//! [`Recorded`]); see [`mock`](super::mock).

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{Error, Result};
use super::mock_operation::{DecodeBody, Json, Operation};

/// One request the double received (one attempt: a retried call is recorded once per attempt).
///
/// `Debug` shows header names, not their values (the `Authorization` header is a secret).
#[derive(Clone)]
pub struct MockRequest {
    pub(super) operation: Option<&'static str>,
    pub(super) method: Method,
    pub(super) path_template: &'static str,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
}

impl MockRequest {
    /// The client method that sent it (`get_user`), when the double knows the operation.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The operation's path template (`/api/v4/users/{user_id}`).
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The path as sent, percent-encoded (`/api/v4/users/u1`).
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// The value of the path parameter `name`, decoded (`u1` for `user_id`).
    pub fn path_param(&self, name: &str) -> Option<String> {
        let placeholder = format!("{{{name}}}");
        let template: Vec<&str> = self.path_template.trim_start_matches('/').split('/').collect();
        let index = template.iter().position(|s| *s == placeholder)?;
        let path: Vec<&str> = self.url.path().split('/').collect();
        // The path may start with the base URL's subpath: align the two from the end.
        let segment = path.get(path.len().checked_sub(template.len())? + index)?;
        Some(percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned())
    }

    /// The first value of the query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        self.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }

    /// Every value of the query parameter `name`, in order.
    pub fn query_all(&self, name: &str) -> Vec<String> {
        self.url.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect()
    }

    /// A request header as text (`Authorization` included: it is the test's own token).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as sent, when it was held in memory (not for a multipart form).
    pub fn body_bytes(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// The body decoded as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        Json::decode(self.body.as_ref()).map_err(Error::Mock)
    }
}

impl fmt::Debug for MockRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("MockRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.url.path())
            .field("query", &self.url.query().map(|_| "…"))
            .field("headers", &names)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// A request of operation `O`: a [`MockRequest`] whose body reads as `O`'s body type.
pub struct Recorded<O> {
    request: MockRequest,
    operation: PhantomData<fn() -> O>,
}

impl<O> Recorded<O> {
    /// The request, viewed as one of operation `O`.
    pub(super) fn new(request: MockRequest) -> Self {
        Recorded { request, operation: PhantomData }
    }
}

impl<O: Operation> Recorded<O> {
    /// The request body as the operation's body type (`CreatePostRequest` for `create_post`).
    pub fn body(&self) -> Result<O::Body> {
        O::BodyFormat::decode(self.request.body.as_ref()).map_err(Error::Mock)
    }
}

impl<O> std::ops::Deref for Recorded<O> {
    type Target = MockRequest;

    fn deref(&self) -> &MockRequest {
        &self.request
    }
}

impl<O> Clone for Recorded<O> {
    fn clone(&self) -> Self {
        Recorded { request: self.request.clone(), operation: PhantomData }
    }
}

impl<O> fmt::Debug for Recorded<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.request.fmt(f)
    }
}
