-- Capacities organizations offer their partners, the accreditations behind them, and the
-- requests partners make for them.
CREATE TABLE capacities (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    kind text NOT NULL CHECK (kind IN ('testing', 'calibration', 'inspection', 'audit', 'certification', 'training', 'equipment', 'expert', 'facility')),
    title text NOT NULL,
    title_en text,
    description text,
    provider_member_id uuid REFERENCES members (id) ON DELETE SET NULL,
    province text,
    city text,
    availability text NOT NULL CHECK (availability IN ('available', 'limited', 'unavailable')),
    -- Offered to every party of this agreement; NULL: to the organizations in capacity_recipients.
    agreement_id uuid REFERENCES agreements (id) ON DELETE SET NULL,
    search_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    created_by text,
    updated_by text
);
CREATE INDEX capacities_created_at_idx ON capacities (created_at, id);
CREATE INDEX capacities_organization_idx ON capacities (organization_id);
CREATE INDEX capacities_provider_idx ON capacities (provider_member_id);
CREATE INDEX capacities_agreement_idx ON capacities (agreement_id);

CREATE INDEX capacities_search_trgm ON capacities USING gin (search_key gin_trgm_ops);

CREATE TABLE capacity_recipients (
    capacity_id uuid NOT NULL REFERENCES capacities (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (capacity_id, organization_id)
);
CREATE INDEX capacity_recipients_organization_idx ON capacity_recipients (organization_id, capacity_id);

CREATE TABLE accreditations (
    id uuid PRIMARY KEY,
    -- The capacity it backs, or the member (a person certified under ISO/IEC 17024, say).
    capacity_id uuid REFERENCES capacities (id) ON DELETE CASCADE,
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    standard text NOT NULL CHECK (standard IN ('iso_iec_17025', 'iso_iec_17020', 'iso_iec_17021_1', 'iso_iec_17024', 'other')),
    standard_text text,
    body text NOT NULL,
    certificate_number text,
    scope text,
    valid_from date NOT NULL,
    valid_until date NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    created_at timestamp NOT NULL,
    created_by text,
    CHECK ((capacity_id IS NULL) <> (member_id IS NULL))
);
CREATE INDEX accreditations_capacity_idx ON accreditations (capacity_id);
CREATE INDEX accreditations_member_idx ON accreditations (member_id);
CREATE INDEX accreditations_valid_until_idx ON accreditations (valid_until);

-- Which expiry warnings went out, so each is written once however many instances look.
CREATE TABLE accreditation_expiry_notices (
    accreditation_id uuid NOT NULL REFERENCES accreditations (id) ON DELETE CASCADE,
    days_before integer NOT NULL,
    sent_at timestamp NOT NULL,
    PRIMARY KEY (accreditation_id, days_before)
);

CREATE TABLE capacity_requests (
    id uuid PRIMARY KEY,
    capacity_id uuid NOT NULL REFERENCES capacities (id) ON DELETE RESTRICT,
    provider_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    purpose text NOT NULL,
    project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
    agreement_id uuid REFERENCES agreements (id) ON DELETE SET NULL,
    needed_from date,
    needed_until date,
    quantity text,
    status text NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'fulfilled', 'cancelled')),
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    created_by text,
    updated_by text
);
CREATE INDEX capacity_requests_created_at_idx ON capacity_requests (created_at, id);
CREATE INDEX capacity_requests_provider_idx ON capacity_requests (provider_id, created_at, id);
CREATE INDEX capacity_requests_requester_idx ON capacity_requests (organization_id, created_at, id);
CREATE INDEX capacity_requests_capacity_idx ON capacity_requests (capacity_id);

-- Each step of a request, with who took it.
CREATE TABLE capacity_request_steps (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES capacity_requests (id) ON DELETE CASCADE,
    from_status text,
    to_status text NOT NULL,
    organization_id uuid NOT NULL,
    by_actor text NOT NULL,
    at timestamp NOT NULL
);
CREATE INDEX capacity_request_steps_request_idx ON capacity_request_steps (request_id, at);

CREATE TABLE capacity_request_comments (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES capacity_requests (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL,
    body text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp NOT NULL
);
CREATE INDEX capacity_request_comments_request_idx ON capacity_request_comments (request_id, created_at, id);
