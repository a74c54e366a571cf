// Copied by `cargo xtask regen` from templates/src/runtime/model_decode.rs. Edit it there.

//! The shared part of every generated model's `Deserialize`.
//!
//! Each model struct decodes a JSON object member by member: [`next_member`] reads a member's
//! name and finds its field with the struct's own `match` of wire names (which the compiler
//! turns into a switch on the length and few comparisons), the
//! struct's own code decodes the value into that field's slot with [`put`], and unknown
//! members are skipped (or kept, for a struct with a map of other properties). The result is
//! what `#[derive(Deserialize)]` gives for these structs (unknown members ignored, a repeated
//! member an error, a missing member its default or a `missing field` error), in a fraction
//! of the code: no field enum, no sequence form, one small visitor per struct.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};

/// A member of an object being decoded into a struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A field of the struct: its position in the struct's sorted wire names.
    Field(usize),
    /// Another member's name, when the struct keeps other members.
    Other(String),
    /// Another member, whose value is to be skipped.
    Skipped,
}

/// Reads the next member's name from `map`: the field `field(name)` gives, else
/// [`Member::Other`] with the name when `keep_other`, else [`Member::Skipped`]. `None` at the
/// end of the object.
#[inline]
pub fn next_member<'de, A: MapAccess<'de>, F: Fn(&str) -> Option<usize>>(
    map: &mut A,
    field: F,
    keep_other: bool,
) -> Result<Option<Member>, A::Error> {
    map.next_key_seed(MemberName { field, keep_other })
}

/// Stores a field's decoded value; a second value for the same field is an error, as with
/// serde's derive.
pub fn put<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// The value of a field without a default: a `missing field` error when absent.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// Skips the value of a member that is not decoded.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// Reads a member name as a [`Member`].
struct MemberName<F> {
    field: F,
    keep_other: bool,
}

impl<F: Fn(&str) -> Option<usize>> MemberName<F> {
    #[inline]
    fn member(&self, name: &str) -> Member {
        match (self.field)(name) {
            Some(index) => Member::Field(index),
            None if self.keep_other => Member::Other(name.to_owned()),
            None => Member::Skipped,
        }
    }
}

impl<'de, F: Fn(&str) -> Option<usize>> DeserializeSeed<'de> for MemberName<F> {
    type Value = Member;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Member, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, F: Fn(&str) -> Option<usize>> Visitor<'de> for MemberName<F> {
    type Value = Member;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Member, E> {
        Ok(self.member(name))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Member, E> {
        match std::str::from_utf8(name) {
            Ok(name) => Ok(self.member(name)),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(name), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct decoded the way the generated models are.
    #[derive(Debug, PartialEq)]
    struct Sample {
        id: String,
        count: Option<i64>,
        kind: Kind,
        other: std::collections::BTreeMap<String, serde_json::Value>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Kind {
        A,
        B,
    }

    const NAMES: &[&str] = &["id", "kind", "count"];

    fn field(name: &str) -> Option<usize> {
        match name {
            "id" => Some(0),
            "kind" => Some(1),
            "count" => Some(2),
            _ => None,
        }
    }

    impl<'de> serde::Deserialize<'de> for Sample {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct SampleVisitor;
            impl<'de> Visitor<'de> for SampleVisitor {
                type Value = Sample;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("struct Sample")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sample, A::Error> {
                    let (mut count, mut id, mut kind) = (None, None, None);
                    let mut other = std::collections::BTreeMap::new();
                    while let Some(member) = next_member(&mut map, field, true)? {
                        match member {
                            Member::Field(0) => put(&mut id, map.next_value::<String>()?, "id")?,
                            Member::Field(1) => put(&mut kind, map.next_value::<Kind>()?, "kind")?,
                            Member::Field(2) => put(&mut count, map.next_value::<Option<i64>>()?, "count")?,
                            Member::Other(name) => {
                                other.insert(name, map.next_value()?);
                            }
                            _ => skip_value(&mut map)?,
                        }
                    }
                    Ok(Sample {
                        id: id.unwrap_or_default(),
                        count: count.unwrap_or_default(),
                        kind: required(kind, "kind")?,
                        other,
                    })
                }
            }
            deserializer.deserialize_struct("Sample", NAMES, SampleVisitor)
        }
    }

    fn decode(json: &str) -> Result<Sample, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn members_decode_into_their_fields_and_others_are_kept() {
        let sample = decode(r#"{"kind":"B","x":[1],"id":"a\"b","count":null,"\u0069d2":2}"#).unwrap();
        assert_eq!(sample.id, "a\"b");
        assert_eq!(sample.count, None);
        assert_eq!(sample.kind, Kind::B);
        assert_eq!(sample.other.keys().collect::<Vec<_>>(), ["id2", "x"]);
        // An escaped name is the same name.
        assert_eq!(decode(r#"{"\u0069d":"e","kind":"A"}"#).unwrap().id, "e");
        // A missing member with a default takes it.
        assert_eq!(decode(r#"{"kind":"A"}"#).unwrap(), Sample { id: String::new(), count: None, kind: Kind::A, other: Default::default() });
    }

    #[test]
    fn errors_are_those_of_serde_derive() {
        assert!(decode(r#"{"id":"a"}"#).unwrap_err().contains("missing field `kind`"));
        assert!(decode(r#"{"kind":"A","id":"a","id":"b"}"#).unwrap_err().contains("duplicate field `id`"));
        assert!(decode(r#"{"kind":"A","id":5}"#).unwrap_err().contains("invalid type: integer `5`, expected a string"));
        assert!(decode(r#"{"kind":"A","id":null}"#).unwrap_err().contains("invalid type: null"));
        assert!(decode(r#"["a",1,"A"]"#).unwrap_err().contains("expected struct Sample"));
        assert!(decode(r#"{"kind":"A","id":"a""#).is_err());
        assert!(decode("5").unwrap_err().contains("expected struct Sample"));
    }

    #[test]
    fn skipped_members_are_read_whole_and_names_are_found_by_the_structs_match() {
        let name = MemberName { field, keep_other: false };
        assert_eq!(name.member("id"), Member::Field(0));
        assert_eq!(name.member("kind"), Member::Field(1));
        assert_eq!(name.member("count"), Member::Field(2));
        assert_eq!(name.member("coun"), Member::Skipped);
        assert_eq!(name.member("zzz"), Member::Skipped);
        assert_eq!(name.member(""), Member::Skipped);
        let deep = format!(r#"{{"kind":"A","skip":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
        assert_eq!(decode(&deep).unwrap().other.len(), 1);
    }
}
