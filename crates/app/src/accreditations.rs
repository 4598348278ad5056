//! Accreditations on a capacity, and the `accreditation.expiring` events 60 and 14 days
//! before one ends: written once each, by whichever instance's periodic check gets there
//! first (as `api_token.expiring` is).

use chrono::{Duration, NaiveDateTime};
use hamkari_domain::accreditation::{Accreditation, AccreditationInput};
use hamkari_persistence::locks::{lock_row, Locked};
use hamkari_persistence::{accreditations as store, capacities, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::capacities::{rekey, CapacityView, KIND};
use crate::error::AppError;
use crate::events::{record, record_system, Change};
use crate::policy::{self, Action, Allowed};
use crate::versions::saved;

/// Days before expiry a warning goes out, nearest first.
pub const WARN_DAYS: [i32; 2] = [14, 60];

/// Touches the capacity (its version covers its accreditations) and refreshes its key.
fn touched(
    conn: &mut DbConnection,
    caller: &Caller,
    Allowed { resource, .. }: Allowed<hamkari_domain::capacity::Capacity>,
) -> Result<CapacityView, AppError> {
    let mut capacity = resource;
    let before = capacity.version;
    capacity.touch(now());
    capacity.updated_by = Some(caller.actor_ref());
    saved(capacities::update(conn, &capacity, before)?, before)?;
    rekey(conn, &capacity)?;
    crate::capacities::get(conn, caller, capacity.id)
}

pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    capacity_id: Uuid,
    input: AccreditationInput,
) -> Result<(Accreditation, CapacityView), AppError> {
    let allowed = policy::capacity(conn, &caller.principal, Action::Update, capacity_id)?;
    let mut accreditation = Accreditation::create(input, capacity_id, hamkari_domain::new_id(), now())?;
    accreditation.created_by = Some(caller.actor_ref());
    store::insert(conn, &accreditation)?;
    let owners = allowed.owners.clone();
    let view = touched(conn, caller, allowed)?;
    let mut change = Change::new(KIND, capacity_id, "accreditation_added", &owners);
    change.after = Some(json!(accreditation));
    record(conn, caller, change)?;
    Ok((accreditation, view))
}

pub fn remove(conn: &mut DbConnection, caller: &Caller, capacity_id: Uuid, id: Uuid) -> Result<(), AppError> {
    let allowed = policy::capacity(conn, &caller.principal, Action::Update, capacity_id)?;
    let accreditation = store::find(conn, id)?
        .filter(|a| a.capacity_id == capacity_id)
        .ok_or_else(|| AppError::NotFound("The capacity has no accreditation with this id.".into()))?;
    store::delete(conn, id)?;
    let owners = allowed.owners.clone();
    touched(conn, caller, allowed)?;
    let mut change = Change::new(KIND, capacity_id, "accreditation_removed", &owners);
    change.before = Some(json!(accreditation));
    record(conn, caller, change)
}

/// One accreditation as the caller may see it (through its capacity), with that capacity.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(Accreditation, CapacityView), AppError> {
    let accreditation =
        store::find(conn, id)?.ok_or_else(|| AppError::NotFound("No accreditation has this id.".into()))?;
    let capacity = crate::capacities::get(conn, caller, accreditation.capacity_id)?;
    Ok((accreditation, capacity))
}

/// Writes the warnings due at `now`; returns how many. An accreditation already inside the
/// nearer window gets only that warning (the farther one counts as sent).
pub fn warn_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, AppError> {
    let today = now.date();
    let mut written = 0;
    for days in WARN_DAYS {
        for id in store::due(conn, today, today + Duration::days(days.into()), days)? {
            // Another instance may be at the same accreditation: the row lock makes it wait
            // and then see the notice this one wrote.
            lock_row(conn, Locked::Accreditations, id)?;
            if store::sent(conn, id, days)? {
                continue;
            }
            let Some(accreditation) = store::find(conn, id)? else {
                continue;
            };
            for farther in WARN_DAYS.into_iter().filter(|d| *d >= days) {
                if !store::sent(conn, id, farther)? {
                    store::mark_sent(conn, id, farther, now)?;
                }
            }
            let Some(capacity) = capacities::find(conn, accreditation.capacity_id)? else {
                continue;
            };
            let concerned = policy::capacity_audience(conn, &capacity)?;
            let mut change = Change::new("accreditation", id, "expiring", &concerned);
            change.after = Some(json!({
                "accreditation": accreditation,
                "days_before": days,
            }));
            record_system(conn, change)?;
            written += 1;
        }
    }
    Ok(written)
}
