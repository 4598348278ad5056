//! Users: who may log in, with which role, for which organizations.
//!
//! Password hashing is CPU work the server runs on threads of its own, so it happens before
//! a use case starts: commands carry the finished hash (and, for one's own password, the
//! outcome of checking the current one), and the use cases decide whether it may be stored.

use hamkari_domain::auth::Role;
use hamkari_domain::precondition::IfMatch;
use hamkari_domain::user::{NewUser, User, UserChanges};
use hamkari_domain::ActorRef;
use hamkari_persistence::locks::lock_user_changes;
use hamkari_persistence::page::Page;
pub use hamkari_persistence::users::UserFilter;
use hamkari_persistence::{organizations, refresh_tokens, users as store, DbConnection};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, record_system, Change};
use crate::policy;
use crate::versions::{check_if_match, saved};

const KIND: &str = "user";

/// The outcome of checking the caller's current password against a stored hash, done
/// before the transaction (see [`own_password_hash`]).
#[derive(Debug, Clone)]
pub struct CurrentPassword {
    /// The hash the password was checked against: if it changed since, the check is stale.
    pub checked_against: String,
    pub matches: bool,
}

/// A new password, already hashed, and for one's own account the current-password check.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub hash: String,
    pub current: Option<CurrentPassword>,
}

fn not_found() -> AppError {
    AppError::NotFound("No user has this id.".into())
}

fn own_account(detail: &str) -> AppError {
    AppError::conflict("own_account", detail)
}

/// Checks up front that the caller may manage users, before any password is hashed.
pub fn authorize(caller: &Caller) -> Result<(), AppError> {
    policy::administer(&caller.principal)
}

/// Organizations named but absent are a 422 on `organization_ids`.
fn check_organizations(conn: &mut DbConnection, ids: &[Uuid]) -> Result<(), AppError> {
    let missing = organizations::missing_organizations(conn, ids)?;
    if missing.is_empty() {
        return Ok(());
    }
    let ids = missing.iter().map(Uuid::to_string).collect::<Vec<_>>().join(", ");
    Err(AppError::invalid(
        "organization_ids",
        "not_found",
        format!("no organization has the id {ids}"),
    ))
}

/// Refuses a change that would leave no active administrator.
fn keep_an_admin(conn: &mut DbConnection, before: &User, after: Option<&User>) -> Result<(), AppError> {
    let was_admin = before.role == Role::Admin && !before.disabled;
    let still_admin = after.is_some_and(|u| u.role == Role::Admin && !u.disabled);
    if was_admin && !still_admin && store::count_admins(conn)? <= 1 {
        return Err(AppError::conflict(
            "last_admin",
            "This is the last active administrator; make another one first.",
        ));
    }
    Ok(())
}

/// Loads a user for a change, after every other change to users has committed: two
/// administrators demoting each other at once must not both see the other still an admin.
fn load_locked(conn: &mut DbConnection, id: Uuid) -> Result<(User, String), AppError> {
    lock_user_changes(conn)?;
    store::find(conn, id)?.ok_or_else(not_found)
}

pub fn create(conn: &mut DbConnection, caller: &Caller, new: NewUser, password_hash: &str) -> Result<User, AppError> {
    policy::administer(&caller.principal)?;
    let mut user = new.user;
    user.created_by = Some(caller.actor_ref());
    user.updated_by = user.created_by;
    check_organizations(conn, &user.organization_ids)?;
    store::insert(conn, &user, password_hash)?;
    record(
        conn,
        caller,
        Change::new(KIND, user.id, "created", &user.organization_ids).after(&user)?,
    )?;
    Ok(user)
}

