//! Every route of the API, registered once so the OpenAPI document cannot miss one.

pub mod health;
pub mod organizations;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scope::scope("/api/v1").configure(organizations::configure));
    cfg.service(scope::scope("/health").configure(health::configure));
}
