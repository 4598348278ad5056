//! `…/approvals` under projects, working groups and agreements: each organization taking
//! part approves the item before it leaves its proposed or draft state. One set of handlers
//! serves the three kinds through one use case.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use hamkari_app::approvals::{self as use_case, ApprovalsView, NewApproval};
use hamkari_app::policy;
use hamkari_domain::approval::{Approvable, Approval};
use hamkari_domain::ActorRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::bodies::{actor, ActorBody};
use crate::db;
use crate::error::{ApiError, Problem};
use crate::export::{self, Representation};
use crate::extract::JsonBody;
use crate::pagination::utc;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "019ab1c2-3d4e-7f60-8a9b-0c1d2e3f4a5b",
    "note": "تصویب در جلسهٔ هیئت‌مدیره"
}))]
pub struct ApproveRequest {
    /// The organization approving; the caller must act for it.
    pub organization_id: Uuid,
    /// Up to 2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
    /// The meeting resolution that decided the approval.
    pub resolution_id: Option<Uuid>,
}

/// One organization's approval.
#[derive(Serialize, ToSchema)]
pub struct ApprovalBody {
    pub organization_id: Uuid,
    pub note: Option<String>,
    pub resolution_id: Option<Uuid>,
    /// The user or API token that recorded it; null once deleted.
    pub approved_by: Option<ActorBody>,
    pub approved_at: DateTime<Utc>,
}

impl From<Approval> for ApprovalBody {
    fn from(a: Approval) -> Self {
        let by = match (a.by_user, a.by_token) {
            (Some(id), _) => Some(ActorRef::User(id)),
            (None, Some(id)) => Some(ActorRef::ApiToken(id)),
            (None, None) => None,
        };
        Self {
            organization_id: a.organization_id,
            note: a.note,
            resolution_id: a.resolution_id,
            approved_by: actor(by),
            approved_at: utc(a.approved_at),
        }
    }
}

/// An item's approvals and who has yet to approve.
#[derive(Serialize, ToSchema)]
pub struct ApprovalsBody {
    /// Oldest first.
    pub items: Vec<ApprovalBody>,
    /// The organizations taking part that have not approved.
    pub pending_organization_ids: Vec<Uuid>,
    /// True while the item is proposed (a draft agreement) and so still collects approvals.
    pub awaiting_approval: bool,
}

impl From<ApprovalsView> for ApprovalsBody {
    fn from(v: ApprovalsView) -> Self {
        Self {
            items: v.approvals.into_iter().map(ApprovalBody::from).collect(),
            pending_organization_ids: v.pending,
            awaiting_approval: v.open,
        }
    }
}

async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    kind: Approvable,
    id: Uuid,
    body: JsonBody<ApproveRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, use_case::scope(kind))?;
    let b = body.value()?;
    let command = NewApproval {
        organization_id: b.organization_id,
        note: b.note,
        resolution_id: b.resolution_id,
    };
    let approval = db::write(&state.db, move |conn| {
        use_case::approve(conn, &caller.0, kind, id, command)
    })
    .await?;
    Ok(HttpResponse::Created().json(ApprovalBody::from(approval)))
}

/// The approvals as JSON (with who is still to approve), or as CSV or NDJSON lines.
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    kind: Approvable,
    id: Uuid,
) -> Result<HttpResponse, ApiError> {
    let representation = Representation::negotiate(&req)?;
    if representation != Representation::Json {
        let caller = caller.0;
        return export::whole(state, representation, move |conn| {
            let view = use_case::list(conn, &caller, kind, id)?;
            Ok(view.approvals.into_iter().map(ApprovalBody::from).collect())
        })
        .await;
    }
    let view = db::run(&state.db, move |conn| use_case::list(conn, &caller.0, kind, id)).await?;
    Ok(HttpResponse::Ok().json(ApprovalsBody::from(view)))
}

