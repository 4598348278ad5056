//! Accreditations on a capacity or a member, and the `accreditation.expiring` events 60
//! and 14 days before one ends: written once each, by whichever instance's periodic check
//! gets there first (as `api_token.expiring` is).

use chrono::{Duration, NaiveDateTime};
use hamkari_domain::accreditation::{Accreditation, AccreditationInput, Holder};
use hamkari_domain::capacity::Capacity;
use hamkari_persistence::locks::{lock_row, Locked};
use hamkari_persistence::{accreditations as store, capacities, members, DbConnection};
use serde_json::json;
use uuid::Uuid;

use crate::caller::{now, Caller};
use crate::capacities::{rekey, KIND};
use crate::error::AppError;
use crate::events::{record, record_system, Change};
use crate::policy::{self, Action, Allowed};
use crate::versions::saved;

/// Days before expiry a warning goes out, nearest first.
pub const WARN_DAYS: [i32; 2] = [14, 60];

/// Touches the capacity (its version covers its accreditations) and refreshes its key.
fn touch(conn: &mut DbConnection, caller: &Caller, capacity: Capacity) -> Result<i64, AppError> {
    let mut capacity = capacity;
    let before = capacity.version;
    capacity.touch(now());
    capacity.updated_by = Some(caller.actor_ref());
    saved(capacities::update(conn, &capacity, before)?, before)?;
    rekey(conn, &capacity)?;
    Ok(capacity.version)
}

/// Adds an accreditation; returns it with its capacity's new version (none for a member's).
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    holder: Holder,
    input: AccreditationInput,
) -> Result<(Accreditation, Option<i64>), AppError> {
    let (owners, capacity) = match holder {
        Holder::Capacity(id) => {
            let Allowed { resource, owners } = policy::capacity(conn, &caller.principal, Action::Update, id)?;
            (owners, Some(resource))
        }
        Holder::Member(id) => (
            policy::member(conn, &caller.principal, Action::Update, id)?.owners,
            None,
        ),
    };
    let mut accreditation = Accreditation::create(input, holder, hamkari_domain::new_id(), now())?;
    accreditation.created_by = Some(caller.actor_ref());
    store::insert(conn, &accreditation)?;
    let version = capacity.map(|c| touch(conn, caller, c)).transpose()?;
    let mut change = match holder {
        Holder::Capacity(id) => Change::new(KIND, id, "accreditation_added", &owners),
        Holder::Member(id) => Change::new("member", id, "accreditation_added", &owners),
    };
    change.after = Some(json!(accreditation));
    record(conn, caller, change)?;
    Ok((accreditation, version))
}

pub fn remove(conn: &mut DbConnection, caller: &Caller, holder: Holder, id: Uuid) -> Result<(), AppError> {
    let (owners, capacity) = match holder {
        Holder::Capacity(c) => {
            let Allowed { resource, owners } = policy::capacity(conn, &caller.principal, Action::Update, c)?;
            (owners, Some(resource))
        }
        Holder::Member(m) => (policy::member(conn, &caller.principal, Action::Update, m)?.owners, None),
    };
    let accreditation = store::find(conn, id)?
        .filter(|a| a.holder() == holder)
        .ok_or_else(|| AppError::NotFound("No accreditation of this one has this id.".into()))?;
    store::delete(conn, id)?;
    capacity.map(|c| touch(conn, caller, c)).transpose()?;
    let mut change = match holder {
        Holder::Capacity(c) => Change::new(KIND, c, "accreditation_removed", &owners),
        Holder::Member(m) => Change::new("member", m, "accreditation_removed", &owners),
    };
    change.before = Some(json!(accreditation));
    record(conn, caller, change)
}

/// A member's accreditations.
pub fn of_member(conn: &mut DbConnection, caller: &Caller, member: Uuid) -> Result<Vec<Accreditation>, AppError> {
    policy::member(conn, &caller.principal, Action::Read, member)?;
    Ok(store::of_member(conn, member)?)
}

/// One accreditation as the caller may see it: through its capacity or its member.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Accreditation, AppError> {
    let accreditation =
        store::find(conn, id)?.ok_or_else(|| AppError::NotFound("No accreditation has this id.".into()))?;
    match accreditation.holder() {
        Holder::Capacity(c) => {
            policy::capacity(conn, &caller.principal, Action::Read, c)?;
        }
        Holder::Member(m) => {
            policy::member(conn, &caller.principal, Action::Read, m)?;
        }
    }
    Ok(accreditation)
}

/// Whom a warning concerns: a capacity's audience, a member's organizations.
fn concerned(conn: &mut DbConnection, accreditation: &Accreditation) -> Result<Option<Vec<Uuid>>, AppError> {
    Ok(match accreditation.holder() {
        Holder::Capacity(c) => match capacities::find(conn, c)? {
            Some(capacity) => Some(policy::capacity_audience(conn, &capacity)?),
            None => None,
        },
        Holder::Member(m) => Some(members::organizations_of(conn, m)?),
    })
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
            let Some(accreditation) = store::find(conn, id)? else {
                continue;
            };
            // One added since the nearer window's query is warned for the nearer window
            // already, never for both.
            let days = WARN_DAYS
                .into_iter()
                .find(|d| accreditation.valid_until <= today + Duration::days((*d).into()))
                .unwrap_or(days);
            if store::sent(conn, id, days)? {
                continue;
            }
            for farther in WARN_DAYS.into_iter().filter(|d| *d >= days) {
                if !store::sent(conn, id, farther)? {
                    store::mark_sent(conn, id, farther, now)?;
                }
            }
            let Some(concerned) = concerned(conn, &accreditation)? else {
                continue;
            };
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
