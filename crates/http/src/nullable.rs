//! PATCH fields that tell "absent" from "null".

use hamkari_domain::{FieldError, ValidationErrors};
use serde::{Deserialize, Deserializer};

/// One field of a partial update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not sent: leave the field alone.
    #[default]
    Absent,
    /// Sent as `null`: clear it.
    Null,
    Value(T),
}

/// Use with `#[serde(default, deserialize_with = "nullable::deserialize")]`.
pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(de: D) -> Result<Patch<T>, D::Error> {
    Ok(match Option::<T>::deserialize(de)? {
        None => Patch::Null,
        Some(value) => Patch::Value(value),
    })
}

impl<T> Patch<T> {
    /// For a nullable field: `None` leaves it, `Some(None)` clears it.
    pub fn optional(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Value(v) => Some(Some(v)),
        }
    }

    /// For a required field, which `null` cannot clear.
    pub fn required(self, field: &str, errors: &mut ValidationErrors) -> Option<T> {
        match self {
            Self::Absent => None,
            Self::Null => {
                errors.push(FieldError::new(field, "required", "cannot be null"));
                None
            }
            Self::Value(v) => Some(v),
        }
    }
}
