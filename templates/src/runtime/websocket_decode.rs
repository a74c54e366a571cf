//! Decoding of an event's `data` into its typed struct, for the generated `Event` enum.
//!
//! The server marshals some values to JSON before adding them to an event (`posted`'s `post`
//! is a string holding a Post). Those members are decoded straight from their string into the
//! field's type, in the same pass as the rest of the data: no intermediate JSON value is built
//! for them, and the data itself is only read, so that a caller can keep it as received when
//! decoding fails.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

/// Decodes `data` into `T`. The members named in `json_strings` that are strings are decoded
/// as the JSON text they hold; a member that is already a JSON value, or absent, is read as
/// is.
///
/// Returns `None` when a string is not JSON of the member's type or the data does not fit `T`.
/// Never panics.
pub fn decode_event_data<T: DeserializeOwned>(data: &Value, json_strings: &[&str]) -> Option<T> {
    if json_strings.is_empty() || !data.is_object() {
        return T::deserialize(data).ok();
    }
    T::deserialize(Data { value: data, json_strings }).ok()
}

/// An event's data whose members named in `json_strings` hold JSON text.
struct Data<'a> {
    value: &'a Value,
    json_strings: &'a [&'a str],
}

impl<'de> de::Deserializer<'de> for Data<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Members {
                members: map.iter(),
                pending: None,
                json_strings: self.json_strings,
            }),
            other => other.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The members of an event's data, those holding JSON text decoded from it.
struct Members<'a> {
    members: serde_json::map::Iter<'a>,
    pending: Option<(&'a str, &'a Value)>,
    json_strings: &'a [&'a str],
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.members.next() else { return Ok(None) };
        self.pending = Some((key.as_str(), value));
        seed.deserialize(BorrowedStrDeserializer::new(key.as_str())).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let Some((key, value)) = self.pending.take() else {
            return Err(de::Error::custom("a value without a key"));
        };
        match value {
            Value::String(text) if self.json_strings.contains(&key) => {
                let mut json = serde_json::Deserializer::from_str(text);
                let decoded = seed.deserialize(&mut json)?;
                json.end()?;
                Ok(decoded)
            }
            other => seed.deserialize(other),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    }

    #[test]
    fn json_strings_are_decoded() {
        let data = json!({"post": "{\"id\":\"p1\"}", "mentions": "[\"u1\"]", "channel_type": "O", "other": "{"});
        let posted: Option<Posted> = decode_event_data(&data, &["post", "mentions"]);
        assert_eq!(
            posted,
            Some(Posted {
                post: Post { id: "p1".into() },
                mentions: Some(vec!["u1".into()]),
                channel_type: "O".into(),
            })
        );
        // Already decoded values and absent members are taken as they are; so is a boxed type.
        let data = json!({"post": {"id": "p2"}, "channel_type": "D"});
        let posted: Option<Box<Posted>> = decode_event_data(&data, &["post", "mentions"]);
        assert_eq!(posted.map(|p| (p.post.id, p.mentions)), Some(("p2".into(), None)));
        // A member not named keeps its string.
        let data = json!({"post": {"id": "p3"}, "channel_type": "[1]"});
        let posted: Option<Posted> = decode_event_data(&data, &["post"]);
        assert_eq!(posted.map(|p| p.channel_type), Some("[1]".into()));
    }

    #[test]
    fn what_does_not_fit_is_none() {
        for data in [
            json!({"post": "{\"id\":", "channel_type": "O"}),
            json!({"post": "{\"id\":\"p\"} trailing", "channel_type": "O"}),
            json!({"post": "{\"id\":\"p\"}", "mentions": "[\"u\"]", "channel_type": 5}),
            json!({"post": "{\"id\":\"p\"}", "mentions": "not json", "channel_type": "O"}),
            json!({"post": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "channel_type": "O"}),
            json!(["post"]),
            Value::Null,
        ] {
            assert_eq!(decode_event_data::<Posted>(&data, &["post", "mentions"]), None, "{data}");
        }
    }
}
