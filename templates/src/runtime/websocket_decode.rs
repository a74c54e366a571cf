//! Decoding of an event's `data` (and `broadcast`) into its typed struct, straight from the
//! frame's JSON text, for the generated `Event` enum.
//!
//! The server marshals some values to JSON before adding them to an event (`posted`'s `post`
//! is a string holding a Post). Those members are decoded from their string in the same pass as
//! the rest of the data: a wrapping deserializer notes which member each key of the data names,
//! and the value of a named member that is a string is decoded from the string's (unescaped)
//! text by a nested `serde_json` deserializer. No intermediate `serde_json::Value` is built.

use std::cell::OnceCell;
use std::fmt;

use serde::de::value::{
    BoolDeserializer, F64Deserializer, I128Deserializer, I64Deserializer, MapAccessDeserializer, SeqAccessDeserializer,
    U128Deserializer, U64Deserializer, UnitDeserializer,
};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};

/// Decodes the JSON text `data` into `T`: one JSON value, nothing after it. Returns `None` when
/// it does not fit `T`. Never panics. For data without members holding JSON text, and for
/// broadcasts.
pub fn decode_json<T: DeserializeOwned>(data: &str) -> Option<T> {
    let mut json = serde_json::Deserializer::from_str(data);
    let decoded = T::deserialize(&mut json).ok()?;
    json.end().ok()?;
    Some(decoded)
}

/// How many members holding JSON text get room on the stack (more get it on the heap).
const ON_STACK: usize = 4;

/// Decodes the JSON text `data` into `T`. The members of `data` named in `json_strings` that
/// are strings are decoded as the JSON text they hold; a member that is already a JSON value,
/// or absent, is read as is.
///
/// Returns `None` when `data` is not one JSON value, a named string is not JSON of the member's
/// type (or has trailing characters), or the data does not fit `T`. Never panics; nesting is
/// limited as in `serde_json` (128 levels, counted again inside a string holding JSON).
pub fn decode_event_data<T: DeserializeOwned>(data: &str, json_strings: &[&str]) -> Option<T> {
    // The unescaped text of each named member whose string had escapes, while it decodes.
    let on_stack: [OnceCell<String>; ON_STACK] = Default::default();
    let on_heap: Vec<OnceCell<String>>;
    let unescaped = match on_stack.get(..json_strings.len()) {
        Some(room) => room,
        None => {
            on_heap = json_strings.iter().map(|_| OnceCell::new()).collect();
            &on_heap
        }
    };
    let names = Names {
        names: json_strings,
        unescaped,
    };
    let mut json = serde_json::Deserializer::from_str(data);
    let decoded = T::deserialize(Data { inner: &mut json, names }).ok()?;
    json.end().ok()?;
    Some(decoded)
}

/// The members that hold JSON text, and room for their unescaped text.
#[derive(Clone, Copy)]
struct Names<'de> {
    names: &'de [&'de str],
    unescaped: &'de [OnceCell<String>],
}

impl Names<'_> {
    /// The index of the member named `key`, when it holds JSON text.
    fn find(&self, key: &str) -> Option<usize> {
        self.names.iter().position(|name| *name == key)
    }
}

/// Defines `Deserializer` methods that call the same method of the deserializer `self.$via`
/// returns, with the visitor it returns.
macro_rules! forward_deserialize {
    ($via:ident => $($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            let (inner, visitor) = self.$via(visitor);
            inner.$method($($arg,)* visitor)
        }
    )*};
}

/// Defines `Visitor` methods that hand their value to `self.visitor` unchanged.
macro_rules! forward_visits {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<E: de::Error>(self, $($arg: $ty),*) -> Result<Self::Value, E> {
            self.visitor.$method($($arg),*)
        }
    )*};
}

/// The event's data: an object's members go through [`Members`]; everything else is
/// `serde_json`'s own.
struct Data<'de, D> {
    inner: D,
    names: Names<'de>,
}

impl<'de, D> Data<'de, D> {
    fn plain<V>(self, visitor: V) -> (D, V) {
        (self.inner, visitor)
    }

