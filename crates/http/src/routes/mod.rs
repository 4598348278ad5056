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

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .configure(auth::configure)
            .configure(organizations::configure)
            .configure(members::configure)
            .configure(memberships::configure)
            .configure(shared_members::configure)
            .configure(projects::configure)
            .configure(project_parts::configure)
            .configure(working_groups::configure)
            .configure(meetings::configure)
            .configure(meeting_parts::configure)
            .configure(resolutions::configure)
            .configure(calendars::configure)
            .configure(group_transitions::configure)
            .configure(agreements::configure)
            .configure(agreement_parties::configure)
            .configure(approvals::configure)
            .configure(capacities::configure)
            .configure(accreditations::configure)
            .configure(capacity_requests::configure)
            .configure(users::configure)
            .configure(api_tokens::configure)
            .configure(audit_events::configure)
            .configure(imports::configure)
            .configure(events_feed::configure)
            .configure(webhooks::configure),
    );
    cfg.service(scope::scope("/health").configure(health::configure));
}
