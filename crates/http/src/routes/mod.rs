//! Every route of the API, registered once so the OpenAPI document cannot miss one.

pub mod api_tokens;
pub mod auth;
pub mod health;
pub mod organizations;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .configure(auth::configure)
            .configure(organizations::configure)
            .configure(users::configure)
            .configure(api_tokens::configure),
    );
    cfg.service(scope::scope("/health").configure(health::configure));
}
