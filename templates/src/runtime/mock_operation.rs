//! The test double's view of an operation ([`Operation`], implemented by the generated
//! `ops` markers) and of a reply ([`HttpReply`]); see [`mock`](super::mock).

use std::fmt;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::AppError;

/// One operation of the API, as a type: implemented by the generated markers in `ops`
/// (`ops::GetUser` for `Client::get_user`), which rules name.
pub trait Operation: Send + Sync + 'static {
    /// The client method's name (`get_user`).
    const NAME: &'static str;
    /// The HTTP method (`GET`).
    const METHOD: &'static str;
    /// The path template (`/api/v4/users/{user_id}`).
    const PATH: &'static str;
    /// What a successful call returns.
    type Reply;
    /// How a reply value is written as a body.
    type ReplyFormat: EncodeReply<Self::Reply>;
    /// The request body's type (`()` when the operation sends none, or a multipart form).
    type Body;
    /// How a recorded body is read back.
    type BodyFormat: DecodeBody<Self::Body>;
}

/// Writes a reply value as the body a server would send.
pub trait EncodeReply<T> {
    /// The body and its content type, or why the value cannot be written.
    fn encode(value: &T) -> std::result::Result<(Bytes, &'static str), String>;
}

/// Reads a recorded request body back as the operation's body type.
pub trait DecodeBody<T> {
    /// The body, or why it does not read as `T`.
    fn decode(body: Option<&Bytes>) -> std::result::Result<T, String>;
}

/// A JSON reply or body.
#[derive(Debug, Clone, Copy)]
pub struct Json;
/// A `application/x-www-form-urlencoded` body.
#[derive(Debug, Clone, Copy)]
pub struct Form;
/// A text reply.
#[derive(Debug, Clone, Copy)]
pub struct Text;
/// A reply or body of raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct Raw;
/// No reply body of interest, or no request body (a multipart form is not kept).
#[derive(Debug, Clone, Copy)]
pub struct Empty;

impl<T: Serialize> EncodeReply<T> for Json {
    fn encode(value: &T) -> std::result::Result<(Bytes, &'static str), String> {
        serde_json::to_vec(value).map(|b| (b.into(), "application/json")).map_err(|e| format!("cannot write the reply as JSON: {e}"))
    }
}

impl EncodeReply<String> for Text {
    fn encode(value: &String) -> std::result::Result<(Bytes, &'static str), String> {
        Ok((Bytes::from(value.clone()), "text/plain; charset=utf-8"))
    }
}

impl EncodeReply<Bytes> for Raw {
    fn encode(value: &Bytes) -> std::result::Result<(Bytes, &'static str), String> {
        Ok((value.clone(), "application/octet-stream"))
    }
}

impl EncodeReply<()> for Empty {
    fn encode(_: &()) -> std::result::Result<(Bytes, &'static str), String> {
        Ok((Bytes::new(), "text/plain"))
    }
}

impl<T: DeserializeOwned> DecodeBody<T> for Json {
    fn decode(body: Option<&Bytes>) -> std::result::Result<T, String> {
        serde_json::from_slice(body.map_or(&[][..], |b| b)).map_err(|e| format!("the request body is not the operation's JSON: {e}"))
    }
}

impl<T: DeserializeOwned> DecodeBody<T> for Form {
    fn decode(body: Option<&Bytes>) -> std::result::Result<T, String> {
        serde_urlencoded::from_bytes(body.map_or(&[][..], |b| b)).map_err(|e| format!("the request body is not the operation's form: {e}"))
    }
}

impl DecodeBody<Bytes> for Raw {
    fn decode(body: Option<&Bytes>) -> std::result::Result<Bytes, String> {
        body.cloned().ok_or_else(|| "the request had no body held in memory".to_owned())
    }
}

impl DecodeBody<()> for Empty {
    fn decode(_: Option<&Bytes>) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// A reply given as HTTP: a status, headers and a body ([`Rule::respond`](super::mock::Rule::respond)).
#[derive(Clone)]
pub struct HttpReply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// Why the reply could not be made (a header or value that cannot be written).
    pub(super) error: Option<String>,
}

impl HttpReply {
    /// A reply with this status, no headers and an empty body.
    pub fn status(status: StatusCode) -> Self {
        HttpReply { status, headers: HeaderMap::new(), body: Bytes::new(), error: None }
    }

    /// Adds a header (`Retry-After`, `ETag`, `Location`...).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => self.error = Some(format!("invalid header `{name}`")),
        }
        self
    }

    /// Sets the body, sent as it is.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body (and its content type).
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = body.into();
                self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.error = Some(format!("cannot write the body as JSON: {e}")),
        }
        self
    }

    /// A Mattermost error reply: `status` with an `AppError` body of this id and message.
    pub fn app_error(status: StatusCode, id: &str, message: &str) -> Self {
        let error = AppError { id: id.to_owned(), message: message.to_owned(), status_code: i64::from(status.as_u16()), ..AppError::default() };
        HttpReply::status(status).json(&error)
    }

    /// A success reply holding `value` as the operation `O` writes it.
    pub(super) fn value<O: Operation>(value: &O::Reply) -> Self {
        match O::ReplyFormat::encode(value) {
            Ok((body, content_type)) => HttpReply::status(StatusCode::OK).header(CONTENT_TYPE.as_str(), content_type).body(body),
            Err(e) => HttpReply { error: Some(e), ..HttpReply::status(StatusCode::OK) },
        }
    }
}

impl fmt::Debug for HttpReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("HttpReply").field("status", &self.status).field("headers", &names).field("body_len", &self.body.len()).finish()
    }
}
