//! Finding a member by what identifies a person (national code, email, phone) or, as a
//! hint only, by their name: what an import matches its rows with, and what a duplicate's
//! 409 names.

use diesel::prelude::*;
use hamkari_domain::member::Member;

use crate::connection::{DbConnection, MultiBackend};
use crate::error::DbError;
use crate::members::{to_member, MemberRow};
use crate::schema::members;

/// The unique, stored forms: ten ASCII digits, a lower-cased email, an E.164 phone.
#[derive(Debug, Clone, Copy)]
pub enum MemberKey<'a> {
    NationalId(&'a str),
    Email(&'a str),
    Phone(&'a str),
    /// `collation_key` of a full name: names that normalize alike.
    NameSortKey(&'a str),
}

/// The member holding `key`; for a phone or a name (not unique), the oldest one.
pub fn find_by(conn: &mut DbConnection, key: MemberKey<'_>) -> Result<Option<Member>, DbError> {
    let query = members::table
        .select(MemberRow::as_select())
        .order((members::created_at, members::id))
        .into_boxed::<MultiBackend>();
    let query = match key {
        MemberKey::NationalId(v) => query.filter(members::national_id.eq(v.to_owned())),
        MemberKey::Email(v) => query.filter(members::email.eq(v.to_owned())),
        MemberKey::Phone(v) => query.filter(members::phone.eq(v.to_owned())),
        MemberKey::NameSortKey(v) => query.filter(members::full_name_sort.eq(v.to_owned())),
    };
    query.first(conn).optional()?.map(to_member).transpose()
}
