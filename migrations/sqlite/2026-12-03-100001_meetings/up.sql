-- Meetings of a working group, of a joint project, or of two or more organizations' boards.
-- Their organizations are fixed when the meeting is created (meeting_organizations): who
-- took part in a meeting does not change when a group or project later gains a party.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('board', 'working_group', 'project', 'general')),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
    status_reason TEXT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    time_zone TEXT NOT NULL,
    place TEXT,
    online_url TEXT,
    working_group_id TEXT REFERENCES working_groups (id) ON DELETE RESTRICT,
    project_id TEXT REFERENCES projects (id) ON DELETE RESTRICT,
    minutes TEXT,
    minutes_finalized_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT,
    updated_by TEXT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_starts_at_idx ON meetings (starts_at, id);
CREATE INDEX meetings_working_group_idx ON meetings (working_group_id);
CREATE INDEX meetings_project_idx ON meetings (project_id);

CREATE TABLE meeting_organizations (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    PRIMARY KEY (meeting_id, organization_id)
);
CREATE INDEX meeting_organizations_organization_idx ON meeting_organizations (organization_id, meeting_id);

CREATE TABLE meeting_agenda_items (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    notes TEXT,
    PRIMARY KEY (meeting_id, position)
);

-- A guest may represent no organization; anyone else represents a participating one.
CREATE TABLE meeting_attendees (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('invited', 'present', 'absent', 'excused', 'guest')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, member_id),
    FOREIGN KEY (meeting_id, organization_id) REFERENCES meeting_organizations (meeting_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX meeting_attendees_member_idx ON meeting_attendees (member_id, meeting_id);

CREATE TABLE resolutions (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE RESTRICT,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('adopted', 'rejected', 'deferred')),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT
);
-- The numbers are assigned under the meeting's row lock; this index is the last guard.
CREATE UNIQUE INDEX resolutions_number_unique ON resolutions (meeting_id, number);

CREATE TABLE resolution_votes (
    resolution_id TEXT NOT NULL REFERENCES resolutions (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    vote TEXT NOT NULL CHECK (vote IN ('in_favour', 'against', 'abstained')),
    PRIMARY KEY (resolution_id, organization_id)
);

CREATE TABLE action_items (
    id TEXT PRIMARY KEY NOT NULL,
    resolution_id TEXT NOT NULL REFERENCES resolutions (id) ON DELETE RESTRICT,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE RESTRICT,
    what TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES members (id) ON DELETE RESTRICT,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    due_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    status_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX action_items_created_at_idx ON action_items (created_at, id);
CREATE INDEX action_items_resolution_idx ON action_items (resolution_id);
CREATE INDEX action_items_meeting_idx ON action_items (meeting_id);
CREATE INDEX action_items_organization_idx ON action_items (organization_id, due_on);
CREATE INDEX action_items_owner_idx ON action_items (owner_id);
