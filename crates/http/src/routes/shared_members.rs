//! "Who do our organizations share?" — `/api/v1/shared-members` and
//! `/api/v1/organizations/{id}/shared-members`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use hamkari_app::shared_members::{self as use_case, SharedFilter};
use hamkari_app::{After, SortValue};
use hamkari_domain::membership::RoleFilter;
use hamkari_domain::page::Limit;
use hamkari_domain::shared_members::SharedOrganizations;
use hamkari_domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::dates::{ApiDate, ToDay};
use crate::listing;

use crate::error::{ApiError, Problem};
use crate::extract::{query_error, QueryParams};
use crate::pagination::{self, ListPage};
use crate::routes::members::MemberBody;
use crate::routes::memberships::MembershipBody;
use crate::state::AppState;

/// The cursor of these lists orders by member id.
const SORT: &str = "member_id";

/// A member shared by the organizations asked about, with the memberships that qualify.
#[derive(Serialize, ToSchema)]
pub struct SharedMemberBody {
    pub member: MemberBody,
    /// The member's memberships current on the day asked about, in the organizations asked
    /// about (and of the role asked about).
    pub memberships: Vec<MembershipBody>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListShared {
    /// Repeat for each organization (`organization_id=A&organization_id=B`): members current in
    /// every one. Omit for members current in at least two organizations.
    #[serde(default)]
    #[param(min_items = 2)]
    organization_id: Vec<Uuid>,
    /// `board` for any board role (board_member, board_chair, board_vice_chair, secretary,
    /// treasurer), or one membership role.
    #[param(pattern = "^(board|member|board_member|board_chair|board_vice_chair|secretary|treasurer|inspector)$")]
    role: Option<String>,
    /// The day to ask about (default: today).
    on: Option<ApiDate>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSharedWith {
    /// The other organization(s); repeat for more. Required: the question needs this
    /// organization and at least one other.
    #[serde(default)]
    #[param(required = true, min_items = 1)]
    with: Vec<Uuid>,
    #[param(pattern = "^(board|member|board_member|board_chair|board_vice_chair|secretary|treasurer|inspector)$")]
    role: Option<String>,
    on: Option<ApiDate>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Either form of the question, once its organizations are gathered.
struct Question {
    /// The organization asked from (`/organizations/{id}/shared-members`), which must exist.
    from: Option<Uuid>,
    organizations: SharedOrganizations,
    /// The query parameter that named the organizations, for error messages.
    field: &'static str,
    role: Option<String>,
    on: Option<NaiveDate>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn answer(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    question: Question,
) -> Result<HttpResponse, ApiError> {
    let Question {
        from,
        organizations,
        field,
        role,
        on,
        limit,
        cursor,
    } = question;
    let limit = Limit::parse(limit)
        .map_err(|p| query_error("limit", p.code, p.message))?
        .get();
    let roles = role
        .map(|r| RoleFilter::parse(&r).map(RoleFilter::roles))
        .transpose()
        .map_err(|p| query_error("role", p.code, p.message))?;
    let after = cursor
        .map(|c| pagination::decode(&c, SORT, false))
        .transpose()?
        .map(|a| a.id);
    let today = state.now().date();
    let filter = SharedFilter {
        organization_ids: organizations.into_ids(),
        roles,
        on: on.unwrap_or(today),
        after,
        limit,
    };
    let caller = caller.0;
    listing::respond(
        state,
        req,
        SORT,
        filter,
        move |conn, filter| match from {
            Some(id) => use_case::list_with(conn, &caller, id, filter, field),
            None => use_case::list(conn, &caller, filter, field),
        },
        |last| After {
            value: SortValue::Text(String::new()),
            id: last.member.id,
        },
        move |s| SharedMemberBody {
            member: MemberBody::from(s.member),
            memberships: s
                .memberships
                .into_iter()
                .map(|v| MembershipBody::new(v, today))
                .collect(),
        },
    )
    .await
}

/// Members shared by organizations.
///
/// Members with a membership current on `on` (default today) in every listed organization,
/// or, with none listed, in at least two. `role=board` asks who sits on every listed board.
/// Ordered by member id; keyset-paginated. Scope: `members:read`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "list_shared_members",
    params(ListShared),
    responses(
        (status = 200, description = "A page of shared members, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<SharedMemberBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/shared-members")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    query: QueryParams<ListShared>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let organizations =
        SharedOrganizations::parse(q.organization_id).map_err(|p| query_error("organization_id", p.code, p.message))?;
    let question = Question {
        from: None,
        organizations,
        field: "organization_id",
        role: q.role,
        on: q.on.day(),
        limit: q.limit,
        cursor: q.cursor,
    };
    answer(state, caller, &req, question).await
}

/// Members an organization shares with others.
///
/// The same question as `/shared-members`, asked from one organization's side: members
/// current in this organization and in every organization named by `with`. Scope: `members:read`.
#[utoipa::path(
    tag = "memberships",
    operation_id = "list_organization_shared_members",
    params(("id" = Uuid, Path, description = "Organization id."), ListSharedWith),
    responses(
        (status = 200, description = "A page of shared members, or all of them as CSV or NDJSON.", headers(("Link" = String)),
            content(
                (ListPage<SharedMemberBody> = "application/json"),
                (String = "text/csv"),
                (String = "application/x-ndjson"),
            )),
        (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Invalid query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid credentials.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organization.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`with` names only this organization, or the cursor was not issued by this list.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organizations/{id}/shared-members")]
pub async fn list_with(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: QueryParams<ListSharedWith>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    if q.with.is_empty() {
        return Err(query_error("with", "required", "name at least one other organization"));
    }
    // Well-formed (the document cannot say "other than `id`") but unusable: 422, not 400.
    let organizations =
        SharedOrganizations::asked_from(id, q.with).map_err(|p| ValidationErrors::single("with", p.code, p.message))?;
    let question = Question {
        from: Some(id),
        organizations,
        field: "with",
        role: q.role,
        on: q.on.day(),
        limit: q.limit,
        cursor: q.cursor,
    };
    answer(state, caller, &req, question).await
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(list).service(list_with);
}
