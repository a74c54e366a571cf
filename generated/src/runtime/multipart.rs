// Copied by `cargo xtask regen` from templates/src/runtime/multipart.rs. Edit it there.

//! `multipart/form-data` bodies: [`Multipart`] and its [`FilePart`]s.

use std::fmt;

use bytes::Bytes;

use super::error::{Error, Result};

/// Content of a file field of a [`Multipart`] body.
pub struct FilePart {
    data: FileData,
    file_name: String,
    mime: Option<String>,
}

enum FileData {
    Bytes(Bytes),
    /// Taken when the body is built: a stream can be sent only once.
    Stream {
        body: Option<reqwest::Body>,
        len: Option<u64>,
    },
}

impl FilePart {
    /// A file held in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Self {
        FilePart {
            data: FileData::Bytes(bytes.into()),
            file_name: file_name.into(),
            mime: None,
        }
    }

    /// A file read from a stream of chunks. A request carrying it is never
    /// retried, since the stream can be read only once.
    pub fn from_stream<S, E>(stream: S, file_name: impl Into<String>) -> Self
    where
        S: futures_core::Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        FilePart {
            data: FileData::Stream {
                body: Some(reqwest::Body::wrap_stream(stream)),
                len: None,
            },
            file_name: file_name.into(),
            mime: None,
        }
    }

    /// Declares the length in bytes of a streamed file, so the whole body
    /// can be sent with a `Content-Length`. Ignored for in-memory files,
    /// whose length is known.
    pub fn with_length(mut self, length: u64) -> Self {
        if let FileData::Stream { len, .. } = &mut self.data {
            *len = Some(length);
        }
        self
    }

    /// Sets the content type of the part. By default it is guessed from the
    /// file name's extension, or `application/octet-stream`.
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }

    fn is_replayable(&self) -> bool {
        matches!(self.data, FileData::Bytes(_))
    }

    fn build_part(&mut self) -> Result<reqwest::multipart::Part> {
        let part = match &mut self.data {
            FileData::Bytes(bytes) => reqwest::multipart::Part::stream(bytes.clone()),
            FileData::Stream { body, len } => {
                let body = body.take().ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "the stream of file `{}` was already sent",
                        self.file_name
                    ))
                })?;
                match len {
                    Some(len) => reqwest::multipart::Part::stream_with_length(body, *len),
                    None => reqwest::multipart::Part::stream(body),
                }
            }
        };
        let mime = match &self.mime {
            Some(mime) => mime.as_str(),
            None => mime_guess::from_path(&self.file_name)
                .first_raw()
                .unwrap_or("application/octet-stream"),
        };
        part.file_name(self.file_name.clone())
            .mime_str(mime)
            .map_err(|_| Error::InvalidRequest(format!("invalid content type `{mime}`")))
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("FilePart");
        s.field("file_name", &self.file_name)
            .field("mime", &self.mime);
        match &self.data {
            FileData::Bytes(bytes) => s.field("bytes", &bytes.len()),
            FileData::Stream { len, .. } => s.field("stream_length", len),
        };
        s.finish()
    }
}

enum Field {
    Text(String),
    File(FilePart),
}

/// A `multipart/form-data` request body, built field by field.
#[derive(Default)]
pub struct Multipart {
    fields: Vec<(&'static str, Field)>,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.fields.push((name, Field::Text(value.to_string())));
        self
    }

    /// Adds a text field when `value` is `Some`.
    pub fn text_opt<T: fmt::Display>(self, name: &'static str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.text(name, value),
            None => self,
        }
    }

    /// Adds one text field named `name` per value, in order.
    pub fn texts<T: fmt::Display>(mut self, name: &'static str, values: &[T]) -> Self {
        self.fields
            .extend(values.iter().map(|value| (name, Field::Text(value.to_string()))));
        self
    }

    /// Adds a file field.
    pub fn file(mut self, name: &'static str, part: FilePart) -> Self {
        self.fields.push((name, Field::File(part)));
        self
    }

    /// Adds one file field named `name` per part.
    pub fn files(mut self, name: &'static str, parts: impl IntoIterator<Item = FilePart>) -> Self {
        self.fields
            .extend(parts.into_iter().map(|part| (name, Field::File(part))));
        self
    }

    /// Whether the form can be sent again (it holds no stream).
    pub(super) fn is_replayable(&self) -> bool {
        self.fields.iter().all(|(_, field)| match field {
            Field::Text(_) => true,
            Field::File(part) => part.is_replayable(),
        })
    }

    /// Builds the reqwest form: every text field first, in the order they
    /// were added, then every file. The server's streaming upload handler
    /// decides from the fields it has seen when a file arrives (the channel,
    /// the client ids), so text after a file would be too late. In-memory
    /// content is shared, not copied; streams are moved out, so a second
    /// build of a form holding one fails.
    pub(super) fn build_form(&mut self) -> Result<reqwest::multipart::Form> {
        let mut form = reqwest::multipart::Form::new();
        for (name, field) in &self.fields {
            if let Field::Text(text) = field {
                form = form.text(*name, text.clone());
            }
        }
        for (name, field) in &mut self.fields {
            if let Field::File(part) = field {
                form = form.part(*name, part.build_part()?);
            }
        }
        Ok(form)
    }
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, field) in &self.fields {
            match field {
                Field::Text(text) => {
                    list.entry(&format_args!("{name}: text ({} bytes)", text.len()))
                }
                Field::File(part) => list.entry(&format_args!("{name}: {part:?}")),
            };
        }
        list.finish()
    }
}