    fn watched<V>(self, visitor: V) -> (D, DataVisitor<'de, V>) {
        let names = self.names;
        (self.inner, DataVisitor { visitor, names })
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Data<'de, D> {
    type Error = D::Error;

    forward_deserialize! { watched =>
        deserialize_any() deserialize_option() deserialize_map()
        deserialize_newtype_struct(name: &'static str)
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
    }

    forward_deserialize! { plain =>
        deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32() deserialize_i64()
        deserialize_i128() deserialize_u8() deserialize_u16() deserialize_u32() deserialize_u64()
        deserialize_u128() deserialize_f32() deserialize_f64() deserialize_char() deserialize_str()
        deserialize_string() deserialize_bytes() deserialize_byte_buf() deserialize_unit()
        deserialize_unit_struct(name: &'static str) deserialize_seq() deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

/// Visits the data: an object's members through [`Members`], an option's or a newtype's
/// content as the data again.
struct DataVisitor<'de, V> {
    visitor: V,
    names: Names<'de>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for DataVisitor<'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visits! {
        visit_bool(v: bool) visit_i64(v: i64) visit_u64(v: u64) visit_i128(v: i128) visit_u128(v: u128)
        visit_f64(v: f64) visit_str(v: &str) visit_borrowed_str(v: &'de str) visit_string(v: String)
        visit_bytes(v: &[u8]) visit_borrowed_bytes(v: &'de [u8]) visit_byte_buf(v: Vec<u8>)
        visit_none() visit_unit()
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_map(Members {
            map,
            names: self.names,
            named: None,
        })
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_some(Data { inner, names: self.names })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_newtype_struct(Data { inner, names: self.names })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// The members of the data object: the value of a member named in [`Names`] goes through
/// [`JsonString`].
struct Members<'de, A> {
    map: A,
    names: Names<'de>,
    /// The index of the name of the key just read, when it holds JSON text.
    named: Option<usize>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.named = None;
        self.map.next_key_seed(KeySeed {
            seed,
            names: self.names,
            named: &mut self.named,
        })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.named.take().and_then(|index| self.names.unescaped.get(index)) {
            Some(unescaped) => self.map.next_value_seed(JsonString { seed, unescaped }),
            None => self.map.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A key of the data object, decoded by the caller's seed while [`KeyVisitor`] notes its name.
struct KeySeed<'a, 'de, K> {
    seed: K,
    names: Names<'de>,
    named: &'a mut Option<usize>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, 'de, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(Key {
            inner,
            names: self.names,
            named: self.named,
        })
    }
}

/// The deserializer of a key: `serde_json`'s, its visitor wrapped in a [`KeyVisitor`].
struct Key<'a, 'de, D> {
    inner: D,
    names: Names<'de>,
    named: &'a mut Option<usize>,
}

impl<'a, 'de, D> Key<'a, 'de, D> {
    fn noted<V>(self, visitor: V) -> (D, KeyVisitor<'a, 'de, V>) {
        let visitor = KeyVisitor {
            visitor,
            names: self.names,
            named: self.named,
        };
        (self.inner, visitor)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Key<'_, 'de, D> {
    type Error = D::Error;

    forward_deserialize! { noted =>
        deserialize_any() deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32()
        deserialize_i64() deserialize_i128() deserialize_u8() deserialize_u16() deserialize_u32()
        deserialize_u64() deserialize_u128() deserialize_f32() deserialize_f64() deserialize_char()
        deserialize_str() deserialize_string() deserialize_bytes() deserialize_byte_buf()
        deserialize_option() deserialize_unit() deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str) deserialize_seq() deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize) deserialize_map()
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

/// Visits a key: a string key is noted (is it a member holding JSON text?) and passed on.
struct KeyVisitor<'a, 'de, V> {
    visitor: V,
    names: Names<'de>,
    named: &'a mut Option<usize>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visits! {
        visit_bool(v: bool) visit_i64(v: i64) visit_u64(v: u64) visit_i128(v: i128) visit_u128(v: u128)
        visit_f64(v: f64) visit_bytes(v: &[u8]) visit_borrowed_bytes(v: &'de [u8]) visit_byte_buf(v: Vec<u8>)
        visit_none() visit_unit()
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        *self.named = self.names.find(v);
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        *self.named = self.names.find(v);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        *self.named = self.names.find(&v);
        self.visitor.visit_string(v)
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_some(inner)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        self.visitor.visit_newtype_struct(inner)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// The value of a member that may hold JSON text: a string is decoded as the JSON it holds
/// (its unescaped text kept in `unescaped` while it decodes); any other value as is.
struct JsonString<'de, S> {
    seed: S,
    unescaped: &'de OnceCell<String>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for JsonString<'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, inner: D) -> Result<S::Value, D::Error> {
        inner.deserialize_any(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> JsonString<'de, S> {
    /// Decodes `text` as the whole JSON value of the member.
    fn decode_text<E: de::Error>(self, text: &'de str) -> Result<S::Value, E> {
        let mut json = serde_json::Deserializer::from_str(text);
        let decoded = self.seed.deserialize(&mut json).map_err(E::custom)?;
        json.end().map_err(E::custom)?;
        Ok(decoded)
    }

    /// Decodes the unescaped text `text` after keeping it for the member's lifetime.
    fn decode_owned<E: de::Error>(self, text: String) -> Result<S::Value, E> {
        if self.unescaped.set(text).is_err() {
            return Err(E::custom("a member holding JSON text given twice"));
        }
        match self.unescaped.get() {
            Some(text) => self.decode_text(text),
            None => Err(E::custom("the member's text was not kept")),
        }
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for JsonString<'de, S> {
    type Value = S::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string holding JSON, or a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.decode_text(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.decode_owned(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.decode_owned(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.seed.deserialize(UnitDeserializer::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.seed.deserialize(UnitDeserializer::new())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(BoolDeserializer::new(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(I64Deserializer::new(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(U64Deserializer::new(v)))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(I128Deserializer::new(v)))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(U128Deserializer::new(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.seed.deserialize(Present(F64Deserializer::new(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.seed.deserialize(Present(SeqAccessDeserializer::new(seq)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.seed.deserialize(Present(MapAccessDeserializer::new(map)))
    }
}

/// A value that is there (not `null`): an `Option` asking for it gets `Some`; everything else
/// is the inner deserializer's.
struct Present<D>(D);

impl<D> Present<D> {
    fn plain<V>(self, visitor: V) -> (D, V) {
        (self.0, visitor)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Present<D> {
    type Error = D::Error;

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    forward_deserialize! { plain =>
        deserialize_any() deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32()
        deserialize_i64() deserialize_i128() deserialize_u8() deserialize_u16() deserialize_u32()
        deserialize_u64() deserialize_u128() deserialize_f32() deserialize_f64() deserialize_char()
        deserialize_str() deserialize_string() deserialize_bytes() deserialize_byte_buf()
        deserialize_unit() deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str) deserialize_seq() deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize) deserialize_map()
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Posted {
        post: Post,
        #[serde(default)]
        mentions: Option<Vec<String>>,
        channel_type: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Post {
        id: String,
        #[serde(default)]
        message: String,
    }

    fn posted(data: &Value, json_strings: &[&str]) -> Option<Posted> {
        decode_event_data(&data.to_string(), json_strings)
    }

    #[test]
    fn json_strings_are_decoded() {
        let data = json!({"post": "{\"id\":\"p1\"}", "mentions": "[\"u1\"]", "channel_type": "O", "other": "{"});
        assert_eq!(
            posted(&data, &["post", "mentions"]),
            Some(Posted {
                post: Post { id: "p1".into(), message: String::new() },
                mentions: Some(vec!["u1".into()]),
                channel_type: "O".into(),
            })
        );
        // Already decoded values and absent members are taken as they are; so is a boxed type.
        let text = json!({"post": {"id": "p2"}, "channel_type": "D"}).to_string();
        let boxed: Option<Box<Posted>> = decode_event_data(&text, &["post", "mentions"]);
        assert_eq!(boxed.map(|p| (p.post.id, p.mentions)), Some(("p2".into(), None)));
        // A list already decoded into an optional member, and a null one.
        let data = json!({"post": {"id": "p3"}, "mentions": ["u2"], "channel_type": "D"});
        assert_eq!(posted(&data, &["post", "mentions"]).and_then(|p| p.mentions), Some(vec!["u2".into()]));
        let data = json!({"post": {"id": "p3"}, "mentions": null, "channel_type": "D"});
        assert_eq!(posted(&data, &["post", "mentions"]).map(|p| p.mentions), Some(None));
        // A member not named keeps its string.
        let data = json!({"post": {"id": "p3"}, "channel_type": "[1]"});
        assert_eq!(posted(&data, &["post"]).map(|p| p.channel_type), Some("[1]".into()));
        // The data of a `Value`-typed event is read as is.
        let value: Option<Value> = decode_event_data(&data.to_string(), &[]);
        assert_eq!(value, Some(data));
    }

    #[test]
    fn escapes_in_keys_and_strings() {
        // A key written with escapes names the member all the same; a string without escapes
        // is decoded from the frame's text as it is.
        let text = r#"{"p\u006fst":"{\"id\":\"p\\u00e9\\n\",\"message\":\"a \\\"quote\\\" and \\\\\"}","channel_type":"\u004f","mentions":"[]"}"#;
        let decoded: Option<Posted> = decode_event_data(text, &["post", "mentions"]);
        assert_eq!(
            decoded,
            Some(Posted {
                post: Post { id: "p\u{e9}\n".into(), message: "a \"quote\" and \\".into() },
                mentions: Some(Vec::new()),
                channel_type: "O".into(),
            })
        );
        // Non-ASCII text and a surrogate pair inside the JSON text of a string.
        let text = r#"{"post":"{\"id\":\"\\ud83d\\ude00 ü\"}","channel_type":"O"}"#;
        let decoded: Option<Posted> = decode_event_data(text, &["post"]);
        assert_eq!(decoded.map(|p| p.post.id), Some("\u{1f600} ü".into()));
        // The text inside the string must itself be valid JSON: a lone surrogate is not.
        let text = r#"{"post":"{\"id\":\"\\ud83d\"}","channel_type":"O"}"#;
        assert_eq!(decode_event_data::<Posted>(text, &["post"]), None);
    }

    #[test]
    fn what_does_not_fit_is_none() {
        for data in [
            json!({"post": "{\"id\":", "channel_type": "O"}),
            json!({"post": "{\"id\":\"p\"} trailing", "channel_type": "O"}),
            json!({"post": "{\"id\":\"p\"}", "mentions": "[\"u\"]", "channel_type": 5}),
            json!({"post": "{\"id\":\"p\"}", "mentions": "not json", "channel_type": "O"}),
            json!({"post": "{\"id\":\"p\"}", "mentions": 5, "channel_type": "O"}),
            json!({"post": "\"{\\\"id\\\":\\\"p\\\"}\"", "channel_type": "O"}),
            json!({"post": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "channel_type": "O"}),
            json!(["post"]),
            Value::Null,
        ] {
            assert_eq!(posted(&data, &["post", "mentions"]), None, "{data}");
        }
        for text in ["", "{", r#"{"post":{"id":"p"},"channel_type":"O"} {}"#, r#"{"post":{"id":"p"},"channel_type":"O"},"#] {
            assert_eq!(decode_event_data::<Posted>(text, &["post"]), None, "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded_inside_and_outside_strings() {
        // 100 levels inside the string and 100 outside decode (each within serde_json's 128).
        let inner = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let outer = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let text = format!(r#"{{"deep":{},"nested":{}}}"#, serde_json::to_string(&inner).unwrap_or_default(), outer);
        let decoded: Option<serde_json::Map<String, Value>> = decode_event_data(&text, &["deep"]);
        assert!(decoded.is_some_and(|m| m["deep"].is_array() && m["nested"].is_array()));
        // Far deeper input fails instead of exhausting the stack, in both places.
        for depth in [200, 100_000] {
            let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let inside = format!(r#"{{"deep":{}}}"#, serde_json::to_string(&deep).unwrap_or_default());
            let outside = format!(r#"{{"deep":{deep}}}"#);
            for text in [inside, outside] {
                let decoded: Option<serde_json::Map<String, Value>> = decode_event_data(&text, &["deep"]);
                assert_eq!(decoded, None, "depth {depth}");
            }
        }
    }

    #[test]
    fn huge_inputs() {
        // A post of 4 MiB inside its string, and data of 20,000 members.
        let message = "x\"y\\".repeat(1 << 20);
        let post = json!({"id": "big", "message": message}).to_string();
        let data = json!({"post": post, "channel_type": "O"});
        assert_eq!(posted(&data, &["post"]).map(|p| p.post.message.len()), Some(4 << 20));
        let mut members: serde_json::Map<String, Value> = (0..20_000).map(|i| (format!("k{i}"), json!(i))).collect();
        members.insert("post".into(), Value::from("{\"id\":\"p\"}"));
        members.insert("channel_type".into(), Value::from("O"));
        assert_eq!(posted(&Value::Object(members), &["post"]).map(|p| p.post.id), Some("p".into()));
    }

    #[test]
    fn many_members_holding_json() {
        // More named members than get room on the stack.
        let names = ["a", "b", "c", "d", "e", "f"];
        let data: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), Value::from(format!("[\"{n}\\n\"]")))).collect();
        let decoded: Option<std::collections::BTreeMap<String, Vec<String>>> =
            decode_event_data(&Value::Object(data).to_string(), &names);
        assert_eq!(decoded.map(|m| m["f"].clone()), Some(vec!["f\n".to_string()]));
        assert_eq!(decode_json::<Vec<u8>>("[1, 2] "), Some(vec![1, 2]));
        assert_eq!(decode_json::<Vec<u8>>("[1, 2] x"), None);
    }

    #[test]
    fn a_member_given_twice_is_refused() {
        let text = r#"{"post":"{\"id\":\"a\"}","post":"{\"id\":\"b\"}","channel_type":"O"}"#;
        assert_eq!(decode_event_data::<Posted>(text, &["post"]), None);
    }
}
