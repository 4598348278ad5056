-- Meetings of a working group, of a joint project, or of two or more organizations' boards.
-- Their organizations are fixed when the meeting is created (meeting_organizations): who
-- took part in a meeting does not change when a group or project later gains a party.
CREATE TABLE meetings (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('board', 'working_group', 'project', 'general')),
    status text NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
    status_reason text,
    starts_at timestamp NOT NULL,
    ends_at timestamp NOT NULL,
    time_zone text NOT NULL,
    place text,
    online_url text,
    working_group_id uuid REFERENCES working_groups (id) ON DELETE RESTRICT,
    project_id uuid REFERENCES projects (id) ON DELETE RESTRICT,
    minutes text,
    minutes_finalized_at timestamp,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    created_by text,
    updated_by text,
    CHECK (ends_at > starts_at)
);
CREATE INDEX meetings_starts_at_idx ON meetings (starts_at, id);
CREATE INDEX meetings_working_group_idx ON meetings (working_group_id);
CREATE INDEX meetings_project_idx ON meetings (project_id);

CREATE TABLE meeting_organizations (
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    PRIMARY KEY (meeting_id, organization_id)
);
CREATE INDEX meeting_organizations_organization_idx ON meeting_organizations (organization_id, meeting_id);

CREATE TABLE meeting_agenda_items (
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position integer NOT NULL,
    title text NOT NULL,
    notes text,
    PRIMARY KEY (meeting_id, position)
);

-- A guest may represent no organization; anyone else represents a participating one.
CREATE TABLE meeting_attendees (
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    organization_id uuid,
    status text NOT NULL CHECK (status IN ('invited', 'present', 'absent', 'excused', 'guest')),
    created_at timestamp NOT NULL,
    PRIMARY KEY (meeting_id, member_id),
    FOREIGN KEY (meeting_id, organization_id) REFERENCES meeting_organizations (meeting_id, organization_id) ON DELETE RESTRICT
);
CREATE INDEX meeting_attendees_member_idx ON meeting_attendees (member_id, meeting_id);

CREATE TABLE resolutions (
    id uuid PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE RESTRICT,
    number integer NOT NULL,
    text text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('adopted', 'rejected', 'deferred')),
    created_at timestamp NOT NULL,
    created_by text
);
-- The numbers are assigned under the meeting's row lock; this index is the last guard.
CREATE UNIQUE INDEX resolutions_number_unique ON resolutions (meeting_id, number);

CREATE TABLE resolution_votes (
    resolution_id uuid NOT NULL REFERENCES resolutions (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    vote text NOT NULL CHECK (vote IN ('in_favour', 'against', 'abstained')),
    PRIMARY KEY (resolution_id, organization_id)
);

CREATE TABLE action_items (
    id uuid PRIMARY KEY,
    resolution_id uuid NOT NULL REFERENCES resolutions (id) ON DELETE RESTRICT,
    meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE RESTRICT,
    what text NOT NULL,
    owner_id uuid NOT NULL REFERENCES members (id) ON DELETE RESTRICT,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    due_on date NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    status_reason text,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    created_by text,
    updated_by text
);
CREATE INDEX action_items_created_at_idx ON action_items (created_at, id);
CREATE INDEX action_items_resolution_idx ON action_items (resolution_id);
CREATE INDEX action_items_meeting_idx ON action_items (meeting_id);
CREATE INDEX action_items_organization_idx ON action_items (organization_id, due_on);
CREATE INDEX action_items_owner_idx ON action_items (owner_id);
