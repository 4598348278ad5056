//! `/health/live` and `/health/ready` for orchestrators and load balancers.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up and serving HTTP. Needs no credentials.
#[utoipa::path(
    tag = "health",
    operation_id = "health_live",
    responses((status = 200, description = "The process is up.", body = Health)),
    security(())
)]
#[get("/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers. Needs no credentials.
#[utoipa::path(
    tag = "health",
    operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, description = "The database is unavailable.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String))),
    ),
    security(())
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    web::block(move || db.ping()).await??;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

pub fn configure(cfg: &mut impl super::Routes) {
    cfg.service(live).service(ready);
}
