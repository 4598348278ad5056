//! Every route of the API, registered once so the OpenAPI document cannot miss one.

pub mod accreditations;
pub mod agreement_parties;
pub mod agreements;
pub mod api_tokens;
pub mod approvals;
pub mod audit_events;
pub mod auth;
pub mod auth_me;
pub mod calendars;
pub mod capacities;
pub mod capacity_requests;
pub mod events_feed;
pub mod group_transitions;
pub mod health;
pub mod imports;
pub mod meeting_parts;
pub mod meetings;
pub mod members;
pub mod memberships;
pub mod organizations;
pub mod project_parts;
pub mod projects;
pub mod resolutions;
pub mod shared_members;
pub mod users;
pub mod webhooks;
pub mod working_groups;

use actix_web::dev::HttpServiceFactory;
use utoipa_actix_web::{scope, OpenApiFactory};

/// Where a module registers its handlers: the documenting registry that builds the OpenAPI
/// document (`openapi::spec`), or actix's own, which the serving workers use. Both take the
/// same list below, so what is served is what is documented; only building the document
/// costs its memory (about 28 MiB while it is built, once per worker before).
pub trait Routes {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self;
}

impl Routes for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self {
        utoipa_actix_web::service_config::ServiceConfig::service(self, factory)
    }
}

impl Routes for actix_web::web::ServiceConfig {
    fn service<F: HttpServiceFactory + OpenApiFactory + 'static>(&mut self, factory: F) -> &mut Self {
        actix_web::web::ServiceConfig::service(self, factory)
    }
}

/// Every route under `/api/v1`.
fn api(cfg: &mut impl Routes) {
    auth::configure(cfg);
    organizations::configure(cfg);
    members::configure(cfg);
    memberships::configure(cfg);
    shared_members::configure(cfg);
    projects::configure(cfg);
    project_parts::configure(cfg);
    working_groups::configure(cfg);
    meetings::configure(cfg);
    meeting_parts::configure(cfg);
    resolutions::configure(cfg);
    calendars::configure(cfg);
    group_transitions::configure(cfg);
    agreements::configure(cfg);
    agreement_parties::configure(cfg);
    approvals::configure(cfg);
    capacities::configure(cfg);
    accreditations::configure(cfg);
    capacity_requests::configure(cfg);
    users::configure(cfg);
    api_tokens::configure(cfg);
    audit_events::configure(cfg);
    imports::configure(cfg);
    events_feed::configure(cfg);
    webhooks::configure(cfg);
}

/// The routes with their documentation, for the OpenAPI document.
pub fn documented(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(scope::scope("/api/v1").configure(|cfg| api(cfg)));
    cfg.service(scope::scope("/health").configure(|cfg| health::configure(cfg)));
}

/// The same routes for serving, without building their documentation.
pub fn served(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(actix_web::web::scope("/api/v1").configure(api));
    cfg.service(actix_web::web::scope("/health").configure(health::configure));
}
