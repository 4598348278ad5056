-- Cooperation agreements between two or more organizations, the approval every party gives
-- a joint item before it leaves its proposed or draft state, and the status steps of
-- agreements and working groups (projects keep their own history table).
CREATE TABLE agreements (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    summary text,
    scope text,
    status text NOT NULL CHECK (status IN ('draft', 'in_force', 'expired', 'terminated')),
    valid_from date,
    valid_until date,
    document_url text,
    document_name text,
    document_sha256 text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    created_by text,
    updated_by text
);
CREATE INDEX agreements_created_at_idx ON agreements (created_at, id);

CREATE TABLE agreement_parties (
    agreement_id uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    signed_on date,
    PRIMARY KEY (agreement_id, organization_id)
);
CREATE INDEX agreement_parties_organization_idx ON agreement_parties (organization_id, agreement_id);

-- One row per organization that approved a project, working group or agreement. The item
-- is named by kind and id (no foreign key: three tables); deleting an item deletes its rows.
CREATE TABLE approvals (
    resource_type text NOT NULL CHECK (resource_type IN ('project', 'working_group', 'agreement')),
    resource_id uuid NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    note text,
    resolution_id uuid,
    by_user uuid REFERENCES users (id) ON DELETE SET NULL,
    by_token uuid REFERENCES api_tokens (id) ON DELETE SET NULL,
    approved_at timestamp NOT NULL,
    PRIMARY KEY (resource_type, resource_id, organization_id)
);

CREATE TABLE status_changes (
    id uuid PRIMARY KEY,
    resource_type text NOT NULL CHECK (resource_type IN ('working_group', 'agreement')),
    resource_id uuid NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    reason text,
    by_user uuid REFERENCES users (id) ON DELETE SET NULL,
    by_token uuid REFERENCES api_tokens (id) ON DELETE SET NULL,
    at timestamp NOT NULL
);
CREATE INDEX status_changes_resource_idx ON status_changes (resource_type, resource_id, at);

-- A new working group waits for every organization's approval. SQLite cannot change the
-- status column's CHECK in place (rebuilding the table would cascade into its members), so
-- "proposed" is stored as status 'active' with this flag set; existing groups stay active.
ALTER TABLE working_groups ADD COLUMN proposed boolean NOT NULL DEFAULT FALSE;

ALTER TABLE projects ADD COLUMN agreement_id uuid REFERENCES agreements (id) ON DELETE SET NULL;
ALTER TABLE working_groups ADD COLUMN agreement_id uuid REFERENCES agreements (id) ON DELETE SET NULL;
CREATE INDEX projects_agreement_idx ON projects (agreement_id);
CREATE INDEX working_groups_agreement_idx ON working_groups (agreement_id);
