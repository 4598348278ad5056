//! `/api/v1/agreements/{id}/parties/{organization_id}`: an agreement's parties and the day
//! each signed.

use crate::dates::{ApiDate, ToDay};
use actix_web::{delete, put, web, HttpResponse};
use hamkari_app::agreements as use_case;
use hamkari_app::policy;
use hamkari_domain::auth::Resource;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, Problem};
use crate::extract::JsonBody;
use crate::preconditions::with_etag;
use crate::routes::agreements::AgreementBody;
use crate::state::AppState;

/// A party's signature; the organization becomes a party if it is not one yet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signed_on": "2026-11-20"}))]
pub struct SetParty {
    /// The day it signed; null or absent while it has not.
    pub signed_on: Option<ApiDate>,
}

/// An agreement after a party changed.
#[derive(Serialize, ToSchema)]
pub struct PartyChangeBody {
    pub agreement: AgreementBody,
    /// True when a new party of a draft dropped the approvals given so far: every party,
    /// the new one included, approves again.
    pub approvals_reset: bool,
}

/// Add a party, or record the day it signed.
///
/// A new party of a draft drops the approvals given so far (`approvals_reset`). Scope:
/// `agreements:write`, for a party.
#[utoipa::path(
    tag = "agreements",
    operation_id = "set_agreement_party",
    params(("id" = Uuid, Path), ("organization_id" = Uuid, Path)),
    request_body = SetParty,
    responses(
        (status = 200, description = "The agreement with its parties.", body = PartyChangeBody, headers(("ETag" = String))),
        (status = 422, description = "No such organization, or a signing day in the future.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/agreements/{id}/parties/{organization_id}")]
pub async fn set_party(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<SetParty>,
) -> Result<HttpResponse, ApiError> {
    policy::precheck_write(&caller.0, Resource::Agreements)?;
    let (id, org) = path.into_inner();
    let b = body.value()?;
    let (view, reset) = db::write(&state.db, move |conn| {
        use_case::set_party(conn, &caller.0, id, org, b.signed_on.day())
    })
    .await?;
    let agreement = AgreementBody::from(view);
    Ok(with_etag(HttpResponse::Ok(), agreement.version).json(PartyChangeBody {
        agreement,
        approvals_reset: reset,
    }))
}

/// Remove a party; an agreement keeps at least two (409).
///
/// Scope: `agreements:write`, for a party.
#[utoipa::path(
    tag = "agreements",
    operation_id = "remove_agreement_party",
    params(("id" = Uuid, Path), ("organization_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed."),
        (status = 409, description = "It would leave fewer than two parties.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/agreements/{id}/parties/{organization_id}")]
pub async fn remove_party(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, org) = path.into_inner();
    db::write(&state.db, move |conn| use_case::remove_party(conn, &caller.0, id, org)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(set_party).service(remove_party);
}
