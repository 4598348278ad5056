//! One set of use cases for every roster (a project's team, a working group's members):
//! the parent decides who may change it and which organizations a person may represent;
//! [`RosterRules`] supplies what differs between rosters.

use hamkari_domain::auth::Resource;
use hamkari_persistence::page::Page;
pub use hamkari_persistence::roster::{Entry, GroupMembers, ProjectTeam, Roster, RosterAfter, RosterRole};
use hamkari_persistence::{members, DbConnection};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action, Allowed};

/// How one roster speaks: its events' names and its refusals.
pub struct Words {
    /// The scope that guards the parent.
    pub scope: Resource,
    /// The parent's `resource_type` in events.
    pub resource: &'static str,
    pub added: &'static str,
    pub updated: &'static str,
    pub removed: &'static str,
    /// Code and detail of the 409 for a person already on the roster.
    pub already: (&'static str, &'static str),
    /// The 404 detail for a person not on it.
    pub absent: &'static str,
    /// Code and message of the 422 for an organization that is not the parent's.
    pub outside: (&'static str, &'static str),
}

/// What a roster adds to the common rules.
pub trait RosterRules: Roster {
    type Parent;

    const WORDS: Words;

    /// Loads the parent through the policy, with the organizations a person may represent.
    fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        action: Action,
        parent: Uuid,
    ) -> Result<Allowed<Self::Parent>, AppError>;

    /// Refuses a role the roster cannot hold beside the `others` (the whole roster).
    fn check_roles(_others: &[Entry<Self::Role>], _candidate: &Entry<Self::Role>) -> Result<(), AppError> {
        Ok(())
    }

    /// Runs after every change of the roster, in the same transaction (a parent whose
    /// version covers its roster bumps it here, and records the caller as its last changer).
    fn touched(_conn: &mut DbConnection, _caller: &Caller, _parent: &mut Self::Parent) -> Result<(), AppError> {
        Ok(())
    }
}

/// Adding a person to a roster.
#[derive(Debug, Clone)]
pub struct AddEntry<R> {
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub role: R,
}

/// Changing a person on a roster: only what is given changes.
#[derive(Debug, Clone)]
pub struct ChangeEntry<R> {
    pub organization_id: Option<Uuid>,
    pub role: Option<R>,
}

/// An entry as its events show it.
fn stored<R: RosterRole>(e: &Entry<R>) -> Value {
    json!({
        "member_id": e.member_id,
        "organization_id": e.organization_id,
        "role": e.role.name(),
        "created_at": e.created_at,
    })
}

fn check_represents<T: RosterRules>(owners: &[Uuid], organization: Uuid) -> Result<(), AppError> {
    if owners.contains(&organization) {
        Ok(())
    } else {
        let (code, message) = T::WORDS.outside;
        Err(AppError::invalid("organization_id", code, message))
    }
}

/// Refuses a caller who may not change this kind of roster at all, before its body is read.
pub fn precheck_change<T: RosterRules>(caller: &Caller) -> Result<(), AppError> {
    policy::precheck_write(&caller.principal, T::WORDS.scope)
}

pub fn list<T: RosterRules>(
    conn: &mut DbConnection,
    caller: &Caller,
    parent: Uuid,
    after: Option<RosterAfter>,
    limit: u32,
) -> Result<Page<Entry<T::Role>>, AppError> {
    T::load(conn, caller, Action::Read, parent)?;
    Ok(T::page(conn, parent, after, Some(limit))?)
}

pub fn add<T: RosterRules>(
    conn: &mut DbConnection,
    caller: &Caller,
    parent: Uuid,
    command: AddEntry<T::Role>,
) -> Result<Entry<T::Role>, AppError> {
    let mut allowed = T::load(conn, caller, Action::Update, parent)?;
    let person = members::find(conn, command.member_id)?
        .ok_or_else(|| AppError::invalid("member_id", "not_found", "no member has this id"))?;
    check_represents::<T>(&allowed.owners, command.organization_id)?;
    if T::find(conn, parent, person.id)?.is_some() {
        let (code, detail) = T::WORDS.already;
        return Err(AppError::field_conflict(code, "member_id", detail));
    }
    let entry = Entry {
        member_id: person.id,
        full_name: person.full_name,
        full_name_en: person.full_name_en,
        organization_id: command.organization_id,
        role: command.role,
        created_at: now(),
    };
    T::check_roles(&T::all(conn, parent)?, &entry)?;
    T::add(conn, parent, &entry)?;
    T::touched(conn, caller, &mut allowed.resource)?;
    let mut change = Change::new(T::WORDS.resource, parent, T::WORDS.added, &allowed.owners);
    change.after = Some(stored(&entry));
    record(conn, caller, change)?;
    Ok(entry)
}

pub fn update<T: RosterRules>(
    conn: &mut DbConnection,
    caller: &Caller,
    parent: Uuid,
    member: Uuid,
    command: ChangeEntry<T::Role>,
) -> Result<Entry<T::Role>, AppError> {
    let mut allowed = T::load(conn, caller, Action::Update, parent)?;
    let before = T::find(conn, parent, member)?.ok_or_else(|| AppError::NotFound(T::WORDS.absent.into()))?;
    let mut entry = before.clone();
    if let Some(organization) = command.organization_id {
        check_represents::<T>(&allowed.owners, organization)?;
        entry.organization_id = organization;
    }
    entry.role = command.role.unwrap_or(entry.role);
    T::check_roles(&T::all(conn, parent)?, &entry)?;
    T::update(conn, parent, &entry)?;
    T::touched(conn, caller, &mut allowed.resource)?;
    let mut change = Change::new(T::WORDS.resource, parent, T::WORDS.updated, &allowed.owners);
    change.before = Some(stored(&before));
    change.after = Some(stored(&entry));
    record(conn, caller, change)?;
    Ok(entry)
}

pub fn remove<T: RosterRules>(
    conn: &mut DbConnection,
    caller: &Caller,
    parent: Uuid,
    member: Uuid,
) -> Result<(), AppError> {
    let mut allowed = T::load(conn, caller, Action::Update, parent)?;
    let before = T::find(conn, parent, member)?.ok_or_else(|| AppError::NotFound(T::WORDS.absent.into()))?;
    T::remove(conn, parent, member)?;
    T::touched(conn, caller, &mut allowed.resource)?;
    let mut change = Change::new(T::WORDS.resource, parent, T::WORDS.removed, &allowed.owners);
    change.before = Some(stored(&before));
    record(conn, caller, change)?;
    Ok(())
}
