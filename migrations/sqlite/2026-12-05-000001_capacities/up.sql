-- Capacities organizations offer their partners, the accreditations behind them, and the
-- requests partners make for them.
CREATE TABLE capacities (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    kind TEXT NOT NULL CHECK (kind IN ('testing', 'calibration', 'inspection', 'audit', 'certification', 'training', 'equipment', 'expert', 'facility')),
    title TEXT NOT NULL,
    title_en TEXT,
    description TEXT,
    provider_member_id TEXT REFERENCES members (id) ON DELETE SET NULL,
    province TEXT,
    city TEXT,
    availability TEXT NOT NULL CHECK (availability IN ('available', 'limited', 'unavailable')),
    -- Offered to every party of this agreement; NULL: to the organizations in capacity_recipients.
    agreement_id TEXT REFERENCES agreements (id) ON DELETE SET NULL,
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX capacities_created_at_idx ON capacities (created_at, id);
CREATE INDEX capacities_organization_idx ON capacities (organization_id);
CREATE INDEX capacities_provider_idx ON capacities (provider_member_id);
CREATE INDEX capacities_agreement_idx ON capacities (agreement_id);

CREATE VIRTUAL TABLE capacities_fts USING fts5(search_key, tokenize = 'trigram');

CREATE TRIGGER capacities_fts_insert AFTER INSERT ON capacities BEGIN
    INSERT INTO capacities_fts (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER capacities_fts_update AFTER UPDATE OF search_key ON capacities
WHEN old.search_key IS NOT new.search_key BEGIN
    UPDATE capacities_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

CREATE TRIGGER capacities_fts_delete AFTER DELETE ON capacities BEGIN
    DELETE FROM capacities_fts WHERE rowid = old.rowid;
END;

CREATE TABLE capacity_recipients (
    capacity_id TEXT NOT NULL REFERENCES capacities (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (capacity_id, organization_id)
);
CREATE INDEX capacity_recipients_organization_idx ON capacity_recipients (organization_id, capacity_id);

CREATE TABLE accreditations (
    id TEXT PRIMARY KEY NOT NULL,
    -- The capacity it backs, or the member (a person certified under ISO/IEC 17024, say).
    capacity_id TEXT REFERENCES capacities (id) ON DELETE CASCADE,
    member_id TEXT REFERENCES members (id) ON DELETE CASCADE,
    standard TEXT NOT NULL CHECK (standard IN ('iso_iec_17025', 'iso_iec_17020', 'iso_iec_17021_1', 'iso_iec_17024', 'other')),
    standard_text TEXT,
    body TEXT NOT NULL,
    certificate_number TEXT,
    scope TEXT,
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT,
    CHECK ((capacity_id IS NULL) <> (member_id IS NULL))
);
CREATE INDEX accreditations_capacity_idx ON accreditations (capacity_id);
CREATE INDEX accreditations_member_idx ON accreditations (member_id);
CREATE INDEX accreditations_valid_until_idx ON accreditations (valid_until);

-- Which expiry warnings went out, so each is written once however many instances look.
CREATE TABLE accreditation_expiry_notices (
    accreditation_id TEXT NOT NULL REFERENCES accreditations (id) ON DELETE CASCADE,
    days_before INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (accreditation_id, days_before)
);

CREATE TABLE capacity_requests (
    id TEXT PRIMARY KEY NOT NULL,
    capacity_id TEXT NOT NULL REFERENCES capacities (id) ON DELETE RESTRICT,
    provider_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    purpose TEXT NOT NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    agreement_id TEXT REFERENCES agreements (id) ON DELETE SET NULL,
    needed_from DATE,
    needed_until DATE,
    quantity TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'fulfilled', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX capacity_requests_created_at_idx ON capacity_requests (created_at, id);
CREATE INDEX capacity_requests_provider_idx ON capacity_requests (provider_id, created_at, id);
CREATE INDEX capacity_requests_requester_idx ON capacity_requests (organization_id, created_at, id);
CREATE INDEX capacity_requests_capacity_idx ON capacity_requests (capacity_id);

-- Each step of a request, with who took it.
CREATE TABLE capacity_request_steps (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES capacity_requests (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    by_actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX capacity_request_steps_request_idx ON capacity_request_steps (request_id, at);

CREATE TABLE capacity_request_comments (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES capacity_requests (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX capacity_request_comments_request_idx ON capacity_request_comments (request_id, created_at, id);
