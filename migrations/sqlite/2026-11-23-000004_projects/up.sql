CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    title_en TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('research', 'supervisory', 'educational', 'other')),
    summary TEXT,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'active', 'on_hold', 'completed', 'cancelled')),
    starts_on DATE,
    ends_on DATE,
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX projects_created_at_idx ON projects (created_at, id);
CREATE INDEX projects_status_idx ON projects (status, created_at, id);

CREATE VIRTUAL TABLE projects_fts USING fts5(search_key, tokenize = 'trigram');

CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT INTO projects_fts (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_key ON projects BEGIN
    UPDATE projects_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    DELETE FROM projects_fts WHERE rowid = old.rowid;
END;

CREATE TABLE project_organizations (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    role TEXT NOT NULL CHECK (role IN ('lead', 'partner', 'sponsor')),
    PRIMARY KEY (project_id, organization_id)
);
CREATE INDEX project_organizations_organization_idx ON project_organizations (organization_id, project_id);
-- Exactly one lead is checked by the application; at most one is also guaranteed here.
CREATE UNIQUE INDEX project_organizations_one_lead ON project_organizations (project_id) WHERE role = 'lead';

-- A team member represents an organization that takes part in the project.
CREATE TABLE project_members (
    project_id TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'researcher', 'inspector', 'trainer', 'member')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, member_id),
    FOREIGN KEY (project_id, organization_id) REFERENCES project_organizations (project_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX project_members_member_idx ON project_members (member_id, project_id);

CREATE TABLE project_transitions (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT,
    by_user TEXT REFERENCES users (id) ON DELETE SET NULL,
    by_token TEXT REFERENCES api_tokens (id) ON DELETE SET NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, at);

CREATE TABLE working_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    scope TEXT NOT NULL CHECK (scope IN ('specialized', 'general')),
    topic TEXT,
    mandate TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'dissolved')),
    established_on DATE,
    dissolved_on DATE,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX working_groups_created_at_idx ON working_groups (created_at, id);
CREATE INDEX working_groups_project_idx ON working_groups (project_id);

CREATE VIRTUAL TABLE working_groups_fts USING fts5(search_key, tokenize = 'trigram');

CREATE TRIGGER working_groups_fts_insert AFTER INSERT ON working_groups BEGIN
    INSERT INTO working_groups_fts (rowid, search_key) VALUES (new.rowid, new.search_key);
END;

CREATE TRIGGER working_groups_fts_update AFTER UPDATE OF search_key ON working_groups BEGIN
    UPDATE working_groups_fts SET search_key = new.search_key WHERE rowid = old.rowid;
END;

CREATE TRIGGER working_groups_fts_delete AFTER DELETE ON working_groups BEGIN
    DELETE FROM working_groups_fts WHERE rowid = old.rowid;
END;

CREATE TABLE working_group_organizations (
    group_id TEXT NOT NULL REFERENCES working_groups (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    PRIMARY KEY (group_id, organization_id)
);
CREATE INDEX working_group_organizations_organization_idx ON working_group_organizations (organization_id, group_id);

CREATE TABLE working_group_members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('chair', 'co_chair', 'secretary', 'member')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (group_id, organization_id) REFERENCES working_group_organizations (group_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX working_group_members_member_idx ON working_group_members (member_id, group_id);
CREATE UNIQUE INDEX working_group_members_one_chair ON working_group_members (group_id) WHERE role = 'chair';
CREATE UNIQUE INDEX working_group_members_one_co_chair ON working_group_members (group_id, organization_id) WHERE role = 'co_chair';
