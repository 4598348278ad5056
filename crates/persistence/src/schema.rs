//! Table definitions (hand-kept: `diesel print-schema` cannot describe the custom UUID type).

use crate::sql_types::DbUuid;

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    organizations (id) {
        id -> DbUuid,
        name -> Text,
        name_en -> Nullable<Text>,
        slug -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        founded_on -> Nullable<Date>,
        name_key -> Text,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
    }
}