async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    kind: Approvable,
    id: Uuid,
    organization: Uuid,
) -> Result<HttpResponse, ApiError> {
    db::write(&state.db, move |conn| {
        use_case::withdraw(conn, &caller.0, kind, id, organization)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The three operations of one kind of item, each a thin handler over the shared ones
/// above. Only what differs between kinds is given (paths, names, tag, and the summary and
/// description as doc comments); the responses, parameters and bodies are written once here.
macro_rules! approval_routes {
    (
        kind: $kind:expr,
        tag: $tag:literal,
        approvals: $approvals:literal,
        one: $one:literal,
        $(#[doc = $approve_doc:literal])*
        approve: $approve:ident,
        $(#[doc = $list_doc:literal])*
        list: $list:ident,
        $(#[doc = $withdraw_doc:literal])*
        withdraw: $withdraw:ident $(,)?
    ) => {
        $(#[doc = $approve_doc])*
        #[utoipa::path(
            tag = $tag,
            operation_id = stringify!($approve),
            params(("id" = Uuid, Path)),
            request_body = ApproveRequest,
            responses(
                (status = 201, description = "The recorded approval.", body = ApprovalBody),
                (status = 403, description = "You do not act for this organization.", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Approved already, or no longer pending.", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields, or not a party.", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($approvals)]
        pub async fn $approve(
            state: web::Data<AppState>,
            caller: Caller,
            id: web::Path<Uuid>,
            body: JsonBody<ApproveRequest>,
        ) -> Result<HttpResponse, ApiError> {
            approve(state, caller, $kind, id.into_inner(), body).await
        }

        $(#[doc = $list_doc])*
        #[utoipa::path(
            tag = $tag,
            operation_id = stringify!($list),
            params(("id" = Uuid, Path)),
            responses(
                (status = 200, description = "Its approvals and who is still to approve; as CSV or NDJSON, one line per approval.",
                    content(
                        (ApprovalsBody = "application/json"),
                        (String = "text/csv"),
                        (String = "application/x-ndjson"),
                    )),
                (status = 406, description = "No representation the `Accept` header allows.", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($approvals)]
        pub async fn $list(
            state: web::Data<AppState>,
            caller: Caller,
            req: HttpRequest,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            list(state, caller, req, $kind, id.into_inner()).await
        }

        $(#[doc = $withdraw_doc])*
        #[utoipa::path(
            tag = $tag,
            operation_id = stringify!($withdraw),
            params(("id" = Uuid, Path), ("organization_id" = Uuid, Path)),
            responses(
                (status = 204, description = "Withdrawn."),
                (status = 409, description = "No longer pending.", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[delete($one)]
        pub async fn $withdraw(
            state: web::Data<AppState>,
            caller: Caller,
            path: web::Path<(Uuid, Uuid)>,
        ) -> Result<HttpResponse, ApiError> {
            let (id, organization) = path.into_inner();
            withdraw(state, caller, $kind, id, organization).await
        }
    };
}

approval_routes! {
    kind: Approvable::Project,
    tag: "projects",
    approvals: "/projects/{id}/approvals",
    one: "/projects/{id}/approvals/{organization_id}",
    /// Approve a joint project for one organization taking part.
    ///
    /// By an administrator, an editor of that organization, or a token bound to it. The item
    /// must still be proposed (409 `not_pending`); an organization approves once (409
    /// `already_approved`); only a party approves (422 `not_a_party`). Scope: `projects:write`.
    approve: approve_project,
    /// The approvals of a joint project, and the organizations still to approve.
    ///
    /// Scope: `projects:read`.
    list: list_project_approvals,
    /// Withdraw an organization's approval of a joint project while it is still proposed.
    ///
    /// 409 `not_pending` once it moved on. Scope: `projects:write`, acting for that organization.
    withdraw: withdraw_project_approval,
}

approval_routes! {
    kind: Approvable::WorkingGroup,
    tag: "working-groups",
    approvals: "/working-groups/{id}/approvals",
    one: "/working-groups/{id}/approvals/{organization_id}",
    /// Approve a working group for one organization taking part.
    ///
    /// By an administrator, an editor of that organization, or a token bound to it. The item
    /// must still be proposed (409 `not_pending`); an organization approves once (409
    /// `already_approved`); only a party approves (422 `not_a_party`). Scope: `working_groups:write`.
    approve: approve_working_group,
    /// The approvals of a working group, and the organizations still to approve.
    ///
    /// Scope: `working_groups:read`.
    list: list_working_group_approvals,
    /// Withdraw an organization's approval of a working group while it is still proposed.
    ///
    /// 409 `not_pending` once it moved on. Scope: `working_groups:write`, acting for that organization.
    withdraw: withdraw_working_group_approval,
}

approval_routes! {
    kind: Approvable::Agreement,
    tag: "agreements",
    approvals: "/agreements/{id}/approvals",
    one: "/agreements/{id}/approvals/{organization_id}",
    /// Approve an agreement for one organization taking part.
    ///
    /// By an administrator, an editor of that organization, or a token bound to it. The item
    /// must still be a draft (409 `not_pending`); an organization approves once (409
    /// `already_approved`); only a party approves (422 `not_a_party`). Scope: `agreements:write`.
    approve: approve_agreement,
    /// The approvals of an agreement, and the organizations still to approve.
    ///
    /// Scope: `agreements:read`.
    list: list_agreement_approvals,
    /// Withdraw an organization's approval of an agreement while it is still a draft.
    ///
    /// 409 `not_pending` once it moved on. Scope: `agreements:write`, acting for that organization.
    withdraw: withdraw_agreement_approval,
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(approve_project)
        .service(list_project_approvals)
        .service(withdraw_project_approval)
        .service(approve_working_group)
        .service(list_working_group_approvals)
        .service(withdraw_working_group_approval)
        .service(approve_agreement)
        .service(list_agreement_approvals)
        .service(withdraw_agreement_approval);
}
