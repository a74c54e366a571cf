//! Server events of the WebSocket into the IR: each event's data schema is typed by the same
//! type-space builder as the REST models (inline data becomes a named struct such as
//! `PostedEvent`; references reuse the models).

use super::{Event, EventSpace, JsonString, Shape, TypeKind, TypeSpace, TypeSpaceBuilder};
use super::schema_view::SchemaRef;
use crate::diag::Diagnostics;
use crate::load::events::{compare_versions, CatalogueEvent, EventCatalogue, EVENTS_FILE};
use crate::naming::{self, Namer};

/// Name of the broadcast type shared by every event.
const BROADCAST_TYPE: &str = "EventBroadcast";

/// Variant names the `Event` enum uses itself.
const RESERVED_VARIANTS: &[&str] = &["Connection", "Unknown"];

/// Types every event of `catalogue` in `types`. Diagnostics the builder records about the
/// catalogue's schemas are located in `spec/events.yaml`.
pub fn build<'a>(catalogue: &'a EventCatalogue, types: &mut TypeSpaceBuilder<'a>) -> EventSpace {
    let first_new = types.diagnostics.items().len();
    let mut variants = Namer::with_reserved(RESERVED_VARIANTS);
    let mut broadcast: Option<Shape> = None;
    let mut events = Vec::with_capacity(catalogue.events.len());
    for event in &catalogue.events {
        let variant_name = variants.claim(&naming::variant_name(&event.wire_name));
        let data_pointer = format!("{}/payload/properties/data", event.pointer);
        let data = match &event.data {
            None => Shape::Json,
            Some(schema) => types.shape_of(SchemaRef::Inline(schema), &data_pointer, &format!("{}Event", naming::type_name(&event.wire_name))),
        };
        let json_strings = json_strings(types, event, &data);
        if let Some(schema) = &event.broadcast {
            let pointer = format!("{}/payload/properties/broadcast", event.pointer);
            let shape = types.shape_of(schema.into(), &pointer, BROADCAST_TYPE);
            match &broadcast {
                None => broadcast = Some(shape),
                Some(first) if *first != shape => types.diagnostics.warn(
                    "events-broadcast",
                    pointer,
                    "this event's broadcast schema differs from the first event's; every event's broadcast is decoded as the first one's",
                ),
                Some(_) => {}
            }
        }
        events.push(Event {
            wire_name: event.wire_name.clone(),
            variant_name,
            pointer: event.pointer.clone(),
            docs: event_docs(event, &catalogue.version),
            since: event.since.clone(),
            until: event.until.clone(),
            published_by: event.published_by.clone(),
            data,
            json_strings,
        });
    }
    for diagnostic in &mut types.diagnostics.items_mut()[first_new..] {
        diagnostic.file = Some(EVENTS_FILE.to_string());
        let at = crate::load::events::position(&catalogue.tree, &diagnostic.pointer);
        diagnostic.line = Some(at.line);
        diagnostic.column = Some(at.column);
    }
    EventSpace {
        version: catalogue.version.clone(),
        events,
        broadcast: broadcast.unwrap_or(Shape::Json),
    }
}

/// The fields of `data` the server sends as JSON strings, with their decoded shapes.
fn json_strings(types: &TypeSpaceBuilder<'_>, event: &CatalogueEvent, data: &Shape) -> Vec<JsonString> {
    let Shape::Named(id) = data else { return Vec::new() };
    let TypeKind::Struct(s) = types.kind(*id) else { return Vec::new() };
    event
        .json_strings
        .iter()
        .filter_map(|wire| s.fields.iter().find(|f| f.wire_name == *wire))
        .map(|field| JsonString {
            wire_name: field.wire_name.clone(),
            shape: field.shape.clone(),
        })
        .collect()
}

/// Title, summary and description as markdown, then the server versions that send it.
fn event_docs(event: &CatalogueEvent, base: &str) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(title) = &event.title {
        parts.push(format!("{title} (`{}`).", event.wire_name.replace('`', "'")));
    }
    parts.extend(event.summary.iter().cloned());
    parts.extend(event.description.iter().cloned());
    parts.extend(versions_note(base, event.since.as_deref(), event.until.as_deref()));
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Which server versions send an event, from its `x-since` / `x-until` and the catalogue's
/// base version (the oldest version read: older servers may send the event too).
fn versions_note(base: &str, since: Option<&str>, until: Option<&str>) -> Option<String> {
    use std::cmp::Ordering::Greater;
    let since = since?;
    let newer = compare_versions(since, base) == Greater;
    let from = if newer {
        format!("servers {since} and later (the first version read that has it; {base} does not send it)")
    } else {
        format!("servers {since} and later ({since} is the oldest version read; older servers may send it too)")
    };
    Some(match until {
        Some(until) if compare_versions(until, since) == Greater => {
            format!("**Server versions:** sent by {from}, up to but not including {until}, which no longer sends it.")
        }
        Some(until) => format!(
            "**Server versions:** not sent by servers {until} and later: they keep the name but publish the event no more (from {since} on, the versions this catalogue describes, it never arrives)."
        ),
        None => format!("**Server versions:** sent by {from}."),
    })
}

/// Once the type space is finished: documents the data types the catalogue left without docs,
/// and keeps broadcasts as JSON values when the broadcast type has no `Default` (which stands
/// in for a missing or unreadable broadcast).
pub fn finish(events: &mut EventSpace, types: &mut TypeSpace, catalogue: &EventCatalogue, diagnostics: &mut Diagnostics) {
    for event in &events.events {
        if let Shape::Named(id) = event.data {
            let entry = &mut types.entries[id.0];
            if entry.docs.is_none() && entry.pointer.ends_with("/payload/properties/data") {
                entry.docs = Some(format!("The data of the `{}` event ([`Event::{}`](crate::events::Event::{})).", event.wire_name, event.variant_name, event.variant_name));
            }
        }
    }
    if let Shape::Named(id) = events.broadcast {
        let entry = types.get(id);
        if !entry.has_default {
            let at = crate::load::events::position(&catalogue.tree, &entry.pointer);
            diagnostics.push_diagnostic(crate::diag::Diagnostic {
                severity: crate::diag::Severity::Warning,
                kind: "events-broadcast",
                file: Some(EVENTS_FILE.to_string()),
                pointer: entry.pointer.clone(),
                line: Some(at.line),
                column: Some(at.column),
                message: "the broadcast type has no default (a required field without one); kept broadcasts as JSON values".into(),
            });
            events.broadcast = Shape::Json;
        }
    }
}
