-- Cooperation agreements between two or more organizations, the approval every party gives
-- a joint item before it leaves its proposed or draft state, and the status steps of
-- agreements and working groups (projects keep their own history table).
CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    scope TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_force', 'expired', 'terminated')),
    valid_from DATE,
    valid_until DATE,
    document_url TEXT,
    document_name TEXT,
    document_sha256 TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX agreements_created_at_idx ON agreements (created_at, id);

CREATE TABLE agreement_parties (
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    signed_on DATE,
    PRIMARY KEY (agreement_id, organization_id)
);
CREATE INDEX agreement_parties_organization_idx ON agreement_parties (organization_id, agreement_id);

-- One row per organization that approved a project, working group or agreement. The item
-- is named by kind and id (no foreign key: three tables); deleting an item deletes its rows.
CREATE TABLE approvals (
    resource_type TEXT NOT NULL CHECK (resource_type IN ('project', 'working_group', 'agreement')),
    resource_id TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    note TEXT,
    resolution_id TEXT,
    by_user TEXT REFERENCES users (id) ON DELETE SET NULL,
    by_token TEXT REFERENCES api_tokens (id) ON DELETE SET NULL,
    approved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resource_type, resource_id, organization_id)
);

CREATE TABLE status_changes (
    id TEXT PRIMARY KEY NOT NULL,
    resource_type TEXT NOT NULL CHECK (resource_type IN ('working_group', 'agreement')),
    resource_id TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT,
    by_user TEXT REFERENCES users (id) ON DELETE SET NULL,
    by_token TEXT REFERENCES api_tokens (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX status_changes_resource_idx ON status_changes (resource_type, resource_id, at);

-- A new working group waits for every organization's approval. SQLite cannot change the
-- status column's CHECK in place (rebuilding the table would cascade into its members), so
-- "proposed" is stored as status 'active' with this flag set; existing groups stay active.
ALTER TABLE working_groups ADD COLUMN proposed BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE projects ADD COLUMN agreement_id TEXT REFERENCES agreements (id) ON DELETE SET NULL;
ALTER TABLE working_groups ADD COLUMN agreement_id TEXT REFERENCES agreements (id) ON DELETE SET NULL;
CREATE INDEX projects_agreement_idx ON projects (agreement_id);
CREATE INDEX working_groups_agreement_idx ON working_groups (agreement_id);
