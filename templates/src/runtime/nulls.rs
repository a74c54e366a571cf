//! Decoding of fields the server always writes but may write as `null`.

use serde::{Deserialize, Deserializer};

/// Decodes a value, `null` as its type's default. The Go server writes a list or map field
/// that it always writes as `null` when it is nil (`PostList.posts` of an archived thread), so
/// the generated models decode such required fields with this (`#[serde(deserialize_with)]`).
pub fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
