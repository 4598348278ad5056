//! The change feed: committed events after a position, in commit order, narrowed to what
//! the caller may see (the one policy) and to the types asked for.

use hamkari_domain::webhook::EventTypes;
pub use hamkari_persistence::feed::FeedEvent;
use hamkari_persistence::feed::{self as store, FeedFilter};
use hamkari_persistence::DbConnection;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::policy;

/// Most events read per request while looking for visible ones, so a caller who may see
/// little of a busy log still gets an answer (and a cursor past what was read) quickly.
const SCAN_LIMIT: usize = 2000;
const BATCH: i64 = 200;

#[derive(Debug, Clone)]
pub struct FeedQuery {
    /// The position the client has seen; `None` starts at the oldest event kept.
    pub after: Option<i64>,
    pub types: Option<EventTypes>,
    pub organization_id: Option<Uuid>,
    pub limit: usize,
}

#[derive(Debug)]
pub struct FeedPage {
    pub items: Vec<FeedEvent>,
    /// Where the next request continues: past everything read, seen or not.
    pub next: i64,
}

/// What a client's position is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Valid,
    /// Events after it were deleted by retention: the client must resynchronize.
    Expired,
    /// Beyond anything handed out: no cursor of this server.
    NeverIssued,
}

pub fn check(conn: &mut DbConnection, after: i64) -> Result<Position, AppError> {
    let last = store::last_position(conn)?;
    if after < 0 || after > last {
        return Ok(Position::NeverIssued);
    }
    // Positions are gapless, so a missing successor was pruned.
    let expired = match store::first_position(conn)? {
        Some(first) => after + 1 < first,
        None => after < last,
    };
    Ok(if expired { Position::Expired } else { Position::Valid })
}

pub fn page(conn: &mut DbConnection, caller: &Caller, query: &FeedQuery) -> Result<FeedPage, AppError> {
    let filter = FeedFilter {
        visible_to: policy::feed_scope(&caller.principal),
        organization_id: query.organization_id,
    };
    // Read before scanning: every position up to it is committed, so a page that ends
    // short may move the cursor there without skipping anything.
    let committed = store::last_position(conn)?;
    let mut position = query.after.unwrap_or(0);
    let mut items = Vec::new();
    let mut scanned = 0;
    loop {
        let batch = store::after(conn, position, &filter, BATCH)?;
        let exhausted = batch.len() < BATCH as usize;
        for event in batch {
            position = event.position;
            scanned += 1;
            let wanted = query
                .types
                .as_ref()
                .is_none_or(|t| t.matches(&event.resource_type, &event.action));
            if wanted && policy::may_see_event(&caller.principal, &event.resource_type, &event.organization_ids) {
                items.push(event);
                if items.len() >= query.limit {
                    return Ok(FeedPage { items, next: position });
                }
            }
        }
        if exhausted {
            return Ok(FeedPage {
                items,
                next: position.max(committed),
            });
        }
        if scanned >= SCAN_LIMIT {
            return Ok(FeedPage { items, next: position });
        }
    }
}
