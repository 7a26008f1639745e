//! Lenient decoders for the fields that MISP sends in more than one shape.
//!
//! A default MISP install sends ids and timestamps as strings, a 2.5 install
//! without stringified fetches as integers; older instances send booleans as
//! `"0"`/`"1"`. Each function here accepts every shape seen in the wild and
//! rejects anything else, so that a wrong body still fails loudly.

use serde::Deserialize;
use serde::de::{self, Deserializer, Unexpected, Visitor};
use std::fmt;

/// An unsigned id sent as a string (`"12"`) or an integer (`12`).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(IntVisitor).and_then(|n: i64| {
        u64::try_from(n).map_err(|_| de::Error::invalid_value(Unexpected::Signed(n), &"an id"))
    })
}

/// Like [`id`], but `null`, an absent key or `""` give `None`.
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Loose>::deserialize(d)? {
        None => Ok(None),
        Some(Loose::Str(s)) if s.is_empty() => Ok(None),
        Some(loose) => {
            let n = loose.integer()?;
            let id = u64::try_from(n)
                .map_err(|_| de::Error::invalid_value(Unexpected::Signed(n), &"an id"))?;
            Ok(Some(id))
        }
    }
}

/// A Unix timestamp in seconds sent as a string or an integer.
pub fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)
}

/// Like [`timestamp`], but `null`, an absent key or `""` give `None`.
pub fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Loose>::deserialize(d)? {
        None => Ok(None),
        Some(Loose::Str(s)) if s.is_empty() => Ok(None),
        Some(loose) => loose.integer().map(Some),
    }
}

/// A boolean sent as `true`/`false`, `"0"`/`"1"`, `0`/`1` or `"true"`/`"false"`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(FlagVisitor)
}

/// A list that MISP may send as `null`, leave out, or send empty.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A text field that MISP may send as `null`.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A sighting type code (`"0"`, `1`, ...); a code that is not one of
/// MISP's three, or not a number at all, gives `None` rather than an error.
pub fn sighting_kind<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::model::SightingKind>, D::Error> {
    let code = match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(code.and_then(crate::model::SightingKind::from_code))
}

/// Any scalar, kept for a second look.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Int(i64),
    Str(String),
}

impl Loose {
    fn integer<E: de::Error>(self) -> Result<i64, E> {
        match self {
            Loose::Int(n) => Ok(n),
            Loose::Str(s) => s
                .trim()
                .parse()
                .map_err(|_| E::invalid_value(Unexpected::Str(&s), &"an integer")),
        }
    }
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

struct FlagVisitor;

impl Visitor<'_> for FlagVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean, 0 or 1")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "0" | "false" | "" => Ok(false),
            "1" | "true" => Ok(true),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}
