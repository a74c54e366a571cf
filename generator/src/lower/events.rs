//! Lowers the WebSocket events to `src/events.rs`: the `Event` enum, its `EventPayload`
//! implementation (wire name to variant, data decoded into its typed struct) and
//! `Client::events`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::models::{shape_type, Context};
use crate::ir::{EventSpace, Shape, TypeSpace};

/// Path of the file in the generated crate.
pub const EVENTS_PATH: &str = "src/events.rs";

/// The type a variant holds: a named type boxed (a `Post` inside is large), JSON as is.
fn data_type(types: &TypeSpace, shape: &Shape) -> TokenStream {
    let ty = shape_type(types, shape, Context::Elsewhere);
    match shape {
        Shape::Named(_) => quote!(Box<#ty>),
        _ => ty,
    }
}

/// The `events` module.
pub fn events_file(types: &TypeSpace, events: &EventSpace) -> TokenStream {
    let about = format!(
        " The server events of the WebSocket: [`Event`], one variant per event Mattermost servers from {} on send ({} events), read from [`Client::events`]; each variant says which server versions send it.",
        events.version,
        events.events.len()
    );
    let broadcast_type = shape_type(types, &events.broadcast, Context::Elsewhere);
    let broadcast_decode = match events.broadcast {
        Shape::Json => quote!(frame.broadcast_value()),
        _ => quote!(crate::runtime::decode_json(frame.broadcast.get()).unwrap_or_default()),
    };
    let variants = events.events.iter().map(|event| {
        let docs = doc_attrs(event.docs.as_deref());
        let variant = format_ident!("{}", event.variant_name);
        let data = data_type(types, &event.data);
        quote! {
            #docs
            #variant {
                /// The event's data.
                data: #data,
                /// Its broadcast and sequence number.
                meta: EventMeta,
            },
        }
    });
    // Every shape decodes the same way (`serde_json::Value`, for untyped data, is a type too);
    // only data with members holding JSON text goes through the wrapping deserializer.
    let decode_arms = events.events.iter().map(|event| {
        let variant = format_ident!("{}", event.variant_name);
        let wire = &event.wire_name;
        let decode = if event.json_strings.is_empty() {
            quote!(crate::runtime::decode_json(data))
        } else {
            let json_strings = event.json_strings.iter().map(|j| j.wire_name.as_str());
            quote!(crate::runtime::decode_event_data(data, &[#(#json_strings),*]))
        };
        quote! {
            #wire => {
                if let Some(data) = #decode {
                    return Ok(Event::#variant { data, meta });
                }
            }
        }
    });
    let name_arms = events.events.iter().map(|event| {
        let variant = format_ident!("{}", event.variant_name);
        let wire = &event.wire_name;
        quote!(Event::#variant { .. } => Some(#wire),)
    });
    let meta_arms = events.events.iter().map(|event| {
        let variant = format_ident!("{}", event.variant_name);
        quote!(Event::#variant { meta, .. })
    });
    quote! {
        #![doc = #about]
        //!
        //! Each variant holds the event's data as a typed struct that reuses the API's models
        //! (`posted` holds a [`Post`](crate::models::Post)), with members the server sends as
        //! strings holding JSON already decoded, and an [`EventMeta`]: who the event was sent to
        //! and its sequence number. An event this version does not know, or whose data does not
        //! decode, arrives as [`Event::Unknown`] with the data as sent; the stream goes on.
        //! Changes of the connection arrive as [`Event::Connection`].

        use serde_json::Value;

        use crate::runtime::{Client, Result};
        pub use crate::runtime::{
            ActionReply, ActionSender, AuthMode, ConnectionNotice, EventFrame, EventOptions, EventPayload, EventStream,
        };

        /// Who an event was sent to, and its place in the connection's sequence.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct EventMeta {
            /// The event's `broadcast` (`channel_id`, `team_id`, `user_id`...: who it was
            /// addressed to); the default when the frame had none or one that does not decode.
            pub broadcast: #broadcast_type,
            /// Its sequence number on the connection (from 0), when the frame had one.
            pub seq: Option<i64>,
        }

        /// One item of the event stream: a server event with its typed data, a change of the
        /// connection, or an event this client does not know.
        ///
        /// Typed data is boxed: an `Event` stays small (the stream buffers items in blocks of
        /// their size), for one allocation per event.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// A change of the connection: connected, lost, resumed, or events lost (a gap).
            Connection(ConnectionNotice),
            /// An event this client does not know, or whose data does not decode into its type:
            /// kept as the server sent it.
            Unknown {
                /// The event's name.
                event: String,
                /// Its data as sent.
                data: Value,
                /// Its broadcast and sequence number.
                meta: EventMeta,
            },
        }

        impl Event {
            /// Decodes the event named `event` from its `data`: the typed variant, or
            /// [`Event::Unknown`] with `data` unchanged when the name is unknown or the data does
            /// not decode. Never fails. The event stream decodes from the frame's text instead
            /// ([`EventPayload::from_frame`], [`Event::from_json`]), with the same result.
            pub fn decode(event: String, data: Value, meta: EventMeta) -> Event {
                match Event::decode_typed(&event, &data.to_string(), meta) {
                    Ok(typed) => typed,
                    Err(meta) => Event::Unknown { event, data, meta },
                }
            }

            /// The typed variant of the event named `event` from the JSON text of its data; `Err`
            /// gives `meta` back when the name is unknown or the data does not decode. (`Err` is
            /// as large as the broadcast; `Ok`, an `Event`, is larger still.)
            #[allow(clippy::result_large_err)]
            fn decode_typed(event: &str, data: &str, meta: EventMeta) -> std::result::Result<Event, EventMeta> {
                match event {
                    #(#decode_arms)*
                    _ => {}
                }
                Err(meta)
            }

            /// The event in one text frame as the server sends it (a recorded frame, a log
            /// line), decoded as the stream decodes it. Fails with
            /// [`Error::WebSocket`](crate::Error::WebSocket) when the text is not an event frame.
            pub fn from_json(text: &str) -> Result<Event> {
                crate::runtime::event_from_json(text)
            }

            /// The event's name on the wire (`posted`); `None` for [`Event::Connection`].
            pub fn name(&self) -> Option<&str> {
                match self {
                    #(#name_arms)*
                    Event::Unknown { event, .. } => Some(event),
                    Event::Connection(_) => None,
                }
            }

            /// The event's broadcast and sequence number; `None` for [`Event::Connection`].
            pub fn meta(&self) -> Option<&EventMeta> {
                match self {
                    #(#meta_arms)|* | Event::Unknown { meta, .. } => Some(meta),
                    Event::Connection(_) => None,
                }
            }
        }

        impl EventPayload for Event {
            fn from_frame(frame: EventFrame<'_>) -> Self {
                let meta = EventMeta {
                    broadcast: #broadcast_decode,
                    seq: frame.seq,
                };
                match Event::decode_typed(&frame.event, frame.data.get(), meta) {
                    Ok(typed) => typed,
                    Err(meta) => Event::Unknown { data: frame.data_value(), event: frame.event, meta },
                }
            }

            fn from_notice(notice: ConnectionNotice) -> Self {
                Event::Connection(notice)
            }
        }

        impl Client {
            /// Connects to the server's WebSocket with this client's token and returns its
            /// events, with the default [`EventOptions`]; see [`Client::events_with`] for the
            /// settings, reconnection and errors.
            pub async fn events(&self) -> Result<EventStream<Event>> {
                self.events_with(EventOptions::default()).await
            }
        }
    }
}
