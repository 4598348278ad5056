//! `POST /api/v1/working-groups/{id}/transitions`: a working group's status.

use actix_web::{post, web, HttpRequest, HttpResponse};
use hamkari_app::group_transitions as use_case;
use hamkari_app::policy;
use hamkari_domain::auth::Resource;
use hamkari_domain::working_group::GroupStatus;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::preconditions::{if_match, with_etag};
use crate::routes::working_groups::WorkingGroupBody;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "active", "reason": "تصویب هر دو هیئت‌مدیره"}))]
pub struct GroupTransitionRequest {
    pub to: GroupStatus,
    /// Up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// Move a working group to another status.
///
/// `proposed → active ⇄ dissolved`, and `proposed → dissolved`. Becoming active needs every
/// organization's approval (409 `approvals_pending` with `pending_organization_ids`); an
/// illegal step is 409 `illegal_transition`. Honours `If-Match`. Scope:
/// `working_groups:write`, for an organization of the group.
#[utoipa::path(
    tag = "working-groups",
    operation_id = "transition_working_group",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = GroupTransitionRequest,
    responses(
        (status = 200, description = "The group in its new status.", body = WorkingGroupBody, headers(("ETag" = String))),
        (status = 409, description = "Not a legal next state, or approvals are missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/working-groups/{id}/transitions")]
pub async fn transition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<GroupTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::WorkingGroups)?;
    let id = id.into_inner();
    let b = body.value()?;
    let if_match = if_match(&req)?;
    let view = db::write(&state.db, move |conn| {
        use_case::transition(conn, &caller.0, id, &if_match, b.to, b.reason)
    })
    .await?;
    let body = WorkingGroupBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), body.version).json(body))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(transition);
}
