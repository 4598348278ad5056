//! Table definitions (hand-kept: `diesel print-schema` cannot describe the custom UUID type).

use crate::sql_types::DbUuid;

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    organizations (id) {
        id -> DbUuid,
        name -> Text,
        name_en -> Nullable<Text>,
        slug -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        founded_on -> Nullable<Date>,
        name_key -> Text,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        name_sort -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    users (id) {
        id -> DbUuid,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        disabled -> Bool,
        session_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    user_organizations (user_id, organization_id) {
        user_id -> DbUuid,
        organization_id -> DbUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    refresh_tokens (id) {
        id -> DbUuid,
        family_id -> DbUuid,
        user_id -> DbUuid,
        token_hash -> Text,
        session_version -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    api_tokens (id) {
        id -> DbUuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        scopes -> Text,
        organization_id -> Nullable<DbUuid>,
        created_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> BigInt,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(user_organizations -> users (user_id));
diesel::joinable!(user_organizations -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, users, user_organizations, api_tokens, refresh_tokens);

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    members (id) {
        id -> DbUuid,
        full_name -> Text,
        full_name_en -> Nullable<Text>,
        national_id -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        expertise -> Nullable<Text>,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        full_name_sort -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    memberships (id) {
        id -> DbUuid,
        member_id -> DbUuid,
        organization_id -> DbUuid,
        role -> Text,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        member_created_at -> Timestamp,
    }
}

diesel::joinable!(memberships -> members (member_id));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(members, memberships, organizations);

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    projects (id) {
        id -> DbUuid,
        title -> Text,
        title_en -> Nullable<Text>,
        kind -> Text,
        summary -> Nullable<Text>,
        status -> Text,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        agreement_id -> Nullable<DbUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    project_organizations (project_id, organization_id) {
        project_id -> DbUuid,
        organization_id -> DbUuid,
        role -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    project_members (project_id, member_id) {
        project_id -> DbUuid,
        member_id -> DbUuid,
        organization_id -> DbUuid,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    project_transitions (id) {
        id -> DbUuid,
        project_id -> DbUuid,
        from_status -> Text,
        to_status -> Text,
        reason -> Nullable<Text>,
        by_user -> Nullable<DbUuid>,
        by_token -> Nullable<DbUuid>,
        at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    working_groups (id) {
        id -> DbUuid,
        name -> Text,
        name_en -> Nullable<Text>,
        scope -> Text,
        topic -> Nullable<Text>,
        mandate -> Nullable<Text>,
        status -> Text,
        established_on -> Nullable<Date>,
        dissolved_on -> Nullable<Date>,
        project_id -> Nullable<DbUuid>,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
        proposed -> Bool,
        agreement_id -> Nullable<DbUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    working_group_organizations (group_id, organization_id) {
        group_id -> DbUuid,
        organization_id -> DbUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    working_group_members (group_id, member_id) {
        group_id -> DbUuid,
        member_id -> DbUuid,
        organization_id -> DbUuid,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(project_organizations -> organizations (organization_id));
diesel::joinable!(project_members -> members (member_id));
diesel::joinable!(working_group_organizations -> organizations (organization_id));
diesel::joinable!(working_group_members -> members (member_id));
diesel::allow_tables_to_appear_in_same_query!(project_organizations, organizations);
diesel::allow_tables_to_appear_in_same_query!(project_members, members);
diesel::allow_tables_to_appear_in_same_query!(working_group_organizations, organizations);
diesel::allow_tables_to_appear_in_same_query!(working_group_members, members);

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    events (id) {
        id -> DbUuid,
        at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<DbUuid>,
        request_id -> Nullable<Text>,
        resource_type -> Text,
        resource_id -> DbUuid,
        action -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        position -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    event_organizations (event_id, organization_id) {
        event_id -> DbUuid,
        organization_id -> DbUuid,
    }
}

diesel::joinable!(event_organizations -> events (event_id));
diesel::allow_tables_to_appear_in_same_query!(events, event_organizations);

diesel::table! {
    idempotency_keys (credential, key) {
        credential -> Text,
        key -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        headers_json -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
        locked_until -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    meetings (id) {
        id -> DbUuid,
        title -> Text,
        kind -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        time_zone -> Text,
        place -> Nullable<Text>,
        online_url -> Nullable<Text>,
        working_group_id -> Nullable<DbUuid>,
        project_id -> Nullable<DbUuid>,
        minutes -> Nullable<Text>,
        minutes_finalized_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    meeting_organizations (meeting_id, organization_id) {
        meeting_id -> DbUuid,
        organization_id -> DbUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    meeting_agenda_items (meeting_id, position) {
        meeting_id -> DbUuid,
        position -> Integer,
        title -> Text,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    meeting_attendees (meeting_id, member_id) {
        meeting_id -> DbUuid,
        member_id -> DbUuid,
        organization_id -> Nullable<DbUuid>,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    resolutions (id) {
        id -> DbUuid,
        meeting_id -> DbUuid,
        number -> Integer,
        text -> Text,
        outcome -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    resolution_votes (resolution_id, organization_id) {
        resolution_id -> DbUuid,
        organization_id -> DbUuid,
        vote -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    action_items (id) {
        id -> DbUuid,
        resolution_id -> DbUuid,
        meeting_id -> DbUuid,
        what -> Text,
        owner_id -> DbUuid,
        organization_id -> DbUuid,
        due_on -> Date,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::joinable!(meeting_organizations -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(meeting_organizations, organizations);
diesel::allow_tables_to_appear_in_same_query!(meeting_attendees, members);

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    agreements (id) {
        id -> DbUuid,
        title -> Text,
        summary -> Nullable<Text>,
        scope -> Nullable<Text>,
        status -> Text,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        document_url -> Nullable<Text>,
        document_name -> Nullable<Text>,
        document_sha256 -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    agreement_parties (agreement_id, organization_id) {
        agreement_id -> DbUuid,
        organization_id -> DbUuid,
        signed_on -> Nullable<Date>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    approvals (resource_type, resource_id, organization_id) {
        resource_type -> Text,
        resource_id -> DbUuid,
        organization_id -> DbUuid,
        note -> Nullable<Text>,
        resolution_id -> Nullable<DbUuid>,
        by_user -> Nullable<DbUuid>,
        by_token -> Nullable<DbUuid>,
        approved_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    status_changes (id) {
        id -> DbUuid,
        resource_type -> Text,
        resource_id -> DbUuid,
        from_status -> Text,
        to_status -> Text,
        reason -> Nullable<Text>,
        by_user -> Nullable<DbUuid>,
        by_token -> Nullable<DbUuid>,
        at -> Timestamp,
    }
}
diesel::joinable!(agreement_parties -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(agreement_parties, organizations);
diesel::allow_tables_to_appear_in_same_query!(agreement_parties, agreements);

diesel::table! {
    event_sequence (id) {
        id -> Integer,
        last_position -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    webhooks (id) {
        id -> DbUuid,
        url -> Text,
        event_types -> Text,
        organization_id -> Nullable<DbUuid>,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    webhook_deliveries (id) {
        id -> DbUuid,
        webhook_id -> DbUuid,
        event_id -> DbUuid,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        duration_ms -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        payload -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    api_token_expiry_notices (token_id, days_before) {
        token_id -> DbUuid,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries);
diesel::allow_tables_to_appear_in_same_query!(api_tokens, api_token_expiry_notices);

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    capacities (id) {
        id -> DbUuid,
        organization_id -> DbUuid,
        kind -> Text,
        title -> Text,
        title_en -> Nullable<Text>,
        description -> Nullable<Text>,
        provider_member_id -> Nullable<DbUuid>,
        province -> Nullable<Text>,
        city -> Nullable<Text>,
        availability -> Text,
        agreement_id -> Nullable<DbUuid>,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    capacity_recipients (capacity_id, organization_id) {
        capacity_id -> DbUuid,
        organization_id -> DbUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    accreditations (id) {
        id -> DbUuid,
        capacity_id -> Nullable<DbUuid>,
        member_id -> Nullable<DbUuid>,
        standard -> Text,
        standard_text -> Nullable<Text>,
        body -> Text,
        certificate_number -> Nullable<Text>,
        scope -> Nullable<Text>,
        valid_from -> Date,
        valid_until -> Date,
        status -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    accreditation_expiry_notices (accreditation_id, days_before) {
        accreditation_id -> DbUuid,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    capacity_requests (id) {
        id -> DbUuid,
        capacity_id -> DbUuid,
        provider_id -> DbUuid,
        organization_id -> DbUuid,
        purpose -> Text,
        project_id -> Nullable<DbUuid>,
        agreement_id -> Nullable<DbUuid>,
        needed_from -> Nullable<Date>,
        needed_until -> Nullable<Date>,
        quantity -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> BigInt,
        created_by -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    capacity_request_steps (id) {
        id -> DbUuid,
        request_id -> DbUuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        organization_id -> DbUuid,
        by_actor -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::DbUuid;

    capacity_request_comments (id) {
        id -> DbUuid,
        request_id -> DbUuid,
        organization_id -> DbUuid,
        body -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}
diesel::joinable!(capacity_recipients -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(capacity_recipients, organizations);
diesel::allow_tables_to_appear_in_same_query!(capacities, accreditations);
diesel::allow_tables_to_appear_in_same_query!(accreditations, accreditation_expiry_notices);
diesel::joinable!(agreement_parties -> agreements (agreement_id));
diesel::joinable!(accreditations -> capacities (capacity_id));
