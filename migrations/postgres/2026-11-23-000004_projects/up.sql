CREATE TABLE projects (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    title_en text,
    kind text NOT NULL CHECK (kind IN ('research', 'supervisory', 'educational', 'other')),
    summary text,
    status text NOT NULL CHECK (status IN ('proposed', 'approved', 'active', 'on_hold', 'completed', 'cancelled')),
    starts_on date,
    ends_on date,
    search_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1
);
CREATE INDEX projects_created_at_idx ON projects (created_at, id);
CREATE INDEX projects_status_idx ON projects (status, created_at, id);
CREATE INDEX projects_search_trgm ON projects USING gin (search_key gin_trgm_ops);

CREATE TABLE project_organizations (
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    role text NOT NULL CHECK (role IN ('lead', 'partner', 'sponsor')),
    PRIMARY KEY (project_id, organization_id)
);
CREATE INDEX project_organizations_organization_idx ON project_organizations (organization_id, project_id);
-- Exactly one lead is checked by the application; at most one is also guaranteed here.
CREATE UNIQUE INDEX project_organizations_one_lead ON project_organizations (project_id) WHERE role = 'lead';

-- A team member represents an organization that takes part in the project.
CREATE TABLE project_members (
    project_id uuid NOT NULL,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('coordinator', 'researcher', 'inspector', 'trainer', 'member')),
    created_at timestamp NOT NULL,
    PRIMARY KEY (project_id, member_id),
    FOREIGN KEY (project_id, organization_id) REFERENCES project_organizations (project_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX project_members_member_idx ON project_members (member_id, project_id);

CREATE TABLE project_transitions (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    from_status text NOT NULL,
    to_status text NOT NULL,
    reason text,
    by_user uuid REFERENCES users (id) ON DELETE SET NULL,
    by_token uuid REFERENCES api_tokens (id) ON DELETE SET NULL,
    at timestamp NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, at);

CREATE TABLE working_groups (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    name_en text,
    scope text NOT NULL CHECK (scope IN ('specialized', 'general')),
    topic text,
    mandate text,
    status text NOT NULL CHECK (status IN ('active', 'dissolved')),
    established_on date,
    dissolved_on date,
    project_id uuid REFERENCES projects (id) ON DELETE SET NULL,
    search_key text NOT NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1
);
CREATE INDEX working_groups_created_at_idx ON working_groups (created_at, id);
CREATE INDEX working_groups_project_idx ON working_groups (project_id);
CREATE INDEX working_groups_search_trgm ON working_groups USING gin (search_key gin_trgm_ops);

CREATE TABLE working_group_organizations (
    group_id uuid NOT NULL REFERENCES working_groups (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    PRIMARY KEY (group_id, organization_id)
);
CREATE INDEX working_group_organizations_organization_idx ON working_group_organizations (organization_id, group_id);

CREATE TABLE working_group_members (
    group_id uuid NOT NULL,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('chair', 'co_chair', 'secretary', 'member')),
    created_at timestamp NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (group_id, organization_id) REFERENCES working_group_organizations (group_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX working_group_members_member_idx ON working_group_members (member_id, group_id);
CREATE UNIQUE INDEX working_group_members_one_chair ON working_group_members (group_id) WHERE role = 'chair';
CREATE UNIQUE INDEX working_group_members_one_co_chair ON working_group_members (group_id, organization_id) WHERE role = 'co_chair';
