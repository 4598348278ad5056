//! Organizations: the associations, societies and companies that cooperate.

use hamkari_domain::auth::Resource;
use hamkari_domain::organization::{Organization, OrganizationInput, SlugOrigin, ValidChanges};
use hamkari_domain::precondition::IfMatch;
pub use hamkari_persistence::organizations::{OrganizationFilter, OrganizationSort};
use hamkari_persistence::page::Page;
use hamkari_persistence::{organizations as store, DbConnection, DbError, Unique};
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::error::AppError;
use crate::events::{record, Change};
use crate::policy::{self, Action};
use crate::versions::{check_if_match, saved};

const KIND: &str = "organization";

pub fn create(conn: &mut DbConnection, caller: &Caller, input: OrganizationInput) -> Result<Organization, AppError> {
    policy::manage_organizations(&caller.principal)?;
    let (mut organization, origin) = Organization::create(input, hamkari_domain::new_id(), now())?;
    organization.created_by = Some(caller.actor_ref());
    organization.updated_by = organization.created_by;
    match store::try_insert(conn, &organization) {
        Ok(()) => {}
        // A derived slug that clashes gets a suffix; a slug the client chose is theirs to change.
        Err(DbError::UniqueViolation(Unique::OrganizationSlug)) if origin == SlugOrigin::Derived => {
            organization.suffix_slug();
            store::insert(conn, &organization)?;
        }
        Err(err) => return Err(err.into()),
    }
    record(
        conn,
        caller,
        Change::new(KIND, organization.id, "created", &[organization.id]).after(&organization)?,
    )?;
    Ok(organization)
}

pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &OrganizationFilter,
) -> Result<Page<Organization>, AppError> {
    policy::list(&caller.principal, Resource::Organizations)?;
    Ok(store::list(conn, filter)?)
}

pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Organization, AppError> {
    Ok(policy::organization(conn, &caller.principal, Action::Read, id)?.resource)
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    changes: ValidChanges,
) -> Result<Organization, AppError> {
    let allowed = policy::organization(conn, &caller.principal, Action::Update, id)?;
    let before = allowed.resource;
    check_if_match(if_match, before.version)?;
    let mut organization = before.clone();
    if organization.apply(changes, now()) {
        organization.updated_by = Some(caller.actor_ref());
        saved(store::update(conn, &organization, before.version)?, before.version)?;
        record(
            conn,
            caller,
            Change::new(KIND, id, "updated", &allowed.owners)
                .before(&before)?
                .after(&organization)?,
        )?;
    }
    Ok(organization)
}

/// Deletes an organization nothing refers to any more; memberships, projects and groups
/// that still do make the database refuse it (409).
pub fn delete(conn: &mut DbConnection, caller: &Caller, id: Uuid, if_match: &IfMatch) -> Result<(), AppError> {
    let allowed = policy::organization(conn, &caller.principal, Action::Delete, id)?;
    let organization = allowed.resource;
    check_if_match(if_match, organization.version)?;
    saved(store::delete(conn, id, organization.version)?, organization.version)?;
    record(
        conn,
        caller,
        Change::new(KIND, id, "deleted", &allowed.owners).before(&organization)?,
    )?;
    Ok(())
}
