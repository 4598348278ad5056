-- One row per committed change, written in the transaction that made it: the audit log
-- reads it now, the change feed and webhooks will read it later. Nothing else keeps history.
CREATE TABLE events (
    id uuid PRIMARY KEY,
    at timestamp NOT NULL,
    actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_token', 'system')),
    actor_id uuid,
    request_id text,
    resource_type text NOT NULL,
    resource_id uuid NOT NULL,
    action text NOT NULL,
    before_json text,
    after_json text
);
CREATE INDEX events_at_idx ON events (at, id);
CREATE INDEX events_resource_idx ON events (resource_id, id);
CREATE INDEX events_actor_idx ON events (actor_id, id);

-- The organizations an event concerns, so an editor's view and the organization filter
-- use an index instead of searching JSON.
CREATE TABLE event_organizations (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL,
    PRIMARY KEY (event_id, organization_id)
);
CREATE INDEX event_organizations_organization_idx ON event_organizations (organization_id, event_id);