pub fn list(conn: &mut DbConnection, caller: &Caller, filter: &UserFilter) -> Result<Page<User>, AppError> {
    policy::administer(&caller.principal)?;
    Ok(store::list(conn, filter)?)
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<User, AppError> {
    policy::administer(&caller.principal)?;
    Ok(store::find(conn, id)?.ok_or_else(not_found)?.0)
}

/// The caller's own stored password hash, to check a `current_password` against before
/// changing it. Nobody reads another account's hash.
pub fn own_password_hash(conn: &mut DbConnection, caller: &Caller) -> Result<Option<String>, AppError> {
    policy::administer(&caller.principal)?;
    let Some(id) = caller.principal.user_id() else {
        return Ok(None);
    };
    Ok(store::find(conn, id)?.map(|(_, hash)| hash))
}

/// Administrators cannot lock themselves out by accident, nor can a stolen access token
/// take the account over: their own role and status are changed by another administrator,
/// and their own password only with the current one.
fn guard_own_account(changes: &UserChanges, password: Option<&PasswordChange>, stored: &str) -> Result<(), AppError> {
    if changes.role.is_some() || changes.disabled.is_some() {
        return Err(own_account(
            "Administrators cannot change their own role or disable themselves; another administrator can.",
        ));
    }
    let Some(password) = password else {
        return Ok(());
    };
    match &password.current {
        None => Err(AppError::invalid(
            "current_password",
            "required",
            "is required to change your own password",
        )),
        Some(check) if check.matches && check.checked_against == stored => Ok(()),
        Some(_) => Err(AppError::invalid(
            "current_password",
            "incorrect",
            "is not your current password",
        )),
    }
}

/// Whether anything but the password (and what follows from it) changed.
fn fields_changed(before: &User, after: &User) -> bool {
    let mut comparable = after.clone();
    comparable.session_version = before.session_version;
    comparable.version = before.version;
    comparable.updated_at = before.updated_at;
    comparable.updated_by = before.updated_by;
    comparable != *before
}

/// Changes a user. Changing the password or disabling the user ends all their sessions.
/// Records `updated` for field changes and `password_changed` for a new password (never the
/// hash: events carry the [`User`], which holds none).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: UserChanges,
    password: Option<PasswordChange>,
) -> Result<User, AppError> {
    policy::administer(&caller.principal)?;
    let (before, stored_hash) = load_locked(conn, id)?;
    if caller.principal.user_id() == Some(id) {
        guard_own_account(&changes, password.as_ref(), &stored_hash)?;
    }
    check_if_match(if_match, before.version)?;
    if let Some(ids) = &changes.organization_ids {
        check_organizations(conn, ids)?;
    }
    // The domain validates the raw password and decides what it does to sessions; the hash
    // is what gets stored, so both must come together.
    if changes.password.is_some() != password.is_some() {
        return Err(AppError::internal("a password change needs the password and its hash"));
    }
    let mut user = before.clone();
    let (changed, _) = user.apply(changes, now())?;
    if !changed {
        return Ok(user);
    }
    user.updated_by = Some(caller.actor_ref());
    keep_an_admin(conn, &before, Some(&user))?;
    saved(store::update(conn, &user, before.version)?, before.version)?;
    if let Some(password) = &password {
        store::set_password_hash(conn, id, &password.hash)?;
    }
    if user.session_version != before.session_version {
        refresh_tokens::revoke_all_for_user(conn, id, now())?;
    }
    let concerned: Vec<Uuid> = before
        .organization_ids
        .iter()
        .chain(&user.organization_ids)
        .copied()
        .collect();
    if fields_changed(&before, &user) {
        let change = Change::new(KIND, id, "updated", &concerned)
            .before(&before)?
            .after(&user)?;
        record(conn, caller, change)?;
    }
    if password.is_some() {
        let change = Change::new(KIND, id, "password_changed", &concerned)
            .before(&before)?
            .after(&user)?;
        record(conn, caller, change)?;
    }
    Ok(user)
}

/// Deletes a user; their sessions end with them. Not one's own account.
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    policy::administer(&caller.principal)?;
    if caller.principal.user_id() == Some(id) {
        return Err(own_account(
            "Administrators cannot delete their own account; another administrator can.",
        ));
    }
    let (user, _) = load_locked(conn, id)?;
    check_if_match(if_match, user.version)?;
    keep_an_admin(conn, &user, None)?;
    store::delete(conn, id)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &user.organization_ids).before(&user)?,
    )?;
    Ok(())
}

/// Creates an administrator with no principal behind it (the server's first start, the
/// `create-admin` command): the event's actor is the system. Run in a write transaction.
/// With `only_if_none`, does nothing when an active administrator exists and returns
/// `false`; a taken email is [`AppError::Duplicate`].
pub fn create_admin(
    conn: &mut DbConnection,
    new: &NewUser,
    password_hash: &str,
    only_if_none: bool,
) -> Result<bool, AppError> {
    if only_if_none && has_admin(conn)? {
        return Ok(false);
    }
    let mut user = new.user.clone();
    user.created_by = Some(ActorRef::System);
    user.updated_by = user.created_by;
    store::insert(conn, &user, password_hash)?;
    let change = Change::new(KIND, user.id, "created", &user.organization_ids).after(&user)?;
    record_system(conn, change)?;
    Ok(true)
}

/// Whether an active administrator exists.
pub fn has_admin(conn: &mut DbConnection) -> Result<bool, AppError> {
    Ok(store::count_admins(conn)? > 0)
}
