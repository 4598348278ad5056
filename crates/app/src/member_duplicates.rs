//! A national code or email another member holds: the 409 names that member when the
//! caller may see them, so a client can link to the person instead of giving up.

use hamkari_domain::member::Member;
use hamkari_persistence::member_keys::{find_by, MemberKey};
use hamkari_persistence::{DbConnection, Unique};

use crate::caller::Caller;
use crate::error::AppError;
use crate::policy::{self, Action};

/// Checked before the write; the unique indexes still refuse what a concurrent writer
/// slips in between (a plain 409 then). Checking first also keeps PostgreSQL's transaction
/// usable for the look-up, which a refused insert would have aborted.
pub(crate) fn check(conn: &mut DbConnection, caller: &Caller, member: &Member) -> Result<(), AppError> {
    let keys = [
        (
            member.national_id.as_deref().map(MemberKey::NationalId),
            Unique::MemberNationalId,
        ),
        (member.email.as_deref().map(MemberKey::Email), Unique::MemberEmail),
    ];
    for (key, unique) in keys {
        let Some(key) = key else { continue };
        let Some(other) = find_by(conn, key)?.filter(|other| other.id != member.id) else {
            continue;
        };
        // The policy decides whether the caller may learn who holds the value.
        return Err(match policy::member(conn, &caller.principal, Action::Read, other.id) {
            Ok(_) => AppError::DuplicateOf {
                unique,
                existing_id: other.id,
            },
            Err(_) => AppError::Duplicate(unique),
        });
    }
    Ok(())
}
