CREATE TABLE members (
    id uuid PRIMARY KEY,
    full_name text NOT NULL,
    full_name_en text,
    national_id text,
    email text,
    phone text,
    expertise text,
    search_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1
);
-- Unique when present; many members may have none.
CREATE UNIQUE INDEX members_national_id_unique ON members (national_id);
CREATE UNIQUE INDEX members_email_unique ON members (email);
CREATE INDEX members_created_at_idx ON members (created_at, id);
CREATE INDEX members_full_name_idx ON members (full_name, id);
CREATE INDEX members_search_trgm ON members USING gin (search_key gin_trgm_ops);

CREATE TABLE memberships (
    id uuid PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    -- An organization with member history is not deleted by accident.
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    role text NOT NULL CHECK (role IN ('member', 'board_member', 'board_chair', 'board_vice_chair', 'secretary', 'treasurer', 'inspector')),
    started_on date NOT NULL,
    ended_on date,
    end_reason text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX memberships_member_idx ON memberships (member_id, organization_id, started_on);
CREATE INDEX memberships_organization_idx ON memberships (organization_id, member_id, started_on);
-- Backstops for the rules the application checks in full (overlapping terms):
-- one open membership per person, organization and role; one open board chair per organization.
CREATE UNIQUE INDEX memberships_open_role_unique ON memberships (member_id, organization_id, role) WHERE ended_on IS NULL;
CREATE UNIQUE INDEX memberships_open_chair_unique ON memberships (organization_id) WHERE role = 'board_chair' AND ended_on IS NULL;
