//! Answers a keyset-paged list in the representation the client asked for: one page of
//! JSON, or every item the filters select as CSV or NDJSON (`export::stream`). Each list
//! handler parses its filter and calls [`respond`] with its use case; nothing else differs
//! between lists, so filters, visibility and authorization are the same in every form.

use actix_web::{web, HttpRequest, HttpResponse};
use hamkari_app::{AppError, DbConnection, Page};
use hamkari_domain::page::Direction;
use utoipa::ToSchema;

use crate::db;
use crate::error::ApiError;
use crate::export::{self, CsvLine, Representation, STREAM_PAGE};
use crate::pagination::{self, Paging};
use crate::state::AppState;

pub use hamkari_app::After;

/// A list's query, as far as paging goes: an export reads it again and again, each time
/// from just after the last item it sent.
pub trait Keyset: Send + 'static {
    /// The same query, `limit` items a page.
    fn with_limit(self, limit: u32) -> Self;
    /// The same query, from just after `after`.
    fn resume(self, after: After) -> Self;
}

/// The filters whose paging is their `after` and `limit` fields.
macro_rules! keyset {
    ($($filter:ty),* $(,)?) => {$(
        impl Keyset for $filter {
            fn with_limit(self, limit: u32) -> Self {
                Self { limit, ..self }
            }
            fn resume(self, after: After) -> Self {
                Self { after: Some(after), ..self }
            }
        }
    )*};
}

keyset!(
    hamkari_app::members::MemberFilter,
    hamkari_app::organizations::OrganizationFilter,
    hamkari_app::memberships::MembershipFilter,
    hamkari_app::audit::EventFilter,
    hamkari_app::agreements::AgreementFilter,
    hamkari_app::api_tokens::TokenFilter,
    hamkari_app::meetings::MeetingFilter,
    hamkari_app::projects::ProjectFilter,
    hamkari_app::working_groups::GroupFilter,
    hamkari_app::resolutions::ActionItemFilter,
    hamkari_app::users::UserFilter,
    hamkari_app::capacities::CapacityFilter,
    hamkari_app::capacity_requests::RequestFilter,
    Window,
);

/// Shared members page by member id alone.
impl Keyset for hamkari_app::shared_members::SharedFilter {
    fn with_limit(self, limit: u32) -> Self {
        Self { limit, ..self }
    }
    fn resume(self, after: After) -> Self {
        Self {
            after: Some(after.id),
            ..self
        }
    }
}

/// The paging of a list whose use case takes no filter of its own (a roster, a project's
/// transitions, an endpoint's deliveries).
#[derive(Debug, Clone)]
pub struct Window {
    pub direction: Direction,
    pub after: Option<After>,
    pub limit: u32,
}

impl<F> From<&Paging<F>> for Window {
    fn from(paging: &Paging<F>) -> Self {
        Self {
            direction: paging.direction,
            after: paging.after.clone(),
            limit: paging.limit,
        }
    }
}

/// Answers a list: `read` runs its use case for one page of `query`, `key` says where the
/// page after an item starts, `body` renders an item. `sort_name` is the `sort` parameter
/// the JSON page's cursor is tied to.
pub async fn respond<Q, T, B, R, K, M>(
    state: web::Data<AppState>,
    req: &HttpRequest,
    sort_name: &str,
    query: Q,
    read: R,
    key: K,
    body: M,
) -> Result<HttpResponse, ApiError>
where
    Q: Keyset,
    T: Send + 'static,
    B: CsvLine + ToSchema + Send + 'static,
    R: Fn(&mut DbConnection, &Q) -> Result<Page<T>, AppError> + Clone + Send + 'static,
    K: Fn(&T) -> After + Clone + Send + 'static,
    M: Fn(T) -> B + Clone + Send + 'static,
{
    let representation = Representation::negotiate(req)?;
    if representation == Representation::Json {
        let page = db::run(&state.db, move |conn| read(conn, &query)).await?;
        let next = pagination::next_after(page.has_more, page.items.last(), key);
        let items = page.items.into_iter().map(body).collect();
        return Ok(pagination::respond(req, sort_name, items, next));
    }
    let first = query.with_limit(STREAM_PAGE);
    export::stream(state, representation, first, move |conn, query: Q| {
        let page = read(conn, &query)?;
        let next = pagination::next_after(page.has_more, page.items.last(), &key).map(|after| query.resume(after));
        Ok((page.items.into_iter().map(&body).collect(), next))
    })
    .await
}
