//! "Who do our organizations share?": members current in several organizations at once.

use hamkari_domain::auth::Resource;
use hamkari_domain::ValidationErrors;
use hamkari_persistence::organizations::{find, missing_organizations};
use hamkari_persistence::page::Page;
pub use hamkari_persistence::shared_members::{SharedFilter, SharedMember};
use hamkari_persistence::{shared_members as store, DbConnection};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::policy;

/// Members shared by `filter.organization_ids` (or by any two organizations when empty).
/// `field` names the query parameter that listed the organizations, for the 422 an unknown
/// one gets: well-formed, but it names nothing, like an unknown id in a body.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &SharedFilter,
    field: &str,
) -> Result<Page<SharedMember>, AppError> {
    answer(conn, caller, None, filter, field)
}

/// The same question asked from one organization's side, which must exist (404).
pub fn list_with(
    conn: &mut DbConnection,
    caller: &Caller,
    organization_id: Uuid,
    filter: &SharedFilter,
    field: &str,
) -> Result<Page<SharedMember>, AppError> {
    answer(conn, caller, Some(organization_id), filter, field)
}

fn answer(
    conn: &mut DbConnection,
    caller: &Caller,
    from: Option<Uuid>,
    filter: &SharedFilter,
    field: &str,
) -> Result<Page<SharedMember>, AppError> {
    policy::list(&caller.principal, Resource::Members)?;
    let page = store::list(conn, filter)?;
    // A membership needs its organization, so a shared member proves that every organization
    // named exists: only an empty page, which an unknown organization would give, asks.
    // Two large organizations share nobody on most pages, but each page that has someone
    // saves a round trip (bench/README.md, log).
    if page.items.is_empty() {
        if let Some(id) = from {
            if find(conn, id)?.is_none() {
                return Err(AppError::NotFound("No organization has this id.".into()));
            }
        }
        let missing = missing_organizations(conn, &filter.organization_ids)?;
        if let Some(first) = missing.first() {
            return Err(
                ValidationErrors::single(field, "not_found", format!("no organization has the id {first}")).into(),
            );
        }
    }
    Ok(page)
}
